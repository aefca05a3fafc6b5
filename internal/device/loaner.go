package device

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/geo"
	"github.com/fieldhub/fieldhub/internal/workorder"
	"github.com/google/uuid"
)

// LoanRequest asks for a loaner for a work order's customer.
type LoanRequest struct {
	WorkOrderID string `json:"work_order_id" minLength:"1" maxLength:"100"`
	Region      string `json:"region" minLength:"1" maxLength:"20" doc:"The loaner pool, e.g. DFW"`
	DueOn       string `json:"due_on" format:"date" doc:"When the loaner is due back (YYYY-MM-DD): by the end of that day in the time zone of the work order's site (UTC when the site's zone is unknown)"`
	DeviceID    string `json:"device_id,omitempty" maxLength:"100" doc:"A particular loaner; default any free one in the region"`
	Note        string `json:"note,omitempty" maxLength:"2000"`
}

// errShortage marks a request no free loaner can satisfy.
var errShortage = errors.New("loaner shortage")

// dueAt is the end of the due date where the customer is: a loaner due on
// the 5th is late from local midnight going into the 6th (the next day's
// start, not 24 hours on, so a daylight saving change is no hour out). The
// customer reads "due on the 5th" on their own calendar; by UTC a Dallas
// loan would be late at 6 pm.
func dueAt(dueOn string, loc *time.Location) (time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, dueOn, loc)
	return d.AddDate(0, 0, 1), err
}

// Assign lends a loaner from the region's pool to a work order's customer:
// the named device, or the free loaner that has waited longest. A work
// order that already has an open loan in the region gets that loaner again
// (created is false), also when two requests for it race: one loan is made
// and both answer with it. When no loaner is free the shortage is recorded
// (Loaner.Shortage, for ops) and the request is a conflict saying so.
func (s *Service) Assign(ctx context.Context, c Caller, in LoanRequest) (d *Device, created bool, err error) {
	in.Region = strings.ToUpper(strings.TrimSpace(in.Region))
	var (
		to    borrower
		woErr error
	)
	if in.WorkOrderID != "" {
		to, woErr = s.borrowerOf(ctx, c, in.WorkOrderID)
	}
	due, badInput := s.checkLoanRequest(in, to.zone())
	if err = joinInvalid(badInput, woErr); err != nil {
		return nil, false, err
	}
	err = s.store.InTx(ctx, func(tx *db.Tx) error {
		d, created, err = s.assignTx(ctx, tx, c.Actor, in, due, to.customer)
		return err
	})
	if errors.Is(err, errShortage) {
		return nil, false, s.shortage(ctx, c, in)
	}
	return d, created, err
}

// checkLoanRequest checks the request's own fields and returns when the
// loan falls due: the end of its due date in zone, the customer's.
func (s *Service) checkLoanRequest(in LoanRequest, zone *time.Location) (time.Time, error) {
	var f fault.Fields
	f.Check(in.WorkOrderID != "", "body.work_order_id", "is required")
	f.Check(in.Region != "", "body.region", "is required")
	due, err := dueAt(in.DueOn, zone)
	if err != nil {
		f.Add("body.due_on", "must be a date, YYYY-MM-DD")
	} else {
		f.Check(due.After(s.store.Now()), "body.due_on", "must be today or later")
	}
	return due, f.Err()
}

// borrower is who a loaner goes to: the work order's customer, and the
// time zone of its site, whose calendar the due date is on.
type borrower struct {
	customer string
	site     *time.Location
}

// zone is the borrower's time zone, UTC when not known.
func (b borrower) zone() *time.Location {
	if b.site == nil {
		return time.UTC
	}
	return b.site
}

