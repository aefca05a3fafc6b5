package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/depot"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// Who may do what in the depot: depot staff receive units and do stage
// work; other staff read; providers and contractors do not see the depot at
// all (not found, so nothing can be probed). Admins pass every check.
var (
	depotRead  = depot.ReadRoles
	depotWrite = depot.WorkRoles
)

// depotAccess returns the acting staff member when they hold one of roles.
func (a *API) depotAccess(ctx context.Context, action string, roles []auth.Role) (event.Actor, error) {
	p, err := caller(ctx)
	if err != nil {
		return event.Actor{}, err
	}
	if !p.IsStaff() {
		return event.Actor{}, fault.Errorf(fault.NotFound, "not found")
	}
	if !p.HasRole(roles...) {
		return event.Actor{}, a.deny(ctx, p, action)
	}
	return actor(p), nil
}

type ticketOutput struct {
	Status int    `json:"-"`
	ETag   string `header:"ETag"`
	Body   *depot.Ticket
}

func ticketOut(t *depot.Ticket) *ticketOutput {
	return &ticketOutput{Status: http.StatusOK, ETag: ETag(t.Version), Body: t}
}

type ticketListInput struct {
	Status      []string `query:"status" doc:"One or more of open, on_hold, ready, released, comma-separated"`
	Stage       string   `query:"stage"`
	Template    string   `query:"template"`
	ServiceType string   `query:"service_type"`
	WorkOrderID string   `query:"work_order_id"`
	Serial      string   `query:"serial"`
	Cursor      string   `query:"cursor"`
	Limit       int      `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

func (in *ticketListInput) filter() (depot.Filter, error) {
	f := depot.Filter{Stage: in.Stage, Template: in.Template, ServiceType: in.ServiceType, WorkOrderID: in.WorkOrderID,
		Serial: strings.ToUpper(strings.TrimSpace(in.Serial)), Cursor: in.Cursor, Limit: in.Limit}
	var err error
	f.Statuses, err = statusQuery(in.Status, depot.Status.Valid)
	return f, err
}

func (a *API) depotRoutes() {
	tags := []string{"Depot"}
	register(a, huma.Operation{
		OperationID: "receive-depot-unit", Method: http.MethodPost, Path: "/v1/depot/receipts", Tags: tags,
		Summary: "Receive a unit at the depot",
		Description: "The inbound scan: registers or finds the device, moves it to in_depot and opens its ticket (201). " +
			"The same serial again for the same work order answers the same ticket (200). At least one photo of pre-existing damage " +
			"is required. Expected package items not received put the ticket and the work order on hold (incomplete_package).",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *struct{ Body depot.UnitReceipt }) (*ticketOutput, error) {
		by, err := a.depotAccess(ctx, "receive-depot-unit", depotWrite)
		if err != nil {
			return nil, err
		}
		t, created, err := a.Depot.Receive(ctx, by, in.Body)
		if err != nil {
			return nil, err
		}
		out := ticketOut(t)
		if created {
			out.Status = http.StatusCreated
		}
		return out, nil
	})

	register(a, huma.Operation{
		OperationID: "list-depot-tickets", Method: http.MethodGet, Path: "/v1/depot/tickets", Tags: tags,
		Summary: "Find depot tickets", Description: "Newest first.",
	}, func(ctx context.Context, in *ticketListInput) (*listOutput[*depot.Ticket], error) {
		if _, err := a.depotAccess(ctx, "list-depot-tickets", depotRead); err != nil {
			return nil, err
		}
		f, err := in.filter()
		if err != nil {
			return nil, err
		}
		items, next, err := a.Depot.List(ctx, f)
		if err != nil {
			return nil, err
		}
		return list(items, next), nil
	})

	register(a, huma.Operation{
		OperationID: "get-depot-ticket", Method: http.MethodGet, Path: "/v1/depot/tickets/{id}", Tags: tags,
		Summary: "Get a depot ticket", Description: "With its stage log: who did what at each stage, when, with notes, photos, parts and measurements.",
	}, func(ctx context.Context, in *struct {
		ID string `path:"id"`
	}) (*ticketOutput, error) {
		if _, err := a.depotAccess(ctx, "get-depot-ticket", depotRead); err != nil {
			return nil, err
		}
		t, err := a.Depot.Get(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return ticketOut(t), nil
	})

	register(a, huma.Operation{
		OperationID: "get-depot-board", Method: http.MethodGet, Path: "/v1/depot/board", Tags: tags,
		Summary: "The depot board", Description: "Tickets in the depot by stage, with age in stage and door-to-door time (received → ready).",
	}, func(ctx context.Context, in *struct {
		Template    string `query:"template"`
		ServiceType string `query:"service_type"`
		WorkOrderID string `query:"work_order_id"`
	}) (*struct{ Body *depot.Board }, error) {
		if _, err := a.depotAccess(ctx, "get-depot-board", depotRead); err != nil {
			return nil, err
		}
		b, err := a.Depot.Board(ctx, depot.Filter{Template: in.Template, ServiceType: in.ServiceType, WorkOrderID: in.WorkOrderID})
		if err != nil {
			return nil, err
		}
		return &struct{ Body *depot.Board }{b}, nil
	})
	a.depotTicketActions(tags)
	a.depotTemplateRoutes(tags)
	a.trackerHook()
}
