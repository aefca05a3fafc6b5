package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// The intake body a provider system sends, as in the Work orders issue.
const intakeBody = `{"external_id": "PO-1001", "service_type": "onsite_repair", "priority": "normal",
 "customer": {"name": "Lakeside Clinic", "email": "frontdesk@lakeside.example", "phone": "+12145550100", "notify_by": "email"},
 "site": {"line1": "5803 E Northwest Hwy", "city": "Dallas", "state": "TX", "zip": "75231"},
 "devices": [{"model": "GentleMax Pro", "serial": "GMP-88123"}],
 "problem": "Device down", "error_codes": ["E47"],
 "requested_window": {"start": "2026-12-01T09:00:00-06:00", "end": "2026-12-01T12:00:00-06:00"}}`

func TestWorkOrdersThroughAPI(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startServer(t, e)
			acme := newClient(t, w.base, w.acmeKey)
			other := newClient(t, w.base, w.otherKey)
			ops := newClient(t, w.base, "")
			want(t, ops.signIn("ops@test.example", w.adminPassword), http.StatusSeeOther)

			// Intake.
			r := acme.do("POST", "/v1/work-orders", intakeBody)
			want(t, r, 201)
			created := r.json(t)
			id, _ := created["id"].(string)
			if id == "" || created["status"] != "received" || created["external_id"] != "PO-1001" || created["provider"] != "ACME" {
				t.Fatalf("created: %s", r.body)
			}
			r = acme.do("POST", "/v1/work-orders", intakeBody)
			want(t, r, 200)
			if r.json(t)["id"] != id {
				t.Fatal("a repeat made another work order")
			}
			r = acme.do("POST", "/v1/work-orders", strings.Replace(intakeBody, "Device down", "Smoke", 1))
			want(t, r, 409)
			if !strings.Contains(string(r.body), `"differing_fields":["problem"]`) {
				t.Fatalf("conflict does not name the field: %s", r.body)
			}
			r = acme.do("POST", "/v1/work-orders", strings.NewReplacer(`"PO-1001"`, `"PO-BAD"`, `"75231"`, `"7523"`, `"TX"`, `"XX"`).Replace(intakeBody))
			want(t, r, 422)
			for _, f := range []string{"body.site.zip", "body.site.state"} {
				if !strings.Contains(string(r.body), f) {
					t.Errorf("422 does not name %s: %s", f, r.body)
				}
			}
			want(t, acme.do("GET", "/v1/work-orders?external_id=PO-BAD", nil), 200)
			if n := len(list(t, acme.do("GET", "/v1/work-orders?external_id=PO-BAD", nil))); n != 0 {
				t.Fatalf("a rejected order was stored (%d)", n)
			}

			// The same order sent by two clients at once yields one work order.
			body := strings.Replace(intakeBody, "PO-1001", "PO-TWICE", 1)
			var wg sync.WaitGroup
			ids := make([]string, 2)
			for i := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := newClient(t, w.base, w.acmeKey).do("POST", "/v1/work-orders", body)
					if r.status == 200 || r.status == 201 {
						var m map[string]any
						_ = json.Unmarshal(r.body, &m)
						ids[i], _ = m["id"].(string)
					}
				}()
			}
			wg.Wait()
			if ids[0] == "" || ids[0] != ids[1] || len(list(t, acme.do("GET", "/v1/work-orders?external_id=PO-TWICE", nil))) != 1 {
				t.Fatalf("concurrent intake: %v", ids)
			}

			// Finding it: by id and by the provider's own id.
			want(t, acme.do("GET", "/v1/work-orders/"+id, nil), 200)
			found := list(t, acme.do("GET", "/v1/work-orders?provider=ACME&external_id=PO-1001", nil))
			if len(found) != 1 || found[0]["id"] != id {
				t.Fatalf("lookup by external id: %v", found)
			}
			if n := len(list(t, ops.do("GET", "/v1/work-orders?q=gmp-881&status=received,scheduled", nil))); n != 2 {
				t.Fatalf("staff search by serial found %d, want PO-1001 and PO-TWICE", n)
			}
			want(t, ops.do("GET", "/v1/work-orders?status=bogus", nil), 422)
			if n := len(list(t, ops.do("GET", "/v1/work-orders?provider=NOSUCH", nil))); n != 0 {
				t.Fatalf("an unknown provider matched %d", n)
			}
			r = ops.do("GET", "/v1/work-orders/status-counts?provider=NOSUCH", nil)
			want(t, r, 200)
			if r.json(t)["received"] != float64(0) {
				t.Fatalf("counts for an unknown provider: %s", r.body)
			}
			r = ops.do("GET", "/v1/work-orders/status-counts?provider=ACME", nil)
			if r.json(t)["received"] != float64(2) {
				t.Fatalf("counts for ACME: %s", r.body)
			}

			// Followed to close: staff act, the provider reads each step.
			statusOf := func() string { return acme.do("GET", "/v1/work-orders/"+id, nil).json(t)["status"].(string) }
			r = ops.do("POST", "/v1/work-orders/"+id+"/complete", map[string]any{"result_code": "fixed_parts_replaced"})
			want(t, r, 409)
			if !strings.Contains(string(r.body), `"allowed"`) {
				t.Fatalf("illegal transition does not list allowed ones: %s", r.body)
			}
			want(t, ops.do("POST", "/v1/work-orders/"+id+"/appointment",
				map[string]any{"start": "2026-12-01T15:00:00Z", "end": "2026-12-01T18:00:00Z", "note": "confirmed by phone"}), 200)
			if s := statusOf(); s != "scheduled" {
				t.Fatalf("after appointment: %s", s)
			}
			r = acme.do("GET", "/v1/work-orders/"+id+"/timeline", nil)
			want(t, r, 200)
			if !strings.Contains(string(r.body), "WorkOrder.AppointmentSet") || !strings.Contains(string(r.body), "confirmed by phone") {
				t.Fatalf("timeline lacks the appointment: %s", r.body)
			}
			want(t, ops.do("POST", "/v1/work-orders/"+id+"/complete", map[string]any{"result_code": "fixed_parts_replaced", "notes": "board"}), 200)
			if s := statusOf(); s != "completed" {
				t.Fatalf("after complete: %s", s)
			}
			want(t, ops.do("POST", "/v1/work-orders/"+id+"/close", map[string]any{}), 200)
			if s := statusOf(); s != "closed" {
				t.Fatalf("after close: %s", s)
			}
			want(t, acme.do("PATCH", "/v1/work-orders/"+id, map[string]any{"problem": "late"}), 409)

			// PATCH with If-Match on an open order.
			r = acme.do("GET", "/v1/work-orders/"+ids[0], nil)
			etag := r.header.Get("ETag")
			want(t, acme.do("PATCH", "/v1/work-orders/"+ids[0], map[string]any{"site": map[string]any{"line1": "1 Main St", "city": "Dallas", "state": "TX", "zip": "75201"}}, "If-Match", etag), 200)
			want(t, acme.do("PATCH", "/v1/work-orders/"+ids[0], map[string]any{"problem": "x"}, "If-Match", etag), 412)
			want(t, acme.do("PATCH", "/v1/work-orders/"+ids[0], map[string]any{"status": "closed"}), 422)

			// Every route with an id is 404 to another provider's key.
			slot := map[string]any{"start": "2026-12-03T15:00:00Z", "end": "2026-12-03T18:00:00Z"}
			for _, rt := range []struct {
				method, path string
				body         any
			}{
				{"GET", "", nil}, {"PATCH", "", map[string]any{"problem": "x"}}, {"GET", "/timeline", nil},
				{"POST", "/hold", map[string]any{"reason_code": "other"}}, {"POST", "/resume", map[string]any{}},
				{"POST", "/requested-window", slot}, {"POST", "/appointment", slot}, {"POST", "/reschedule", slot},
				{"POST", "/cancel", map[string]any{"reason_code": "customer_request"}},
				{"POST", "/no-show", map[string]any{"reason_code": "customer_not_home", "outcome": "reschedule"}},
				{"POST", "/complete", map[string]any{"result_code": "fixed_no_parts"}}, {"POST", "/close", map[string]any{}},
				{"POST", "/reopen", map[string]any{}},
			} {
				for _, target := range []string{id, ids[0]} {
					r := other.do(rt.method, "/v1/work-orders/"+target+rt.path, rt.body)
					if r.status != 404 {
						t.Errorf("%s %s as another provider: %d %s", rt.method, rt.path, r.status, r.body)
					}
				}
			}
			if n := len(list(t, other.do("GET", "/v1/work-orders?external_id=PO-1001", nil))); n != 0 {
				t.Fatalf("another provider's list shows %d of ACME's orders", n)
			}
			// A provider key may not do staff actions on its own orders.
			want(t, acme.do("POST", "/v1/work-orders/"+ids[0]+"/hold", map[string]any{"reason_code": "other"}), 403)
			want(t, acme.do("POST", "/v1/work-orders/"+ids[0]+"/cancel", map[string]any{"reason_code": "customer_request"}), 200)
		})
	}
}

func list(t *testing.T, r response) []map[string]any {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	var page struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(r.body, &page); err != nil {
		t.Fatal(err)
	}
	return page.Items
}
