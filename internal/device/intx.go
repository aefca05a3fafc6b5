package device

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/google/uuid"
)

// Status is where a device stands.
type Status string

// The statuses.
const (
	PendingPrep        Status = "pending_prep"
	ActiveAtCustomer   Status = "active_at_customer"
	InTransitToDepot   Status = "in_transit_to_depot"
	InDepot            Status = "in_depot"
	RefurbReady        Status = "refurb_ready"
	AvailableForResale Status = "available_for_resale"
	AssignedLoaner     Status = "assigned_loaner"
	ReturnedAvailable  Status = "returned_available"
	Retired            Status = "retired"
)

// Entry is one line of a device's history as another area describes it.
type Entry struct {
	Type        string         // e.g. "depot.stage_completed", "custody.pickup"
	Summary     string         // one sentence a person reads
	WorkOrderID string         // the work order it happened under, if any
	Ref         string         // the job, ticket or shipment it came from, if any
	Detail      map[string]any // anything else worth keeping
	// EventID is the event the entry comes from, if any. The device's
	// history holds each event once: an entry with an EventID already there
	// adds nothing, so a redelivered event cannot write twice.
	EventID string
}

// Registration describes a device to create or update by its serial.
type Registration struct {
	Serial       string
	Model        string
	Manufacturer string
	OwnerKind    string // "customer" or "company"; "" means customer when OwnerName is set, else company
	OwnerName    string
	Location     string
	ParentID     string
	Loaner       bool
	Resale       bool
	Region       string            // a loaner's pool, e.g. "DFW"
	Attributes   map[string]string // configuration attributes
	Status       Status            // for a new device; "" means pending_prep
}

// normalize trims the registration and fills its defaults.
func (r *Registration) normalize() {
	r.Serial = normSerial(r.Serial)
	r.Model = strings.TrimSpace(r.Model)
	r.Manufacturer = strings.TrimSpace(r.Manufacturer)
	r.OwnerName = strings.TrimSpace(r.OwnerName)
	r.Location = strings.TrimSpace(r.Location)
	r.Region = strings.ToUpper(strings.TrimSpace(r.Region))
	if r.OwnerKind == "" {
		r.OwnerKind = OwnerCompany
		if r.OwnerName != "" {
			r.OwnerKind = OwnerCustomer
		}
	}
	if r.Status == "" {
		r.Status = PendingPrep
	}
}

// validate checks a normalised registration; prefix names where it sits in
// a request ("body.devices[3]."), so errors point at the bad field.
func (r *Registration) validate(prefix string) error {
	var f fault.Fields
	f.Check(r.Serial != "" && len(r.Serial) <= 100 && !strings.ContainsAny(r.Serial, "\t\r\n"), prefix+"serial", "is required, at most 100 characters")
	f.Check(r.Model != "" && len(r.Model) <= 100, prefix+"model", "is required, at most 100 characters")
	f.Check(len(r.Manufacturer) <= 100, prefix+"manufacturer", "is at most 100 characters")
	f.Check(r.OwnerKind == OwnerCustomer || r.OwnerKind == OwnerCompany, prefix+"owner.kind", "must be customer or company")
	f.Check(r.OwnerKind != OwnerCustomer || r.OwnerName != "", prefix+"owner.name", "is required for a customer")
	f.Check(len(r.OwnerName) <= 200, prefix+"owner.name", "is at most 200 characters")
	f.Check(len(r.Location) <= 200, prefix+"location", "is at most 200 characters")
	f.Check(len(r.Region) <= 20, prefix+"region", "is at most 20 characters")
	f.Check(!r.Loaner || r.Region != "", prefix+"region", "is required for a loaner: the pool it belongs to")
	f.Check(r.Status.Valid(), prefix+"status", "must be one of "+strings.Join(statusNames(AllStatuses), ", "))
	checkAttributes(&f, prefix+"attributes", r.Attributes)
	return f.Err()
}

func checkAttributes(f *fault.Fields, field string, attrs map[string]string) {
	f.Check(len(attrs) <= 50, field, "has at most 50 attributes")
	for k, v := range attrs {
		f.Check(k != "" && len(k) <= 60, field, "names are 1 to 60 characters")
		f.Check(len(v) <= 500, field+"."+k, "is at most 500 characters")
	}
}

// The in-transaction methods below let other areas (depot, dispatch) change
// devices inside their own transaction.

