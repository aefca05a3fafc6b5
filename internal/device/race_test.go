package device

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/queue"
)

var staff = Caller{Actor: event.Actor{Kind: event.ActorStaff, ID: "u1", Name: "Dana Depot"}}

func newService(t *testing.T, store *db.DB) *Service {
	t.Helper()
	q := queue.New(store, queue.Config{})
	bus := event.NewBus(q)
	if err := q.Open(); err != nil {
		t.Fatal(err)
	}
	return New(store, bus)
}

// addLoaners registers n free loaners in region.
func addLoaners(t *testing.T, s *Service, region string, n int) {
	t.Helper()
	for i := range n {
		if _, err := s.Create(context.Background(), staff, NewDevice{Serial: fmt.Sprintf("LN-%s-%d", region, i), Model: "GentleMax Pro",
			Loaner: true, Region: region, Status: ReturnedAvailable}); err != nil {
			t.Fatal(err)
		}
	}
}

// overlap runs first in a transaction and, while it is still open, second
// in another. On PostgreSQL the first commits only once the second waits
// on a lock it holds (or has finished), which is the interleaving where a
// look-then-insert goes wrong; SQLite has one writer, so there the second
// runs after the first commits. It returns each side's error.
func overlap(t *testing.T, store *db.DB, first, second func(tx *db.Tx) error) (error, error) {
	t.Helper()
	ctx := context.Background()
	written, release, firstDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		firstDone <- store.InTx(ctx, func(tx *db.Tx) error {
			err := first(tx)
			close(written)
			<-release
			return err
		})
	}()
	<-written
	if store.Engine != db.Postgres {
		close(release)
		errA := <-firstDone
		return errA, store.InTx(ctx, second)
	}
	pid, secondDone := make(chan int, 1), make(chan error, 1)
	go func() {
		secondDone <- store.InTx(ctx, func(tx *db.Tx) error {
			var p int
			if err := tx.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&p); err != nil {
				pid <- 0
				return err
			}
			pid <- p
			return second(tx)
		})
	}()
	p := <-pid
	var errB error
	finished := false
	dbtest.Eventually(t, "the second transaction to wait on the first", func() bool {
		select {
		case errB = <-secondDone:
			finished = true
			return true
		default:
		}
		var waiting string
		_ = store.Read.QueryRowContext(ctx, `SELECT coalesce(wait_event_type, '') FROM pg_stat_activity WHERE pid = $1`, p).Scan(&waiting)
		return waiting == "Lock"
	})
	close(release)
	errA := <-firstDone
	if !finished {
		errB = <-secondDone
	}
	return errA, errB
}

// TestService runs the service's cases on one store per engine (each case
// uses serials and work orders of its own), so the migrations run once.
func TestService(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		s := newService(t, store)
		t.Run("register race", func(t *testing.T) { registerRace(t, store, s) })
		t.Run("assign race", func(t *testing.T) { assignRace(t, store, s) })
		t.Run("inspect keeps earlier loans", func(t *testing.T) { inspectKeepsEarlierLoans(t, store, s) })
		t.Run("scan kind is the scan's", func(t *testing.T) { scanKindIsTheScans(t, s) })
		t.Run("inspect needs the return", func(t *testing.T) { inspectNeedsReturn(t, store, s) })
		t.Run("return race", func(t *testing.T) { returnRace(t, store, s) })
		t.Run("sweep waits for the device", func(t *testing.T) { sweepWaitsForDevice(t, store, s) })
		t.Run("patch keeps a loan in its pool", func(t *testing.T) { patchKeepsLoanInPool(t, store, s) })
		t.Run("unknown scan dropped", func(t *testing.T) { unknownScanDropped(t, s) })
		t.Run("list filters", func(t *testing.T) { listFilters(t, s) })
	})
}

