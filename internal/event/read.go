package event

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// List limits: a feed is read page by page, by Seq.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
	maxListTypes     = 50
)

const columns = `seq, id, type, subject_type, subject_id, provider_id, actor_kind, actor_id, actor_name, payload, at, work_order_id, staff_only`

// WorkOrderSubject is the subject type of work orders; events about one get
// its id as WorkOrderID without the caller saying so.
const WorkOrderSubject = "work_order"

// ListFilter selects events for a feed. Zero fields select everything.
type ListFilter struct {
	// AfterSeq returns only events after this one: pass the last Seq of a
	// page to read the next.
	AfterSeq int64
	// Types selects exact event types.
	Types []string
	// ProviderID selects the events of one provider's subjects.
	ProviderID string
	// Limit caps the page: 0 means DefaultListLimit, at most MaxListLimit.
	Limit int
}

// Get returns the event with id, or fault.NotFound.
func (b *Bus) Get(ctx context.Context, q db.Querier, id string) (Event, error) {
	list, err := query(ctx, q, `SELECT `+columns+` FROM events WHERE id = $1`, id)
	if err != nil {
		return Event{}, err
	}
	if len(list) == 0 {
		return Event{}, fault.Errorf(fault.NotFound, "event %s not found", id)
	}
	return list[0], nil
}

// ForSubject returns every event of one subject in the order they happened:
// a work order's timeline.
func (b *Bus) ForSubject(ctx context.Context, q db.Querier, subjectType, subjectID string) ([]Event, error) {
	return query(ctx, q, `SELECT `+columns+` FROM events WHERE subject_type = $1 AND subject_id = $2 ORDER BY seq`,
		subjectType, subjectID)
}

// ForWorkOrder returns, in the order they happened, every event of a work
// order and of the things done for it (jobs, depot tickets): its timeline.
func (b *Bus) ForWorkOrder(ctx context.Context, q db.Querier, workOrderID string) ([]Event, error) {
	return query(ctx, q, `SELECT `+columns+` FROM events WHERE work_order_id = $1 ORDER BY seq`, workOrderID)
}

// List returns events in Seq order, filtered by f.
func (b *Bus) List(ctx context.Context, q db.Querier, f ListFilter) ([]Event, error) {
	if f.Limit < 0 || f.Limit > MaxListLimit || len(f.Types) > maxListTypes {
		var fs fault.Fields
		fs.Check(f.Limit >= 0 && f.Limit <= MaxListLimit, "limit", fmt.Sprintf("must be between 0 and %d", MaxListLimit))
		fs.Check(len(f.Types) <= maxListTypes, "types", fmt.Sprintf("at most %d", maxListTypes))
		return nil, fs.Err()
	}
	if f.Limit == 0 {
		f.Limit = DefaultListLimit
	}
	var (
		where = []string{"seq > $1"}
		args  = []any{f.AfterSeq}
	)
	if len(f.Types) > 0 {
		ph := make([]string, len(f.Types))
		for i, t := range f.Types {
			args = append(args, t)
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		where = append(where, "type IN ("+strings.Join(ph, ", ")+")")
	}
	if f.ProviderID != "" {
		args = append(args, f.ProviderID)
		where = append(where, fmt.Sprintf("provider_id = $%d", len(args)))
	}
	args = append(args, f.Limit)
	return query(ctx, q, fmt.Sprintf(`SELECT %s FROM events WHERE %s ORDER BY seq LIMIT $%d`,
		columns, strings.Join(where, " AND "), len(args)), args...)
}

func query(ctx context.Context, q db.Querier, sqlText string, args ...any) ([]Event, error) {
	rows, err := q.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, db.Translate(fmt.Errorf("read events: %w", err))
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var (
			e        Event
			provider sql.NullString
			wo       sql.NullString
			payload  []byte
			at       db.Time
		)
		err := rows.Scan(&e.Seq, &e.ID, &e.Type, &e.SubjectType, &e.SubjectID, &provider,
			&e.Actor.Kind, &e.Actor.ID, &e.Actor.Name, &payload, &at, &wo, &e.StaffOnly)
		if err != nil {
			return nil, db.Translate(fmt.Errorf("read events: %w", err))
		}
		e.ProviderID = provider.String
		e.WorkOrderID = wo.String
		e.At = at.Time
		// PostgreSQL's jsonb prints with spaces; compact it like the JSON
		// Record returned (jsonb may still have reordered the keys).
		var buf bytes.Buffer
		if json.Compact(&buf, payload) == nil {
			payload = buf.Bytes()
		}
		e.Payload = payload
		out = append(out, e)
	}
	return out, db.Translate(rows.Err())
}
