package app_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/app"
	"github.com/fieldhub/fieldhub/internal/connector/workmarket/wmfake"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/workorder"
)

// stubPlatform is a field platform that remembers what it was sent; the
// platform's side of the conversation is given by the test.
type stubPlatform struct {
	mu     sync.Mutex
	pushed []dispatch.PlatformJob
}

func (p *stubPlatform) Name() string { return "stub" }

func (p *stubPlatform) Push(_ context.Context, j dispatch.PlatformJob) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pushed = append(p.pushed, j)
	return "ext-" + j.Number, nil
}

func (p *stubPlatform) Cancel(context.Context, string, string) error { return nil }

func (p *stubPlatform) Poll(context.Context, string) (dispatch.PlatformUpdate, error) {
	return dispatch.PlatformUpdate{}, nil
}

func (p *stubPlatform) ParseWebhook(*http.Request) ([]dispatch.PlatformUpdate, error) {
	return nil, nil
}

// stubWorld is an in-process installation whose field platform is a stub,
// with one ACME work order whose jobs are routed to it.
func stubWorld(t *testing.T, e db.Engine, external string) (*app.App, *stubPlatform, *workorder.WorkOrder) {
	t.Helper()
	stub := &stubPlatform{}
	a := startServerWith(t, e, setup{inProcess: true,
		extend: []func(*app.App){func(a *app.App) { a.Dispatch.AddPlatform(stub) }}}).app
	provID, w := acmeOrder(t, a, external)
	sys := event.Actor{Kind: event.ActorSystem, ID: "test"}
	if _, err := a.Dispatch.SetRule(context.Background(), sys, provID, "*", dispatch.Rule{Platform: "stub", Pool: "biomed"}); err != nil {
		t.Fatal(err)
	}
	return a, stub, w
}

func TestDispatchFieldPlatform(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			a, stub, w := stubWorld(t, e, "PO-FP")
			sys := event.Actor{Kind: event.ActorSystem, ID: "test"}
			staff := dispatch.Caller{Actor: sys, Staff: true}
			start := time.Now().Add(48 * time.Hour).UTC()
			j, err := a.Dispatch.Create(ctx, staff, w.ID, dispatch.JobInput{Kind: "repair", Mode: dispatch.ModeFieldPlatform,
				BudgetCents: 10000, Window: dispatch.TimeWindow{Start: start, End: start.Add(3 * time.Hour)}}, true)
			if err != nil {
				t.Fatal(err)
			}
			var ext string
			dbtest.Eventually(t, "the push", func() bool {
				got, _ := a.Dispatch.Get(ctx, staff, j.ID)
				ext = got.ExternalID
				return ext != ""
			})
			if stub.pushed[0].Pool != "biomed" || stub.pushed[0].JobID != j.ID {
				t.Fatalf("pushed %+v", stub.pushed[0])
			}
			for _, u := range []dispatch.PlatformUpdate{
				{EventID: "1", State: dispatch.PlatformAccepted, Technician: dispatch.PlatformTechnician{Name: "Tess"}},
				{EventID: "2", State: dispatch.PlatformOnSite},
				{EventID: "2", State: dispatch.PlatformOnSite}, // a repeat changes nothing
				{EventID: "3", State: dispatch.PlatformCompleted, ResultCode: "fixed_parts_replaced", Notes: "done",
					PartsUsed: []dispatch.PartUse{{SKU: "PNL-1", Quantity: 1}}},
			} {
				u.ExternalID = ext
				if err := a.Dispatch.ApplyPlatformUpdate(ctx, "stub", u); err != nil {
					t.Fatalf("update %s: %v", u.State, err)
				}
			}
			got, _ := a.Dispatch.Get(ctx, staff, j.ID)
			if got.Status != dispatch.Completed || got.Technician == nil || got.Technician.Name != "Tess" || got.Completion.Notes != "done" {
				t.Fatalf("job after the platform: %+v", got)
			}
			wo, _ := a.WorkOrders.Get(ctx, workorder.Caller{Actor: sys}, w.ID)
			if wo.Status != workorder.Completed || wo.Completion.ResultCode != "fixed_parts_replaced" {
				t.Fatalf("work order %s %+v", wo.Status, wo.Completion)
			}
		})
	}
}

