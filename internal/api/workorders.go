package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/provider"
	wo "github.com/fieldhub/fieldhub/internal/workorder"
)

// Who may do what with work orders: see workorder.ReadRoles and friends.
var (
	woRead  = wo.ReadRoles
	woWrite = wo.WriteRoles
	woClose = wo.CloseRoles
)

// woAccess resolves the caller for a work-order operation. On routes with
// an id, what the caller may not see is not found before anything else, so
// another provider's ids cannot be probed; then the action is checked.
func (a *API) woAccess(ctx context.Context, id, action string, providers bool, roles []auth.Role) (wo.Caller, error) {
	p, err := caller(ctx)
	if err != nil {
		return wo.Caller{}, err
	}
	c := wo.Caller{Actor: actor(p)}
	switch {
	case p.Kind == auth.KindProvider:
		c.ProviderID = p.ProviderID
		if id != "" {
			if _, err := a.WorkOrders.Get(ctx, c, id); err != nil {
				return c, err
			}
		}
		if !providers {
			return c, a.deny(ctx, p, action)
		}
		return c, nil
	case p.IsStaff():
		if !p.HasRole(roles...) {
			return c, a.deny(ctx, p, action)
		}
		return c, nil
	case id != "":
		return c, fault.Errorf(fault.NotFound, "no work order %q", id)
	}
	return c, a.deny(ctx, p, action)
}

type woOutput struct {
	Status int    `json:"-"`
	ETag   string `header:"ETag"`
	Body   *wo.WorkOrder
}

func woOut(w *wo.WorkOrder) *woOutput {
	return &woOutput{Status: http.StatusOK, ETag: ETag(w.Version), Body: w}
}

type woCreateInput struct {
	Body struct {
		wo.Intake
		Provider string `json:"provider,omitempty" doc:"Provider code; staff must name one, a provider key's own provider is used otherwise"`
	}
}

type woIDInput struct {
	ID string `path:"id" doc:"Work order id"`
}

