package app_test

import (
	"strings"
	"testing"

	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// TestDispatchGuards: providers read their work order's timeline and jobs
// without bids, offers, payouts or contractors' names; a suspended or held contractor can
// neither bid nor win; a direct job given back waits for staff instead of
// being offered around; a work order's jobs page like every list.
func TestDispatchGuards(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDispatch(t, e, nil)
			ops := w.login(t, "ops@test.example")
			ann, bob, cat := w.login(t, "ann@c.example"), w.login(t, "bob@c.example"), w.login(t, "cat@c.example")
			provider := newClient(t, w.base, w.acmeKey)
			woID := newWorkOrder(t, w.world, "PO-GUARDS")

			r := ops.do("POST", "/v1/work-orders/"+woID+"/jobs", jobBody(true))
			want(t, r, 201)
			id := r.json(t)["id"].(string)
			bid := func(c *client) response {
				return c.do("POST", "/v1/jobs/"+id+"/bids", map[string]any{"price_cents": 20000, "eta": "2026-12-01T15:30:00Z"})
			}
			want(t, bid(bob), 201)
			r = bid(cat)
			want(t, r, 201)
			catBid := r.json(t)["id"].(string)

			// Ann goes on holiday over the window: her bid is refused.
			want(t, ann.do("POST", "/v1/contractor/me/holds", map[string]any{"from": "2026-12-01T00:00:00Z",
				"to": "2026-12-02T00:00:00Z", "reason": "vacation"}), 201)
			want(t, bid(ann), 409)

			// Cat is suspended after bidding: her bid cannot win.
			want(t, ops.do("POST", "/v1/contractors/"+w.contractors["Cat"]+"/suspend", map[string]any{"note": "insurance lapsed"}), 200)
			want(t, ops.do("POST", "/v1/jobs/"+id+"/award", map[string]any{"bid_id": catBid}), 409)

			// The provider's timeline: the job, but no bids, offers or names.
			r = provider.do("GET", "/v1/work-orders/"+woID+"/timeline", nil)
			want(t, r, 200)
			body := string(r.body)
			if !strings.Contains(body, `"Job.Posted"`) {
				t.Fatalf("provider timeline lacks the job: %s", body)
			}
			for _, hidden := range []string{"Bid.", "Job.Offered", "Contractor.", `"Bob"`, `"Cat"`, w.contractors["Bob"]} {
				if strings.Contains(body, hidden) {
					t.Fatalf("provider timeline shows %q: %s", hidden, body)
				}
			}
			r = ops.do("GET", "/v1/work-orders/"+woID+"/timeline", nil)
			if !strings.Contains(string(r.body), `"Bid.Placed"`) {
				t.Fatalf("staff timeline lacks the bids: %s", r.body)
			}

			// After the award the provider learns the job was awarded, not to whom.
			bobBid := list(t, bob.do("GET", "/v1/jobs/"+id+"/bids", nil))[0]["id"].(string)
			want(t, ops.do("POST", "/v1/jobs/"+id+"/award", map[string]any{"bid_id": bobBid}), 200)
			r = provider.do("GET", "/v1/work-orders/"+woID+"/timeline", nil)
			want(t, r, 200)
			body = string(r.body)
			if !strings.Contains(body, `"Job.Awarded"`) {
				t.Fatalf("provider timeline lacks the award: %s", body)
			}
			for _, hidden := range []string{"contractor_id", "bid_id", `"Bob"`, w.contractors["Bob"], bobBid} {
				if strings.Contains(body, hidden) {
					t.Fatalf("provider timeline shows %q after the award: %s", hidden, body)
				}
			}
			// Its jobs: status and times, never who, the payout or the budget;
			// another provider's key finds no such work order.
			r = provider.do("GET", "/v1/work-orders/"+woID+"/jobs", nil)
			want(t, r, 200)
			if jobs := list(t, r); len(jobs) != 1 || jobs[0]["id"] != id || jobs[0]["status"] != "awarded" {
				t.Fatalf("the provider's list of jobs: %s", r.body)
			}
			for _, hidden := range []string{"contractor", "payout", "budget", "bid", `"Bob"`, w.contractors["Bob"]} {
				if strings.Contains(string(r.body), hidden) {
					t.Fatalf("the provider's list of jobs shows %q: %s", hidden, r.body)
				}
			}
			want(t, newClient(t, w.base, w.otherKey).do("GET", "/v1/work-orders/"+woID+"/jobs", nil), 404)

			// A direct job given back is posted again for staff, offered to nobody.
			direct := jobBody(false)
			direct["mode"] = "direct"
			r = ops.do("POST", "/v1/work-orders/"+woID+"/jobs", direct)
			want(t, r, 201)
			did := r.json(t)["id"].(string)
			want(t, ops.do("POST", "/v1/jobs/"+did+"/assign", map[string]any{"contractor_id": w.contractors["Bob"]}), 200)
			r = bob.do("POST", "/v1/jobs/"+did+"/backout", map[string]any{"reason": "van broke down"})
			want(t, r, 200)
			if got := r.json(t); got["status"] != "posted" || got["bid_deadline"] != nil {
				t.Fatalf("after backout: %s", r.body)
			}
			want(t, ann.do("GET", "/v1/jobs/"+did, nil), 404)
			want(t, bob.do("GET", "/v1/jobs/"+did, nil), 404)

			// The work order's two jobs, one page at a time.
			r = ops.do("GET", "/v1/work-orders/"+woID+"/jobs?limit=1", nil)
			want(t, r, 200)
			first := r.json(t)
			next, _ := first["next_cursor"].(string)
			if len(list(t, r)) != 1 || next == "" {
				t.Fatalf("first page: %s", r.body)
			}
			r = ops.do("GET", "/v1/work-orders/"+woID+"/jobs?limit=1&cursor="+next, nil)
			want(t, r, 200)
			second := list(t, r)
			if len(second) != 1 || second[0]["id"] == list(t, ops.do("GET", "/v1/work-orders/"+woID+"/jobs?limit=1", nil))[0]["id"] {
				t.Fatalf("second page: %s", r.body)
			}
		})
	}
}

