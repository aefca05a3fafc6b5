package device

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
)

// remindFrom is how long before a loan's due time (the end of its due
// date) the reminder goes out: from the start of the day before.
const remindFrom = 48 * time.Hour

// overdueEvery is how often an overdue loan is raised again.
const overdueEvery = 24 * time.Hour

// Sweep raises the loaner timers due at the store's clock: Loaner.ReminderDue
// once from the day before a loan is due, and Loaner.Overdue with
// Loaner.OverdueBillable (days overdue, for billing) once the loan is late,
// again at most once a day while it stays out. Each timer is claimed by a
// guarded update in its own transaction, so no timer fires twice even when
// sweeps overlap. It returns how many timers fired.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.store.Now()
	rows, err := s.store.Read.QueryContext(ctx, `SELECT id FROM device_loans WHERE returned_at IS NULL AND due_at <= $1
		AND ((due_at > $2 AND reminded_at IS NULL) OR (due_at <= $2 AND (overdue_notified_at IS NULL OR overdue_notified_at <= $3)))
		ORDER BY due_at LIMIT 1000`, db.T(now.Add(remindFrom)), db.T(now), db.T(now.Add(-overdueEvery)))
	ids, err := db.Collect(rows, err, func(r *sql.Rows) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
	if err != nil {
		return 0, err
	}
	fired := 0
	var errs []error
	for _, id := range ids {
		err := s.store.InTx(ctx, func(tx *db.Tx) error {
			n, err := s.sweepLoan(ctx, tx, id)
			fired += n
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("loan %s: %w", id, err))
		}
	}
	return fired, errors.Join(errs...)
}

// sweepLoan fires whichever timer of one loan is due, claiming it first.
// It locks the device before touching the loan, the order Return and every
// other loaner change take, so a sweep and a return never deadlock.
func (s *Service) sweepLoan(ctx context.Context, tx *db.Tx, loanID string) (int, error) {
	var deviceID string
	err := tx.QueryRowContext(ctx, `SELECT device_id FROM device_loans WHERE id = $1 AND returned_at IS NULL`, loanID).Scan(&deviceID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // returned meanwhile
	}
	if err != nil {
		return 0, db.Translate(err)
	}
	d, err := s.GetTx(ctx, tx, deviceID)
	if err != nil {
		return 0, err
	}
	if d.Loan == nil || d.Loan.ID != loanID {
		return 0, nil // returned meanwhile
	}
	due := d.Loan.dueAt
	late, days := overdue(due, tx.Now)
	var res sql.Result
	// Each update is guarded by returned_at too: the loan read with the
	// device may predate a return that committed while we waited for it.
	if late {
		res, err = tx.ExecContext(ctx, `UPDATE device_loans SET overdue_notified_at = $1, days_overdue = $2
			WHERE id = $3 AND returned_at IS NULL AND (overdue_notified_at IS NULL OR overdue_notified_at <= $4)`,
			db.T(tx.Now), days, loanID, db.T(tx.Now.Add(-overdueEvery)))
	} else if !tx.Now.Before(due.Add(-remindFrom)) {
		res, err = tx.ExecContext(ctx, `UPDATE device_loans SET reminded_at = $1 WHERE id = $2 AND returned_at IS NULL AND reminded_at IS NULL`,
			db.T(tx.Now), loanID)
	} else {
		return 0, nil
	}
	if err != nil {
		return 0, db.Translate(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return 0, nil // another sweep fired it, or the loaner came back
	}
	if late {
		return 1, s.fireOverdue(ctx, tx, d, days)
	}
	return 1, s.fireReminder(ctx, tx, d)
}

func (s *Service) fireReminder(ctx context.Context, tx *db.Tx, d *Device) error {
	l := d.Loan
	ev, err := s.record(ctx, tx, event.System, d, "Loaner.ReminderDue", l.WorkOrderID, map[string]any{"loan": l, "due_on": l.DueOn})
	if err != nil {
		return err
	}
	_, err = addHistory(ctx, tx, event.System, d.ID, Entry{Type: HistLoanerReminder, WorkOrderID: l.WorkOrderID, Ref: l.ID, EventID: ev.ID,
		Summary: fmt.Sprintf("Reminder: due back from %s on %s", orDash(l.Customer), l.DueOn), Detail: map[string]any{"due_on": l.DueOn}})
	return err
}

func (s *Service) fireOverdue(ctx context.Context, tx *db.Tx, d *Device, days int) error {
	l := d.Loan
	ev, err := s.record(ctx, tx, event.System, d, "Loaner.Overdue", l.WorkOrderID, map[string]any{"loan": l, "days_overdue": days})
	if err != nil {
		return err
	}
	raw := jsonObject(map[string]any{"device_id": d.ID, "serial": d.Serial, "loan_id": l.ID, "work_order_id": l.WorkOrderID,
		"customer": l.Customer, "region": l.Region, "due_on": l.DueOn, "days_overdue": days})
	if _, err := s.events.Record(ctx, tx, event.Event{Type: "Loaner.OverdueBillable", SubjectType: SubjectType, SubjectID: d.ID,
		WorkOrderID: l.WorkOrderID, Actor: event.System, Payload: raw}); err != nil {
		return err
	}
	_, err = addHistory(ctx, tx, event.System, d.ID, Entry{Type: HistLoanerOverdue, WorkOrderID: l.WorkOrderID, Ref: l.ID, EventID: ev.ID,
		Summary: fmt.Sprintf("Overdue %d day(s) at %s (due %s)", days, orDash(l.Customer), l.DueOn),
		Detail:  map[string]any{"due_on": l.DueOn, "days_overdue": days}})
	return err
}

// jsonObject encodes a payload of plain values (which cannot fail).
func jsonObject(m map[string]any) json.RawMessage {
	raw, _ := json.Marshal(m)
	return raw
}
