package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/depot"
	"github.com/fieldhub/fieldhub/internal/event"
)

type depotActionInput[B any] struct {
	ID      string `path:"id"`
	IfMatch string `header:"If-Match" doc:"The ETag from a read; a stale one is refused with 412"`
	Body    B
}

// depotAction registers POST /v1/depot/tickets/{id}/{name}: depot staff
// act on a ticket and get it back as it now is.
func depotAction[B any](a *API, tags []string, name, summary, desc string,
	do func(ctx context.Context, by event.Actor, id string, ifVersion *int64, body B) (*depot.Ticket, error)) {
	register(a, huma.Operation{
		OperationID: name + "-depot-ticket", Method: http.MethodPost, Path: "/v1/depot/tickets/{id}/" + name, Tags: tags,
		Summary: summary, Description: desc,
	}, func(ctx context.Context, in *depotActionInput[B]) (*ticketOutput, error) {
		by, err := a.depotAccess(ctx, name+"-depot-ticket", depotWrite)
		if err != nil {
			return nil, err
		}
		t, err := do(ctx, by, in.ID, IfMatch(in.IfMatch), in.Body)
		if err != nil {
			return nil, err
		}
		return ticketOut(t), nil
	})
}

func (a *API) depotTicketActions(tags []string) {
	register(a, huma.Operation{
		OperationID: "complete-depot-stage", Method: http.MethodPost, Path: "/v1/depot/tickets/{id}/stages/{stage}/complete", Tags: tags,
		Summary: "Complete a stage",
		Description: "Only the ticket's current stage can be completed (409 otherwise, naming it). At qa send passed; a failure needs " +
			"a reason and sends the ticket back to the rework stage (repair, rebuild). Reaching ready makes the device refurb_ready.",
	}, func(ctx context.Context, in *struct {
		ID      string `path:"id"`
		Stage   string `path:"stage" maxLength:"30"`
		IfMatch string `header:"If-Match" doc:"The ETag from a read; a stale one is refused with 412"`
		Body    depot.StageWork
	}) (*ticketOutput, error) {
		by, err := a.depotAccess(ctx, "complete-depot-stage", depotWrite)
		if err != nil {
			return nil, err
		}
		t, err := a.Depot.CompleteStage(ctx, by, in.ID, in.Stage, in.Body, IfMatch(in.IfMatch))
		if err != nil {
			return nil, err
		}
		return ticketOut(t), nil
	})
	depotAction(a, tags, "items-received", "Missing package items arrived",
		"Records items that were missing at receipt. When nothing is missing any more the ticket resumes, and so does the work order.",
		func(ctx context.Context, by event.Actor, id string, v *int64, b struct {
			Items []string `json:"items" minItems:"1" maxItems:"50" doc:"e.g. power_cord, cap"`
			Notes string   `json:"notes,omitempty" maxLength:"4000"`
		}) (*depot.Ticket, error) {
			return a.Depot.ItemsReceived(ctx, by, id, b.Items, b.Notes, v)
		})
	depotAction(a, tags, "release-for-resale", "Release for resale",
		"A ready trade-in (or resale) ticket's device becomes available_for_resale. This is a deliberate step, not automatic at ready.",
		func(ctx context.Context, by event.Actor, id string, v *int64, b struct {
			Notes string `json:"notes,omitempty" maxLength:"4000"`
		}) (*depot.Ticket, error) {
			return a.Depot.ReleaseForResale(ctx, by, id, b.Notes, v)
		})
	depotAction(a, tags, "notes", "Add a note", "Adds a note to the ticket's log at its current stage.",
		func(ctx context.Context, by event.Actor, id string, _ *int64, b struct {
			Note string `json:"note" minLength:"1" maxLength:"4000"`
		}) (*depot.Ticket, error) {
			return a.Depot.AddNote(ctx, by, id, b.Note, "staff")
		})
}

func (a *API) depotTemplateRoutes(tags []string) {
	register(a, huma.Operation{
		OperationID: "list-depot-templates", Method: http.MethodGet, Path: "/v1/depot/templates", Tags: tags,
		Summary: "Stage templates", Description: "The template of every service type: set ones and the built-in defaults.",
	}, func(ctx context.Context, _ *struct{}) (*listOutput[depot.StageTemplate], error) {
		if _, err := a.depotAccess(ctx, "list-depot-templates", depotRead); err != nil {
			return nil, err
		}
		items, err := a.Depot.Templates(ctx)
		if err != nil {
			return nil, err
		}
		return list(items, ""), nil
	})
	register(a, huma.Operation{
		OperationID: "set-depot-template", Method: http.MethodPut, Path: "/v1/depot/templates/{service_type}", Tags: tags,
		Summary: "Set a service type's stage template", Description: "Admins only. Tickets opened from now on use it; open tickets keep theirs.",
	}, func(ctx context.Context, in *struct {
		ServiceType string `path:"service_type"`
		Body        struct {
			Name   string   `json:"name" minLength:"1" maxLength:"30"`
			Stages []string `json:"stages" minItems:"2" maxItems:"20"`
			Rework string   `json:"rework,omitempty" maxLength:"30"`
		}
	}) (*struct{ Body depot.StageTemplate }, error) {
		by, err := a.depotAccess(ctx, "set-depot-template", []auth.Role{auth.RoleAdmin})
		if err != nil {
			return nil, err
		}
		t, err := a.Depot.SetTemplate(ctx, by, in.ServiceType, depot.StageTemplate{Name: in.Body.Name, Stages: in.Body.Stages, Rework: in.Body.Rework})
		if err != nil {
			return nil, err
		}
		return &struct{ Body depot.StageTemplate }{t}, nil
	})
}

// trackerHook serves POST /v1/hooks/<tracker> when an issue tracker is
// configured: the tracker authenticates and parses its own webhook, and
// each update is applied once. It is a plain handler because the tracker
// needs the raw request to check its signature.
func (a *API) trackerHook() {
	tr := a.Depot.Tracker()
	if tr == nil {
		return
	}
	a.mux.HandleFunc("POST /v1/hooks/"+tr.Name(), func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		updates, err := tr.ParseWebhook(r)
		for i := 0; err == nil && i < len(updates); i++ {
			err = a.Depot.ApplyTrackerUpdate(ctx, updates[i])
		}
		if err != nil {
			p, ok := problemFrom(ctx, a.log, err).(*Problem)
			if !ok {
				p = newProblem(http.StatusInternalServerError, "internal error")
			}
			WriteProblem(w, p)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int{"applied": len(updates)})
	})
}
