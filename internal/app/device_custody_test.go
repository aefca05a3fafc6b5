package app_test

import (
	"encoding/json"
	"strings"
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

// TestDeviceFieldWork: a repair done in the field goes on the unit's
// history — the job, its result and the parts used — once, by the
// contractor who did it.
func TestDeviceFieldWork(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			var bobID string
			w := startServerWith(t, e, setup{seed: func(a *app.App) { bobID = addContractor(t, a, "Bob", "75201", 50) }})
			ops, bob := w.login(t, "ops@test.example"), w.login(t, "bob@c.example")
			woID := newWorkOrder(t, w.world, "PO-FIELD-WORK")
			var deviceID string
			dbtest.Eventually(t, "the intake's device", func() bool {
				if items := list(t, ops.do("GET", "/v1/devices?serial=GMP-88123", nil)); len(items) == 1 {
					deviceID = items[0]["id"].(string)
				}
				return deviceID != ""
			})

			body := jobBody(false)
			body["mode"], body["checklist_template"] = "direct", "none"
			r := ops.do("POST", "/v1/work-orders/"+woID+"/jobs", body)
			want(t, r, 201)
			job := r.json(t)
			jobID := job["id"].(string)
			want(t, ops.do("POST", "/v1/jobs/"+jobID+"/assign", map[string]any{"contractor_id": bobID}), 200)
			want(t, bob.do("POST", "/v1/jobs/"+jobID+"/en-route", map[string]any{}), 200)
			want(t, bob.do("POST", "/v1/jobs/"+jobID+"/on-site", map[string]any{}), 200)
			done := map[string]any{"result_code": "fixed_parts_replaced", "unit_condition": "good",
				"parts_used": []map[string]any{{"sku": "LSR-7", "quantity": 1, "serial": "SN-991"}}}
			want(t, bob.do("POST", "/v1/jobs/"+jobID+"/complete", done), 200)
			want(t, bob.do("POST", "/v1/jobs/"+jobID+"/complete", done), 200) // a repeat adds nothing

			var lines []map[string]any
			dbtest.Eventually(t, "the field work on the unit's history", func() bool {
				lines = nil
				for _, h := range list(t, ops.do("GET", "/v1/devices/"+deviceID+"/history", nil)) {
					if h["type"] == "field.work" {
						lines = append(lines, h)
					}
				}
				return len(lines) > 0
			})
			if len(lines) != 1 {
				t.Fatalf("field work lines: %v", lines)
			}
			line := lines[0]
			actor, _ := line["actor"].(map[string]any)
			detail, _ := line["detail"].(map[string]any)
			parts, _ := detail["parts_used"].([]any)
			summary, _ := line["summary"].(string)
			if actor["name"] != "Bob" || line["work_order_id"] != woID || detail["job_id"] != jobID || detail["result_code"] != "fixed_parts_replaced" ||
				len(parts) != 1 || parts[0].(map[string]any)["sku"] != "LSR-7" || !strings.Contains(summary, "LSR-7 ×1") ||
				!strings.Contains(summary, job["number"].(string)) {
				b, _ := json.Marshal(line)
				t.Fatalf("field work line: %s", b)
			}
		})
	}
}
