package app_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// TestDispatchBackoutRacesAward: one contractor backs out of a work order's
// job while a coordinator awards its other job. Whichever commits first,
// the work order ends assigned: the backout locks the work order before it
// counts the jobs still held, so it sees the award.
func TestDispatchBackoutRacesAward(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDispatch(t, e, nil)
			ops := w.login(t, "ops@test.example")
			ann, bob := w.login(t, "ann@c.example"), w.login(t, "bob@c.example")
			bid := map[string]any{"price_cents": 19000, "eta": "2026-12-01T15:30:00Z"}
			for i := range 12 {
				woID := newWorkOrder(t, w.world, fmt.Sprintf("PO-RACE-%d", i))
				// A day of its own per round: Bob holds the earlier rounds' jobs.
				day := fmt.Sprintf("2026-12-%02d", 2+i%12)
				body := jobBody(true)
				body["window"] = map[string]any{"start": day + "T15:00:00Z", "end": day + "T18:00:00Z"}
				post := func() string {
					r := ops.do("POST", "/v1/work-orders/"+woID+"/jobs", body)
					want(t, r, 201)
					return r.json(t)["id"].(string)
				}
				a, b := post(), post()
				r := ann.do("POST", "/v1/jobs/"+a+"/bids", bid)
				want(t, r, 201)
				want(t, ops.do("POST", "/v1/jobs/"+a+"/award", map[string]any{"bid_id": r.json(t)["id"]}), 200)
				r = bob.do("POST", "/v1/jobs/"+b+"/bids", bid)
				want(t, r, 201)
				bobBid := r.json(t)["id"]

				var wg sync.WaitGroup
				var backout, award response
				wg.Go(func() { backout = ann.do("POST", "/v1/jobs/"+a+"/backout", map[string]any{"reason": "sick"}) })
				wg.Go(func() { award = ops.do("POST", "/v1/jobs/"+b+"/award", map[string]any{"bid_id": bobBid}) })
				wg.Wait()
				want(t, backout, 200)
				want(t, award, 200)
				if s := ops.do("GET", "/v1/work-orders/"+woID, nil).json(t)["status"]; s != "assigned" {
					t.Fatalf("round %d: the work order is %v with one job awarded, want assigned", i, s)
				}
			}
		})
	}
}

// TestDepotItemsArriveTogether: two tickets of a work order held for
// missing items get them at the same moment; the work order resumes.
func TestDepotItemsArriveTogether(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDepot(t, e, nil)
			for i := range 6 {
				woID := w.workOrder(t, fmt.Sprintf("ITEMS-%d", i), "depot_repair")
				var ids [2]string
				for j := range ids {
					r := w.depot.do("POST", "/v1/depot/receipts", receipt(woID, fmt.Sprintf("GMP-IT-%d-%d", i, j),
						map[string]any{"contents": map[string]any{"expected": []string{"power_cord", "cap"}, "received": []string{"power_cord"}}}))
					want(t, r, 201)
					ids[j] = asTicket(t, r).ID
				}
				var wg sync.WaitGroup
				var got [2]response
				for j, id := range ids {
					wg.Go(func() {
						got[j] = w.depot.do("POST", "/v1/depot/tickets/"+id+"/items-received", map[string]any{"items": []string{"cap"}})
					})
				}
				wg.Wait()
				want(t, got[0], 200)
				want(t, got[1], 200)
				if s := w.admin.do("GET", "/v1/work-orders/"+woID, nil).json(t)["status"]; s != "received" {
					t.Fatalf("round %d: both packages complete, the work order is %v, want received", i, s)
				}
			}
		})
	}
}