// TestDispatchPlatformFallback follows a job on the fake WorkMarket under a
// fake clock through the routing rule's fallback: the platform gives it
// back and it is re-pushed at the widest radius, nobody accepts and it
// moves to the fallback pool, nobody accepts there either and it expires.
// Every re-push leaves exactly one live assignment on WorkMarket.
func TestDispatchPlatformFallback(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			clock := newClock(time.Now())
			fake, config := fakeWorkMarket(t, clock.Now)
			a := startServerWith(t, e, setup{clock: clock, config: config, inProcess: true}).app
			sys := event.Actor{Kind: event.ActorSystem, ID: "test"}
			staff := dispatch.Caller{Actor: sys, Staff: true}
			provID, w := acmeOrder(t, a, "PO-FALLBACK", workorder.Device{Model: "GentleMax Pro", Serial: "GMP-1"})
			if _, err := a.Dispatch.SetRule(ctx, sys, provID, "*", dispatch.Rule{Platform: "workmarket", Pool: "77001",
				FallbackPool: "77002", NoBidMinutes: 120, RadiusMiles: 30, RadiusStepMiles: 15, MaxRadiusMiles: 45}); err != nil {
				t.Fatal(err)
			}
			start := clock.Now().Add(72 * time.Hour)
			j, err := a.Dispatch.Create(ctx, staff, w.ID, dispatch.JobInput{Kind: "repair", Mode: dispatch.ModeFieldPlatform,
				BudgetCents: 10000, Window: dispatch.TimeWindow{Start: start, End: start.Add(3 * time.Hour)}}, true)
			if err != nil {
				t.Fatal(err)
			}
			// pushed waits for the job's posting other than prev and checks
			// it is the only live assignment on WorkMarket.
			pushed := func(prev string) wmfake.Assignment {
				t.Helper()
				var ext string
				dbtest.Eventually(t, "the push", func() bool {
					got, _ := a.Dispatch.Get(ctx, staff, j.ID)
					ext = got.ExternalID
					return ext != "" && ext != prev
				})
				var live []wmfake.Assignment
				dbtest.Eventually(t, "the old posting is voided", func() bool {
					live = live[:0]
					for _, as := range fake.Assignments() {
						if as.Status != "void" && as.Status != "cancelled" {
							live = append(live, as)
						}
					}
					return len(live) == 1
				})
				if live[0].ID != ext {
					t.Fatalf("live assignment %s, the job's is %s", live[0].ID, ext)
				}
				return live[0]
			}
			first := pushed("")
			if want := j.Number + " Repair: GentleMax Pro at Dallas, TX"; first.Title != want || first.SendRadius != 30 {
				t.Fatalf("first push: title %q radius %d", first.Title, first.SendRadius)
			}

			// The platform gives the job back: re-pushed at once, wider.
			if err := a.Dispatch.ApplyPlatformUpdate(ctx, "workmarket", dispatch.PlatformUpdate{EventID: "d1", ExternalID: first.ID,
				State: dispatch.PlatformDeclined, Reason: "no takers"}); err != nil {
				t.Fatal(err)
			}
			second := pushed(first.ID)
			if second.SendRadius != 45 || second.Groups[0] != "77001" {
				t.Fatalf("after the decline: %+v", second)
			}

			// Nobody accepts at the widest radius: the fallback pool.
			clock.Advance(121 * time.Minute)
			if n, err := a.Dispatch.Sweep(ctx); err != nil || n != 1 {
				t.Fatalf("sweep: %d, %v", n, err)
			}
			third := pushed(second.ID)
			if third.Groups[0] != "77002" {
				t.Fatalf("after the fallback: %+v", third)
			}

			// Nobody there either: expired, and withdrawn from WorkMarket.
			clock.Advance(121 * time.Minute)
			if n, err := a.Dispatch.Sweep(ctx); err != nil || n != 1 {
				t.Fatalf("sweep: %d, %v", n, err)
			}
			if got, _ := a.Dispatch.Get(ctx, staff, j.ID); got.Status != dispatch.Expired {
				t.Fatalf("status %s, want expired", got.Status)
			}
			dbtest.Eventually(t, "the last posting is voided", func() bool {
				for _, as := range fake.Assignments() {
					if as.Status != "void" {
						return false
					}
				}
				return true
			})
			evs, err := a.WorkOrders.Timeline(ctx, workorder.Caller{Actor: sys}, w.ID)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, ev := range evs {
				seen[ev.Type]++
			}
			if seen["Job.PlatformDeclined"] != 1 || seen["Job.RadiusWidened"] != 1 || seen["Job.PoolChanged"] != 1 ||
				seen["Job.Expired"] != 1 || seen["Job.Pushed"] != 3 || seen["Job.NoBids"] != 3 {
				t.Fatalf("timeline: %v", seen)
			}
		})
	}
}
