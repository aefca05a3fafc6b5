package depot

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/device"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/workorder"
	"github.com/google/uuid"
)

// HoldReason is the work order hold reason an incomplete package sets.
const HoldReason = "incomplete_package"

// UnitReceipt is the inbound scan of one device at the depot.
type UnitReceipt struct {
	WorkOrderID  string          `json:"work_order_id" minLength:"1" maxLength:"100"`
	Serial       string          `json:"serial" minLength:"1" maxLength:"100"`
	Model        string          `json:"model" minLength:"1" maxLength:"100"`
	Manufacturer string          `json:"manufacturer,omitempty" maxLength:"100"`
	Photos       []string        `json:"photos" minItems:"1" maxItems:"50" doc:"Photos of pre-existing damage (artifact ids or URLs); at least one"`
	Contents     PackageContents `json:"contents,omitempty" doc:"What the package should hold and what it held, e.g. power_cord, cap"`
	Template     string          `json:"template,omitempty" maxLength:"30" doc:"A template name (refurb, rebuild); default the work order's service type's"`
	Resale       bool            `json:"resale,omitempty" doc:"Resale work: released for resale once ready (always so for trade_in work orders)"`
	Notes        string          `json:"notes,omitempty" maxLength:"4000"`
}

// Normalize trims the receipt's text and lowercases package items.
func (r *UnitReceipt) Normalize() {
	// Serials are kept upper case, as the device master keeps them.
	r.WorkOrderID, r.Serial = strings.TrimSpace(r.WorkOrderID), strings.ToUpper(strings.TrimSpace(r.Serial))
	r.Model, r.Manufacturer = strings.TrimSpace(r.Model), strings.TrimSpace(r.Manufacturer)
	r.Template, r.Notes = strings.TrimSpace(strings.ToLower(r.Template)), strings.TrimSpace(r.Notes)
	r.Contents.Expected, r.Contents.Received = items(r.Contents.Expected), items(r.Contents.Received)
	for i, p := range r.Photos {
		r.Photos[i] = strings.TrimSpace(p)
	}
}