// TestDepotReceiptFindsIntakeDevice: a unit registered at intake without a
// manufacturer, received at the depot with one, is the same device — one
// record, one history — not a second registration; where both exist, the
// one named as the receipt names it is the unit.
func TestDepotReceiptFindsIntakeDevice(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDepot(t, e, nil)
			r := newClient(t, w.base, w.acmeKey).do("POST", "/v1/work-orders", strings.Replace(intakeBody, "PO-1001", "PO-INTAKE-DEV", 1))
			want(t, r, 201)
			woID := r.json(t)["id"].(string)
			var intake []map[string]any
			dbtest.Eventually(t, "the unit registered at intake", func() bool {
				intake = list(t, w.depot.do("GET", "/v1/devices?serial=GMP-88123", nil))
				return len(intake) == 1
			})

			r = w.depot.do("POST", "/v1/depot/receipts", receipt(woID, "GMP-88123", nil))
			want(t, r, 201)
			if got := asTicket(t, r).DeviceID; got != intake[0]["id"] {
				t.Fatalf("the ticket is on device %s, want the unit registered at intake %v", got, intake[0]["id"])
			}
			devs := list(t, w.depot.do("GET", "/v1/devices?serial=GMP-88123", nil))
			if len(devs) != 1 || devs[0]["status"] != "in_depot" {
				t.Fatalf("devices with the serial after the receipt: %v", devs)
			}

			// A serial registered both with and without its manufacturer:
			// the receipt naming the manufacturer takes that unit.
			ids := map[string]string{}
			for _, m := range []string{"", "Candela"} {
				r := w.depot.do("POST", "/v1/devices", map[string]any{"serial": "GMP-TWICE", "model": "GentleMax Pro", "manufacturer": m,
					"owner": map[string]any{"kind": "company"}})
				want(t, r, 201)
				ids[m] = r.json(t)["id"].(string)
			}
			r = w.depot.do("POST", "/v1/depot/receipts", receipt(woID, "GMP-TWICE", nil))
			want(t, r, 201)
			if got := asTicket(t, r).DeviceID; got != ids["Candela"] {
				t.Fatalf("the receipt took device %s, want the one registered as Candela's (%s)", got, ids["Candela"])
			}
		})
	}
}

// TestDispatchCapacityUnderConcurrentAwards: a contractor who takes one job
// a day bid on two jobs that day; two coordinators award both at once. One
// award wins, the other is refused for capacity — never both.
func TestDispatchCapacityUnderConcurrentAwards(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDispatch(t, e, nil)
			ops := w.login(t, "ops@test.example")
			ann := w.login(t, "ann@c.example")
			id := w.contractors["Ann"]
			r := ops.do("GET", "/v1/contractors/"+id, nil)
			want(t, r, 200)
			want(t, ops.do("PATCH", "/v1/contractors/"+id, map[string]any{"capacity_per_day": 1}, "If-Match", r.header.Get("ETag")), 200)
			bid := map[string]any{"price_cents": 19000, "eta": "2026-12-01T15:30:00Z"}
			for i := range 6 {
				day := fmt.Sprintf("2026-12-%02d", 2+i)
				body := jobBody(true)
				body["window"] = map[string]any{"start": day + "T15:00:00Z", "end": day + "T18:00:00Z"}
				var jobs, bids [2]string
				for j := range jobs {
					woID := newWorkOrder(t, w.world, fmt.Sprintf("PO-CAP-%d-%d", i, j))
					r := ops.do("POST", "/v1/work-orders/"+woID+"/jobs", body)
					want(t, r, 201)
					jobs[j] = r.json(t)["id"].(string)
					r = ann.do("POST", "/v1/jobs/"+jobs[j]+"/bids", bid)
					want(t, r, 201)
					bids[j] = r.json(t)["id"].(string)
				}
				var wg sync.WaitGroup
				var got [2]response
				for j := range jobs {
					wg.Go(func() { got[j] = ops.do("POST", "/v1/jobs/"+jobs[j]+"/award", map[string]any{"bid_id": bids[j]}) })
				}
				wg.Wait()
				if ok := (got[0].status == 200) != (got[1].status == 200); !ok || got[0].status+got[1].status != 200+409 {
					t.Fatalf("round %d: the awards answered %d and %d; want one 200 and one 409 (capacity): %s %s",
						i, got[0].status, got[1].status, got[0].body, got[1].body)
				}
			}
		})
	}
}
