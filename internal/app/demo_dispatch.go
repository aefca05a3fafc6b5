package app

import (
	"context"
	"fmt"
	"time"

	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/provider"
	wo "github.com/fieldhub/fieldhub/internal/workorder"
)

// demoBid is a demo contractor's bid: price, and arrival in minutes after
// the window opens.
type demoBid struct {
	name  string
	cents int64
	late  int
	notes string
}

// demoDispatch adds the dispatch part of the demo world: Lakeside Clinic's
// GentleMax repair (PO-1001) posted on the marketplace with three bids
// waiting for a coordinator's award, and the PicoWay loaner delivery for
// Patel Dermatology (PO-1002) awarded to Zane Ortiz, who confirmed the
// appointment.
func (a *App) demoDispatch(ctx context.Context, byCode map[string]provider.Provider) error {
	staff := dispatch.Caller{Actor: event.Actor{Kind: event.ActorSystem, ID: "demo", Name: "demo loader"}, Staff: true}
	people, err := a.demoContractorIDs(ctx)
	if err != nil {
		return err
	}
	day := a.Store.Now().Truncate(24*time.Hour).AddDate(0, 0, 2)
	window := func(hour int) dispatch.TimeWindow {
		s := day.Add(time.Duration(hour) * time.Hour)
		return dispatch.TimeWindow{Start: s, End: s.Add(3 * time.Hour)}
	}

	repair, err := a.demoJob(ctx, staff, byCode["ACME"].ID, "PO-1001", dispatch.JobInput{Kind: "repair", Trade: "field_tech",
		Window: window(15), BudgetCents: 45000, Instructions: "Error 47 on power-up; bring the E47 service kit."})
	if err != nil {
		return err
	}
	for _, b := range []demoBid{{"Zane Ortiz", 42000, 30, "GentleMax certified, have the E47 kit"},
		{"Maya Chen", 39500, 90, "Can come after my morning training"}, {"Luis Ortega", 47500, 0, "Nearby that afternoon"}} {
		if _, err := a.demoBid(ctx, people, repair, b); err != nil {
			return err
		}
	}

	loaner, err := a.demoJob(ctx, staff, byCode["ACME"].ID, "PO-1002", dispatch.JobInput{Kind: "loaner_delivery", Trade: "field_tech",
		Window: window(14), BudgetCents: 18000, Instructions: "Deliver the loaner PicoWay and collect the unit for the depot."})
	if err != nil {
		return err
	}
	bid, err := a.demoBid(ctx, people, loaner, demoBid{"Zane Ortiz", 17500, 15, "Will bring the liftgate truck"})
	if err != nil {
		return err
	}
	if _, err := a.Dispatch.Award(ctx, staff, loaner.ID, bid.ID); err != nil {
		return err
	}
	w := window(14)
	_, err = a.Dispatch.Confirm(ctx, people.caller("Zane Ortiz"), loaner.ID, dispatch.TimeWindow{Start: w.Start.Add(30 * time.Minute),
		End: w.Start.Add(90 * time.Minute)})
	return err
}

// demoPeople are the demo contractors by name.
type demoPeople map[string]string

func (p demoPeople) caller(name string) dispatch.Caller {
	return dispatch.Caller{Actor: event.Actor{Kind: event.ActorContractor, ID: p[name], Name: name}, ContractorID: p[name]}
}

func (a *App) demoContractorIDs(ctx context.Context) (demoPeople, error) {
	cs, _, err := a.Contractors.List(ctx, contractor.Filter{Limit: 100})
	if err != nil {
		return nil, err
	}
	out := demoPeople{}
	for _, c := range cs {
		out[c.Name] = c.ID
	}
	return out, nil
}

// demoJob posts a marketplace job on the provider's work order external.
func (a *App) demoJob(ctx context.Context, c dispatch.Caller, providerID, external string, in dispatch.JobInput) (*dispatch.Job, error) {
	found, _, err := a.WorkOrders.List(ctx, wo.Caller{Actor: c.Actor}, wo.Filter{ProviderID: providerID, ExternalID: external, Limit: 1})
	if err != nil || len(found) == 0 {
		return nil, fmt.Errorf("demo dispatch: work order %s: %v", external, err)
	}
	return a.Dispatch.Create(ctx, c, found[0].ID, in, true)
}

func (a *App) demoBid(ctx context.Context, people demoPeople, j *dispatch.Job, b demoBid) (*dispatch.Bid, error) {
	if people[b.name] == "" {
		return nil, fmt.Errorf("demo dispatch: no contractor %s", b.name)
	}
	bid, err := a.Dispatch.PlaceBid(ctx, people.caller(b.name), j.ID, dispatch.BidInput{PriceCents: b.cents,
		ETA: j.Window.Start.Add(time.Duration(b.late) * time.Minute), Notes: b.notes})
	if err != nil {
		return nil, fmt.Errorf("demo dispatch: %s bidding on %s: %w", b.name, j.Number, err)
	}
	return bid, nil
}