func items(in []string) []string {
	out := []string{}
	for _, s := range in {
		s = strings.TrimSpace(strings.ToLower(s))
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Validate checks a normalised receipt.
func (r UnitReceipt) Validate() error {
	var f fault.Fields
	f.Check(r.WorkOrderID != "", "work_order_id", "is required")
	f.Check(r.Serial != "" && len(r.Serial) <= 100, "serial", "is required, at most 100 characters")
	f.Check(r.Model != "" && len(r.Model) <= 100, "model", "is required, at most 100 characters")
	f.Check(len(r.Manufacturer) <= 100, "manufacturer", "is at most 100 characters")
	f.Check(len(r.Photos) >= 1 && len(r.Photos) <= 50, "photos", "must hold 1 to 50 photos of pre-existing damage")
	checkRefs(&f, "photos", r.Photos)
	f.Check(len(r.Contents.Expected) <= 50, "contents.expected", "is at most 50 items")
	f.Check(len(r.Contents.Received) <= 50, "contents.received", "is at most 50 items")
	f.Check(len(r.Notes) <= 4000, "notes", "is at most 4000 characters")
	return f.Err()
}

// checkRefs checks photo references: opaque, but present and bounded.
func checkRefs(f *fault.Fields, field string, refs []string) {
	for i, p := range refs {
		f.Check(p != "" && len(p) <= 500, fmt.Sprintf("%s[%d]", field, i), "must be an artifact id or URL, at most 500 characters")
	}
}

// Receive takes a device in at the depot: the device is registered (or
// found) and moved to in_depot, and its ticket opened. It is idempotent: the
// same serial again for the same work order answers the ticket already open
// and created=false. An incomplete package puts the ticket and the work
// order on hold.
func (s *Service) Receive(ctx context.Context, by event.Actor, r UnitReceipt) (*Ticket, bool, error) {
	r.Normalize()
	if err := r.Validate(); err != nil {
		return nil, false, err
	}
	for attempt := 0; ; attempt++ {
		var (
			out     *Ticket
			created bool
		)
		err := s.store.InTx(ctx, func(tx *db.Tx) error {
			var err error
			out, created, err = s.receiveTx(ctx, tx, by, r)
			return err
		})
		// Two scans of one unit at once: the loser finds the winner's ticket.
		if errors.Is(err, errDuplicate) && attempt < 2 {
			continue
		}
		if errors.Is(err, errDuplicate) {
			err = fault.Errorf(fault.Conflict, "serial %s is being received by another request", r.Serial)
		}
		return out, created, err
	}
}

func (s *Service) receiveTx(ctx context.Context, tx *db.Tx, by event.Actor, r UnitReceipt) (*Ticket, bool, error) {
	w, err := s.workOrders.GetTx(ctx, tx, caller(by), r.WorkOrderID)
	if fault.Is(err, fault.NotFound) {
		return nil, false, fieldError("work_order_id", "no such work order")
	}
	if err != nil {
		return nil, false, err
	}
	if existing, err := s.ticketFor(ctx, tx, w.ID, r.Serial, r.Model); err != nil || existing != nil {
		return existing, false, err
	}
	if !w.Status.Open() {
		return nil, false, &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("work order %s is %s: nothing more is received for it", w.Number, w.Status),
			Detail: map[string]any{"work_order_status": w.Status}}
	}
	tmpl, err := s.pickTemplate(ctx, tx, w.ServiceType, r.Template)
	if err != nil {
		return nil, false, err
	}
	n, err := db.NextNumber(ctx, tx, "depot_ticket_number")
	if err != nil {
		return nil, false, err
	}
	t := &Ticket{ID: uuid.Must(uuid.NewV7()).String(), Number: fmt.Sprintf("DT-%06d", n), WorkOrderID: w.ID, WorkOrderNumber: w.Number,
		ServiceType: w.ServiceType, Serial: r.Serial, Model: r.Model, Manufacturer: r.Manufacturer, Template: tmpl.Name,
		Stages: tmpl.Stages, Rework: tmpl.Rework, Stage: tmpl.Stages[0], Status: Open, Resale: r.Resale || w.ServiceType == "trade_in",
		Contents: r.Contents, Photos: r.Photos, ReceivedAt: tx.Now, StageSince: tx.Now, Version: 1, CreatedAt: tx.Now, UpdatedAt: tx.Now,
		providerID: w.ProviderID()}
	for _, it := range r.Contents.Expected {
		if !slices.Contains(r.Contents.Received, it) {
			t.Missing = append(t.Missing, it)
		}
	}
	t.Missing = nonNil(t.Missing)
	if len(t.Missing) > 0 {
		t.Status = OnHold
	}
	owner := w.Customer.Name // a unit in for repair is the customer's; a trade-in becomes the company's
	if t.Resale {
		owner = ""
	}
	if t.DeviceID, err = s.receiveDevice(ctx, tx, by, t, r.Notes, owner); err != nil {
		return nil, false, err
	}
	if err := insert(ctx, tx, t); err != nil {
		return nil, false, err
	}
	if err := appendLog(ctx, tx, t.ID, &LogEntry{Stage: t.Stage, Outcome: "received", Actor: actorOf(by), Notes: r.Notes,
		Photos: r.Photos, Items: t.Missing}); err != nil {
		return nil, false, err
	}
	if err := s.record(ctx, tx, by, t, EventTicketOpened, map[string]any{"missing": t.Missing}); err != nil {
		return nil, false, err
	}
	if len(t.Missing) > 0 {
		if err := s.hold(ctx, tx, by, t); err != nil {
			return nil, false, err
		}
	}
	return t, true, nil
}

// ticketFor returns the ticket of a serial (and model) under a work order,
// or nil.
func (s *Service) ticketFor(ctx context.Context, tx *db.Tx, workOrderID, serial, model string) (*Ticket, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+columns+` FROM depot_tickets WHERE work_order_id = $1 AND serial = $2`, workOrderID, serial)
	list, err := db.Collect(rows, err, func(r *sql.Rows) (*Ticket, error) { return scan(r) })
	if err != nil {
		return nil, err
	}
	for _, t := range list {
		if strings.EqualFold(t.Model, model) {
			return t, nil
		}
	}
	return nil, nil
}

