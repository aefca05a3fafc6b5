package workorder

import (
	"context"
	"slices"
	"strings"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/provider"
)

// change is an event an action wants recorded after the work order is saved.
type change struct {
	typ   string
	extra map[string]any
}

// act loads the work order for update, lets fn change it, saves it and
// records fn's events plus a StatusChanged event when the status moved —
// all in one transaction. ifVersion, when set, must match (412 otherwise).
func (s *Service) act(ctx context.Context, c Caller, id string, ifVersion *int64, fn func(tx *db.Tx, w *WorkOrder) ([]change, error)) (*WorkOrder, error) {
	var out *WorkOrder
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.actTx(ctx, tx, c, id, ifVersion, fn)
		return err
	})
	return out, err
}

// actTx is act inside the caller's transaction.
func (s *Service) actTx(ctx context.Context, tx *db.Tx, c Caller, id string, ifVersion *int64, fn func(tx *db.Tx, w *WorkOrder) ([]change, error)) (*WorkOrder, error) {
	w, err := s.load(ctx, tx, c, id, tx.ForUpdate())
	if err != nil {
		return nil, err
	}
	if ifVersion != nil && *ifVersion != w.Version {
		return nil, &fault.Error{Code: fault.Stale, Message: "the work order has changed since you read it",
			Detail: map[string]any{"current_version": w.Version}}
	}
	before := w.Status
	changes, err := fn(tx, w)
	if err != nil {
		return nil, err
	}
	if err := update(ctx, tx, w); err != nil {
		return nil, err
	}
	if w.Status != before {
		changes = append(changes, change{"WorkOrder.StatusChanged", map[string]any{"from": before, "to": w.Status}})
	}
	for _, ch := range changes {
		if err := s.record(ctx, tx, c, w, ch.typ, ch.extra); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// illegal is the 409 for a transition the work order's status forbids,
// naming the statuses it may move to.
func illegal(w *WorkOrder, action string) error {
	allowed := w.Status.Allowed()
	names := make([]string, len(allowed))
	for i, s := range allowed {
		names[i] = string(s)
	}
	msg := "cannot " + action + " a work order that is " + string(w.Status)
	if len(names) > 0 {
		msg += "; from " + string(w.Status) + " it may go to " + strings.Join(names, ", ")
	}
	return &fault.Error{Code: fault.Conflict, Message: msg, Detail: map[string]any{"status": w.Status, "allowed": names}}
}

func (s *Service) move(w *WorkOrder, to Status, action string) error {
	if !w.Status.CanMove(to) {
		return illegal(w, action)
	}
	w.Status = to
	return nil
}

// reasonCodes returns the provider's codes for an action, or the defaults.
func (s *Service) reasonCodes(ctx context.Context, w *WorkOrder, pick func(provider.ReasonCodes) []string, defaults []string) ([]string, error) {
	p, err := s.providers.ByID(ctx, w.providerID)
	if err != nil {
		return nil, err
	}
	if codes := pick(p.Settings.Contract.ReasonCodes); len(codes) > 0 {
		return codes, nil
	}
	return defaults, nil
}

func (s *Service) checkReason(ctx context.Context, w *WorkOrder, code string, pick func(provider.ReasonCodes) []string, defaults []string) error {
	codes, err := s.reasonCodes(ctx, w, pick, defaults)
	if err != nil {
		return err
	}
	if !slices.Contains(codes, code) {
		return &fault.Error{Code: fault.Invalid, Message: "unknown reason code",
			Fields: []fault.FieldError{{Field: "reason_code", Reason: "must be one of " + strings.Join(codes, ", ")}}}
	}
	return nil
}

func by(c Caller) string {
	if c.Actor.Name != "" {
		return c.Actor.Name
	}
	return c.Actor.Kind + ":" + c.Actor.ID
}

func pickHold(r provider.ReasonCodes) []string   { return r.Hold }
func pickCancel(r provider.ReasonCodes) []string { return r.Cancel }
func pickNoShow(r provider.ReasonCodes) []string { return r.NoShow }

// Hold pauses an open work order (and its SLA clock) with a reason.
func (s *Service) Hold(ctx context.Context, c Caller, id, reasonCode, note string) (*WorkOrder, error) {
	return s.act(ctx, c, id, nil, func(tx *db.Tx, w *WorkOrder) ([]change, error) {
		if err := s.checkReason(ctx, w, reasonCode, pickHold, DefaultHoldReasons); err != nil {
			return nil, err
		}
		from := w.Status
		if err := s.move(w, OnHold, "hold"); err != nil {
			return nil, err
		}
		w.Hold = &Hold{ReasonCode: reasonCode, Note: note, From: from, Since: tx.Now}
		return []change{{"WorkOrder.Held", map[string]any{"reason_code": reasonCode, "note": note}}}, nil
	})
}

// Resume returns a held work order to the status it was held from and moves
// its SLA deadline by the time it was held.
func (s *Service) Resume(ctx context.Context, c Caller, id, note string) (*WorkOrder, error) {
	var out *WorkOrder
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.ResumeTx(ctx, tx, c, id, note)
		return err
	})
	return out, err
}

