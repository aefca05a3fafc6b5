package device

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
)

// inspection reads what a loan's inspection recorded.
func inspection(t *testing.T, store *db.DB, workOrderID string) (at string, passed *bool) {
	t.Helper()
	var when, ok any
	if err := store.Read.QueryRowContext(context.Background(), `SELECT inspected_at, inspection_passed FROM device_loans
		WHERE work_order_id = $1`, workOrderID).Scan(&when, &ok); err != nil {
		t.Fatal(err)
	}
	if ok != nil {
		b := ok == true || ok == int64(1)
		passed = &b
	}
	if when != nil {
		at = fmt.Sprint(when)
	}
	return at, passed
}

func deref(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func inspectKeepsEarlierLoans(t *testing.T, store *db.DB, s *Service) {
	ctx := context.Background()
	addLoaners(t, s, "AUS", 1)
	due := store.Now().AddDate(0, 0, 2).Format(time.DateOnly)
	lend := func(wo string) *Device {
		d, _, err := s.Assign(ctx, staff, LoanRequest{WorkOrderID: wo, Region: "AUS", DueOn: due})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Return(ctx, staff, d.ID, ""); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := lend("wo-insp-1")
	if _, err := s.Inspect(ctx, staff, d.ID, false, "cracked handpiece"); err != nil {
		t.Fatal(err)
	}
	at, passed := inspection(t, store, "wo-insp-1")
	if at == "" || passed == nil || *passed {
		t.Fatalf("first inspection: at %q passed %v", at, passed)
	}
	// Refurbished in the depot, it is inspected again: that does not
	// rewrite what the loan's own inspection found.
	if _, err := s.Inspect(ctx, staff, d.ID, true, "refurbished"); err != nil {
		t.Fatal(err)
	}
	if at2, passed2 := inspection(t, store, "wo-insp-1"); at2 != at || passed2 == nil || *passed2 {
		t.Fatalf("the loan's failed inspection was rewritten: at %q passed %v", at2, deref(passed2))
	}
	// The next loan's inspection lands on that loan.
	lend("wo-insp-2")
	if _, err := s.Inspect(ctx, staff, d.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if at, passed := inspection(t, store, "wo-insp-2"); at == "" || passed == nil || !*passed {
		t.Fatalf("second loan's inspection: at %q passed %v", at, passed)
	}
}

// scanKindIsTheScans feeds the custody handler what dispatch sends: the
// payload's kind is the job's, scan_kind the scan's, by who scanned.
func scanKindIsTheScans(t *testing.T, s *Service) {
	ctx := context.Background()
	d, err := s.Create(ctx, staff, NewDevice{Serial: "GMP-SCAN", Model: "GentleMax Pro", Owner: Owner{Kind: OwnerCustomer, Name: "Lakeside"},
		Status: ActiveAtCustomer})
	if err != nil {
		t.Fatal(err)
	}
	bob := event.Actor{Kind: event.ActorContractor, ID: "k-bob", Name: "Bob"}
	scan := func(id, jobKind, scanKind string) {
		t.Helper()
		raw := must(json.Marshal(map[string]any{"job_id": "job-1", "kind": jobKind, "status": "on_site", "scan_id": "s-" + id,
			"serial": "gmp-scan", "scan_kind": scanKind, "by": "Bob", "work_order_id": "wo-1", "signature_artifact_id": "sig-1"}))
		if err := s.onSerialScanned(ctx, event.Event{ID: id, Type: "Job.SerialScanned", WorkOrderID: "wo-1", Actor: bob, Payload: raw}); err != nil {
			t.Fatal(err)
		}
	}
	// A pickup scan on a repair job takes the device to the depot.
	scan("e1", "repair", "pickup")
	got, err := s.Get(ctx, staff, d.ID)
	if err != nil || got.Status != InTransitToDepot {
		t.Fatalf("after a pickup scan on a repair job: %v, %v", got.Status, err)
	}
	h, _, err := s.History(ctx, staff, d.ID, HistoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	last := h[len(h)-1]
	if last.Type != HistCustodyPickup || last.Actor.ID != "k-bob" || last.Summary != "Pickup scan by Bob" ||
		last.Detail["signature_artifact_id"] != "sig-1" || last.Detail["contractor"] != "Bob" {
		t.Fatalf("custody line: %+v", last)
	}
	// A delivery scan on a pickup job is a delivery, whatever the job.
	scan("e2", "pickup", "delivery")
	if got, _ := s.Get(ctx, staff, d.ID); got.Status != ActiveAtCustomer {
		t.Fatalf("after a delivery scan on a pickup job: %v", got.Status)
	}
	// Without scan_kind nothing is guessed from the job's kind.
	n := len(historyOf(t, s, d.ID))
	scan("e3", "pickup", "")
	if m := len(historyOf(t, s, d.ID)); m != n {
		t.Fatalf("a scan without scan_kind wrote history (%d → %d lines)", n, m)
	}
}

func historyOf(t *testing.T, s *Service, id string) []HistoryEntry {
	t.Helper()
	h, _, err := s.History(context.Background(), staff, id, HistoryFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return h
}
