package device

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// Return takes a loaner back from its loan: it goes to the depot
// (in_depot) to be inspected, and the loan closes.
func (s *Service) Return(ctx context.Context, c Caller, id, note string) (*Device, error) {
	var out *Device
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.ReturnTx(ctx, tx, c.Actor, id, note)
		return err
	})
	return out, err
}

// ReturnTx closes the open loan of loaner id inside the caller's
// transaction (the depot receiving a loaner that is still out) and moves it
// to in_depot with a Loaner.Returned event. A loaner with no open loan is a
// conflict; so is a loan another transaction closed first, so that only one
// return is ever recorded.
func (s *Service) ReturnTx(ctx context.Context, tx *db.Tx, by event.Actor, id, note string) (*Device, error) {
	d, err := s.GetTx(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if !d.Loaner {
		return nil, fault.Errorf(fault.Conflict, "device %s is not a loaner", d.Serial)
	}
	loan := d.Loan
	if loan == nil {
		return nil, notOnLoan(d)
	}
	res, err := tx.ExecContext(ctx, `UPDATE device_loans SET returned_at = $1 WHERE id = $2 AND returned_at IS NULL`,
		db.T(tx.Now), loan.ID)
	if err != nil {
		return nil, db.Translate(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return nil, notOnLoan(d) // a concurrent return closed it first
	}
	at := tx.Now
	loan.ReturnedAt = &at
	d.Location = "depot"
	detail := map[string]any{"loan_id": loan.ID, "overdue": loan.Overdue, "days_overdue": loan.DaysOverdue, "note": note}
	if err := s.moveTx(ctx, tx, by, d, InDepot, Entry{Type: HistLoanerReturned, WorkOrderID: loan.WorkOrderID, Ref: loan.ID,
		Summary: "Returned from " + orDash(loan.Customer) + "; awaiting inspection", Detail: detail}); err != nil {
		return nil, err
	}
	_, err = s.record(ctx, tx, by, d, "Loaner.Returned", loan.WorkOrderID, map[string]any{"loan": loan, "note": note})
	return d, err
}

func notOnLoan(d *Device) error {
	return &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("loaner %s is not out on loan", d.Serial),
		Detail: map[string]any{"status": d.Status}}
}

// Inspect records the inspection of a returned loaner. Passed, it is
// available again (returned_available); failed, it stays in the depot for
// refurbishment.
func (s *Service) Inspect(ctx context.Context, c Caller, id string, passed bool, note string) (*Device, error) {
	var out *Device
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		d, err := s.GetTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if !d.Loaner {
			return fault.Errorf(fault.Conflict, "device %s is not a loaner", d.Serial)
		}
		if d.Status != InDepot {
			return &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("only a loaner in the depot is inspected; %s is %s", d.Serial, d.Status),
				Detail: map[string]any{"status": d.Status}}
		}
		if d.Loan != nil {
			// Passing would lend it again with this loan still open,
			// billed overdue every day.
			return &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("loaner %s is still out on loan %s; return it first with POST /v1/loaners/%s/return",
				d.Serial, d.Loan.ID, d.ID), Detail: map[string]any{"status": d.Status, "loan_id": d.Loan.ID}}
		}
		var loanID, workOrderID string
		// The loan this inspection closes is the latest returned one not yet
		// inspected: an older loan's inspection is history, never rewritten.
		err = tx.QueryRowContext(ctx, `SELECT id, work_order_id FROM device_loans WHERE device_id = $1 AND returned_at IS NOT NULL
			AND inspected_at IS NULL ORDER BY returned_at DESC, id DESC LIMIT 1`, d.ID).Scan(&loanID, &workOrderID)
		if err != nil && err != sql.ErrNoRows {
			return db.Translate(err)
		}
		if loanID != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE device_loans SET inspected_at = $1, inspection_passed = $2 WHERE id = $3 AND inspected_at IS NULL`,
				db.T(tx.Now), passed, loanID); err != nil {
				return db.Translate(err)
			}
		}
		out = d
		return s.inspectTx(ctx, tx, c, d, passed, note, loanID, workOrderID)
	})
	return out, err
}

func (s *Service) inspectTx(ctx context.Context, tx *db.Tx, c Caller, d *Device, passed bool, note, loanID, workOrderID string) error {
	e := Entry{Type: HistLoanerInspect, WorkOrderID: workOrderID, Ref: loanID, Detail: map[string]any{"passed": passed, "note": note},
		Summary: "Inspection failed; stays in the depot for refurbishment"}
	if passed {
		e.Summary = "Inspection passed; available to lend"
		if err := s.moveTx(ctx, tx, c.Actor, d, ReturnedAvailable, e); err != nil {
			return err
		}
	}
	ev, err := s.record(ctx, tx, c.Actor, d, "Loaner.Inspected", workOrderID,
		map[string]any{"loan_id": loanID, "passed": passed, "note": note})
	if err != nil || passed {
		return err
	}
	e.EventID = ev.ID
	_, err = addHistory(ctx, tx, c.Actor, d.ID, e)
	return err
}
