package device

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/page"
)

// NewDevice is a device registered by staff.
type NewDevice struct {
	Serial       string            `json:"serial" minLength:"1" maxLength:"100" doc:"Stored upper case; unique per manufacturer and model"`
	Model        string            `json:"model" minLength:"1" maxLength:"100"`
	Manufacturer string            `json:"manufacturer,omitempty" maxLength:"100"`
	Owner        Owner             `json:"owner"`
	Location     string            `json:"location,omitempty" maxLength:"200"`
	ParentID     string            `json:"parent_id,omitempty" maxLength:"100" doc:"The device this one is a component of"`
	Loaner       bool              `json:"loaner,omitempty"`
	Resale       bool              `json:"resale,omitempty"`
	Region       string            `json:"region,omitempty" maxLength:"20" doc:"Required for a loaner: its pool, e.g. DFW"`
	Attributes   map[string]string `json:"attributes,omitempty"`
	Status       Status            `json:"status,omitempty" enum:"pending_prep,active_at_customer,in_transit_to_depot,in_depot,refurb_ready,available_for_resale,assigned_loaner,returned_available,retired" doc:"Default pending_prep"`
	WorkOrderID  string            `json:"work_order_id,omitempty" maxLength:"100" doc:"The work order it comes in under, if any"`
}

func (n NewDevice) registration() Registration {
	return Registration{Serial: n.Serial, Model: n.Model, Manufacturer: n.Manufacturer, OwnerKind: n.Owner.Kind,
		OwnerName: n.Owner.Name, Location: n.Location, ParentID: n.ParentID, Loaner: n.Loaner, Resale: n.Resale,
		Region: n.Region, Attributes: n.Attributes, Status: n.Status}
}

// Create registers a new device. A serial already registered for the same
// manufacturer and model is a conflict; nothing is written.
func (s *Service) Create(ctx context.Context, c Caller, n NewDevice) (*Device, error) {
	r := n.registration()
	r.normalize()
	if err := r.validate(""); err != nil {
		return nil, err
	}
	var out *Device
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		if _, err := s.BySerialTx(ctx, tx, r.Manufacturer, r.Model, r.Serial); err == nil {
			return duplicate(r.Manufacturer, r.Model, r.Serial)
		} else if !fault.Is(err, fault.NotFound) {
			return err
		}
		var err error
		out, err = s.createTx(ctx, tx, c.Actor, r, Entry{WorkOrderID: n.WorkOrderID})
		if errors.Is(err, errTaken) {
			return duplicate(r.Manufacturer, r.Model, r.Serial)
		}
		return err
	})
	return out, err
}

// Get returns a device.
func (s *Service) Get(ctx context.Context, c Caller, id string) (*Device, error) {
	return s.load(ctx, s.store.Read, id, "")
}

// Filter selects devices; empty fields select everything.
type Filter struct {
	Serial   string
	Model    string
	Statuses []Status
	Owner    string // "company", or a customer's name (without case)
	Loaner   *bool
	Region   string
	ParentID string
	// Overdue selects loaners out on a loan past its due time.
	Overdue bool
	Cursor  string
	Limit   int
}

// List returns a page of devices, newest first.
func (s *Service) List(ctx context.Context, c Caller, f Filter) ([]*Device, string, error) {
	var w db.Where
	if f.Serial != "" {
		w.Add("d.serial = ?", normSerial(f.Serial))
	}
	if f.Model != "" {
		w.Add("lower(d.model) = lower(?)", strings.TrimSpace(f.Model))
	}
	if len(f.Statuses) > 0 {
		args := make([]any, len(f.Statuses))
		for i, st := range f.Statuses {
			args[i] = string(st)
		}
		w.In("d.status", args...)
	}
	switch o := strings.TrimSpace(f.Owner); {
	case strings.EqualFold(o, OwnerCompany):
		w.Add("d.owner_kind = ?", OwnerCompany)
	case o != "":
		w.Add("lower(d.owner_name) = lower(?)", o)
	}
	if f.Loaner != nil {
		w.Add("d.loaner = ?", *f.Loaner)
	}
	if f.Region != "" {
		w.Add("d.region = ?", strings.ToUpper(strings.TrimSpace(f.Region)))
	}
	if f.ParentID != "" {
		w.Add("d.parent_id = ?", f.ParentID)
	}
	if f.Overdue {
		w.Add("l.id IS NOT NULL AND l.due_at <= ?", db.T(s.store.Now()))
	}
	var after string
	if ok, err := page.Decode(f.Cursor, &after); err != nil {
		return nil, "", err
	} else if ok {
		w.Add("d.id < ?", after)
	}
	limit := page.Limit(f.Limit)
	q := `SELECT ` + columns + from + w.SQL() + fmt.Sprintf(" ORDER BY d.id DESC LIMIT %d", limit+1)
	rows, err := s.store.Read.QueryContext(ctx, q, w.Args...)
	now := s.store.Now()
	items, err := db.Collect(rows, err, func(r *sql.Rows) (*Device, error) { return scan(r, now) })
	if err != nil {
		return nil, "", err
	}
	out, next := page.Cut(items, limit, func(d *Device) any { return d.ID })
	return out, next, nil
}

// Components lists the devices whose parent is id (a laser's handpieces).
func (s *Service) Components(ctx context.Context, c Caller, id string) ([]*Device, error) {
	if _, err := s.Get(ctx, c, id); err != nil {
		return nil, err
	}
	items, _, err := s.List(ctx, c, Filter{ParentID: id, Limit: page.MaxLimit})
	return items, err
}

// SetStatus moves a device to status to by hand (a validated transition),
// with a note for its history. ifVersion, when set, must match.
func (s *Service) SetStatus(ctx context.Context, c Caller, id string, to Status, note string, ifVersion *int64) (*Device, error) {
	var out *Device
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		d, err := s.lockedTx(ctx, tx, id, ifVersion)
		if err != nil {
			return err
		}
		if d.Status == to {
			return &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("the device is already %s", to),
				Detail: map[string]any{"status": d.Status, "allowed": statusNames(d.Status.Allowed())}}
		}
		if d.Loaner && d.Loan != nil && to != AssignedLoaner {
			return fault.Errorf(fault.Conflict, "the loaner is out on loan %s; return it with POST /v1/loaners/%s/return", d.Loan.ID, d.ID)
		}
		if to == AssignedLoaner {
			return fault.Errorf(fault.Conflict, "lend a loaner with POST /v1/loaners/assign, which records the loan")
		}
		out = d
		return s.moveTx(ctx, tx, c.Actor, d, to, Entry{Summary: note})
	})
	return out, err
}
