package app_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fieldhub/fieldhub/internal/connector/workmarket/wmfake"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// TestProviderViewOfJobs: a provider's timeline shows what was done to its
// work orders — scans, completions, a field platform's progress — without
// who did it, their notes or the customer's signature, which staff still
// read on theirs.
func TestProviderViewOfJobs(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			fake, config := fakeWorkMarket(t, nil)
			w := startDispatch(t, e, config)
			fake.SetWebhook(w.base+"/v1/hooks/workmarket", wmHookSecret)
			ops := w.login(t, "ops@test.example")
			bob, cat := w.login(t, "bob@c.example"), w.login(t, "cat@c.example")
			// Cat cannot finish; Bob scans the unit and completes with the
			// customer's signature.
			done := newWorkOrder(t, w.world, "PO-PRIVATE-1")
			jobs := multi{w: w, ops: ops, woID: done}
			catJob, bobJob := jobs.direct(t, "Cat"), jobs.direct(t, "Bob")
			want(t, cat.do("POST", "/v1/jobs/"+catJob+"/on-site", nil), 200)
			want(t, cat.do("POST", "/v1/jobs/"+catJob+"/incomplete", map[string]any{"reason": "access_denied", "next_step": "escalate",
				"notes": "Gate code 4471 did not work"}), 200)
			want(t, bob.do("POST", "/v1/jobs/"+bobJob+"/on-site", nil), 200)
			r := upload(bob, bobJob, "kind=signature", "image/png", sample(pngMagic, 1000), false)
			want(t, r, 201)
			sig := r.json(t)["id"].(string)
			want(t, bob.do("POST", "/v1/jobs/"+bobJob+"/serial-scans", map[string]any{"serial": "GMP-PV-1", "kind": "install",
				"signature_artifact_id": sig}), 201)
			want(t, bob.do("POST", "/v1/jobs/"+bobJob+"/complete", map[string]any{"result_code": "fixed_parts_replaced",
				"notes": "Swapped the HV board behind panel B", "signature_artifact_id": sig}), 200)

			// A WorkMarket worker takes, does and reports a job; another
			// reports one incomplete in her own words.
			want(t, ops.do("PUT", "/v1/dispatch-rules/ACME/onsite_repair", map[string]any{"platform": "workmarket", "pool": "77001"}), 200)
			platformJob := func(woID string) (string, string) {
				b := jobBody(true)
				b["mode"] = "field_platform"
				r := ops.do("POST", "/v1/work-orders/"+woID+"/jobs", b)
				want(t, r, 201)
				id := r.json(t)["id"].(string)
				var ext string
				dbtest.Eventually(t, "the push", func() bool {
					ext, _ = ops.do("GET", "/v1/jobs/"+id, nil).json(t)["external_id"].(string)
					return ext != ""
				})
				return id, ext
			}
			dana := wmfake.Resource{ID: "8823578", FirstName: "Dana", LastName: "Ortiz", Email: "dana@example.com", Phone: "5125550100"}
			onPlatform := newWorkOrder(t, w.world, "PO-PRIVATE-2")
			_, ext := platformJob(onPlatform)
			for _, step := range []func() error{
				func() error { return fake.Accept(ext, dana) },
				func() error { return fake.CheckIn(ext) },
				func() error {
					return fake.Complete(ext, wmfake.Completion{Resolution: "Replaced the laser head", ResultCode: "fixed_parts_replaced"})
				},
			} {
				if err := step(); err != nil {
					t.Fatal(err)
				}
			}
			failed := newWorkOrder(t, w.world, "PO-PRIVATE-3")
			failedJob, ext := platformJob(failed)
			if err := fake.Accept(ext, wmfake.Resource{ID: "8823579", FirstName: "Erin", LastName: "Quist"}); err != nil {
				t.Fatal(err)
			}
			if err := fake.Complete(ext, wmfake.Completion{Resolution: "Wrong part shipped", ResultCode: "INCOMPLETE_PARTS"}); err != nil {
				t.Fatal(err)
			}
			j := ops.do("GET", "/v1/jobs/"+failedJob, nil).json(t)
			if inc, _ := j["incomplete"].(map[string]any); j["status"] != "incomplete" || inc["reason"] != "cannot_complete" ||
				inc["notes"] != "Wrong part shipped" {
				t.Fatalf("a platform's incomplete report: %v", j)
			}

			private := []string{`"Bob"`, `"Cat"`, w.contractors["Bob"], w.contractors["Cat"], "Dana Ortiz", "Erin Quist", "Gate code 4471",
				"Swapped the HV board", "Replaced the laser head", "Wrong part shipped", sig}
			provider := newClient(t, w.base, w.acmeKey)
			for _, c := range []struct {
				woID  string
				shown []string // what the provider does learn
			}{
				{done, []string{"Job.SerialScanned", "GMP-PV-1", "Job.Incomplete", "access_denied", "Job.Completed", "fixed_parts_replaced", "WorkOrder.Completed"}},
				{onPlatform, []string{"Job.Awarded", "Job.OnSite", "Job.Completed", "WorkOrder.Completed", `"workmarket"`}},
				{failed, []string{"Job.Incomplete", "cannot_complete"}},
			} {
				r := provider.do("GET", "/v1/work-orders/"+c.woID+"/timeline", nil)
				want(t, r, 200)
				for _, s := range c.shown {
					if !strings.Contains(string(r.body), s) {
						t.Errorf("the provider's timeline lacks %s: %s", s, r.body)
					}
				}
				for _, s := range private {
					if strings.Contains(string(r.body), s) {
						t.Errorf("the provider's timeline shows %s: %s", s, r.body)
					}
				}
			}
			staff := ""
			for _, woID := range []string{done, onPlatform, failed} {
				staff += string(ops.do("GET", "/v1/work-orders/"+woID+"/timeline", nil).body)
			}
			for _, s := range private {
				if !strings.Contains(staff, s) {
					t.Errorf("the staff timelines lack %s", s)
				}
			}
		})
	}
}

