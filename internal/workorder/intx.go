package workorder

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// The methods in this file let other areas (dispatch, depot) change a work
// order inside their own transaction, so that a job's award and the work
// order's move to assigned commit together or not at all. They run the same
// rules and record the same events as the actions staff take.

// AdvanceTx records an event of typ about the work order and moves it to
// status to when that move is legal from where it stands. A work order that
// cannot move there (on hold, or already past it) keeps its status: the
// event still goes on its timeline, and moved is false. A closed or
// cancelled work order refuses with a conflict. An empty to only records.
func (s *Service) AdvanceTx(ctx context.Context, tx *db.Tx, c Caller, id string, to Status, typ string, detail map[string]any) (w *WorkOrder, moved bool, err error) {
	w, err = s.actTx(ctx, tx, c, id, nil, func(tx *db.Tx, w *WorkOrder) ([]change, error) {
		if w.Status == Closed || w.Status == Cancelled {
			return nil, illegal(w, "change")
		}
		if to != "" && to != w.Status && w.Status.CanMove(to) && to != OnHold && to != Cancelled {
			w.Status = to
			moved = true
		}
		if typ == "" {
			return nil, nil
		}
		return []change{{typ, detail}}, nil
	})
	return w, moved, err
}

// HoldTx puts an open work order on hold inside the caller's transaction;
// one already on hold stays held and gets the event only. These are system
// holds raised by other areas (the depot's incomplete_package), so a
// default hold reason is accepted even when the provider's contract lists
// codes of its own: its list governs what its staff pick, not fieldhub's.
func (s *Service) HoldTx(ctx context.Context, tx *db.Tx, c Caller, id, reasonCode, note string) (*WorkOrder, error) {
	return s.actTx(ctx, tx, c, id, nil, func(tx *db.Tx, w *WorkOrder) ([]change, error) {
		if !slices.Contains(DefaultHoldReasons, reasonCode) {
			if err := s.checkReason(ctx, w, reasonCode, pickHold, DefaultHoldReasons); err != nil {
				return nil, err
			}
		}
		ev := []change{{"WorkOrder.Held", map[string]any{"reason_code": reasonCode, "note": note}}}
		if w.Status == OnHold {
			return ev, nil
		}
		from := w.Status
		if err := s.move(w, OnHold, "hold"); err != nil {
			return nil, err
		}
		w.Hold = &Hold{ReasonCode: reasonCode, Note: note, From: from, Since: tx.Now}
		return ev, nil
	})
}

// CompleteTx records the outcome of the work inside the caller's
// transaction (a job's completion completing its work order).
func (s *Service) CompleteTx(ctx context.Context, tx *db.Tx, c Caller, id, resultCode, notes string) (*WorkOrder, error) {
	if !slices.Contains(ResultCodes, resultCode) {
		return nil, &fault.Error{Code: fault.Invalid, Message: "validation failed",
			Fields: []fault.FieldError{{Field: "result_code", Reason: "must be one of " + strings.Join(ResultCodes, ", ")}}}
	}
	return s.actTx(ctx, tx, c, id, nil, func(tx *db.Tx, w *WorkOrder) ([]change, error) {
		if err := s.move(w, Completed, "complete"); err != nil {
			return nil, err
		}
		w.Completion = &Completion{ResultCode: resultCode, Notes: notes, CompletedAt: tx.Now}
		return []change{{"WorkOrder.Completed", map[string]any{"result_code": resultCode, "notes": notes}}}, nil
	})
}

// GetTx reads a work order the caller may see inside a transaction, locking
// it on PostgreSQL.
func (s *Service) GetTx(ctx context.Context, tx *db.Tx, c Caller, id string) (*WorkOrder, error) {
	return s.load(ctx, tx, c, id, tx.ForUpdate())
}

// ResumeTx returns a held work order to the status it was held from inside
// the caller's transaction (a depot ticket's missing items arriving), moving
// its SLA deadline by the time held, as Resume does.
func (s *Service) ResumeTx(ctx context.Context, tx *db.Tx, c Caller, id, note string) (*WorkOrder, error) {
	return s.actTx(ctx, tx, c, id, nil, func(tx *db.Tx, w *WorkOrder) ([]change, error) {
		if w.Status != OnHold || w.Hold == nil {
			return nil, &fault.Error{Code: fault.Conflict, Message: "only a work order on hold can be resumed",
				Detail: map[string]any{"status": w.Status}}
		}
		held := tx.Now.Sub(w.Hold.Since)
		if w.SLADueAt != nil {
			due := w.SLADueAt.Add(held)
			w.SLADueAt = &due
		}
		w.Status, w.Hold = w.Hold.From, nil
		return []change{{"WorkOrder.Resumed", map[string]any{"note": note, "held_seconds": int64(held / time.Second)}}}, nil
	})
}