// RegisterTx creates the device with r's serial (unique per manufacturer
// and model) or returns the existing one unchanged; created says which.
// Either way e goes on its history (unless e.EventID is there already); a
// new device gets e, or a "registered" entry when e.Type is empty, and a
// Device.Registered event.
func (s *Service) RegisterTx(ctx context.Context, tx *db.Tx, by event.Actor, r Registration, e Entry) (d *Device, created bool, err error) {
	r.normalize()
	if err := r.validate(""); err != nil {
		return nil, false, err
	}
	d, created, err = s.findOrCreateTx(ctx, tx, by, r, e)
	if err != nil || created || e.Type == "" {
		return d, created, err
	}
	_, err = addHistory(ctx, tx, by, d.ID, e)
	return d, false, err
}

// findOrCreateTx returns the device with r's serial, or creates it (with e
// on its history) when there is none; created says which. r is validated.
func (s *Service) findOrCreateTx(ctx context.Context, tx *db.Tx, by event.Actor, r Registration, e Entry) (*Device, bool, error) {
	d, err := s.BySerialTx(ctx, tx, r.Manufacturer, r.Model, r.Serial)
	if !fault.Is(err, fault.NotFound) {
		return d, false, err
	}
	d, err = s.createTx(ctx, tx, by, r, e)
	if !errors.Is(err, errTaken) {
		return d, err == nil, err
	}
	// A concurrent registration of the serial committed first: it is the
	// device, as if it had been there when we looked.
	d, err = s.BySerialTx(ctx, tx, r.Manufacturer, r.Model, r.Serial)
	return d, false, err
}

// createTx inserts a new device for a validated registration.
func (s *Service) createTx(ctx context.Context, tx *db.Tx, by event.Actor, r Registration, e Entry) (*Device, error) {
	if r.ParentID != "" {
		if _, err := s.load(ctx, tx, r.ParentID, ""); err != nil {
			return nil, &fault.Error{Code: fault.Invalid, Message: "validation failed",
				Fields: []fault.FieldError{{Field: "parent_id", Reason: "no device " + r.ParentID}}}
		}
	}
	attrs := maps.Clone(r.Attributes)
	if attrs == nil {
		attrs = map[string]string{}
	}
	d := &Device{ID: uuid.Must(uuid.NewV7()).String(), Serial: r.Serial, Model: r.Model, Manufacturer: r.Manufacturer,
		Status: r.Status, Owner: Owner{Kind: r.OwnerKind, Name: r.OwnerName}, Location: r.Location, ParentID: r.ParentID,
		Loaner: r.Loaner, Resale: r.Resale, Region: r.Region, Attributes: attrs, Version: 1, CreatedAt: tx.Now, UpdatedAt: tx.Now}
	if err := insert(ctx, tx, d); err != nil {
		return nil, err
	}
	ev, err := s.record(ctx, tx, by, d, "Device.Registered", e.WorkOrderID, nil)
	if err != nil {
		return nil, err
	}
	if e.Type == "" {
		e.Type, e.Summary = HistRegistered, fmt.Sprintf("Registered %s %s serial %s", d.Manufacturer, d.Model, d.Serial)
	}
	if e.EventID == "" {
		e.EventID = ev.ID
	}
	_, err = addHistory(ctx, tx, by, d.ID, e)
	return d, err
}