type woListInput struct {
	Provider      string    `query:"provider" doc:"Provider code"`
	ExternalID    string    `query:"external_id" doc:"The provider's id for the order"`
	Status        []string  `query:"status" doc:"One or more statuses, comma-separated"`
	ServiceType   string    `query:"service_type"`
	ZIP           string    `query:"zip" doc:"ZIP code or prefix"`
	State         string    `query:"state"`
	CreatedFrom   time.Time `query:"created_from" doc:"RFC 3339; inclusive"`
	CreatedTo     time.Time `query:"created_to" doc:"RFC 3339; exclusive"`
	RequestedFrom time.Time `query:"requested_from" doc:"Requested window start, RFC 3339; inclusive"`
	RequestedTo   time.Time `query:"requested_to" doc:"Requested window start, RFC 3339; exclusive"`
	SLAAtRisk     bool      `query:"sla_at_risk" doc:"Only open work orders due within 4 hours or overdue"`
	Q             string    `query:"q" maxLength:"100" doc:"Text in the PO, RMA or order number, the customer's name or a serial"`
	Cursor        string    `query:"cursor"`
	Limit         int       `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

func (a *API) woFilter(ctx context.Context, in *woListInput) (wo.Filter, bool, error) {
	f := wo.Filter{ExternalID: strings.TrimSpace(in.ExternalID), ServiceType: in.ServiceType, ZIP: in.ZIP, State: in.State,
		CreatedFrom: in.CreatedFrom, CreatedTo: in.CreatedTo, RequestedFrom: in.RequestedFrom, RequestedTo: in.RequestedTo,
		SLAAtRisk: in.SLAAtRisk, Query: in.Q, Cursor: in.Cursor, Limit: in.Limit}
	var bad fault.Fields
	for _, s := range in.Status {
		for _, part := range strings.Split(s, ",") {
			st := wo.Status(strings.TrimSpace(part))
			if !validStatus(st) {
				bad.Add("query.status", "unknown status "+string(st))
				continue
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	if err := bad.Err(); err != nil {
		return f, false, err
	}
	if in.Provider != "" {
		p, err := a.Providers.Get(ctx, in.Provider)
		if fault.Is(err, fault.NotFound) {
			return f, false, nil // no such provider: nothing matches
		}
		if err != nil {
			return f, false, err
		}
		f.ProviderID = p.ID
	}
	return f, true, nil
}

func validStatus(s wo.Status) bool {
	for _, v := range wo.AllStatuses {
		if v == s {
			return true
		}
	}
	return false
}

// TimelineEntry is one event in a work order's history.
type TimelineEntry struct {
	Seq    int64          `json:"seq"`
	Type   string         `json:"type" doc:"e.g. WorkOrder.AppointmentSet"`
	At     time.Time      `json:"at"`
	Actor  TimelineActor  `json:"actor"`
	Detail map[string]any `json:"detail" doc:"What happened; the work order as it then was is left out"`
}

// TimelineActor is who caused a timeline entry.
type TimelineActor struct {
	Kind string `json:"kind"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

func (a *API) workOrderRoutes() {
	tags := []string{"Work orders"}
	register(a, huma.Operation{
		OperationID: "create-work-order", Method: http.MethodPost, Path: "/v1/work-orders", Tags: tags,
		Summary: "Create a work order",
		Description: "Idempotent by provider and external_id: the same order again answers 200 with the stored work order; " +
			"a different order under the same external_id is 409 naming the differing fields (change it with PATCH).",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *woCreateInput) (*woOutput, error) {
		c, err := a.woAccess(ctx, "", "create-work-order", true, woWrite)
		if err != nil {
			return nil, err
		}
		providerID := c.ProviderID
		if providerID == "" {
			if in.Body.Provider == "" {
				return nil, &fault.Error{Code: fault.Invalid, Message: "validation failed",
					Fields: []fault.FieldError{{Field: "provider", Reason: "is required for staff: the provider's code"}}}
			}
			p, err := a.Providers.Get(ctx, in.Body.Provider)
			if err != nil {
				return nil, &fault.Error{Code: fault.Invalid, Message: "validation failed",
					Fields: []fault.FieldError{{Field: "provider", Reason: "no provider " + provider.NormalizeCode(in.Body.Provider)}}}
			}
			providerID = p.ID
		} else if in.Body.Provider != "" && !strings.EqualFold(in.Body.Provider, providerCode(ctx)) {
			return nil, &fault.Error{Code: fault.Invalid, Message: "validation failed",
				Fields: []fault.FieldError{{Field: "provider", Reason: "an API key creates work orders only for its own provider"}}}
		}
		w, created, err := a.WorkOrders.Create(ctx, c, providerID, in.Body.Intake)
		if err != nil {
			return nil, err
		}
		out := woOut(w)
		out.Status = http.StatusCreated
		if !created {
			out.Status = http.StatusOK
		}
		return out, nil
	})

	register(a, huma.Operation{
		OperationID: "list-work-orders", Method: http.MethodGet, Path: "/v1/work-orders", Tags: tags,
		Summary: "Find work orders", Description: "Newest first. `?provider=ACME&external_id=PO-1001` is the lookup by your own id.",
	}, func(ctx context.Context, in *woListInput) (*listOutput[*wo.WorkOrder], error) {
		c, err := a.woAccess(ctx, "", "list-work-orders", true, woRead)
		if err != nil {
			return nil, err
		}
		f, any, err := a.woFilter(ctx, in)
		if err != nil || !any {
			return list[*wo.WorkOrder](nil, ""), err
		}
		items, next, err := a.WorkOrders.List(ctx, c, f)
		if err != nil {
			return nil, err
		}
		return list(items, next), nil
	})

	register(a, huma.Operation{
		OperationID: "count-work-orders", Method: http.MethodGet, Path: "/v1/work-orders/status-counts", Tags: tags,
		Summary: "Count work orders per status", Description: "The same filters as the list, except status.",
	}, func(ctx context.Context, in *woListInput) (*struct{ Body map[wo.Status]int }, error) {
		c, err := a.woAccess(ctx, "", "count-work-orders", true, woRead)
		if err != nil {
			return nil, err
		}
		f, any, err := a.woFilter(ctx, in)
		if err != nil {
			return nil, err
		}
		counts := map[wo.Status]int{}
		if any {
			counts, err = a.WorkOrders.StatusCounts(ctx, c, f)
		} else { // an unknown provider matches nothing
			for _, st := range wo.AllStatuses {
				counts[st] = 0
			}
		}
		return &struct{ Body map[wo.Status]int }{counts}, err
	})

	register(a, huma.Operation{
		OperationID: "get-work-order", Method: http.MethodGet, Path: "/v1/work-orders/{id}", Tags: tags,
		Summary: "Get a work order",
	}, func(ctx context.Context, in *woIDInput) (*woOutput, error) {
		c, err := a.woAccess(ctx, in.ID, "get-work-order", true, woRead)
		if err != nil {
			return nil, err
		}
		w, err := a.WorkOrders.Get(ctx, c, in.ID)
		if err != nil {
			return nil, err
		}
		return woOut(w), nil
	})

	register(a, huma.Operation{
		OperationID: "update-work-order", Method: http.MethodPatch, Path: "/v1/work-orders/{id}", Tags: tags,
		Summary:     "Fix a work order's details",
		Description: "Triage fixes: customer, site, devices, problem, priority, PO/RMA. Fields left out stay. Send If-Match with the ETag from a read.",
	}, func(ctx context.Context, in *struct {
		ID      string `path:"id"`
		IfMatch string `header:"If-Match"`
		Body    wo.Edit
	}) (*woOutput, error) {
		c, err := a.woAccess(ctx, in.ID, "update-work-order", true, woWrite)
		if err != nil {
			return nil, err
		}
		w, err := a.WorkOrders.Patch(ctx, c, in.ID, in.Body, IfMatch(in.IfMatch))
		if err != nil {
			return nil, err
		}
		return woOut(w), nil
	})

	register(a, huma.Operation{
		OperationID: "get-work-order-timeline", Method: http.MethodGet, Path: "/v1/work-orders/{id}/timeline", Tags: tags,
		Summary: "A work order's timeline", Description: "Every event in order, with who and when.",
	}, func(ctx context.Context, in *woIDInput) (*listOutput[TimelineEntry], error) {
		c, err := a.woAccess(ctx, in.ID, "get-work-order-timeline", true, woRead)
		if err != nil {
			return nil, err
		}
		evs, err := a.WorkOrders.Timeline(ctx, c, in.ID)
		if err != nil {
			return nil, err
		}
		out := make([]TimelineEntry, 0, len(evs))
		for _, e := range evs {
			detail := map[string]any{}
			_ = json.Unmarshal(e.Payload, &detail)
			delete(detail, "work_order")
			out = append(out, TimelineEntry{Seq: e.Seq, Type: e.Type, At: e.At,
				Actor: TimelineActor{Kind: e.Actor.Kind, ID: e.Actor.ID, Name: e.Actor.Name}, Detail: detail})
		}
		return list(out, ""), nil
	})
	a.workOrderActions(tags)
}

func providerCode(ctx context.Context) string {
	if p, ok := auth.FromContext(ctx); ok {
		return p.ProviderCode
	}
	return ""
}
