package app_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/app"
	"github.com/fieldhub/fieldhub/internal/connector/workmarket/wmfake"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

const wmHookSecret = "whk-e2e-shared"

// fakeWorkMarket serves a fake WorkMarket account (API token and secret)
// until the test ends, on the clock now when it is not nil, and returns
// the settings that point an installation at it with the shared webhook
// secret.
func fakeWorkMarket(t *testing.T, now func() time.Time) (*wmfake.Server, func(*app.Config)) {
	t.Helper()
	fake := wmfake.New(wmfake.Options{Token: "wm-token", Secret: "wm-secret", Now: now})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return fake, func(cfg *app.Config) {
		cfg.WorkMarketURL = srv.URL + wmfake.Prefix
		cfg.WorkMarketToken = "wm-token:wm-secret"
		cfg.WorkMarketWebhookSecret = wmHookSecret
	}
}

// startWithWorkMarket runs the real server configured for a fake
// WorkMarket account, sets ACME's routing rule to it through the API, as
// ops would, and points the fake's webhooks at the server.
func startWithWorkMarket(t *testing.T, e db.Engine) (*install, *wmfake.Server) {
	t.Helper()
	fake, config := fakeWorkMarket(t, nil)
	w := startServerWith(t, e, setup{config: config})
	r := w.login(t, "ops@test.example").do("PUT", "/v1/dispatch-rules/ACME/onsite_repair", map[string]any{
		"platform": "workmarket", "pool": "77001", "no_bid_minutes": 120, "radius_miles": 30, "radius_step_miles": 15, "max_radius_miles": 100})
	want(t, r, 200)
	if got := r.json(t); got["platform"] != "workmarket" || got["pool"] != "77001" {
		t.Fatalf("rule set: %s", r.body)
	}
	fake.SetWebhook(w.base+"/v1/hooks/workmarket", wmHookSecret)
	return w, fake
}

// TestFieldPlatformWorkMarket pushes a job to the fake WorkMarket, has a
// worker accept, check in and complete it there, and follows the result
// back onto the job and the work order through WorkMarket's webhooks.
func TestFieldPlatformWorkMarket(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w, fake := startWithWorkMarket(t, e)
			ops := w.login(t, "ops@test.example")
			woID := newWorkOrder(t, w.world, "PO-WORKMARKET")

			body := jobBody(true)
			body["mode"] = "field_platform"
			r := ops.do("POST", "/v1/work-orders/"+woID+"/jobs", body)
			want(t, r, 201)
			job := r.json(t)
			jobID, number := job["id"].(string), job["number"].(string)

			// The push worker creates the assignment on WorkMarket.
			var ext string
			dbtest.Eventually(t, "the job is pushed", func() bool {
				ext, _ = ops.do("GET", "/v1/jobs/"+jobID, nil).json(t)["external_id"].(string)
				return ext != ""
			})
			as := fake.Assignments()
			if len(as) != 1 || as[0].ID != ext {
				t.Fatalf("assignments on WorkMarket: %+v, want one with id %s", as, ext)
			}
			a := as[0]
			if a.Fields[wmfake.FieldJobID] != jobID || a.Title != number+" Repair: GentleMax Pro at Dallas, TX" || a.FlatPrice != 200 ||
				a.Status != "sent" || len(a.Groups) != 1 || a.Groups[0] != "77001" || a.Instructions != "Bring the E47 kit" {
				t.Fatalf("assignment = %+v", a)
			}

			// A callout without the shared secret is refused.
			if err := fake.SendWebhook(w.base+"/v1/hooks/workmarket", "guess", "Accepted", ext); err == nil ||
				!strings.Contains(err.Error(), "401") {
				t.Fatalf("unauthenticated webhook: %v, want 401", err)
			}

			// A worker accepts on WorkMarket: the job is awarded to them.
			if err := fake.Accept(ext, wmfake.Resource{ID: "8823578", FirstName: "Dana", LastName: "Ortiz",
				Email: "dana@example.com", Phone: "5125550100"}); err != nil {
				t.Fatal(err)
			}
			j := ops.do("GET", "/v1/jobs/"+jobID, nil).json(t)
			tech, _ := j["technician"].(map[string]any)
			if j["status"] != "awarded" || tech["name"] != "Dana Ortiz" || tech["external_id"] != "8823578" ||
				tech["email"] != "dana@example.com" || tech["phone"] != "5125550100" {
				t.Fatalf("after accept: status %v, technician %v", j["status"], j["technician"])
			}

			// Checks in, then submits the work.
			if err := fake.CheckIn(ext); err != nil {
				t.Fatal(err)
			}
			if s := ops.do("GET", "/v1/jobs/"+jobID, nil).json(t)["status"]; s != "on_site" {
				t.Fatalf("after check-in: %v", s)
			}
			if err := fake.Complete(ext, wmfake.Completion{Resolution: "Replaced the laser head", ResultCode: "fixed_parts_replaced",
				PartsUsed: "LSR-7:1:SN-991", ReturnTracking: "1ZRETURN0001", UnitCondition: "good"}); err != nil {
				t.Fatal(err)
			}
			j = ops.do("GET", "/v1/jobs/"+jobID, nil).json(t)
			comp, _ := j["completion"].(map[string]any)
			if j["status"] != "completed" || comp == nil || comp["result_code"] != "fixed_parts_replaced" ||
				comp["notes"] != "Replaced the laser head" || comp["return_tracking"] != "1ZRETURN0001" || comp["unit_condition"] != "good" {
				t.Fatalf("after completion: %v", j)
			}
			if parts, _ := comp["parts_used"].([]any); len(parts) != 1 || parts[0].(map[string]any)["sku"] != "LSR-7" {
				t.Fatalf("parts used: %v", comp["parts_used"])
			}

			// The result is on the work order.
			tl := string(ops.do("GET", "/v1/work-orders/"+woID+"/timeline", nil).body)
			for _, typ := range []string{"Job.PushRequested", "Job.Pushed", "Job.Awarded", "Job.OnSite", "Job.Completed", "WorkOrder.Completed"} {
				if !strings.Contains(tl, `"`+typ+`"`) {
					t.Errorf("timeline lacks %s", typ)
				}
			}
			if !strings.Contains(tl, "1ZRETURN0001") {
				t.Error("timeline lacks the return tracking number")
			}
			if s := ops.do("GET", "/v1/work-orders/"+woID, nil).json(t)["status"]; s != "completed" {
				t.Fatalf("work order is %v", s)
			}
			// Its provider reads the result, not the technician's notes.
			r = newClient(t, w.base, w.acmeKey).do("GET", "/v1/work-orders/"+woID, nil)
			want(t, r, 200)
			if body := string(r.body); !strings.Contains(body, "fixed_parts_replaced") || strings.Contains(body, "Replaced the laser head") {
				t.Errorf("the provider's work order: %s", body)
			}
		})
	}
}