// MoveTx moves the device to status to (a validated transition: an illegal
// one is a conflict naming the allowed moves) and adds e to its history,
// with a Device.StatusChanged event. A device already in to is not moved:
// e still goes on its history.
func (s *Service) MoveTx(ctx context.Context, tx *db.Tx, by event.Actor, id string, to Status, e Entry) (*Device, error) {
	d, err := s.GetTx(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	return d, s.moveTx(ctx, tx, by, d, to, e)
}

// moveTx moves a device already read (and locked) in tx.
func (s *Service) moveTx(ctx context.Context, tx *db.Tx, by event.Actor, d *Device, to Status, e Entry) error {
	if !to.Valid() {
		return &fault.Error{Code: fault.Invalid, Message: "validation failed",
			Fields: []fault.FieldError{{Field: "to", Reason: "must be one of " + strings.Join(statusNames(AllStatuses), ", ")}}}
	}
	if e.Type == "" {
		e.Type = HistStatusChanged
	}
	if d.Status == to {
		_, err := addHistory(ctx, tx, by, d.ID, e)
		return err
	}
	if !d.Status.CanMove(to) {
		return illegal(d, to)
	}
	from := d.Status
	d.Status = to
	if err := update(ctx, tx, d); err != nil {
		return err
	}
	ev, err := s.record(ctx, tx, by, d, "Device.StatusChanged", e.WorkOrderID, map[string]any{"from": from, "to": to, "note": e.Summary})
	if err != nil {
		return err
	}
	if e.Summary == "" {
		e.Summary = fmt.Sprintf("Status %s → %s", from, to)
	}
	if e.Detail == nil {
		e.Detail = map[string]any{}
	}
	e.Detail = maps.Clone(e.Detail)
	e.Detail["from"], e.Detail["to"] = from, to
	if e.EventID == "" {
		e.EventID = ev.ID
	}
	_, err = addHistory(ctx, tx, by, d.ID, e)
	return err
}

// illegal is the 409 for a move the device's status forbids, naming the
// statuses it may move to.
func illegal(d *Device, to Status) error {
	allowed := statusNames(d.Status.Allowed())
	msg := fmt.Sprintf("a device that is %s cannot become %s", d.Status, to)
	if len(allowed) > 0 {
		msg += "; it may go to " + strings.Join(allowed, ", ")
	} else {
		msg += "; it may go nowhere"
	}
	return &fault.Error{Code: fault.Conflict, Message: msg, Detail: map[string]any{"status": d.Status, "allowed": allowed}}
}

// RecordTx adds e to the device's history without changing it.
func (s *Service) RecordTx(ctx context.Context, tx *db.Tx, by event.Actor, id string, e Entry) error {
	if _, err := s.load(ctx, tx, id, ""); err != nil {
		return err
	}
	_, err := addHistory(ctx, tx, by, id, e)
	return err
}

// GetTx reads a device inside a transaction, locking it on PostgreSQL.
func (s *Service) GetTx(ctx context.Context, tx *db.Tx, id string) (*Device, error) {
	return s.load(ctx, tx, id, lockSuffix(tx))
}

// BySerialTx finds the device with serial of manufacturer's model (both
// compared without case; an empty manufacturer is a value like any other),
// locking it on PostgreSQL. None is not found.
func (s *Service) BySerialTx(ctx context.Context, tx *db.Tx, manufacturer, model, serial string) (*Device, error) {
	d, err := scan(tx.QueryRowContext(ctx, `SELECT `+columns+from+`
		WHERE lower(d.manufacturer) = lower($1) AND lower(d.model) = lower($2) AND d.serial = $3`+lockSuffix(tx),
		strings.TrimSpace(manufacturer), strings.TrimSpace(model), normSerial(serial)), s.store.Now())
	if fault.Is(err, fault.NotFound) {
		return nil, fault.Errorf(fault.NotFound, "no device with serial %s of %s %s", normSerial(serial), manufacturer, model)
	}
	return d, err
}

// FindSerialTx finds the one device with serial, narrowed by model and
// manufacturer when they are given (non-empty). A device registered without
// a manufacturer matches any: the same unit often arrives named more fully
// than it was first registered; when the serial is registered both with and
// without the manufacturer named, the one with it is the unit. None is not
// found; several is a conflict listing them, for the caller to name the
// model.
func (s *Service) FindSerialTx(ctx context.Context, tx *db.Tx, manufacturer, model, serial string) (*Device, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+columns+from+` WHERE d.serial = $1
		AND ($2 = '' OR lower(d.model) = lower($2)) AND ($3 = '' OR d.manufacturer = '' OR lower(d.manufacturer) = lower($3))
		ORDER BY d.id LIMIT 10`, normSerial(serial), strings.TrimSpace(model), strings.TrimSpace(manufacturer))
	now := s.store.Now()
	found, err := db.Collect(rows, err, func(r *sql.Rows) (*Device, error) { return scan(r, now) })
	if err != nil {
		return nil, err
	}
	if len(found) > 1 && strings.TrimSpace(manufacturer) != "" {
		// The unit registered under the manufacturer named wins over one
		// registered without any.
		exact := slices.DeleteFunc(slices.Clone(found), func(d *Device) bool {
			return !strings.EqualFold(d.Manufacturer, strings.TrimSpace(manufacturer))
		})
		if len(exact) == 1 {
			found = exact
		}
	}
	switch len(found) {
	case 0:
		return nil, fault.Errorf(fault.NotFound, "no device with serial %s", normSerial(serial))
	case 1:
		return s.GetTx(ctx, tx, found[0].ID)
	}
	ids := make([]string, len(found))
	for i, d := range found {
		ids[i] = d.ID
	}
	return nil, &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("serial %s matches %d devices; name the model", normSerial(serial), len(found)),
		Detail: map[string]any{"device_ids": ids}}
}

// record writes one event about d, with the device as it now is.
func (s *Service) record(ctx context.Context, tx *db.Tx, by event.Actor, d *Device, typ, workOrderID string, extra map[string]any) (event.Event, error) {
	payload := map[string]any{"device": d}
	maps.Copy(payload, extra)
	if workOrderID != "" {
		payload["work_order_id"] = workOrderID
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return event.Event{}, err
	}
	return s.events.Record(ctx, tx, event.Event{Type: typ, SubjectType: SubjectType, SubjectID: d.ID,
		WorkOrderID: workOrderID, Actor: actorOr(by), Payload: raw})
}
