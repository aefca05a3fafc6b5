package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/fieldhub/fieldhub/internal/auth"
	wo "github.com/fieldhub/fieldhub/internal/workorder"
)

type reasonBody struct {
	ReasonCode string `json:"reason_code" minLength:"1" maxLength:"60" doc:"One of the provider's reason codes for this action"`
	Note       string `json:"note,omitempty" maxLength:"2000"`
}

type windowBody struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Note  string    `json:"note,omitempty" maxLength:"2000"`
}

type noteBody struct {
	Note string `json:"note,omitempty" maxLength:"2000"`
}

type actionInput[B any] struct {
	ID   string `path:"id"`
	Body B
}

// action registers POST /v1/work-orders/{id}/{name}: a lifecycle action
// that answers with the work order as it now is.
func action[B any](a *API, tags []string, name, summary, desc string, providers bool, roles []auth.Role,
	do func(ctx context.Context, c wo.Caller, id string, body B) (*wo.WorkOrder, error)) {
	register(a, huma.Operation{
		OperationID: name + "-work-order", Method: http.MethodPost, Path: "/v1/work-orders/{id}/" + name, Tags: tags,
		Summary: summary, Description: desc,
	}, func(ctx context.Context, in *actionInput[B]) (*woOutput, error) {
		c, err := a.woAccess(ctx, in.ID, name+"-work-order", providers, roles)
		if err != nil {
			return nil, err
		}
		w, err := do(ctx, c, in.ID, in.Body)
		if err != nil {
			return nil, err
		}
		return woOut(w), nil
	})
}

func (a *API) workOrderActions(tags []string) {
	svc := func() *wo.Service { return a.WorkOrders }
	action(a, tags, "hold", "Put on hold", "Pauses the work order and its SLA clock, with a reason code (e.g. incomplete_package).", false, woWrite,
		func(ctx context.Context, c wo.Caller, id string, b reasonBody) (*wo.WorkOrder, error) {
			return svc().Hold(ctx, c, id, b.ReasonCode, b.Note)
		})
	action(a, tags, "resume", "Resume from hold", "Returns to the status it was held from; the SLA deadline moves by the time held.", false, woWrite,
		func(ctx context.Context, c wo.Caller, id string, b noteBody) (*wo.WorkOrder, error) {
			return svc().Resume(ctx, c, id, b.Note)
		})
	action(a, tags, "requested-window", "Set the requested window", "Tentative: what the provider or customer asked for. Not binding.", true, woWrite,
		func(ctx context.Context, c wo.Caller, id string, b windowBody) (*wo.WorkOrder, error) {
			return svc().SetRequestedWindow(ctx, c, id, wo.Window{Start: b.Start, End: b.End})
		})
	action(a, tags, "appointment", "Confirm the appointment", "Binding. The work order becomes scheduled.", false, woWrite,
		func(ctx context.Context, c wo.Caller, id string, b windowBody) (*wo.WorkOrder, error) {
			return svc().ConfirmAppointment(ctx, c, id, wo.Window{Start: b.Start, End: b.End}, b.Note)
		})
	action(a, tags, "reschedule", "Reschedule the appointment", "Replaces the confirmed appointment; earlier ones are kept in its history.", false, woWrite,
		func(ctx context.Context, c wo.Caller, id string, b struct {
			Start      time.Time `json:"start"`
			End        time.Time `json:"end"`
			ReasonCode string    `json:"reason_code,omitempty" maxLength:"60"`
			Note       string    `json:"note,omitempty" maxLength:"2000"`
		}) (*wo.WorkOrder, error) {
			return svc().Reschedule(ctx, c, id, wo.Window{Start: b.Start, End: b.End}, b.ReasonCode, b.Note)
		})
	action(a, tags, "cancel", "Cancel", "Ends an open or held work order with a reason code (e.g. customer_request).", true, woWrite,
		func(ctx context.Context, c wo.Caller, id string, b reasonBody) (*wo.WorkOrder, error) {
			return svc().Cancel(ctx, c, id, b.ReasonCode, b.Note)
		})
	action(a, tags, "no-show", "Record a no-show",
		"The customer was not there. Records the provider's no-show fee, then sends the work order back to scheduling or cancels it.", false, woWrite,
		func(ctx context.Context, c wo.Caller, id string, b struct {
			ReasonCode string `json:"reason_code" minLength:"1" maxLength:"60" doc:"One of the provider's no-show reason codes"`
			Outcome    string `json:"outcome" enum:"reschedule,cancel" doc:"Send back to scheduling, or cancel"`
			Note       string `json:"note,omitempty" maxLength:"2000"`
		}) (*wo.WorkOrder, error) {
			return svc().NoShow(ctx, c, id, b.ReasonCode, b.Note, b.Outcome)
		})
	action(a, tags, "complete", "Complete", "Records the result (e.g. fixed_parts_replaced, no_problem_found).", false, woWrite,
		func(ctx context.Context, c wo.Caller, id string, b struct {
			ResultCode string `json:"result_code" minLength:"1" maxLength:"60"`
			Notes      string `json:"notes,omitempty" maxLength:"4000"`
		}) (*wo.WorkOrder, error) {
			return svc().Complete(ctx, c, id, b.ResultCode, b.Notes)
		})
	action(a, tags, "close", "Close", "Ends a completed work order once billing and claims are done; nothing changes after close.", false, woClose,
		func(ctx context.Context, c wo.Caller, id string, b noteBody) (*wo.WorkOrder, error) {
			return svc().Close(ctx, c, id, b.Note)
		})
	register(a, huma.Operation{
		OperationID: "reopen-work-order", Method: http.MethodPost, Path: "/v1/work-orders/{id}/reopen", Tags: tags,
		Summary:       "Reopen as a second repair (2TR)",
		Description:   "Creates a new work order linked to this completed or closed one, for the same unit.",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *actionInput[struct {
		Problem string `json:"problem,omitempty" maxLength:"4000" doc:"What is wrong this time; default the original problem"`
		Note    string `json:"note,omitempty" maxLength:"2000"`
	}]) (*woOutput, error) {
		c, err := a.woAccess(ctx, in.ID, "reopen-work-order", false, woWrite)
		if err != nil {
			return nil, err
		}
		w, err := a.WorkOrders.Reopen(ctx, c, in.ID, in.Body.Problem, in.Body.Note)
		if err != nil {
			return nil, err
		}
		out := woOut(w)
		out.Status = http.StatusCreated
		return out, nil
	})
}