// borrowerOf checks the work order exists and is open, and returns its
// customer's name and site zone. Without work orders to ask (a device
// service on its own) the customer is unnamed and the zone is UTC; so is
// the zone of a work order whose site places nowhere (geo.Zone).
func (s *Service) borrowerOf(ctx context.Context, c Caller, workOrderID string) (borrower, error) {
	if s.workOrders == nil {
		return borrower{}, nil
	}
	w, err := s.workOrders.Get(ctx, workorder.Caller{Actor: c.Actor}, workOrderID)
	if fault.Is(err, fault.NotFound) {
		return borrower{}, &fault.Error{Code: fault.Invalid, Message: "validation failed",
			Fields: []fault.FieldError{{Field: "body.work_order_id", Reason: "no work order " + workOrderID}}}
	}
	if err != nil {
		return borrower{}, err
	}
	if !w.Status.Open() {
		return borrower{}, fault.Errorf(fault.Conflict, "work order %s is %s: no loaner goes out for it", w.Number, w.Status)
	}
	return borrower{customer: w.Customer.Name, site: geo.Zone(w.Site.ZIP, w.Site.State)}, nil
}

func (s *Service) assignTx(ctx context.Context, tx *db.Tx, by event.Actor, in LoanRequest, due time.Time, customer string) (*Device, bool, error) {
	if d, err := s.openLoanTx(ctx, tx, in); d != nil || err != nil {
		return d, false, err
	}
	d, err := s.pick(ctx, tx, in)
	if err != nil {
		return nil, false, err
	}
	loan := Loan{ID: uuid.Must(uuid.NewV7()).String(), WorkOrderID: in.WorkOrderID, Customer: customer, Region: in.Region,
		DueOn: in.DueOn, AssignedAt: tx.Now, dueAt: due}
	// A concurrent request for the same work order and region may have
	// lent a loaner since the check above: the index on open loans per
	// work order and region lets one insert through, and this one (after
	// waiting for the other to commit) inserts nothing and answers with
	// that loan. DO NOTHING keeps the PostgreSQL transaction usable.
	res, err := tx.ExecContext(ctx, `INSERT INTO device_loans (id, device_id, work_order_id, customer, region, due_on, due_at, assigned_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`, loan.ID, d.ID, loan.WorkOrderID, loan.Customer, loan.Region, loan.DueOn,
		db.T(due), db.T(tx.Now))
	if err != nil {
		return nil, false, db.Translate(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if other, err := s.openLoanTx(ctx, tx, in); other != nil || err != nil {
			return other, false, err
		}
		return nil, false, fault.Errorf(fault.Conflict, "loaner %s was lent by another request at the same time; ask again", d.Serial)
	}
	if customer != "" {
		d.Location = "at customer " + customer
	}
	detail := map[string]any{"loan_id": loan.ID, "due_on": loan.DueOn, "customer": customer, "region": loan.Region, "note": in.Note}
	if err := s.moveTx(ctx, tx, by, d, AssignedLoaner, Entry{Type: HistLoanerAssigned, WorkOrderID: loan.WorkOrderID, Ref: loan.ID,
		Summary: fmt.Sprintf("Lent to %s until %s", orDash(customer), loan.DueOn), Detail: detail}); err != nil {
		return nil, false, err
	}
	loan.Overdue, loan.DaysOverdue = overdue(due, tx.Now)
	d.Loan = &loan
	_, err = s.record(ctx, tx, by, d, "Loaner.Assigned", loan.WorkOrderID, map[string]any{"loan": loan})
	return d, true, err
}

// openLoanTx returns the loaner the work order already has out in the
// region, or nil when it has none. Asking for another loaner by name while
// one is out is a conflict: a work order holds one loan per region.
func (s *Service) openLoanTx(ctx context.Context, tx *db.Tx, in LoanRequest) (*Device, error) {
	var existing string
	err := tx.QueryRowContext(ctx, `SELECT device_id FROM device_loans WHERE work_order_id = $1 AND region = $2 AND returned_at IS NULL
		ORDER BY assigned_at LIMIT 1`, in.WorkOrderID, in.Region).Scan(&existing)
	if err = db.Translate(err); fault.Is(err, fault.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d, err := s.GetTx(ctx, tx, existing)
	if err != nil || in.DeviceID == "" || in.DeviceID == existing {
		return d, err
	}
	return nil, &fault.Error{Code: fault.Conflict,
		Message: fmt.Sprintf("work order %s already has loaner %s out in region %s; return it before lending another", in.WorkOrderID, d.Serial, in.Region),
		Detail:  map[string]any{"device_id": d.ID, "region": in.Region}}
}

// pick locks the named loaner, or the free loaner of the region that has
// waited longest, checking it may be lent.
func (s *Service) pick(ctx context.Context, tx *db.Tx, in LoanRequest) (*Device, error) {
	free := statusNames(loanerFree)
	if in.DeviceID == "" {
		skip := ""
		if tx.Engine() == db.Postgres {
			skip = " FOR UPDATE OF d SKIP LOCKED" // a concurrent request takes the next loaner, not a false shortage
		}
		d, err := scan(tx.QueryRowContext(ctx, `SELECT `+columns+from+` WHERE d.loaner = $1 AND d.region = $2
			AND d.status IN ($3, $4, $5) AND l.id IS NULL ORDER BY d.updated_at, d.id LIMIT 1`+skip,
			true, in.Region, free[0], free[1], free[2]), tx.Now)
		if fault.Is(err, fault.NotFound) {
			return nil, errShortage
		}
		return d, err
	}
	d, err := s.GetTx(ctx, tx, in.DeviceID)
	if fault.Is(err, fault.NotFound) {
		return nil, &fault.Error{Code: fault.Invalid, Message: "validation failed",
			Fields: []fault.FieldError{{Field: "body.device_id", Reason: "no device " + in.DeviceID}}}
	}
	switch {
	case err != nil:
		return nil, err
	case !d.Loaner:
		return nil, fault.Errorf(fault.Conflict, "device %s is not a loaner", d.Serial)
	case d.Region != in.Region:
		return nil, fault.Errorf(fault.Conflict, "loaner %s belongs to region %s, not %s", d.Serial, d.Region, in.Region)
	case d.Loan != nil:
		return nil, fault.Errorf(fault.Conflict, "loaner %s is already out for work order %s", d.Serial, d.Loan.WorkOrderID)
	case !slices.Contains(loanerFree, d.Status):
		return nil, &fault.Error{Code: fault.Conflict,
			Message: fmt.Sprintf("loaner %s is %s; only a loaner that is %s can be lent", d.Serial, d.Status, strings.Join(free, ", ")),
			Detail:  map[string]any{"status": d.Status, "allowed_from": free}}
	}
	return d, nil
}

// shortage records that a region ran out of loaners, for ops to act on,
// and returns the conflict the request answers with.
func (s *Service) shortage(ctx context.Context, c Caller, in LoanRequest) error {
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		raw := jsonObject(map[string]any{"region": in.Region, "work_order_id": in.WorkOrderID, "due_on": in.DueOn})
		_, err := s.events.Record(ctx, tx, event.Event{Type: "Loaner.Shortage", SubjectType: "LoanerPool", SubjectID: in.Region,
			WorkOrderID: in.WorkOrderID, Actor: actorOr(c.Actor), Payload: raw})
		return err
	})
	if err != nil {
		return err
	}
	return &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("no loaner is free in region %s; operations has been alerted", in.Region),
		Detail: map[string]any{"region": in.Region, "shortage": true}}
}

func actorOr(a event.Actor) event.Actor {
	if a.Kind == "" {
		return event.System
	}
	return a
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// joinInvalid merges two validation failures into one naming every field;
// any other error wins as it is.
func joinInvalid(a, b error) error {
	fa, okA := a.(*fault.Error)
	fb, okB := b.(*fault.Error)
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case okA && okB && fa.Code == fault.Invalid && fb.Code == fault.Invalid:
		var f fault.Fields
		for _, fe := range append(append([]fault.FieldError{}, fa.Fields...), fb.Fields...) {
			f.Add(fe.Field, fe.Reason)
		}
		return f.Err()
	case okA && fa.Code == fault.Invalid:
		return b
	}
	return a
}
