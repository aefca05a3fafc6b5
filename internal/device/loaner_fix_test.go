package device

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// lendOne registers one loaner in region and lends it under workOrderID,
// due back on dueOn.
func lendOne(t *testing.T, s *Service, region, workOrderID, dueOn string) *Device {
	t.Helper()
	addLoaners(t, s, region, 1)
	d, _, err := s.Assign(context.Background(), staff, LoanRequest{WorkOrderID: workOrderID, Region: region, DueOn: dueOn})
	if err != nil {
		t.Fatal(err)
	}
	if d.Loan == nil {
		t.Fatal("the lent loaner has no loan")
	}
	return d
}

func wantConflict(t *testing.T, what string, err error) {
	t.Helper()
	if !fault.Is(err, fault.Conflict) {
		t.Fatalf("%s: %v, want a conflict", what, err)
	}
}

// inspectNeedsReturn: a loaner moved to the depot (as a depot receipt
// does) while its loan is open is not inspected until it is returned.
func inspectNeedsReturn(t *testing.T, store *db.DB, s *Service) {
	ctx := context.Background()
	d := lendOne(t, s, "INS", "wo-fix-insp", store.Now().AddDate(0, 0, 3).Format(time.DateOnly))
	if err := store.InTx(ctx, func(tx *db.Tx) error {
		_, err := s.MoveTx(ctx, tx, staff.Actor, d.ID, InDepot, Entry{Summary: "received"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Inspect(ctx, staff, d.ID, true, "")
	wantConflict(t, "inspecting a loaner still out on loan", err)
	wantOpenLoans(t, store, "wo-fix-insp", 1)
	if _, err := s.Return(ctx, staff, d.ID, ""); err != nil {
		t.Fatal(err)
	}
	got, err := s.Inspect(ctx, staff, d.ID, true, "")
	if err != nil || got.Status != ReturnedAvailable {
		t.Fatalf("inspection after the return: %v, %v", got, err)
	}
}

// returnRace: two returns of one loan at once record one return; the
// other is told the loaner is not out.
func returnRace(t *testing.T, store *db.DB, s *Service) {
	ctx := context.Background()
	d := lendOne(t, s, "RET", "wo-fix-ret", store.Now().AddDate(0, 0, 3).Format(time.DateOnly))
	ret := func(tx *db.Tx) error {
		_, err := s.ReturnTx(ctx, tx, staff.Actor, d.ID, "")
		return err
	}
	errA, errB := overlap(t, store, ret, ret)
	if errA != nil {
		t.Fatalf("first return: %v", errA)
	}
	wantConflict(t, "second return", errB)
	var n int
	if err := store.Read.QueryRowContext(ctx, `SELECT count(*) FROM device_history WHERE device_id = $1 AND type = $2`,
		d.ID, HistLoanerReturned).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d returns on the history, want 1", n)
	}
}

// sweepWaitsForDevice: a sweep that starts while a return holds the
// device waits for it instead of locking the loan first, which deadlocked
// with the return's own update of the loan.
func sweepWaitsForDevice(t *testing.T, store *db.DB, s *Service) {
	if store.Engine != db.Postgres {
		t.Skip("row locks are PostgreSQL's; SQLite has one writer")
	}
	ctx := context.Background()
	d := lendOne(t, s, "SWP", "wo-fix-sweep", store.Now().Format(time.DateOnly)) // its reminder is due
	locked, goOn, firstDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		firstDone <- store.InTx(ctx, func(tx *db.Tx) error {
			_, err := s.GetTx(ctx, tx, d.ID)
			close(locked)
			if err != nil {
				return err
			}
			<-goOn
			_, err = s.ReturnTx(ctx, tx, staff.Actor, d.ID, "")
			return err
		})
	}()
	<-locked
	pid, secondDone := make(chan int, 1), make(chan error, 1)
	go func() {
		secondDone <- store.InTx(ctx, func(tx *db.Tx) error {
			var p int
			if err := tx.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&p); err != nil {
				pid <- 0
				return err
			}
			pid <- p
			_, err := s.sweepLoan(ctx, tx, d.Loan.ID)
			return err
		})
	}()
	p := <-pid
	dbtest.Eventually(t, "the sweep to wait on the return", func() bool {
		var waiting string
		_ = store.Read.QueryRowContext(ctx, `SELECT coalesce(wait_event_type, '') FROM pg_stat_activity WHERE pid = $1`, p).Scan(&waiting)
		return waiting == "Lock"
	})
	close(goOn)
	if errA, errB := <-firstDone, <-secondDone; errA != nil || errB != nil {
		t.Fatalf("return: %v; sweep: %v", errA, errB)
	}
	wantOpenLoans(t, store, "wo-fix-sweep", 0)
}

// patchKeepsLoanInPool: a loaner out on loan keeps its loaner flag and
// region until it is returned.
func patchKeepsLoanInPool(t *testing.T, store *db.DB, s *Service) {
	ctx := context.Background()
	d := lendOne(t, s, "PAT", "wo-fix-patch", store.Now().AddDate(0, 0, 3).Format(time.DateOnly))
	no, other, same := false, "ELP", " pat "
	_, err := s.Patch(ctx, staff, d.ID, Edit{Loaner: &no}, nil)
	wantConflict(t, "loaner:false while on loan", err)
	_, err = s.Patch(ctx, staff, d.ID, Edit{Region: &other}, nil)
	wantConflict(t, "another region while on loan", err)
	if _, err := s.Patch(ctx, staff, d.ID, Edit{Region: &same, Location: &other}, nil); err != nil {
		t.Fatalf("an edit that keeps the pool: %v", err)
	}
	if _, err := s.Return(ctx, staff, d.ID, ""); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Patch(ctx, staff, d.ID, Edit{Region: &other}, nil); err != nil || got.Region != "ELP" {
		t.Fatalf("moving a returned loaner to another pool: %v, %v", got, err)
	}
}

// unknownScanDropped: a scan of a serial nobody knows, without a model to
// register it by, is logged and dropped rather than retried.
func unknownScanDropped(t *testing.T, s *Service) {
	raw := must(json.Marshal(map[string]any{"job_id": "job-u", "scan_id": "s-u", "serial": "NOBODY-KNOWS", "scan_kind": "pickup",
		"work_order_id": "wo-u"}))
	err := s.onSerialScanned(context.Background(), event.Event{ID: "e-unknown", Type: "Job.SerialScanned", WorkOrderID: "wo-u",
		Actor: event.System, Payload: raw})
	if err != nil {
		t.Fatalf("an unknown serial without a model: %v, want it dropped", err)
	}
}

// listFilters pages through devices selected by several filters at once,
// so every placeholder of the built query lines up with its argument.
func listFilters(t *testing.T, s *Service) {
	ctx := context.Background()
	addLoaners(t, s, "LST", 3)
	yes := true
	f := Filter{Region: "lst", Loaner: &yes, Statuses: []Status{InDepot, ReturnedAvailable}, Model: "gentlemax pro", Limit: 2}
	first, next, err := s.List(ctx, staff, f)
	if err != nil || len(first) != 2 || next == "" {
		t.Fatalf("first page: %d devices, next %q, %v", len(first), next, err)
	}
	f.Cursor = next
	rest, next, err := s.List(ctx, staff, f)
	if err != nil || len(rest) != 1 || next != "" || rest[0].ID == first[0].ID || rest[0].ID == first[1].ID {
		t.Fatalf("second page: %v, next %q, %v", rest, next, err)
	}
	f.Statuses, f.Cursor = []Status{Retired}, ""
	if none, _, err := s.List(ctx, staff, f); err != nil || len(none) != 0 {
		t.Fatalf("retired loaners in LST: %v, %v", none, err)
	}
}
