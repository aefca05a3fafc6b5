package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/app"
	"github.com/fieldhub/fieldhub/internal/connector/workmarket/wmfake"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/dispatch"
)

// TestPlatformPollRotation polls more WorkMarket jobs than one run reads:
// successive runs reach every job, least recently polled first; a failed
// read is reported; a run whose time runs out stops cleanly and the next
// one goes on.
func TestPlatformPollRotation(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			fake, config := fakeWorkMarket(t, nil)
			// While held, WorkMarket answers no assignment read: each waits
			// until its caller gives up.
			var held atomic.Bool
			front := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				if held.Load() && strings.HasSuffix(r.URL.Path, "/assignments/get") {
					<-r.Context().Done()
					return
				}
				fake.ServeHTTP(rw, r)
			}))
			t.Cleanup(front.Close)
			w := startServerWith(t, e, setup{inProcess: true, config: func(cfg *app.Config) {
				config(cfg)
				cfg.WorkMarketURL = front.URL + wmfake.Prefix
			}})
			ops := w.login(t, "ops@test.example")
			want(t, ops.do("PUT", "/v1/dispatch-rules/ACME/onsite_repair", map[string]any{"platform": "workmarket", "pool": "77001",
				"no_bid_minutes": 120, "radius_miles": 30, "radius_step_miles": 15, "max_radius_miles": 100}), 200)

			// Seven jobs pushed; WorkMarket sends no webhooks, so only a
			// poll tells fieldhub that workers accepted them.
			const jobs = 7
			ids := make([]string, jobs)
			for i := range ids {
				woID := newWorkOrder(t, w.world, fmt.Sprintf("PO-POLL-%d", i))
				body := jobBody(true)
				body["mode"] = "field_platform"
				r := ops.do("POST", "/v1/work-orders/"+woID+"/jobs", body)
				want(t, r, 201)
				ids[i] = r.json(t)["id"].(string)
			}
			status := func(id string) map[string]any { return ops.do("GET", "/v1/jobs/"+id, nil).json(t) }
			dbtest.Eventually(t, "every job is pushed", func() bool {
				for _, id := range ids {
					if ext, _ := status(id)["external_id"].(string); ext == "" {
						return false
					}
				}
				return true
			})
			for i, a := range fake.Assignments() {
				if err := fake.Accept(a.ID, wmfake.Resource{ID: fmt.Sprint(8823500 + i), FirstName: "Pat", LastName: "Poll"}); err != nil {
					t.Fatal(err)
				}
			}
			awarded := func() int {
				n := 0
				for _, id := range ids {
					if status(id)["status"] == "awarded" {
						n++
					}
				}
				return n
			}

			ctx := context.Background()
			small := dispatch.PollLimits{Budget: time.Minute, Batch: 3}
			// Three runs of three reach all seven: each starts with the
			// jobs polled longest ago (or never).
			for run, wantAwarded := range []int{3, 6, 7} {
				reads := fake.Calls("/assignments/get")
				n, err := w.app.Dispatch.PollPlatformsWithin(ctx, small)
				if err != nil || n != 3 {
					t.Fatalf("run %d: %d read, %v; want 3", run+1, n, err)
				}
				if got := fake.Calls("/assignments/get") - reads; got != 3 {
					t.Fatalf("run %d asked WorkMarket %d times, want 3", run+1, got)
				}
				if got := awarded(); got != wantAwarded {
					t.Fatalf("after run %d, %d jobs awarded, want %d", run+1, got, wantAwarded)
				}
			}

			// A read WorkMarket refuses is reported; the others are read.
			fake.Fail("/assignments/get", http.StatusServiceUnavailable, 1)
			n, err := w.app.Dispatch.PollPlatformsWithin(ctx, small)
			if n != 2 || err == nil || !strings.Contains(err.Error(), "poll workmarket job") {
				t.Fatalf("a run with a refused read: %d read, %v; want 2 and the refusal", n, err)
			}

			// A run whose budget is spent while WorkMarket does not answer
			// stops without an error; once it answers, the next run reads.
			held.Store(true)
			n, err = w.app.Dispatch.PollPlatformsWithin(ctx, dispatch.PollLimits{Budget: 200 * time.Millisecond, Batch: 3})
			held.Store(false)
			if n != 0 || err != nil {
				t.Fatalf("a run out of time: %d read, %v; want 0 and no error", n, err)
			}
			if n, err := w.app.Dispatch.PollPlatformsWithin(ctx, small); n != 3 || err != nil {
				t.Fatalf("the run after: %d read, %v", n, err)
			}
		})
	}
}
