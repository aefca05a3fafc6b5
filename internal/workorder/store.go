package workorder

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
)

// body is the part of a work order stored as one JSON document: read whole,
// never filtered on. Filterable fields are columns.
type body struct {
	Customer        Customer     `json:"customer"`
	Site            Site         `json:"site"`
	Devices         []Device     `json:"devices"`
	Problem         string       `json:"problem,omitempty"`
	ErrorCodes      []string     `json:"error_codes"`
	RequestedWindow *Window      `json:"requested_window,omitempty"`
	Appointment     *Appointment `json:"appointment,omitempty"`
	Entitlement     Entitlement  `json:"entitlement"`
	Hold            *Hold        `json:"hold,omitempty"`
	Cancellation    *Reason      `json:"cancellation,omitempty"`
	Completion      *Completion  `json:"completion,omitempty"`
	NoShows         []Reason     `json:"no_shows,omitempty"`
	Fees            []Fee        `json:"fees,omitempty"`
}

func (w *WorkOrder) body() body {
	return body{w.Customer, w.Site, w.Devices, w.Problem, w.ErrorCodes, w.RequestedWindow, w.Appointment,
		w.Entitlement, w.Hold, w.Cancellation, w.Completion, w.NoShows, w.Fees}
}

func (w *WorkOrder) setBody(b body) {
	w.Customer, w.Site, w.Devices, w.Problem, w.ErrorCodes = b.Customer, b.Site, b.Devices, b.Problem, b.ErrorCodes
	w.RequestedWindow, w.Appointment, w.Entitlement, w.Hold = b.RequestedWindow, b.Appointment, b.Entitlement, b.Hold
	w.Cancellation, w.Completion, w.NoShows, w.Fees = b.Cancellation, b.Completion, b.NoShows, b.Fees
	if w.Devices == nil {
		w.Devices = []Device{}
	}
	if w.ErrorCodes == nil {
		w.ErrorCodes = []string{}
	}
}

const columns = `id, number, provider_id, provider_code, external_id, service_type, priority, status, po_number, rma_number,
	sla_due_at, created_at, updated_at, closed_at, COALESCE(reopened_from, ''), version, body`

// scan reads the columns above, then any extra destinations selected after them.
func scan(row interface{ Scan(...any) error }, extra ...any) (*WorkOrder, error) {
	var (
		w                          WorkOrder
		sla, created, updated, cls db.Time
		raw                        []byte
	)
	dest := append([]any{&w.ID, &w.Number, &w.providerID, &w.Provider, &w.ExternalID, &w.ServiceType, &w.Priority, &w.Status,
		&w.PONumber, &w.RMANumber, &sla, &created, &updated, &cls, &w.ReopenedFrom, &w.Version, &raw}, extra...)
	err := row.Scan(dest...)
	if err != nil {
		return nil, db.Translate(err)
	}
	var b body
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("work order %s body: %w", w.ID, err)
	}
	w.setBody(b)
	w.SLADueAt, w.CreatedAt, w.UpdatedAt, w.ClosedAt = sla.Ptr(), created.Time, updated.Time, cls.Ptr()
	return &w, nil
}

func ptrTime(w *Window) db.Time {
	if w == nil {
		return db.Time{}
	}
	return db.T(w.Start)
}

func appointmentStart(a *Appointment) db.Time {
	if a == nil {
		return db.Time{}
	}
	return db.T(a.Start)
}

func insert(ctx context.Context, tx *db.Tx, w *WorkOrder, intake string) error {
	b, err := json.Marshal(w.body())
	if err != nil {
		return err
	}
	var reopened any
	if w.ReopenedFrom != "" {
		reopened = w.ReopenedFrom
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO work_orders (id, number, provider_id, provider_code, external_id, service_type, priority, status,
		po_number, rma_number, customer_name, zip, state, requested_start, appointment_start, sla_due_at, created_at, updated_at,
		reopened_from, version, body, intake)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18, 1, $19, $20)`,
		w.ID, w.Number, w.providerID, w.Provider, w.ExternalID, w.ServiceType, w.Priority, string(w.Status),
		w.PONumber, w.RMANumber, w.Customer.Name, w.Site.ZIP, w.Site.State, ptrTime(w.RequestedWindow),
		appointmentStart(w.Appointment), optTime(w.SLADueAt), db.T(w.CreatedAt), reopened, string(b), intake)
	if db.IsUniqueViolation(err) {
		return errDuplicate
	}
	if err != nil {
		return db.Translate(err)
	}
	return insertDevices(ctx, tx, w)
}

func insertDevices(ctx context.Context, tx *db.Tx, w *WorkOrder) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM work_order_devices WHERE work_order_id = $1`, w.ID); err != nil {
		return db.Translate(err)
	}
	for i, d := range w.Devices {
		if _, err := tx.ExecContext(ctx, `INSERT INTO work_order_devices (work_order_id, position, serial, model) VALUES ($1, $2, $3, $4)`,
			w.ID, i, d.Serial, d.Model); err != nil {
			return db.Translate(err)
		}
	}
	return nil
}

// optTime stores a nil time as NULL.
func optTime(t *time.Time) db.Time {
	if t == nil {
		return db.Time{}
	}
	return db.T(*t)
}

// update writes every mutable column of w, guarded by the version it was
// read at, and bumps the version.
func update(ctx context.Context, tx *db.Tx, w *WorkOrder) error {
	b, err := json.Marshal(w.body())
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE work_orders SET service_type = $1, priority = $2, status = $3, po_number = $4, rma_number = $5,
		customer_name = $6, zip = $7, state = $8, requested_start = $9, appointment_start = $10, sla_due_at = $11, updated_at = $12,
		closed_at = $13, version = version + 1, body = $14
		WHERE id = $15 AND version = $16`,
		w.ServiceType, w.Priority, string(w.Status), w.PONumber, w.RMANumber, w.Customer.Name, w.Site.ZIP, w.Site.State,
		ptrTime(w.RequestedWindow), appointmentStart(w.Appointment), optTime(w.SLADueAt), db.T(tx.Now), optTime(w.ClosedAt),
		string(b), w.ID, w.Version)
	if err != nil {
		return db.Translate(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errChanged
	}
	w.Version++
	w.UpdatedAt = tx.Now
	return nil
}
