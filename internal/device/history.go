package device

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/page"
)

// History entry types the device master writes itself; other areas bring
// their own (depot.stage_completed, parts.consumed, field_repair, ...).
const (
	HistRegistered     = "registered"
	HistIntake         = "intake"
	HistStatusChanged  = "status.changed"
	HistConfigChanged  = "config.changed"
	HistOwnerChanged   = "owner.changed"
	HistUpdated        = "updated"
	HistCustodyPickup  = "custody.pickup"
	HistCustodyDeliver = "custody.delivery"
	HistCustodyInstall = "custody.install"
	HistLot            = "lot.intake"
	HistFieldWork      = "field.work"
	HistLoanerAssigned = "loaner.assigned"
	HistLoanerReturned = "loaner.returned"
	HistLoanerInspect  = "loaner.inspected"
	HistLoanerReminder = "loaner.reminder_due"
	HistLoanerOverdue  = "loaner.overdue"
)

// HistoryEntry is one stored line of a device's history.
type HistoryEntry struct {
	Seq         int64          `json:"seq"`
	At          time.Time      `json:"at"`
	Type        string         `json:"type"`
	Summary     string         `json:"summary"`
	Actor       HistoryActor   `json:"actor"`
	WorkOrderID string         `json:"work_order_id,omitempty"`
	Ref         string         `json:"ref,omitempty"`
	Detail      map[string]any `json:"detail"`
	EventID     string         `json:"event_id,omitempty" doc:"The event the entry came from"`
}

// HistoryActor is who caused a history entry, named as they were then.
type HistoryActor struct {
	Kind string `json:"kind"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// validate checks an entry another area hands in.
func (e *Entry) validate() error {
	var f fault.Fields
	f.Check(e.Type != "" && len(e.Type) <= 100 && !strings.ContainsAny(e.Type, " \t\r\n"), "entry.type",
		"is required: a name like depot.stage_completed, at most 100 characters, no spaces")
	f.Check(len(e.Summary) <= 1000, "entry.summary", "is at most 1000 characters")
	f.Check(len(e.Ref) <= 200, "entry.ref", "is at most 200 characters")
	f.Check(len(e.WorkOrderID) <= 200, "entry.work_order_id", "is at most 200 characters")
	f.Check(len(e.EventID) <= 200, "entry.event_id", "is at most 200 characters")
	return f.Err()
}

// addHistory appends e to the device's history. An entry whose EventID the
// device's history already holds adds nothing (added is false).
func addHistory(ctx context.Context, tx *db.Tx, by event.Actor, deviceID string, e Entry) (added bool, err error) {
	if err := e.validate(); err != nil {
		return false, err
	}
	detail := e.Detail
	if detail == nil {
		detail = map[string]any{}
	}
	raw, err := json.Marshal(detail)
	if err != nil {
		return false, fault.Errorf(fault.Invalid, "history detail is not JSON: %v", err)
	}
	if len(raw) > event.MaxPayload {
		return false, fault.Errorf(fault.Invalid, "history detail is larger than 64 KiB")
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO device_history
		(device_id, at, type, summary, actor_kind, actor_id, actor_name, work_order_id, ref, detail, event_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (device_id, event_id) DO NOTHING`,
		deviceID, db.T(tx.Now), e.Type, e.Summary, actorOr(by).Kind, by.ID, by.Name, nullable(e.WorkOrderID), e.Ref,
		string(raw), nullable(e.EventID))
	if err != nil {
		return false, db.Translate(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// seen reports whether the device's history already holds eventID.
func seen(ctx context.Context, q db.Querier, deviceID, eventID string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM device_history WHERE device_id = $1 AND event_id = $2`, deviceID, eventID).Scan(&n)
	return n > 0, db.Translate(err)
}

func nullable(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// HistoryFilter pages through a device's history, oldest first.
type HistoryFilter struct {
	Cursor string
	Limit  int
}

// History returns a page of the device's history in order.
func (s *Service) History(ctx context.Context, c Caller, id string, f HistoryFilter) ([]HistoryEntry, string, error) {
	if _, err := s.Get(ctx, c, id); err != nil {
		return nil, "", err
	}
	var after int64
	if _, err := page.Decode(f.Cursor, &after); err != nil {
		return nil, "", err
	}
	limit := page.Limit(f.Limit)
	rows, err := s.store.Read.QueryContext(ctx, `SELECT seq, at, type, summary, actor_kind, actor_id, actor_name,
		COALESCE(work_order_id, ''), ref, detail, COALESCE(event_id, '')
		FROM device_history WHERE device_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, id, after, limit+1)
	items, err := db.Collect(rows, err, func(r *sql.Rows) (HistoryEntry, error) {
		var (
			h   HistoryEntry
			at  db.Time
			raw []byte
		)
		err := r.Scan(&h.Seq, &at, &h.Type, &h.Summary, &h.Actor.Kind, &h.Actor.ID, &h.Actor.Name, &h.WorkOrderID, &h.Ref, &raw, &h.EventID)
		if err != nil {
			return h, err
		}
		h.At = at.Time
		if err := json.Unmarshal(raw, &h.Detail); err != nil || h.Detail == nil {
			h.Detail = map[string]any{}
		}
		return h, nil
	})
	if err != nil {
		return nil, "", err
	}
	out, next := page.Cut(items, limit, func(h HistoryEntry) any { return h.Seq })
	return out, next, nil
}
