package app_test

import (
	"encoding/json"
	"testing"

	"github.com/fieldhub/fieldhub/internal/app"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// TestDeviceCustodyFromScans follows a scan from the contractor's route to
// the device master: a pickup scan on a repair job (the job's kind is not
// the scan's) sends the intake's device towards the depot, and its history
// names the contractor who scanned it.
func TestDeviceCustodyFromScans(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startServerWith(t, e, setup{seed: func(a *app.App) { addContractor(t, a, "Bob", "75201", 50) }})
			ops, bob := w.login(t, "ops@test.example"), w.login(t, "bob@c.example")
			woID := newWorkOrder(t, w.world, "PO-CUSTODY")

			// Intake registers the work order's device at the customer.
			var deviceID string
			dbtest.Eventually(t, "the intake's device", func() bool {
				items := list(t, ops.do("GET", "/v1/devices?serial=GMP-88123", nil))
				if len(items) == 1 && items[0]["status"] == "active_at_customer" {
					deviceID = items[0]["id"].(string)
				}
				return deviceID != ""
			})

			// A repair job under the work order, awarded to Bob's bid.
			r := ops.do("POST", "/v1/work-orders/"+woID+"/jobs", jobBody(true))
			want(t, r, 201)
			jobID := r.json(t)["id"].(string)
			r = bob.do("POST", "/v1/jobs/"+jobID+"/bids", map[string]any{"price_cents": 19000, "eta": "2026-12-01T15:30:00Z"})
			want(t, r, 201)
			want(t, ops.do("POST", "/v1/jobs/"+jobID+"/award", map[string]any{"bid_id": r.json(t)["id"]}), 200)

			// Bob picks the unit up.
			r = bob.do("POST", "/v1/jobs/"+jobID+"/serial-scans", map[string]any{"serial": "GMP-88123", "kind": "pickup"})
			want(t, r, 201)

			dbtest.Eventually(t, "the device in transit to the depot", func() bool {
				r := ops.do("GET", "/v1/devices/"+deviceID, nil)
				return r.status == 200 && r.json(t)["status"] == "in_transit_to_depot"
			})
			var line map[string]any
			for _, h := range list(t, ops.do("GET", "/v1/devices/"+deviceID+"/history", nil)) {
				if h["type"] == "custody.pickup" {
					line = h
				}
			}
			if line == nil {
				t.Fatalf("no custody line on the history: %s", ops.do("GET", "/v1/devices/"+deviceID+"/history", nil).body)
			}
			actor, _ := line["actor"].(map[string]any)
			detail, _ := line["detail"].(map[string]any)
			if actor["kind"] != "contractor" || actor["name"] != "Bob" || line["ref"] != jobID || line["work_order_id"] != woID ||
				detail["to"] != "in_transit_to_depot" || detail["job_id"] != jobID || detail["contractor"] != "Bob" {
				b, _ := json.Marshal(line)
				t.Fatalf("custody line: %s", b)
			}
		})
	}
}