// pickTemplate is the named template when the receipt names one, else the
// service type's.
func (s *Service) pickTemplate(ctx context.Context, tx *db.Tx, serviceType, name string) (StageTemplate, error) {
	if name == "" {
		return s.templateFor(ctx, tx, serviceType)
	}
	t, ok, err := s.templateNamed(ctx, tx, name)
	if err == nil && !ok {
		err = fieldError("template", "no template "+name+"; set one with PUT /v1/depot/templates/{service_type}")
	}
	return t, err
}

// receiveDevice registers the unit (in_depot from the start) or moves the
// unit already known to in_depot, and refuses one that is in work on
// another ticket. The unit is found as the device master finds a scanned
// serial (a manufacturer left out on either side matches), so a unit
// registered at intake is never registered twice; a serial that fits
// several devices is refused until the model or manufacturer tells them
// apart. A loaner still out on loan is returned (its loan closes,
// Loaner.Returned) before it moves.
func (s *Service) receiveDevice(ctx context.Context, tx *db.Tx, by event.Actor, t *Ticket, notes, owner string) (string, error) {
	summary := fmt.Sprintf("Received at the depot on %s for %s", t.Number, t.WorkOrderNumber)
	if len(t.Missing) > 0 {
		summary += "; missing " + strings.Join(t.Missing, ", ")
	}
	e := device.Entry{Type: "depot.received", Summary: summary, WorkOrderID: t.WorkOrderID, Ref: t.Number,
		Detail: map[string]any{"ticket_id": t.ID, "photos": t.Photos, "missing": t.Missing, "notes": notes}}
	d, err := s.devices.FindSerialTx(ctx, tx, t.Manufacturer, t.Model, t.Serial)
	if fault.Is(err, fault.NotFound) {
		d, _, err = s.devices.RegisterTx(ctx, tx, by, device.Registration{Serial: t.Serial, Model: t.Model,
			Manufacturer: t.Manufacturer, OwnerName: owner, Status: device.InDepot}, e)
		return idOf(d), err
	}
	if err != nil {
		return "", err
	}
	var other, otherWO string
	err = tx.QueryRowContext(ctx, `SELECT number, work_order_id FROM depot_tickets WHERE device_id = $1 AND status IN ('open', 'on_hold')`,
		d.ID).Scan(&other, &otherWO)
	if err == nil {
		return "", &fault.Error{Code: fault.Conflict,
			Message: fmt.Sprintf("serial %s is already in work on depot ticket %s under another work order", t.Serial, other),
			Detail:  map[string]any{"ticket": other, "work_order_id": otherWO}}
	}
	if !fault.Is(db.Translate(err), fault.NotFound) {
		return "", db.Translate(err)
	}
	if d.Loaner && d.Loan != nil {
		// A loaner still out on loan came back through the depot: its loan
		// closes here, as a return at the counter would close it, so it is
		// neither billed overdue nor inspected with the loan open.
		if _, err := s.devices.ReturnTx(ctx, tx, by, d.ID, "received at the depot on "+t.Number); err != nil {
			return "", err
		}
	}
	// MoveTx only records e for a device already in the depot.
	_, err = s.devices.MoveTx(ctx, tx, by, d.ID, device.InDepot, e)
	return d.ID, err
}

func idOf(d *device.Device) string {
	if d == nil {
		return ""
	}
	return d.ID
}

// hold puts the work order on hold for the ticket's missing items.
func (s *Service) hold(ctx context.Context, tx *db.Tx, by event.Actor, t *Ticket) error {
	if err := s.record(ctx, tx, by, t, EventTicketHeld, map[string]any{"missing": t.Missing}); err != nil {
		return err
	}
	note := fmt.Sprintf("%s: package incomplete, missing %s", t.Number, strings.Join(t.Missing, ", "))
	_, err := s.workOrders.HoldTx(ctx, tx, caller(by), t.WorkOrderID, HoldReason, note)
	return err
}

