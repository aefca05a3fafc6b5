package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/fieldhub/fieldhub/internal/device"
)

type loanerIDInput[B any] struct {
	DeviceID string `path:"device_id" doc:"The loaner's device id"`
	Body     B
}

func (a *API) loanerRoutes() {
	tags := []string{"Loaners"}
	register(a, huma.Operation{
		OperationID: "assign-loaner", Method: http.MethodPost, Path: "/v1/loaners/assign", Tags: tags,
		Summary: "Lend a loaner for a work order",
		Description: "Picks the free loaner of the region that has waited longest unless device_id names one. " +
			"A work order that already has a loaner out in the region gets it again (200). " +
			"No free loaner is 409 and alerts operations (Loaner.Shortage).",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *struct{ Body device.LoanRequest }) (*devOutput, error) {
		c, err := a.devAccess(ctx, "", "assign-loaner", device.WriteRoles)
		if err != nil {
			return nil, err
		}
		d, created, err := a.Devices.Assign(ctx, c, in.Body)
		if err != nil {
			return nil, err
		}
		out := devOut(d)
		if created {
			out.Status = http.StatusCreated
		}
		return out, nil
	})

	register(a, huma.Operation{
		OperationID: "return-loaner", Method: http.MethodPost, Path: "/v1/loaners/{device_id}/return", Tags: tags,
		Summary: "Take a loaner back", Description: "Closes the loan; the loaner goes to the depot (in_depot) for inspection.",
	}, func(ctx context.Context, in *struct {
		DeviceID string `path:"device_id" doc:"The loaner's device id"`
		Body     *noteBody
	}) (*devOutput, error) {
		c, err := a.devAccess(ctx, in.DeviceID, "return-loaner", device.WriteRoles)
		if err != nil {
			return nil, err
		}
		var note string
		if in.Body != nil {
			note = in.Body.Note
		}
		d, err := a.Devices.Return(ctx, c, in.DeviceID, note)
		if err != nil {
			return nil, err
		}
		return devOut(d), nil
	})

	register(a, huma.Operation{
		OperationID: "inspect-loaner", Method: http.MethodPost, Path: "/v1/loaners/{device_id}/inspect", Tags: tags,
		Summary: "Record a returned loaner's inspection", Description: "Passed: available again (returned_available). Failed: stays in the depot. A loaner whose loan is still open is refused (409): return it first.",
	}, func(ctx context.Context, in *loanerIDInput[struct {
		Passed bool   `json:"passed"`
		Note   string `json:"note,omitempty" maxLength:"2000"`
	}]) (*devOutput, error) {
		c, err := a.devAccess(ctx, in.DeviceID, "inspect-loaner", device.WriteRoles)
		if err != nil {
			return nil, err
		}
		d, err := a.Devices.Inspect(ctx, c, in.DeviceID, in.Body.Passed, in.Body.Note)
		if err != nil {
			return nil, err
		}
		return devOut(d), nil
	})

	register(a, huma.Operation{
		OperationID: "list-loaners", Method: http.MethodGet, Path: "/v1/loaners", Tags: tags,
		Summary: "The loaner pools", Description: "Loaner devices with their current loan; `overdue=true` lists only loans past due.",
	}, func(ctx context.Context, in *struct {
		Region  string `query:"region" maxLength:"20"`
		Overdue bool   `query:"overdue"`
		Cursor  string `query:"cursor"`
		Limit   int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
	}) (*listOutput[*DeviceRecord], error) {
		c, err := a.devAccess(ctx, "", "list-loaners", device.ReadRoles)
		if err != nil {
			return nil, err
		}
		yes := true
		items, next, err := a.Devices.List(ctx, c, device.Filter{Loaner: &yes, Region: in.Region, Overdue: in.Overdue,
			Cursor: in.Cursor, Limit: in.Limit})
		if err != nil {
			return nil, err
		}
		return devList(items, next), nil
	})
}
