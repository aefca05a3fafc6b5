package depot

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
)

var errChanged = &fault.Error{Code: fault.Stale, Message: "the ticket has changed since you read it"}

// errDuplicate is a lost race on the (work order, device) key.
var errDuplicate = errors.New("depot: duplicate ticket")

// body is the part of a ticket stored as one JSON document.
type body struct {
	WorkOrderNumber string          `json:"work_order_number"`
	Model           string          `json:"model"`
	Manufacturer    string          `json:"manufacturer,omitempty"`
	Stages          []string        `json:"stages"`
	Rework          string          `json:"rework"`
	Missing         []string        `json:"missing"`
	Contents        PackageContents `json:"contents"`
	Photos          []string        `json:"photos"`
	QAFailures      int             `json:"qa_failures"`
	ReleasedAt      *time.Time      `json:"released_at,omitempty"`
}

func (t *Ticket) body() body {
	return body{t.WorkOrderNumber, t.Model, t.Manufacturer, t.Stages, t.Rework, t.Missing, t.Contents, t.Photos, t.QAFailures, t.ReleasedAt}
}

func (t *Ticket) setBody(b body) {
	t.WorkOrderNumber, t.Model, t.Manufacturer, t.Stages, t.Rework = b.WorkOrderNumber, b.Model, b.Manufacturer, b.Stages, b.Rework
	t.Missing, t.Contents, t.Photos, t.QAFailures, t.ReleasedAt = nonNil(b.Missing), b.Contents, nonNil(b.Photos), b.QAFailures, b.ReleasedAt
	t.Contents.Expected, t.Contents.Received = nonNil(t.Contents.Expected), nonNil(t.Contents.Received)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const columns = `id, number, work_order_id, provider_id, device_id, serial, service_type, template, stage, status, resale,
	issue_key, received_at, stage_since, ready_at, created_at, updated_at, version, body`

func scan(row interface{ Scan(...any) error }) (*Ticket, error) {
	var (
		t                                   Ticket
		received, since, ready, created, up db.Time
		raw                                 []byte
	)
	err := row.Scan(&t.ID, &t.Number, &t.WorkOrderID, &t.providerID, &t.DeviceID, &t.Serial, &t.ServiceType, &t.Template,
		&t.Stage, &t.Status, &t.Resale, &t.IssueKey, &received, &since, &ready, &created, &up, &t.Version, &raw)
	if err != nil {
		return nil, db.Translate(err)
	}
	var b body
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("depot ticket %s body: %w", t.ID, err)
	}
	t.setBody(b)
	t.ReceivedAt, t.StageSince, t.ReadyAt, t.CreatedAt, t.UpdatedAt = received.Time, since.Time, ready.Ptr(), created.Time, up.Time
	return &t, nil
}

func optTime(t *time.Time) db.Time {
	if t == nil {
		return db.Time{}
	}
	return db.T(*t)
}

func insert(ctx context.Context, tx *db.Tx, t *Ticket) error {
	b, err := json.Marshal(t.body())
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO depot_tickets (id, number, work_order_id, provider_id, device_id, serial, service_type,
		template, stage, status, resale, issue_key, received_at, stage_since, ready_at, created_at, updated_at, version, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '', $12, $12, NULL, $12, $12, 1, $13)`,
		t.ID, t.Number, t.WorkOrderID, t.providerID, t.DeviceID, t.Serial, t.ServiceType, t.Template, t.Stage, string(t.Status),
		t.Resale, db.T(t.ReceivedAt), string(b))
	if db.IsUniqueViolation(err) {
		return errDuplicate
	}
	return db.Translate(err)
}

// update writes every mutable column of t, guarded by the version it was
// read at, and bumps the version.
func update(ctx context.Context, tx *db.Tx, t *Ticket) error {
	b, err := json.Marshal(t.body())
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE depot_tickets SET stage = $1, status = $2, resale = $3, stage_since = $4, ready_at = $5,
		updated_at = $6, version = version + 1, body = $7 WHERE id = $8 AND version = $9`,
		t.Stage, string(t.Status), t.Resale, db.T(t.StageSince), optTime(t.ReadyAt), db.T(tx.Now), string(b), t.ID, t.Version)
	if err != nil {
		return db.Translate(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errChanged
	}
	t.Version++
	t.UpdatedAt = tx.Now
	return nil
}

// appendLog adds e to the ticket's stage log with the next sequence number.
func appendLog(ctx context.Context, tx *db.Tx, ticketID string, e *LogEntry) error {
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM depot_ticket_log WHERE ticket_id = $1`, ticketID).
		Scan(&e.Seq); err != nil {
		return db.Translate(err)
	}
	e.At = tx.Now
	raw, err := json.Marshal(logBody{e.To, e.Notes, e.Reason, e.Photos, e.Parts, e.Measurements, e.Items})
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO depot_ticket_log (ticket_id, seq, stage, outcome, actor_kind, actor_id, actor_name, at, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		ticketID, e.Seq, e.Stage, e.Outcome, e.Actor.Kind, e.Actor.ID, e.Actor.Name, db.T(e.At), string(raw))
	return db.Translate(err)
}

type logBody struct {
	To           string          `json:"to,omitempty"`
	Notes        string          `json:"notes,omitempty"`
	Reason       string          `json:"reason,omitempty"`
	Photos       []string        `json:"photos,omitempty"`
	Parts        []PartUsed      `json:"parts,omitempty"`
	Measurements []MeasuredValue `json:"measurements,omitempty"`
	Items        []string        `json:"items,omitempty"`
}

func readLog(ctx context.Context, q db.Querier, ticketID string) ([]LogEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, stage, outcome, actor_kind, actor_id, actor_name, at, body
		FROM depot_ticket_log WHERE ticket_id = $1 ORDER BY seq`, ticketID)
	return db.Collect(rows, err, func(r *sql.Rows) (LogEntry, error) {
		var (
			e   LogEntry
			at  db.Time
			raw []byte
			b   logBody
		)
		if err := r.Scan(&e.Seq, &e.Stage, &e.Outcome, &e.Actor.Kind, &e.Actor.ID, &e.Actor.Name, &at, &raw); err != nil {
			return e, db.Translate(err)
		}
		if err := json.Unmarshal(raw, &b); err != nil {
			return e, err
		}
		e.At = at.Time
		e.To, e.Notes, e.Reason, e.Photos, e.Parts, e.Measurements, e.Items = b.To, b.Notes, b.Reason, b.Photos, b.Parts, b.Measurements, b.Items
		return e, nil
	})
}

// load reads one ticket; suffix is a row lock inside a transaction.
func load(ctx context.Context, q db.Querier, id, suffix string) (*Ticket, error) {
	t, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM depot_tickets WHERE id = $1`+suffix, id))
	if fault.Is(err, fault.NotFound) {
		return nil, fault.Errorf(fault.NotFound, "no depot ticket %q", id)
	}
	return t, err
}
