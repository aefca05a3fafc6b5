package device

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// columns reads a device and its open loan, if any.
const columns = `d.id, d.serial, d.model, d.manufacturer, d.status, d.owner_kind, d.owner_name, d.location,
	COALESCE(d.parent_id, ''), d.loaner, d.resale, d.region, d.attributes, d.version, d.created_at, d.updated_at,
	COALESCE(l.id, ''), COALESCE(l.work_order_id, ''), COALESCE(l.customer, ''), COALESCE(l.region, ''),
	COALESCE(l.due_on, ''), l.due_at, l.assigned_at`

const from = ` FROM devices d LEFT JOIN device_loans l ON l.device_id = d.id AND l.returned_at IS NULL`

// scan reads the columns above; now decides whether the loan is overdue.
func scan(row interface{ Scan(...any) error }, now time.Time) (*Device, error) {
	var (
		d                 Device
		attrs             []byte
		created, updated  db.Time
		l                 Loan
		dueAt, assignedAt db.Time
	)
	err := row.Scan(&d.ID, &d.Serial, &d.Model, &d.Manufacturer, &d.Status, &d.Owner.Kind, &d.Owner.Name, &d.Location,
		&d.ParentID, &d.Loaner, &d.Resale, &d.Region, &attrs, &d.Version, &created, &updated,
		&l.ID, &l.WorkOrderID, &l.Customer, &l.Region, &l.DueOn, &dueAt, &assignedAt)
	if err != nil {
		return nil, db.Translate(err)
	}
	if err := json.Unmarshal(attrs, &d.Attributes); err != nil {
		return nil, fmt.Errorf("device %s attributes: %w", d.ID, err)
	}
	if d.Attributes == nil {
		d.Attributes = map[string]string{}
	}
	d.CreatedAt, d.UpdatedAt = created.Time, updated.Time
	if l.ID != "" {
		l.dueAt, l.AssignedAt = dueAt.Time, assignedAt.Time
		l.Overdue, l.DaysOverdue = overdue(l.dueAt, now)
		d.Loan = &l
	}
	return &d, nil
}

// overdue says whether a loan due back by dueAt is late at now, and by how
// many started days.
func overdue(dueAt, now time.Time) (bool, int) {
	if now.Before(dueAt) {
		return false, 0
	}
	return true, int(now.Sub(dueAt)/(24*time.Hour)) + 1
}

// lockSuffix locks the device row (not the loan's nullable side) on
// PostgreSQL; SQLite's write transaction holds the lock already.
func lockSuffix(tx *db.Tx) string {
	if tx.ForUpdate() == "" {
		return ""
	}
	return " FOR UPDATE OF d"
}

// load reads one device; suffix may lock it.
func (s *Service) load(ctx context.Context, q db.Querier, id, suffix string) (*Device, error) {
	d, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+from+` WHERE d.id = $1`+suffix, id), s.store.Now())
	if fault.Is(err, fault.NotFound) {
		return nil, fault.Errorf(fault.NotFound, "no device %q", id)
	}
	return d, err
}

// errTaken marks an insert that found the serial registered already: by a
// concurrent transaction that committed first, since callers looked before.
var errTaken = errors.New("serial already registered")

// insert writes a new device. A serial already registered inserts nothing
// and is errTaken: ON CONFLICT DO NOTHING (no target, so the expression
// index on lower(manufacturer), lower(model), serial needs no repeating)
// waits for a concurrent registration to commit and leaves the transaction
// usable, so the caller can read the winner's row.
func insert(ctx context.Context, tx *db.Tx, d *Device) error {
	attrs, parent, err := writable(d)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO devices (id, serial, model, manufacturer, status, owner_kind, owner_name, location,
		parent_id, loaner, resale, region, attributes, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $14) ON CONFLICT DO NOTHING`,
		d.ID, d.Serial, d.Model, d.Manufacturer, string(d.Status), d.Owner.Kind, d.Owner.Name, d.Location,
		parent, d.Loaner, d.Resale, d.Region, attrs, db.T(d.CreatedAt))
	if err != nil {
		return db.Translate(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errTaken
	}
	return nil
}

// duplicate is the 409 for a serial that is already registered.
func duplicate(manufacturer, model, serial string) error {
	return &fault.Error{Code: fault.Conflict,
		Message: fmt.Sprintf("serial %s of %s %s is already registered", serial, manufacturer, model),
		Detail:  map[string]any{"serial": serial, "model": model, "manufacturer": manufacturer}}
}

// update writes every mutable column of d, guarded by the version it was
// read at, and bumps the version.
func update(ctx context.Context, tx *db.Tx, d *Device) error {
	attrs, parent, err := writable(d)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE devices SET status = $1, owner_kind = $2, owner_name = $3, location = $4,
		parent_id = $5, loaner = $6, resale = $7, region = $8, attributes = $9, version = version + 1, updated_at = $10
		WHERE id = $11 AND version = $12`,
		string(d.Status), d.Owner.Kind, d.Owner.Name, d.Location, parent, d.Loaner, d.Resale, d.Region, attrs,
		db.T(tx.Now), d.ID, d.Version)
	if err != nil {
		return db.Translate(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return &fault.Error{Code: fault.Stale, Message: "the device has changed since you read it"}
	}
	d.Version++
	d.UpdatedAt = tx.Now
	return nil
}

// writable is what insert and update store for d's attributes (a JSON
// string) and parent (NULL for none).
func writable(d *Device) (attrs string, parent any, err error) {
	raw, err := json.Marshal(d.Attributes)
	if d.ParentID != "" {
		parent = d.ParentID
	}
	return string(raw), parent, err
}

// stale is the 412 for a device changed since the caller read it.
func stale(current int64) error {
	return &fault.Error{Code: fault.Stale, Message: "the device has changed since you read it",
		Detail: map[string]any{"current_version": current}}
}

// lockedTx reads a device for a change inside tx; ifVersion, when set, must
// be the version it is at (412 otherwise).
func (s *Service) lockedTx(ctx context.Context, tx *db.Tx, id string, ifVersion *int64) (*Device, error) {
	d, err := s.GetTx(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if ifVersion != nil && *ifVersion != d.Version {
		return nil, stale(d.Version)
	}
	return d, nil
}
