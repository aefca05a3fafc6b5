package auth

import (
	"context"
	"slices"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// SetRoles replaces a user's roles. Contractors cannot hold roles, staff need
// at least one, and the last enabled admin cannot give up admin (nobody
// would be left to manage users).
func (s *Service) SetRoles(ctx context.Context, id string, roles []Role, by *Principal) (User, error) {
	roles = normalizeRoles(roles)
	return s.changeUser(ctx, id, func(tx *db.Tx, u *User) (*AuditEntry, error) {
		var f fault.Fields
		checkRoles(&f, u.Kind, roles)
		if err := f.Err(); err != nil {
			return nil, err
		}
		if slices.Equal(u.Roles, roles) {
			return nil, nil
		}
		before := u.Roles
		if slices.Contains(before, RoleAdmin) && !slices.Contains(roles, RoleAdmin) && !u.Disabled {
			if err := s.keepAnAdmin(ctx, tx, u.ID); err != nil {
				return nil, err
			}
		}
		u.Roles = roles
		if _, err := tx.ExecContext(ctx, `UPDATE users SET roles = $1 WHERE id = $2`, joinRoles(roles), u.ID); err != nil {
			return nil, db.Translate(err)
		}
		e := Entry(by, ActionUserRolesChanged, "user:"+u.ID)
		e.Detail = map[string]any{"before": before, "after": roles}
		return &e, nil
	})
}

// SetPassword replaces a user's password.
func (s *Service) SetPassword(ctx context.Context, id, password string, by *Principal) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return err
	}
	_, err = s.changeUser(ctx, id, func(tx *db.Tx, u *User) (*AuditEntry, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, u.ID); err != nil {
			return nil, db.Translate(err)
		}
		e := Entry(by, ActionUserPasswordChanged, "user:"+u.ID)
		return &e, nil
	})
	return err
}

// DisableUser stops a user signing in and ends their sessions at the next
// request (SessionUser refuses them). Disabling a disabled user changes
// nothing. The last enabled admin cannot be disabled.
func (s *Service) DisableUser(ctx context.Context, id string, by *Principal) (User, error) {
	return s.setDisabled(ctx, id, true, by)
}

// EnableUser lets a disabled user sign in again.
func (s *Service) EnableUser(ctx context.Context, id string, by *Principal) (User, error) {
	return s.setDisabled(ctx, id, false, by)
}

func (s *Service) setDisabled(ctx context.Context, id string, disabled bool, by *Principal) (User, error) {
	return s.changeUser(ctx, id, func(tx *db.Tx, u *User) (*AuditEntry, error) {
		if u.Disabled == disabled {
			return nil, nil
		}
		if disabled && slices.Contains(u.Roles, RoleAdmin) {
			if err := s.keepAnAdmin(ctx, tx, u.ID); err != nil {
				return nil, err
			}
		}
		u.Disabled = disabled
		if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled = $1 WHERE id = $2`, disabled, u.ID); err != nil {
			return nil, db.Translate(err)
		}
		action := ActionUserEnabled
		if disabled {
			action = ActionUserDisabled
		}
		e := Entry(by, action, "user:"+u.ID)
		return &e, nil
	})
}

// keepAnAdmin fails unless some enabled admin other than id exists.
func (s *Service) keepAnAdmin(ctx context.Context, tx *db.Tx, id string) error {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users
		WHERE id <> $1 AND kind = 'staff' AND disabled = $2 AND (',' || roles || ',') LIKE '%,admin,%'`, id, false).Scan(&n)
	if err != nil {
		return db.Translate(err)
	}
	if n == 0 {
		return fault.Errorf(fault.Conflict, "this is the last enabled admin; make another admin first")
	}
	return nil
}

// changeUser loads the user for update, lets fn change it, and when fn
// returns an audit entry bumps the version and writes the entry, all in one
// transaction. fn returning no entry means nothing changed.
func (s *Service) changeUser(ctx context.Context, id string, fn func(tx *db.Tx, u *User) (*AuditEntry, error)) (User, error) {
	var out User
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		if err := lockUsers(ctx, tx); err != nil {
			return err
		}
		u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id), nil)
		if err != nil {
			return notFoundUser(err, id)
		}
		e, err := fn(tx, &u)
		if err != nil || e == nil {
			out = u
			return err
		}
		u.Version++
		u.UpdatedAt = tx.Now
		if _, err := tx.ExecContext(ctx, `UPDATE users SET version = $1, updated_at = $2 WHERE id = $3`, u.Version, db.T(tx.Now), u.ID); err != nil {
			return db.Translate(err)
		}
		out = u
		return Audit(ctx, tx, tx.Now, *e)
	})
	if err != nil {
		return User{}, err
	}
	return out, nil
}

// userLockID is the PostgreSQL advisory lock that serialises changes to
// users ("fh-users" in ASCII).
const userLockID = 0x66682d7573657273

// lockUsers serialises user changes on PostgreSQL, so that two admins
// demoting each other at once cannot both pass the last-admin check. They
// are rare, so one lock for all costs nothing. SQLite's single writer
// already serialises every transaction.
func lockUsers(ctx context.Context, tx *db.Tx) error {
	if tx.Engine() != db.Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(userLockID))
	return db.Translate(err)
}

// ActionUserSubjectLinked is audited when a contractor account is linked to
// its contractor profile.
const ActionUserSubjectLinked = "user.subject_linked"

// LinkSubject links a contractor account to the contractor profile it acts
// for: what the account may reach follows from this id, so the change is
// audited. Staff accounts have no subject.
func (s *Service) LinkSubject(ctx context.Context, id, subjectID string, by *Principal) (User, error) {
	return s.changeUser(ctx, id, func(tx *db.Tx, u *User) (*AuditEntry, error) {
		if u.Kind != KindContractor {
			return nil, &fault.Error{Code: fault.Invalid, Message: "only contractor accounts link to a contractor profile",
				Fields: []fault.FieldError{{Field: "subject_id", Reason: "staff accounts have no subject"}}}
		}
		if subjectID == "" || len(subjectID) > 100 {
			return nil, &fault.Error{Code: fault.Invalid, Message: "validation failed",
				Fields: []fault.FieldError{{Field: "subject_id", Reason: "is required (at most 100 characters)"}}}
		}
		if u.SubjectID == subjectID {
			return nil, nil
		}
		before := u.SubjectID
		u.SubjectID = subjectID
		if _, err := tx.ExecContext(ctx, `UPDATE users SET subject_id = $1 WHERE id = $2`, subjectID, u.ID); err != nil {
			return nil, db.Translate(err)
		}
		e := Entry(by, ActionUserSubjectLinked, "user:"+u.ID)
		e.Detail = map[string]any{"before": before, "after": subjectID}
		return &e, nil
	})
}