// TestProviderViewOfDepot: depot events reach the provider's timeline
// without the tracker's issue key, the depot technician on the stage log or
// the technician's notes; staff read all three.
func TestProviderViewOfDepot(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDepot(t, e, newMemTracker())
			woID := w.workOrder(t, "DR-PRIVATE", "depot_repair")
			r := w.depot.do("POST", "/v1/depot/receipts", receipt(woID, "SN-PV-1", map[string]any{"notes": "Chassis cracked near the hinge"}))
			want(t, r, 201)
			id := asTicket(t, r).ID
			var key string
			dbtest.Eventually(t, "the issue to be linked", func() bool { key = w.ticket(t, id).IssueKey; return key != "" })
			w.complete(t, id, "diagnostic", map[string]any{"notes": "Intermittent fault traced to the 532 nm module"})

			private := []string{key, "Dana Depot", "Chassis cracked", "532 nm module"}
			r = newClient(t, w.base, w.acmeKey).do("GET", "/v1/work-orders/"+woID+"/timeline", nil)
			want(t, r, 200)
			page := decode[struct {
				Items []struct {
					Type   string          `json:"type"`
					Detail json.RawMessage `json:"detail"`
				} `json:"items"`
			}](t, r)
			types := map[string]bool{}
			for _, it := range page.Items {
				types[it.Type] = true
				for _, s := range private {
					if strings.Contains(string(it.Detail), s) {
						t.Errorf("the provider reads %s in %s: %s", s, it.Type, it.Detail)
					}
				}
			}
			if !types["Depot.TicketOpened"] || !types["Depot.StageCompleted"] || !types["Depot.DiagnosticComplete"] ||
				!strings.Contains(string(r.body), "SN-PV-1") {
				t.Fatalf("the provider's timeline lacks the depot's progress: %s", r.body)
			}
			staff := string(w.admin.do("GET", "/v1/work-orders/"+woID+"/timeline", nil).body)
			for _, s := range []string{key, "Dana Depot", "532 nm module"} {
				if !strings.Contains(staff, s) {
					t.Errorf("the staff timeline lacks %s", s)
				}
			}
		})
	}
}
