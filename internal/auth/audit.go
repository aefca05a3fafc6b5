package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/page"
)

// Outcomes of an audited action.
const (
	OutcomeOK     = "ok"     // the action happened
	OutcomeDenied = "denied" // the caller was refused (bad credentials, no role, throttled)
	OutcomeFailed = "failed" // the action was attempted and failed for another reason
)

// Actions this package audits. Other packages choose their own names in the
// same "noun.verb_past" form.
const (
	ActionUserCreated         = "user.created"
	ActionUserRolesChanged    = "user.roles_changed"
	ActionUserPasswordChanged = "user.password_changed"
	ActionUserDisabled        = "user.disabled"
	ActionUserEnabled         = "user.enabled"
	ActionSigninSucceeded     = "signin.succeeded"
	ActionSigninFailed        = "signin.failed"
	ActionSigninThrottled     = "signin.throttled"
	ActionKeyCreated          = "apikey.created"
	ActionKeyRevoked          = "apikey.revoked"
)

// AuditEntry is one thing worth remembering: who did what to which subject,
// from where, and how it ended. Subjects are written "type:id" (user:…,
// apikey:…) so one filter finds everything that touched a thing.
type AuditEntry struct {
	ActorKind string
	ActorID   string
	Action    string
	Subject   string
	Outcome   string // OutcomeOK when empty
	Remote    string // taken from the context (WithRemote) when empty
	Detail    map[string]any
}

// Entry starts an audit entry for an action by p (nil means the system).
func Entry(p *Principal, action, subject string) AuditEntry {
	return AuditEntry{ActorKind: p.ActorKind(), ActorID: p.ActorID(), Action: action, Subject: subject}
}

// Denied is the audit entry for p being refused action.
func Denied(p *Principal, action string) AuditEntry {
	e := Entry(p, "authz.denied", action)
	e.Outcome = OutcomeDenied
	return e
}

// AuditRecord is an entry as stored.
type AuditRecord struct {
	ID int64     `json:"id"`
	At time.Time `json:"at"`

	ActorKind string         `json:"actor_kind"`
	ActorID   string         `json:"actor_id,omitempty"`
	Action    string         `json:"action"`
	Subject   string         `json:"subject,omitempty"`
	Outcome   string         `json:"outcome"`
	Remote    string         `json:"remote,omitempty"`
	Detail    map[string]any `json:"detail"`
}

// Audit appends e to the audit log through q at time at. Pass the caller's
// transaction so that the entry commits or rolls back with the decision it
// records.
func Audit(ctx context.Context, q db.Querier, at time.Time, e AuditEntry) error {
	if strings.TrimSpace(e.Action) == "" {
		return fmt.Errorf("auth: audit entry without an action")
	}
	if e.ActorKind == "" {
		e.ActorKind = KindSystem
	}
	if e.Outcome == "" {
		e.Outcome = OutcomeOK
	}
	if e.Remote == "" {
		e.Remote = RemoteFrom(ctx)
	}
	detail := []byte("{}")
	if len(e.Detail) > 0 {
		var err error
		if detail, err = json.Marshal(e.Detail); err != nil {
			return fmt.Errorf("auth: audit detail: %w", err)
		}
	}
	_, err := q.ExecContext(ctx, `INSERT INTO audit_log (at, actor_kind, actor_id, action, subject, outcome, remote, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		db.T(at), e.ActorKind, e.ActorID, e.Action, e.Subject, e.Outcome, e.Remote, string(detail))
	return db.Translate(err)
}

// RecordAudit appends e in a transaction of its own, for entries that stand
// alone, such as a refused authorisation.
func (s *Service) RecordAudit(ctx context.Context, e AuditEntry) error {
	return s.store.InTx(ctx, func(tx *db.Tx) error { return Audit(ctx, tx, tx.Now, e) })
}

// AuditFilter selects audit records; empty fields match everything. Records
// come newest first; pass the last ID seen as Before for the next page.
type AuditFilter struct {
	Action  string
	ActorID string
	Subject string
	Before  int64
	Limit   int
}

// AuditLog returns audit records matching f, newest first, at most
// page.Limit(f.Limit) of them.
func (s *Service) AuditLog(ctx context.Context, f AuditFilter) ([]AuditRecord, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Action != "" {
		add("action = $%d", f.Action)
	}
	if f.ActorID != "" {
		add("actor_id = $%d", f.ActorID)
	}
	if f.Subject != "" {
		add("subject = $%d", f.Subject)
	}
	if f.Before > 0 {
		add("id < $%d", f.Before)
	}
	q := `SELECT id, at, actor_kind, actor_id, action, subject, outcome, remote, detail FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, page.Limit(f.Limit))
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args))
	rows, err := s.store.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, db.Translate(err)
	}
	defer rows.Close()
	out := []AuditRecord{}
	for rows.Next() {
		var (
			r      AuditRecord
			at     db.Time
			detail []byte
		)
		if err := rows.Scan(&r.ID, &at, &r.ActorKind, &r.ActorID, &r.Action, &r.Subject, &r.Outcome, &r.Remote, &detail); err != nil {
			return nil, db.Translate(err)
		}
		r.At = at.Time
		if err := json.Unmarshal(detail, &r.Detail); err != nil {
			return nil, fmt.Errorf("audit record %d: %w", r.ID, err)
		}
		out = append(out, r)
	}
	return out, db.Translate(rows.Err())
}