// SetRequestedWindow records the tentative window the provider or customer asked for.
func (s *Service) SetRequestedWindow(ctx context.Context, c Caller, id string, win Window) (*WorkOrder, error) {
	if err := checkWindow(win); err != nil {
		return nil, err
	}
	return s.act(ctx, c, id, nil, func(tx *db.Tx, w *WorkOrder) ([]change, error) {
		if !w.Status.Open() {
			return nil, illegal(w, "change the requested window of")
		}
		win := Window{win.Start.UTC(), win.End.UTC()}
		w.RequestedWindow = &win
		return []change{{"WorkOrder.RequestedWindowSet", map[string]any{"window": win}}}, nil
	})
}

// ConfirmAppointment sets the binding appointment; the work order becomes
// scheduled (or stays assigned when a technician already has it).
func (s *Service) ConfirmAppointment(ctx context.Context, c Caller, id string, win Window, note string) (*WorkOrder, error) {
	if err := checkWindow(win); err != nil {
		return nil, err
	}
	return s.act(ctx, c, id, nil, func(tx *db.Tx, w *WorkOrder) ([]change, error) {
		if w.Appointment != nil {
			return nil, &fault.Error{Code: fault.Conflict, Message: "an appointment is already confirmed; reschedule it instead"}
		}
		if w.Status != Assigned {
			if err := s.move(w, Scheduled, "confirm an appointment for"); err != nil {
				return nil, err
			}
		}
		w.Appointment = &Appointment{Window: Window{win.Start.UTC(), win.End.UTC()}, ConfirmedAt: tx.Now, ConfirmedBy: by(c)}
		return []change{{"WorkOrder.AppointmentSet", map[string]any{"appointment": w.Appointment.Window, "note": note}}}, nil
	})
}

// Reschedule replaces the confirmed appointment, keeping the old one in its history.
func (s *Service) Reschedule(ctx context.Context, c Caller, id string, win Window, reasonCode, note string) (*WorkOrder, error) {
	if err := checkWindow(win); err != nil {
		return nil, err
	}
	return s.act(ctx, c, id, nil, func(tx *db.Tx, w *WorkOrder) ([]change, error) {
		if !w.Status.Open() || w.Status == OnHold {
			return nil, illegal(w, "reschedule")
		}
		prev := w.Appointment
		if prev == nil {
			return nil, &fault.Error{Code: fault.Conflict, Message: "there is no confirmed appointment to reschedule; confirm one first"}
		}
		if w.Status == Scheduling {
			w.Status = Scheduled
		}
		w.Appointment = &Appointment{Window: Window{win.Start.UTC(), win.End.UTC()}, ConfirmedAt: tx.Now, ConfirmedBy: by(c),
			History: append(slices.Clone(prev.History), prev.Window)}
		return []change{{"WorkOrder.AppointmentSet", map[string]any{"appointment": w.Appointment.Window,
			"previous": prev.Window, "rescheduled": true, "reason_code": reasonCode, "note": note}}}, nil
	})
}

