package app_test

import (
	"strings"
	"testing"

	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// TestDispatchAccess walks every job route as a contractor who was never
// offered the job (all 404) and as one who was offered it and lost (their
// own things only), and every work-order route as a contractor (404).
func TestDispatchAccess(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDispatch(t, e, nil)
			ops := w.login(t, "ops@test.example")
			ann, bob, far := w.login(t, "ann@c.example"), w.login(t, "bob@c.example"), w.login(t, "far@c.example")
			woID := newWorkOrder(t, w.world, "PO-ACCESS")
			id := ops.do("POST", "/v1/work-orders/"+woID+"/jobs", jobBody(true)).json(t)["id"].(string)
			bid := map[string]any{"price_cents": 15000, "eta": "2026-12-01T15:30:00Z"}
			r := ann.do("POST", "/v1/jobs/"+id+"/bids", bid)
			want(t, r, 201)
			annBid := r.json(t)["id"].(string)
			r = bob.do("POST", "/v1/jobs/"+id+"/bids", bid)
			want(t, r, 201)
			bobBid := r.json(t)["id"].(string)
			// Before the award Ann sees only her own bid, never Bob's.
			own := ann.do("GET", "/v1/jobs/"+id+"/bids", nil)
			if strings.Contains(string(own.body), bobBid) || strings.Contains(string(own.body), w.contractors["Bob"]) {
				t.Fatalf("ann sees bob's bid: %s", own.body)
			}
			want(t, ops.do("POST", "/v1/jobs/"+id+"/award", map[string]any{"bid_id": bobBid}), 200)
			// Bob starts the checklist: who ticked it is not for Ann.
			want(t, bob.do("POST", "/v1/jobs/"+id+"/checklist", map[string]any{"items": []string{"inspect"}}), 200)

			patch := jobBody(false)
			delete(patch, "post")
			jobRoutes := []struct {
				method, path string
				body         any
				ann          int // the offered contractor who lost
			}{
				{"GET", "/v1/jobs/" + id, nil, 200},
				{"PATCH", "/v1/jobs/" + id, patch, 403},
				{"POST", "/v1/jobs/" + id + "/post", map[string]any{}, 403},
				{"POST", "/v1/jobs/" + id + "/cancel", map[string]any{}, 403},
				{"POST", "/v1/jobs/" + id + "/assign", map[string]any{"contractor_id": w.contractors["Ann"]}, 403},
				{"POST", "/v1/jobs/" + id + "/award", map[string]any{"bid_id": annBid}, 403},
				{"POST", "/v1/jobs/" + id + "/backout", map[string]any{}, 409},
				{"POST", "/v1/jobs/" + id + "/confirm", map[string]any{"start": "2026-12-01T15:00:00Z", "end": "2026-12-01T16:00:00Z"}, 403},
				{"POST", "/v1/jobs/" + id + "/en-route", map[string]any{}, 403},
				{"POST", "/v1/jobs/" + id + "/on-site", map[string]any{}, 403},
				{"POST", "/v1/jobs/" + id + "/checklist", map[string]any{"items": []string{"inspect"}}, 403},
				{"POST", "/v1/jobs/" + id + "/serial-scans", map[string]any{"serial": "X1", "kind": "pickup"}, 403},
				{"POST", "/v1/jobs/" + id + "/complete", map[string]any{"result_code": "no_problem_found"}, 403},
				{"POST", "/v1/jobs/" + id + "/incomplete", map[string]any{"reason": "unsafe_site", "next_step": "escalate"}, 403},
				{"POST", "/v1/jobs/" + id + "/bids", bid, 409},
				{"GET", "/v1/jobs/" + id + "/bids", nil, 200},
				{"PATCH", "/v1/jobs/" + id + "/bids/" + bobBid, bid, 404},
				{"DELETE", "/v1/jobs/" + id + "/bids/" + bobBid, nil, 404},
			}
			for _, rt := range jobRoutes {
				if r := far.do(rt.method, rt.path, rt.body); r.status != 404 {
					t.Errorf("never offered: %s %s = %d, want 404: %s", rt.method, rt.path, r.status, r.body)
				}
				r := ann.do(rt.method, rt.path, rt.body)
				if r.status != rt.ann {
					t.Errorf("lost the award: %s %s = %d, want %d: %s", rt.method, rt.path, r.status, rt.ann, r.body)
				}
				for _, secret := range []string{bobBid, w.contractors["Bob"], `"Bob"`, "done_by", "5803 E Northwest Hwy", "ACME", "Lakeside"} {
					if r.status == 200 && strings.Contains(string(r.body), secret) {
						t.Errorf("%s %s shows %q to another contractor: %s", rt.method, rt.path, secret, r.body)
					}
				}
			}
			if n := len(list(t, far.do("GET", "/v1/jobs", nil))); n != 0 {
				t.Errorf("never offered: the list has %d jobs", n)
			}
			for _, path := range []string{"/v1/work-orders/" + woID, "/v1/work-orders/" + woID + "/timeline", "/v1/work-orders/" + woID + "/jobs"} {
				for _, c := range []*client{ann, bob} {
					if r := c.do("GET", path, nil); r.status != 404 {
						t.Errorf("contractor GET %s = %d, want 404", path, r.status)
					}
				}
			}
			if r := bob.do("POST", "/v1/work-orders/"+woID+"/jobs", jobBody(false)); r.status != 404 {
				t.Errorf("contractor creates a job: %d", r.status)
			}
		})
	}
}
