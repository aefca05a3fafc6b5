package app_test

import (
	"context"
	"testing"

	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/event"
)

// TestDemoDispatch loads the demo world and finds a posted job with ranked
// bids for a coordinator to award, and a job Zane Ortiz won and confirmed.
func TestDemoDispatch(t *testing.T) {
	ctx := context.Background()
	a := demoApp(t)
	staff := dispatch.Caller{Actor: event.Actor{Kind: event.ActorSystem, ID: "test"}, Staff: true}
	jobs, _, err := a.Dispatch.List(ctx, staff, dispatch.Filter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	zane, err := a.Auth.UserByEmail(ctx, "zane.ortiz@contractor.example")
	if err != nil {
		t.Fatal(err)
	}
	var posted, won int
	for _, j := range jobs {
		switch j.Status {
		case dispatch.Posted:
			ranked, err := a.Dispatch.RankedBids(ctx, staff, j.ID)
			if err != nil || len(ranked) < 2 || ranked[0].Explanation == "" {
				t.Fatalf("posted %s has ranked bids %+v (%v)", j.Number, ranked, err)
			}
			posted++
		case dispatch.Scheduled:
			if j.ContractorID != zane.SubjectID || j.Appointment == nil || j.PayoutCents == 0 {
				t.Fatalf("scheduled %s: %+v", j.Number, j)
			}
			// Zane sees it as his through his own account's caller.
			as := dispatch.Caller{Actor: event.Actor{Kind: event.ActorContractor, ID: zane.SubjectID}, ContractorID: zane.SubjectID}
			if mine, _, err := a.Dispatch.List(ctx, as, dispatch.Filter{Statuses: []dispatch.Status{dispatch.Scheduled}}); err != nil || len(mine) != 1 {
				t.Fatalf("zane's scheduled jobs: %d (%v)", len(mine), err)
			}
			won++
		}
	}
	if posted != 1 || won != 1 {
		t.Fatalf("demo jobs: %d posted, %d won by Zane, of %d", posted, won, len(jobs))
	}
}