// Cancel ends an open (or held) work order with a reason.
func (s *Service) Cancel(ctx context.Context, c Caller, id, reasonCode, note string) (*WorkOrder, error) {
	return s.act(ctx, c, id, nil, func(tx *db.Tx, w *WorkOrder) ([]change, error) {
		if err := s.checkReason(ctx, w, reasonCode, pickCancel, DefaultCancelReasons); err != nil {
			return nil, err
		}
		if err := s.move(w, Cancelled, "cancel"); err != nil {
			return nil, err
		}
		w.Hold = nil
		w.Cancellation = &Reason{ReasonCode: reasonCode, Note: note, At: tx.Now, By: by(c)}
		return []change{{"WorkOrder.Cancelled", map[string]any{"reason_code": reasonCode, "note": note}}}, nil
	})
}

// NoShow records that the customer was not there for the appointment, adds
// the provider's no-show fee, and either sends the work order back to
// scheduling or cancels it.
func (s *Service) NoShow(ctx context.Context, c Caller, id, reasonCode, note, outcome string) (*WorkOrder, error) {
	if outcome != "reschedule" && outcome != "cancel" {
		return nil, &fault.Error{Code: fault.Invalid, Message: "validation failed",
			Fields: []fault.FieldError{{Field: "outcome", Reason: "must be reschedule or cancel"}}}
	}
	return s.act(ctx, c, id, nil, func(tx *db.Tx, w *WorkOrder) ([]change, error) {
		if err := s.checkReason(ctx, w, reasonCode, pickNoShow, DefaultNoShowReasons); err != nil {
			return nil, err
		}
		if w.Appointment == nil || (w.Status != Scheduled && w.Status != Assigned && w.Status != InProgress) {
			return nil, &fault.Error{Code: fault.Conflict, Message: "a no-show needs a confirmed appointment on a scheduled work order",
				Detail: map[string]any{"status": w.Status}}
		}
		w.NoShows = append(w.NoShows, Reason{ReasonCode: reasonCode, Note: note, At: tx.Now, By: by(c)})
		extra := map[string]any{"reason_code": reasonCode, "note": note, "outcome": outcome, "appointment": w.Appointment.Window}
		p, err := s.providers.ByID(ctx, w.providerID)
		if err != nil {
			return nil, err
		}
		if fee := p.Settings.Contract.NoShowFeeCents; fee > 0 {
			cur := p.Settings.Contract.Currency
			if cur == "" {
				cur = "USD"
			}
			f := Fee{Kind: "no_show", AmountCents: fee, Currency: cur, At: tx.Now}
			w.Fees = append(w.Fees, f)
			extra["fee"] = f
		}
		changes := []change{{"WorkOrder.NoShow", extra}}
		if outcome == "cancel" {
			w.Status = Cancelled
			w.Cancellation = &Reason{ReasonCode: "no_show:" + reasonCode, Note: note, At: tx.Now, By: by(c)}
			return append(changes, change{"WorkOrder.Cancelled", map[string]any{"reason_code": "no_show:" + reasonCode, "note": note}}), nil
		}
		prev := w.Appointment
		w.Appointment = nil
		w.Status = Scheduling
		if w.RequestedWindow == nil {
			w.RequestedWindow = &Window{prev.Start, prev.End}
		}
		return changes, nil
	})
}

// Complete records the outcome of the work.
func (s *Service) Complete(ctx context.Context, c Caller, id, resultCode, notes string) (*WorkOrder, error) {
	var out *WorkOrder
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.CompleteTx(ctx, tx, c, id, resultCode, notes)
		return err
	})
	return out, err
}

// Close ends a completed work order; nothing changes after close.
func (s *Service) Close(ctx context.Context, c Caller, id, note string) (*WorkOrder, error) {
	return s.act(ctx, c, id, nil, func(tx *db.Tx, w *WorkOrder) ([]change, error) {
		if err := s.move(w, Closed, "close"); err != nil {
			return nil, err
		}
		at := tx.Now
		w.ClosedAt = &at
		return []change{{"WorkOrder.Closed", map[string]any{"note": note}}}, nil
	})
}

// checkWindow validates a window sent as the top level of an action's body.
func checkWindow(w Window) error {
	var f fault.Fields
	validateWindow(&f, "", w)
	return f.Err()
}