// TestDispatchNoShowAndRating: a contractor who never came is counted and
// the job posted again; the customer's rating is kept once and feeds the
// contractor's average.
func TestDispatchNoShowAndRating(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDispatch(t, e, nil)
			ops, viewer := w.login(t, "ops@test.example"), w.login(t, "viewer@test.example")
			ann, bob := w.login(t, "ann@c.example"), w.login(t, "bob@c.example")
			woID := newWorkOrder(t, w.world, "PO-NOSHOW")
			body := jobBody(true)
			body["checklist_template"] = "none"
			r := ops.do("POST", "/v1/work-orders/"+woID+"/jobs", body)
			want(t, r, 201)
			id := r.json(t)["id"].(string)
			bid := map[string]any{"price_cents": 18000, "eta": "2026-12-01T15:30:00Z"}
			r = ann.do("POST", "/v1/jobs/"+id+"/bids", bid)
			want(t, r, 201)
			want(t, ops.do("POST", "/v1/jobs/"+id+"/award", map[string]any{"bid_id": r.json(t)["id"]}), 200)

			want(t, viewer.do("POST", "/v1/jobs/"+id+"/contractor-no-show", map[string]any{}), 403)
			want(t, ann.do("POST", "/v1/jobs/"+id+"/contractor-no-show", map[string]any{}), 403)
			r = ops.do("POST", "/v1/jobs/"+id+"/contractor-no-show", map[string]any{"reason": "never arrived"})
			want(t, r, 200)
			if j := r.json(t); j["status"] != "posted" || j["contractor_id"] != nil {
				t.Fatalf("after the no-show: %s", r.body)
			}
			rel := ops.do("GET", "/v1/contractors/"+w.contractors["Ann"], nil).json(t)["reliability"].(map[string]any)
			if rel["no_shows"] != float64(1) {
				t.Fatalf("ann's record: %v", rel)
			}
			want(t, ann.do("GET", "/v1/jobs/"+id, nil), 404)

			r = bob.do("POST", "/v1/jobs/"+id+"/bids", bid)
			want(t, r, 201)
			want(t, ops.do("POST", "/v1/jobs/"+id+"/award", map[string]any{"bid_id": r.json(t)["id"]}), 200)
			want(t, ops.do("POST", "/v1/jobs/"+id+"/rating", map[string]any{"stars": 5}), 409) // not done yet
			for _, step := range []string{"en-route", "on-site"} {
				want(t, bob.do("POST", "/v1/jobs/"+id+"/"+step, nil), 200)
			}
			want(t, bob.do("POST", "/v1/jobs/"+id+"/complete", map[string]any{"result_code": "fixed_parts_replaced"}), 200)

			want(t, ops.do("POST", "/v1/jobs/"+id+"/rating", map[string]any{"stars": 6}), 422)
			want(t, bob.do("POST", "/v1/jobs/"+id+"/rating", map[string]any{"stars": 5}), 403)
			rate := map[string]any{"stars": 4, "comment": "on time, tidy"}
			r = ops.do("POST", "/v1/jobs/"+id+"/rating", rate)
			want(t, r, 200)
			version := r.json(t)["version"]
			r = ops.do("POST", "/v1/jobs/"+id+"/rating", rate)
			want(t, r, 200)
			if r.json(t)["version"] != version {
				t.Fatalf("a repeated rating changed the job: %s", r.body)
			}
			want(t, ops.do("POST", "/v1/jobs/"+id+"/rating", map[string]any{"stars": 2}), 409)
			rel = ops.do("GET", "/v1/contractors/"+w.contractors["Bob"], nil).json(t)["reliability"].(map[string]any)
			if rel["rating"] != float64(4) || rel["ratings"] != float64(1) || rel["completed"] != float64(1) {
				t.Fatalf("bob's record: %v", rel)
			}
		})
	}
}