// ItemsReceived records package items that arrived after the unit. Once
// nothing is missing the ticket resumes, and so does the work order when no
// other ticket of it still waits for items.
func (s *Service) ItemsReceived(ctx context.Context, by event.Actor, id string, got []string, notes string, ifVersion *int64) (*Ticket, error) {
	got = items(got)
	var f fault.Fields
	f.Check(len(got) >= 1 && len(got) <= 50, "items", "must name 1 to 50 items")
	f.Check(len(notes) <= 4000, "notes", "is at most 4000 characters")
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.act(ctx, id, ifVersion, func(tx *db.Tx, t *Ticket) error {
		if t.Status != OnHold {
			return &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("ticket %s is %s: no items are awaited", t.Number, t.Status),
				Detail: map[string]any{"status": t.Status}}
		}
		for i, it := range got {
			f.Check(slices.Contains(t.Missing, it), fmt.Sprintf("items[%d]", i), "is not missing; missing: "+strings.Join(t.Missing, ", "))
		}
		if err := f.Err(); err != nil {
			return err
		}
		t.Missing = slices.DeleteFunc(t.Missing, func(m string) bool { return slices.Contains(got, m) })
		t.Contents.Received = append(t.Contents.Received, got...)
		return s.itemsArrived(ctx, tx, by, t, got, notes)
	})
}

func (s *Service) itemsArrived(ctx context.Context, tx *db.Tx, by event.Actor, t *Ticket, got []string, notes string) error {
	if len(t.Missing) == 0 {
		t.Status = Open
	}
	if err := update(ctx, tx, t); err != nil {
		return err
	}
	if err := appendLog(ctx, tx, t.ID, &LogEntry{Stage: t.Stage, Outcome: "items_received", Actor: actorOf(by), Notes: notes, Items: got}); err != nil {
		return err
	}
	if err := s.record(ctx, tx, by, t, EventItemsReceived, map[string]any{"items": got, "missing": t.Missing}); err != nil {
		return err
	}
	if err := s.devices.RecordTx(ctx, tx, by, t.DeviceID, device.Entry{Type: "depot.items_received",
		Summary: "Package items received: " + strings.Join(got, ", "), WorkOrderID: t.WorkOrderID, Ref: t.Number,
		Detail: map[string]any{"ticket_id": t.ID, "items": got, "missing": t.Missing}}); err != nil {
		return err
	}
	if t.Status == OnHold {
		return nil
	}
	if err := s.record(ctx, tx, by, t, EventTicketResumed, nil); err != nil {
		return err
	}
	return s.resumeWorkOrder(ctx, tx, by, t)
}

// resumeWorkOrder resumes a work order held for an incomplete package once
// none of its tickets waits for items any more. The work order is locked
// before the tickets are counted, so that two tickets getting their items
// at once see each other's change and the later one resumes it.
func (s *Service) resumeWorkOrder(ctx context.Context, tx *db.Tx, by event.Actor, t *Ticket) error {
	w, err := s.workOrders.GetTx(ctx, tx, caller(by), t.WorkOrderID)
	if err != nil {
		return err
	}
	if w.Status != workorder.OnHold || w.Hold == nil || w.Hold.ReasonCode != HoldReason {
		return nil // held for something else, or already resumed by staff
	}
	var waiting int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM depot_tickets WHERE work_order_id = $1 AND status = 'on_hold'`,
		t.WorkOrderID).Scan(&waiting); err != nil {
		return db.Translate(err)
	}
	if waiting > 0 {
		return nil
	}
	_, err = s.workOrders.ResumeTx(ctx, tx, caller(by), w.ID, t.Number+": the missing package items arrived")
	return err
}

func fieldError(field, reason string) error {
	return &fault.Error{Code: fault.Invalid, Message: "validation failed", Fields: []fault.FieldError{{Field: field, Reason: reason}}}
}

// record writes one event about t, with the ticket as it now is.
func (s *Service) record(ctx context.Context, tx *db.Tx, by event.Actor, t *Ticket, typ string, extra map[string]any) error {
	view := *t
	view.Log = nil
	payload := map[string]any{"ticket": view}
	for k, v := range extra {
		payload[k] = v
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	_, err = s.events.Record(ctx, tx, event.Event{Type: typ, SubjectType: SubjectType, SubjectID: t.ID,
		ProviderID: t.providerID, WorkOrderID: t.WorkOrderID, Actor: by, Payload: raw})
	return err
}
