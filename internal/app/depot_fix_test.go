package app_test

import (
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// TestDepotReceiptReturnsLoaner: a loaner still out on loan that arrives at
// the depot has its loan closed by the receipt, so it is inspected and lent
// again rather than left in_depot with an open loan billed overdue daily.
func TestDepotReceiptReturnsLoaner(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDepot(t, e, nil)
			r := w.depot.do("POST", "/v1/devices", map[string]any{"serial": "LN-FIX-1", "model": "GentleMax Pro", "manufacturer": "Candela",
				"owner": map[string]any{"kind": "company"}, "loaner": true, "region": "DFW", "status": "returned_available"})
			want(t, r, 201)
			id := r.json(t)["id"].(string)
			woID := w.workOrder(t, "LN-FIX-WO", "trade_in")
			due := w.clock.Now().AddDate(0, 0, 2).Format(time.DateOnly)
			want(t, w.depot.do("POST", "/v1/loaners/assign", map[string]any{"work_order_id": woID, "region": "DFW", "due_on": due}), 201)

			want(t, w.depot.do("POST", "/v1/depot/receipts", receipt(woID, "LN-FIX-1", nil)), 201)
			r = w.depot.do("GET", "/v1/devices/"+id, nil)
			want(t, r, 200)
			if d := r.json(t); d["status"] != "in_depot" || d["loan"] != nil {
				t.Fatalf("received loaner: %s", r.body)
			}
			r = w.depot.do("POST", "/v1/loaners/"+id+"/inspect", map[string]any{"passed": true})
			want(t, r, 200)
			if st := r.json(t)["status"]; st != "returned_available" {
				t.Fatalf("inspected loaner is %v", st)
			}
		})
	}
}

// TestDepotHoldWithProviderReasonCodes: an incomplete package holds the
// work order even when the provider's contract lists hold codes of its own
// without incomplete_package.
func TestDepotHoldWithProviderReasonCodes(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDepot(t, e, nil)
			want(t, w.admin.do("PATCH", "/v1/providers/ACME", map[string]any{"settings": map[string]any{
				"contract": map[string]any{"reason_codes": map[string]any{"hold": []string{"awaiting_payment"}}}}}), 200)
			woID := w.workOrder(t, "HOLD-FIX-WO", "trade_in")
			extra := map[string]any{"contents": map[string]any{"expected": []string{"power_cord", "cap"}, "received": []string{"power_cord"}}}
			r := w.depot.do("POST", "/v1/depot/receipts", receipt(woID, "GMP-HOLD-1", extra))
			want(t, r, 201)
			if tk := asTicket(t, r); tk.Status != "on_hold" {
				t.Fatalf("ticket: %s", r.body)
			}
			r = w.admin.do("GET", "/v1/work-orders/"+woID, nil)
			want(t, r, 200)
			if st := r.json(t)["status"]; st != "on_hold" {
				t.Fatalf("work order is %v, want on_hold", st)
			}
		})
	}
}

// TestDepotTrackerMoveRollsBack: a tracker move whose stage completion
// fails part way (the unit cannot become refurb_ready) is refused and
// leaves the ticket as it was, not recorded as an ignored move over a
// half-saved completion.
func TestDepotTrackerMoveRollsBack(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			tr := newMemTracker()
			w := startDepot(t, e, tr)
			woID := w.workOrder(t, "DR-FIX-1", "depot_repair")
			r := w.depot.do("POST", "/v1/depot/receipts", receipt(woID, "SN-FIX-5", nil))
			want(t, r, 201)
			tk := asTicket(t, r)
			var key string
			dbtest.Eventually(t, "the issue to be linked", func() bool { key = w.ticket(t, tk.ID).IssueKey; return key != "" })
			w.complete(t, tk.ID, "diagnostic", map[string]any{})
			w.complete(t, tk.ID, "repair", map[string]any{})
			w.complete(t, tk.ID, "qa", map[string]any{"passed": true})
			before := w.ticket(t, tk.ID)
			if before.Stage != "pack" {
				t.Fatalf("ticket at %s, want pack", before.Stage)
			}
			want(t, w.admin.do("POST", "/v1/devices/"+tk.DeviceID+"/status", map[string]any{"to": "retired", "note": "scrapped"}), 200)
			r = newClient(t, w.base, "").do("POST", "/v1/hooks/memtracker",
				[]map[string]any{{"EventID": "fix-e1", "IssueKey": key, "ToStatus": "Ready", "Author": "Jamie Jira"}}, "X-Token", "s3cret")
			if r.status == 200 {
				t.Fatalf("a completion that could not move the device was accepted: %s", r.body)
			}
			if after := w.ticket(t, tk.ID); after.Stage != "pack" || after.Status != before.Status || after.Version != before.Version {
				t.Fatalf("the failed move changed the ticket: %+v", after)
			}
		})
	}
}
