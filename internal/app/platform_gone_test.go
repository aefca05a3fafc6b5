package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/fieldhub/fieldhub/internal/app"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/dispatch"
)

// TestPlatformPostingGone: a posting voided on WorkMarket without a webhook
// (WorkMarket then answers 403 for it) is found gone by the poll and taken
// as cancelled there: the job follows its rule's fallback — here pushed
// again under a new posting — instead of waiting on nothing.
func TestPlatformPostingGone(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			fake, config := fakeWorkMarket(t, nil)
			w := startServerWith(t, e, setup{inProcess: true, config: func(cfg *app.Config) { config(cfg) }})
			ops := w.login(t, "ops@test.example")
			want(t, ops.do("PUT", "/v1/dispatch-rules/ACME/onsite_repair", map[string]any{"platform": "workmarket", "pool": "77001",
				"no_bid_minutes": 120, "radius_miles": 30, "radius_step_miles": 15, "max_radius_miles": 100}), 200)
			woID := newWorkOrder(t, w.world, "PO-GONE")
			body := jobBody(true)
			body["mode"] = "field_platform"
			r := ops.do("POST", "/v1/work-orders/"+woID+"/jobs", body)
			want(t, r, 201)
			id := r.json(t)["id"].(string)
			var first string
			dbtest.Eventually(t, "the job pushed", func() bool {
				first, _ = ops.do("GET", "/v1/jobs/"+id, nil).json(t)["external_id"].(string)
				return first != ""
			})

			fake.Fail("/assignments/get", http.StatusForbidden, 1)
			if n, err := w.app.Dispatch.PollPlatformsWithin(context.Background(), dispatch.PollLimits{Batch: 10}); n != 1 || err != nil {
				t.Fatalf("the poll: %d read, %v; want the gone posting read without an error", n, err)
			}
			tl := string(ops.do("GET", "/v1/work-orders/"+woID+"/timeline", nil).body)
			if !strings.Contains(tl, `"Job.PlatformDeclined"`) || !strings.Contains(tl, "no longer has this posting") {
				t.Fatalf("the timeline does not say the posting is gone: %s", tl)
			}
			dbtest.Eventually(t, "the job pushed again under a new posting", func() bool {
				j := ops.do("GET", "/v1/jobs/"+id, nil).json(t)
				ext, _ := j["external_id"].(string)
				return j["status"] == "posted" && ext != "" && ext != first
			})
		})
	}
}
