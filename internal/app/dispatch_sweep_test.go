package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/app"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/geo"
	"github.com/fieldhub/fieldhub/internal/workorder"
)

// acmeOrder takes in a work order of ACME's (the fixture's provider) for
// a repair at a Dallas clinic through the service, as intake would, and
// returns ACME's id and the order.
func acmeOrder(t *testing.T, a *app.App, external string, devices ...workorder.Device) (string, *workorder.WorkOrder) {
	t.Helper()
	ctx := context.Background()
	prov, err := a.Providers.Get(ctx, "ACME")
	if err != nil {
		t.Fatal(err)
	}
	w, _, err := a.WorkOrders.Create(ctx, workorder.Caller{Actor: event.Actor{Kind: event.ActorSystem, ID: "test"}}, prov.ID,
		workorder.Intake{ExternalID: external, ServiceType: "onsite_repair", Priority: "normal",
			Customer: workorder.Customer{Name: "Clinic", Phone: "+12145550100"},
			Site:     workorder.Site{Line1: "1 Main", City: "Dallas", State: "TX", ZIP: "75231"}, Devices: devices})
	if err != nil {
		t.Fatal(err)
	}
	return prov.ID, w
}

func TestDispatchNoBidRule(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			clock := newClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
			a, _ := buildWith(t, e, setup{clock: clock})
			populate(t, a, nil)
			provID, w := acmeOrder(t, a, "PO-SWEEP")
			sys := event.Actor{Kind: event.ActorSystem, ID: "test"}
			// Near is at the site; Out is a few miles beyond the first radius.
			site, _ := geo.Lookup("75231")
			fw, _ := geo.Lookup("76102")
			d := geo.Miles(site, fw)
			near := addContractor(t, a, "Near", "75231", 100)
			out := addContractor(t, a, "Out", "76102", 100)
			staff := dispatch.Caller{Actor: sys, Staff: true}
			if _, err := a.Dispatch.SetRule(ctx, sys, provID, "onsite_repair", dispatch.Rule{NoBidMinutes: 120,
				RadiusMiles: d - 3, RadiusStepMiles: 10, MaxRadiusMiles: d + 7}); err != nil {
				t.Fatal(err)
			}
			j, err := a.Dispatch.Create(ctx, staff, w.ID, dispatch.JobInput{Kind: "repair", BudgetCents: 10000,
				Window: dispatch.TimeWindow{Start: clock.Now().Add(48 * time.Hour), End: clock.Now().Add(51 * time.Hour)}}, true)
			if err != nil {
				t.Fatal(err)
			}
			as := func(id string) dispatch.Caller {
				return dispatch.Caller{Actor: event.Actor{Kind: event.ActorContractor, ID: id}, ContractorID: id}
			}
			if _, err := a.Dispatch.Get(ctx, as(near), j.ID); err != nil {
				t.Fatalf("near was not offered the job: %v", err)
			}
			if _, err := a.Dispatch.Get(ctx, as(out), j.ID); !fault.Is(err, fault.NotFound) {
				t.Fatalf("out sees the job before widening: %v", err)
			}

			// Before the deadline nothing happens; after it the radius widens.
			clock.Advance(119 * time.Minute)
			if n, err := a.Dispatch.Sweep(ctx); err != nil || n != 0 {
				t.Fatalf("early sweep: %d, %v", n, err)
			}
			clock.Advance(2 * time.Minute)
			if n, err := a.Dispatch.Sweep(ctx); err != nil || n != 1 {
				t.Fatalf("sweep: %d, %v", n, err)
			}
			if _, err := a.Dispatch.Get(ctx, as(out), j.ID); err != nil {
				t.Fatalf("out was not offered the job after widening: %v", err)
			}
			got, _ := a.Dispatch.Get(ctx, staff, j.ID)
			if got.RadiusStep != 1 || got.RadiusMiles != d+7 || got.Status != dispatch.Posted {
				t.Fatalf("after widening: step %d radius %.1f status %s", got.RadiusStep, got.RadiusMiles, got.Status)
			}
			timeline := func() string {
				evs, err := a.WorkOrders.Timeline(ctx, workorder.Caller{Actor: sys}, w.ID)
				if err != nil {
					t.Fatal(err)
				}
				var b strings.Builder
				for _, e := range evs {
					b.WriteString(e.Type + " " + string(e.Payload) + "\n")
				}
				return b.String()
			}
			tl := timeline()
			if !strings.Contains(tl, "Job.NoBids") || !strings.Contains(tl, "Job.RadiusWidened") ||
				!strings.Contains(tl, `"contractor_ids":["`+out+`"]`) {
				t.Fatalf("timeline after widening:\n%s", tl)
			}

			// At the widest radius, another deadline without bids expires the job.
			if n, _ := a.Dispatch.Sweep(ctx); n != 0 {
				t.Fatal("a second sweep acted again before the new deadline")
			}
			clock.Advance(121 * time.Minute)
			if n, err := a.Dispatch.Sweep(ctx); err != nil || n != 1 {
				t.Fatalf("expiry sweep: %d, %v", n, err)
			}
			if got, _ := a.Dispatch.Get(ctx, staff, j.ID); got.Status != dispatch.Expired {
				t.Fatalf("status %s, want expired", got.Status)
			}
			if !strings.Contains(timeline(), "Job.Expired") {
				t.Fatal("no Job.Expired on the timeline")
			}
		})
	}
}
