package app

import (
	"context"
	"fmt"

	"github.com/fieldhub/fieldhub/internal/depot"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/provider"
	wo "github.com/fieldhub/fieldhub/internal/workorder"
)

// demoDepot adds the depot part of the demo world: Patel Dermatology's
// PicoWay (PO-1002, depot repair) received at the depot and mid-refurb,
// diagnosed and repaired, waiting for QA.
func (a *App) demoDepot(ctx context.Context, byCode map[string]provider.Provider) error {
	by := event.Actor{Kind: event.ActorSystem, ID: "demo", Name: "demo loader"}
	c := wo.Caller{Actor: by}
	found, _, err := a.WorkOrders.List(ctx, c, wo.Filter{ProviderID: byCode["ACME"].ID, ExternalID: "PO-1002", Limit: 1})
	if err != nil || len(found) == 0 {
		return fmt.Errorf("demo depot: work order PO-1002: %v", err)
	}
	t, created, err := a.Depot.Receive(ctx, by, depot.UnitReceipt{WorkOrderID: found[0].ID, Serial: "PW-20417", Model: "PicoWay",
		Manufacturer: "Acme", Photos: []string{"demo/pw-20417-scuff-left-panel.jpg"},
		Contents: depot.PackageContents{Expected: []string{"power_cord", "footswitch"}, Received: []string{"power_cord", "footswitch"}},
		Notes:    "Scuff on the left panel on arrival"})
	if err != nil || !created {
		return err
	}
	if _, err := a.Depot.CompleteStage(ctx, by, t.ID, "diagnostic", depot.StageWork{Notes: "Intermittent fault traced to the 532 nm module",
		Measurements: []depot.MeasuredValue{{Name: "output_532", Value: 0.71, Unit: "J"}}}, nil); err != nil {
		return err
	}
	_, err = a.Depot.CompleteStage(ctx, by, t.ID, "repair", depot.StageWork{Notes: "Replaced the 532 nm module",
		Parts: []depot.PartUsed{{SKU: "PW-MOD-532", Quantity: 1}}}, nil)
	return err
}