func registerRace(t *testing.T, store *db.DB, s *Service) {
	ctx := context.Background()
	reg := Registration{Serial: "gmp-1", Model: "GentleMax Pro", Manufacturer: "Candela", OwnerName: "Lakeside Clinic"}
	var a, b *Device
	var aNew, bNew bool
	errA, errB := overlap(t, store, func(tx *db.Tx) (err error) {
		a, aNew, err = s.RegisterTx(ctx, tx, staff.Actor, reg, Entry{})
		return err
	}, func(tx *db.Tx) (err error) {
		r := reg
		r.Manufacturer, r.Model = "CANDELA", "gentlemax pro" // the index compares both without case
		b, bNew, err = s.RegisterTx(ctx, tx, staff.Actor, r, Entry{Type: HistIntake, Summary: "On a work order"})
		return err
	})
	if errA != nil || errB != nil {
		t.Fatalf("registrations: %v / %v", errA, errB)
	}
	if !aNew || bNew || a.ID != b.ID {
		t.Fatalf("first %s created=%v, second %s created=%v; want one device, created once", a.ID, aNew, b.ID, bNew)
	}
	h, _, err := s.History(ctx, staff, a.ID, HistoryFilter{})
	if err != nil || len(h) != 2 || h[1].Type != HistIntake {
		t.Fatalf("history %v, %v; want the registration then the second caller's entry", h, err)
	}

	// Many at once, through the public path too.
	var wg sync.WaitGroup
	ids := make([]string, 6)
	created := make([]bool, 6)
	errs := make([]error, 6)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = store.InTx(ctx, func(tx *db.Tx) error {
				d, c, err := s.RegisterTx(ctx, tx, staff.Actor, Registration{Serial: "GMP-2", Model: "GentleMax Pro"}, Entry{})
				if err == nil {
					ids[i], created[i] = d.ID, c
				}
				return err
			})
		}()
	}
	wg.Wait()
	n := 0
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("registration %d: %v, id %s vs %s", i, errs[i], ids[i], ids[0])
		}
		if created[i] {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d registrations say they created the device", n)
	}
	// Staff creating a serial that is there is still a conflict.
	if _, err := s.Create(ctx, staff, NewDevice{Serial: "gmp-2", Model: "GentleMax Pro"}); err == nil {
		t.Fatal("a duplicate serial was created")
	}
}

func assignRace(t *testing.T, store *db.DB, s *Service) {
	ctx := context.Background()
	addLoaners(t, s, "DFW", 8)
	due := store.Now().AddDate(0, 0, 2)
	in := LoanRequest{WorkOrderID: "wo-1", Region: "DFW", DueOn: due.Format(time.DateOnly)}
	var a, b *Device
	var aNew, bNew bool
	errA, errB := overlap(t, store, func(tx *db.Tx) (err error) {
		a, aNew, err = s.assignTx(ctx, tx, staff.Actor, in, due, "Lakeside Clinic")
		return err
	}, func(tx *db.Tx) (err error) {
		b, bNew, err = s.assignTx(ctx, tx, staff.Actor, in, due, "Lakeside Clinic")
		return err
	})
	if errA != nil || errB != nil {
		t.Fatalf("assignments: %v / %v", errA, errB)
	}
	if !aNew || bNew || a.ID != b.ID {
		t.Fatalf("first lent %s (created %v), second %s (created %v); want one loan", a.Serial, aNew, b.Serial, bNew)
	}
	wantOpenLoans(t, store, "wo-1", 1)

	// Many at once through Assign: one loan, every answer names it.
	in.WorkOrderID = "wo-2"
	var wg sync.WaitGroup
	ids := make([]string, 6)
	errs := make([]error, 6)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, _, err := s.Assign(ctx, staff, in)
			if errs[i] = err; err == nil {
				ids[i] = d.ID
			}
		}()
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("assignment %d: %v, loaner %s vs %s", i, errs[i], ids[i], ids[0])
		}
	}
	wantOpenLoans(t, store, "wo-2", 1)

	// Naming another loaner while one is out is refused, not a second loan.
	var other string
	if err := store.Read.QueryRowContext(ctx, `SELECT id FROM devices WHERE serial = 'LN-DFW-7'`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	if other == ids[0] || other == a.ID {
		t.Fatal("the test's spare loaner is out")
	}
	in.DeviceID = other
	if _, _, err := s.Assign(ctx, staff, in); err == nil {
		t.Fatal("a second loaner went out on one work order in one region")
	}
	wantOpenLoans(t, store, "wo-2", 1)
}

func wantOpenLoans(t *testing.T, store *db.DB, workOrderID string, want int) {
	t.Helper()
	var n int
	if err := store.Read.QueryRowContext(context.Background(), `SELECT count(*) FROM device_loans WHERE work_order_id = $1
		AND returned_at IS NULL`, workOrderID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Fatalf("work order %s has %d open loans, want %d", workOrderID, n, want)
	}
}
