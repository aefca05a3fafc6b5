package auth

import (
	"context"
	"database/sql"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/page"
	"github.com/google/uuid"
)

// User is a person who signs in: staff or a contractor. The password hash
// never leaves the package.
type User struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Roles     []Role    `json:"roles"`
	SubjectID string    `json:"subject_id,omitempty"`
	Disabled  bool      `json:"disabled"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Principal returns the principal u signs in as.
func (u User) Principal() *Principal {
	return &Principal{Kind: u.Kind, UserID: u.ID, Email: u.Email, Name: u.Name,
		Roles: slices.Clone(u.Roles), SubjectID: u.SubjectID}
}

// NewUser is what CreateUser needs.
type NewUser struct {
	Kind      string // KindStaff or KindContractor
	Email     string
	Name      string
	Roles     []Role
	Password  string
	SubjectID string // contractor profile id, for contractors
}

// NormalizeEmail trims and lower-cases an address. Addresses are compared
// case-insensitively: nobody expects Ann@X and ann@x to be two accounts.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func validEmail(s string) bool {
	if s == "" || len(s) > 254 {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

// normalize cleans n in place and reports every bad field.
func (n *NewUser) normalize() error {
	n.Kind = strings.TrimSpace(n.Kind)
	n.Email = NormalizeEmail(n.Email)
	n.Name = strings.TrimSpace(n.Name)
	n.SubjectID = strings.TrimSpace(n.SubjectID)
	var f fault.Fields
	f.Check(n.Kind == KindStaff || n.Kind == KindContractor, "kind", "must be staff or contractor")
	f.Check(validEmail(n.Email), "email", "is not an e-mail address")
	f.Check(n.Name != "" && len(n.Name) <= 200, "name", "is required (at most 200 characters)")
	f.Check(len(n.SubjectID) <= 100, "subject_id", "at most 100 characters")
	n.Roles = normalizeRoles(n.Roles)
	checkRoles(&f, n.Kind, n.Roles)
	checkPassword(&f, n.Password)
	return f.Err()
}

func checkRoles(f *fault.Fields, kind string, roles []Role) {
	for _, r := range roles {
		f.Check(r.Valid(), "roles", "unknown role "+quote(string(r))+"; must be one of "+roleList())
	}
	switch kind {
	case KindContractor:
		f.Check(len(roles) == 0, "roles", "contractors cannot hold staff roles")
	case KindStaff:
		f.Check(len(roles) > 0, "roles", "staff need at least one role")
	}
}

func quote(s string) string { return `"` + s + `"` }

// CreateUser adds a user. by is who does it (nil: the system, e.g. the first
// admin at bootstrap).
func (s *Service) CreateUser(ctx context.Context, n NewUser, by *Principal) (User, error) {
	pu, err := s.PrepareUser(ctx, n)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.store.InTx(ctx, func(tx *db.Tx) error {
		u, err = s.CreateUserTx(ctx, tx, pu, by)
		return err
	})
	return u, err
}

// PreparedUser is a new user checked and with the password hashed, ready to
// be written in a transaction.
type PreparedUser struct {
	n    NewUser
	hash string
}

// WithSubject links the prepared account to the profile it belongs to,
// once that profile's id is known (inside the same transaction).
func (pu PreparedUser) WithSubject(id string) PreparedUser {
	pu.n.SubjectID = id
	return pu
}

// PrepareUser checks n and hashes its password. It runs before the
// transaction that writes the user: hashing is slow, and on SQLite a
// transaction holds the only writer.
func (s *Service) PrepareUser(ctx context.Context, n NewUser) (PreparedUser, error) {
	if err := n.normalize(); err != nil {
		return PreparedUser{}, err
	}
	hash, err := s.hash(ctx, n.Password)
	if err != nil {
		return PreparedUser{}, err
	}
	return PreparedUser{n: n, hash: hash}, nil
}

// CreateUserTx writes a prepared user inside the caller's transaction, so
// that an account and what it belongs to (a contractor's profile) commit
// together or not at all. A taken e-mail is a conflict naming email.
func (s *Service) CreateUserTx(ctx context.Context, tx *db.Tx, pu PreparedUser, by *Principal) (User, error) {
	n := pu.n
	u := User{ID: uuid.Must(uuid.NewV7()).String(), Kind: n.Kind, Email: n.Email, Name: n.Name,
		Roles: n.Roles, SubjectID: n.SubjectID, Version: 1, CreatedAt: tx.Now, UpdatedAt: tx.Now}
	_, err := tx.ExecContext(ctx, `INSERT INTO users (id, kind, email, name, password_hash, roles, subject_id, disabled, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)`,
		u.ID, u.Kind, u.Email, u.Name, pu.hash, joinRoles(u.Roles), nullable(u.SubjectID), false, db.T(tx.Now))
	if db.IsUniqueViolation(err) {
		return User{}, &fault.Error{Code: fault.Conflict, Message: "a user with this email exists",
			Fields: []fault.FieldError{{Field: "email", Reason: "is taken"}}}
	}
	if err != nil {
		return User{}, db.Translate(err)
	}
	e := Entry(by, ActionUserCreated, "user:"+u.ID)
	e.Detail = map[string]any{"kind": u.Kind, "email": u.Email, "roles": u.Roles}
	return u, Audit(ctx, tx, tx.Now, e)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

const userColumns = `id, kind, email, name, roles, subject_id, disabled, version, created_at, updated_at`

// scanUser reads userColumns, plus the password hash when hash is not nil.
func scanUser(row interface{ Scan(...any) error }, hash *string) (User, error) {
	var (
		u                User
		roles            string
		subject          sql.NullString
		created, updated db.Time
	)
	dest := []any{&u.ID, &u.Kind, &u.Email, &u.Name, &roles, &subject, &u.Disabled, &u.Version, &created, &updated}
	if hash != nil {
		dest = append(dest, hash)
	}
	if err := row.Scan(dest...); err != nil {
		return User{}, db.Translate(err)
	}
	u.Roles, u.SubjectID = splitRoles(roles), subject.String
	u.CreatedAt, u.UpdatedAt = created.Time, updated.Time
	return u, nil
}

func notFoundUser(err error, id string) error {
	if fault.Is(err, fault.NotFound) {
		return fault.Errorf(fault.NotFound, "no user %q", id)
	}
	return err
}

// GetUser returns the user with id.
func (s *Service) GetUser(ctx context.Context, id string) (User, error) {
	u, err := scanUser(s.store.Read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id), nil)
	return u, notFoundUser(err, id)
}

// UserByEmail returns the user with the e-mail address, in any case.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	email = NormalizeEmail(email)
	u, err := scanUser(s.store.Read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, email), nil)
	if fault.Is(err, fault.NotFound) {
		return User{}, fault.Errorf(fault.NotFound, "no user with e-mail %q", email)
	}
	return u, err
}

// UserFilter selects users for ListUsers; empty fields match everything.
type UserFilter struct {
	Kind   string
	Cursor string
	Limit  int
}

// ListUsers returns users ordered by e-mail, a page at a time, and the
// cursor of the next page ("" at the end).
func (s *Service) ListUsers(ctx context.Context, f UserFilter) ([]User, string, error) {
	var after string
	if _, err := page.Decode(f.Cursor, &after); err != nil {
		return nil, "", err
	}
	limit := page.Limit(f.Limit)
	rows, err := s.store.Read.QueryContext(ctx, `SELECT `+userColumns+` FROM users
		WHERE email > $1 AND ($2 = '' OR kind = $2) ORDER BY email LIMIT $3`, after, f.Kind, limit+1)
	if err != nil {
		return nil, "", db.Translate(err)
	}
	defer rows.Close()
	out := []User{}
	for rows.Next() {
		u, err := scanUser(rows, nil)
		if err != nil {
			return nil, "", err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, "", db.Translate(err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = page.Encode(out[limit-1].Email)
	}
	return out, next, nil
}

// SessionUser rebuilds the principal of a signed-in session from its user
// id, so that a role change or a disabled account takes effect on the next
// request rather than at the next sign-in.
func (s *Service) SessionUser(ctx context.Context, userID string) (*Principal, error) {
	u, err := s.GetUser(ctx, userID)
	if fault.Is(err, fault.NotFound) || (err == nil && u.Disabled) {
		return nil, fault.Errorf(fault.Unauthorized, "your session has ended; sign in again")
	}
	if err != nil {
		return nil, err
	}
	return u.Principal(), nil
}
