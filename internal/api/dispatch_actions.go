package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// doers are the staff and the contractor holding a job (the service checks the holder).
var doers = []auth.Role{auth.RoleOps}

// jobReason is the body of the actions that only say why.
type jobReason struct {
	Reason string `json:"reason,omitempty" maxLength:"2000"`
}

func (a *API) jobActions(tags []string) {
	svc := func() *dispatch.Service { return a.Dispatch }
	jobAction(a, tags, "post", "Post", "Opens the job: offers to eligible contractors, or a push to the routed field platform.", false, jobWrite,
		func(ctx context.Context, c dispatch.Caller, id string, _ struct{}) (*dispatch.Job, error) {
			return svc().Post(ctx, c, id)
		})
	jobAction(a, tags, "cancel", "Cancel", "Ends an open job; open bids are declined.", false, jobWrite,
		func(ctx context.Context, c dispatch.Caller, id string, b jobReason) (*dispatch.Job, error) {
			return svc().Cancel(ctx, c, id, b.Reason)
		})
	jobAction(a, tags, "assign", "Assign directly", "Gives the job to a named active contractor.", false, jobAward,
		func(ctx context.Context, c dispatch.Caller, id string, b struct {
			ContractorID string `json:"contractor_id" minLength:"1"`
		}) (*dispatch.Job, error) {
			return svc().Assign(ctx, c, id, b.ContractorID)
		})
	jobAction(a, tags, "award", "Award to a bid", "Ops only. Exactly one award wins; the others get 409. Losing bids are declined.", false, jobAward,
		func(ctx context.Context, c dispatch.Caller, id string, b struct {
			BidID string `json:"bid_id" minLength:"1"`
		}) (*dispatch.Job, error) {
			return svc().Award(ctx, c, id, b.BidID)
		})
	jobAction(a, tags, "backout", "Back out", "The awarded contractor gives the job back; it is posted again.", true, nil,
		func(ctx context.Context, c dispatch.Caller, id string, b jobReason) (*dispatch.Job, error) {
			return svc().Backout(ctx, c, id, b.Reason)
		})
	jobAction(a, tags, "contractor-no-show", "The contractor did not come",
		"Ops. Counts a no-show on the contractor's record and posts the job again, as after a backout.", false, jobAward,
		func(ctx context.Context, c dispatch.Caller, id string, b jobReason) (*dispatch.Job, error) {
			return svc().ContractorNoShow(ctx, c, id, b.Reason)
		})
	jobAction(a, tags, "rating", "Record the customer's rating",
		"Once per completed job (the same rating again answers the same; another is 409); it feeds the contractor's average.", false, jobWrite,
		func(ctx context.Context, c dispatch.Caller, id string, b struct {
			Stars   int    `json:"stars" minimum:"1" maximum:"5"`
			Comment string `json:"comment,omitempty" maxLength:"2000"`
		}) (*dispatch.Job, error) {
			return svc().Rate(ctx, c, id, b.Stars, b.Comment)
		})
	jobAction(a, tags, "confirm", "Confirm the schedule", "The appointment agreed with the customer.", true, doers,
		func(ctx context.Context, c dispatch.Caller, id string, b dispatch.TimeWindow) (*dispatch.Job, error) {
			return svc().Confirm(ctx, c, id, b)
		})
	jobAction(a, tags, "en-route", "On the way", "", true, doers,
		func(ctx context.Context, c dispatch.Caller, id string, _ struct{}) (*dispatch.Job, error) {
			return svc().EnRoute(ctx, c, id)
		})
	jobAction(a, tags, "on-site", "Arrived", "The work order moves to in progress.", true, doers,
		func(ctx context.Context, c dispatch.Caller, id string, _ struct{}) (*dispatch.Job, error) {
			return svc().OnSite(ctx, c, id)
		})
	jobAction(a, tags, "checklist", "Tick checklist items", "", true, doers,
		func(ctx context.Context, c dispatch.Caller, id string, b struct {
			Items []string `json:"items" minItems:"1" maxItems:"50"`
			Done  *bool    `json:"done,omitempty" doc:"Default true"`
		}) (*dispatch.Job, error) {
			return svc().Tick(ctx, c, id, b.Items, b.Done == nil || *b.Done)
		})
	jobAction(a, tags, "complete", "Complete", "Idempotent: the same report again answers the same; a different one 409.", true, doers,
		func(ctx context.Context, c dispatch.Caller, id string, b dispatch.CompleteInput) (*dispatch.Job, error) {
			return svc().Complete(ctx, c, id, b)
		})
	jobAction(a, tags, "incomplete", "Could not complete", "With the reason and the next step (revisit, fork_to_depot, escalate).", true, doers,
		func(ctx context.Context, c dispatch.Caller, id string, b dispatch.IncompleteInput) (*dispatch.Job, error) {
			return svc().MarkIncomplete(ctx, c, id, b)
		})
	register(a, huma.Operation{
		OperationID: "scan-serial", Method: http.MethodPost, Path: "/v1/jobs/{id}/serial-scans", Tags: tags,
		Summary: "Record a serial scan", Description: "Chain of custody: pickup, delivery or install.", DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *actionInput[struct {
		Serial              string `json:"serial" minLength:"1" maxLength:"100"`
		Kind                string `json:"kind" enum:"pickup,delivery,install"`
		SignatureArtifactID string `json:"signature_artifact_id,omitempty"`
	}]) (*struct{ Body *dispatch.SerialScan }, error) {
		c, err := a.jobAccess(ctx, in.ID, "scan-serial", true, doers)
		if err != nil {
			return nil, err
		}
		sc, err := a.Dispatch.ScanSerial(ctx, c, in.ID, in.Body.Serial, in.Body.Kind, in.Body.SignatureArtifactID)
		return &struct{ Body *dispatch.SerialScan }{sc}, err
	})
}

type bidIDInput struct {
	ID    string `path:"id"`
	BidID string `path:"bid_id"`
}

func (a *API) bidRoutes(tags []string) {
	register(a, huma.Operation{
		OperationID: "place-bid", Method: http.MethodPost, Path: "/v1/jobs/{id}/bids", Tags: tags,
		Summary: "Bid on a job", Description: "Contractors only, on jobs offered to them. One active bid each.", DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *actionInput[dispatch.BidInput]) (*struct{ Body *dispatch.Bid }, error) {
		c, err := a.jobAccess(ctx, in.ID, "place-bid", true, []auth.Role{})
		if err != nil {
			return nil, err
		}
		if c.Staff {
			return nil, fault.Errorf(fault.Forbidden, "only contractors bid")
		}
		b, err := a.Dispatch.PlaceBid(ctx, c, in.ID, in.Body)
		return &struct{ Body *dispatch.Bid }{b}, err
	})
	register(a, huma.Operation{
		OperationID: "revise-bid", Method: http.MethodPatch, Path: "/v1/jobs/{id}/bids/{bid_id}", Tags: tags, Summary: "Revise your bid",
	}, func(ctx context.Context, in *struct {
		ID    string `path:"id"`
		BidID string `path:"bid_id"`
		Body  dispatch.BidInput
	}) (*struct{ Body *dispatch.Bid }, error) {
		c, err := a.jobAccess(ctx, in.ID, "revise-bid", true, []auth.Role{})
		if err != nil {
			return nil, err
		}
		b, err := a.Dispatch.ReviseBid(ctx, c, in.ID, in.BidID, in.Body)
		return &struct{ Body *dispatch.Bid }{b}, err
	})
	register(a, huma.Operation{
		OperationID: "withdraw-bid", Method: http.MethodDelete, Path: "/v1/jobs/{id}/bids/{bid_id}", Tags: tags, Summary: "Withdraw your bid",
	}, func(ctx context.Context, in *bidIDInput) (*struct{ Body *dispatch.Bid }, error) {
		c, err := a.jobAccess(ctx, in.ID, "withdraw-bid", true, []auth.Role{})
		if err != nil {
			return nil, err
		}
		b, err := a.Dispatch.WithdrawBid(ctx, c, in.ID, in.BidID)
		return &struct{ Body *dispatch.Bid }{b}, err
	})
	register(a, huma.Operation{
		OperationID: "list-bids", Method: http.MethodGet, Path: "/v1/jobs/{id}/bids", Tags: tags,
		Summary:     "A job's bids",
		Description: "Staff: ranked best first, with factors and an explanation. A contractor: only their own bids.",
	}, func(ctx context.Context, in *jobIDInput) (*listOutput[any], error) {
		c, err := a.jobAccess(ctx, in.ID, "list-bids", true, jobRead)
		if err != nil {
			return nil, err
		}
		if c.Staff {
			ranked, err := a.Dispatch.RankedBids(ctx, c, in.ID)
			return list(mapList(ranked, func(r dispatch.RankedBid) any { return r }), ""), err
		}
		own, err := a.Dispatch.MyBids(ctx, c, in.ID)
		return list(mapList(own, func(b *dispatch.Bid) any { return b }), ""), err
	})
}

type ruleInput struct {
	Provider    string `path:"provider" doc:"Provider code"`
	ServiceType string `path:"service_type" doc:"A service type, or * for the provider's catch-all"`
}

func (a *API) ruleRoutes() {
	tags := []string{"Dispatch rules"}
	register(a, huma.Operation{
		OperationID: "get-dispatch-rule", Method: http.MethodGet, Path: "/v1/dispatch-rules/{provider}/{service_type}", Tags: tags,
		Summary: "The dispatch rule in force", Description: "With the defaults filled in where nothing is set.",
	}, func(ctx context.Context, in *ruleInput) (*struct{ Body dispatch.Rule }, error) {
		if _, err := a.staff(ctx, "get-dispatch-rule", jobRead...); err != nil {
			return nil, err
		}
		p, err := a.Providers.Get(ctx, in.Provider)
		if err != nil {
			return nil, err
		}
		r, err := a.Dispatch.Rule(ctx, p.ID, in.ServiceType)
		return &struct{ Body dispatch.Rule }{r}, err
	})
	register(a, huma.Operation{
		OperationID: "set-dispatch-rule", Method: http.MethodPut, Path: "/v1/dispatch-rules/{provider}/{service_type}", Tags: tags,
		Summary:     "Set a dispatch rule",
		Description: "Ops and admins. The no-bid wait, radius and its widening, and for field platforms which platform and pools.",
	}, func(ctx context.Context, in *struct {
		Provider    string `path:"provider"`
		ServiceType string `path:"service_type"`
		Body        dispatch.Rule
	}) (*struct{ Body dispatch.Rule }, error) {
		p, err := a.staff(ctx, "set-dispatch-rule", auth.RoleOps)
		if err != nil {
			return nil, err
		}
		prov, err := a.Providers.Get(ctx, in.Provider)
		if err != nil {
			return nil, err
		}
		r, err := a.Dispatch.SetRule(ctx, actor(p), prov.ID, in.ServiceType, in.Body)
		return &struct{ Body dispatch.Rule }{r}, err
	})
}

// platformHook receives a field platform's webhook: the platform's adapter
// authenticates and parses it, then each update is applied.
func (a *API) platformHook(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("platform")
	p := a.Dispatch.Platform(name)
	if p == nil {
		a.writeFault(r, w, fault.Errorf(fault.NotFound, "no platform %q", name))
		return
	}
	updates, err := p.ParseWebhook(r)
	if err != nil {
		a.writeFault(r, w, err)
		return
	}
	for _, u := range updates {
		if err := a.Dispatch.ApplyPlatformUpdate(r.Context(), name, u); err != nil && !fault.Is(err, fault.NotFound) {
			a.writeFault(r, w, err)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// writeFault answers a plain handler's error as a problem, the way huma
// operations do (field errors, code and detail kept); anything but a fault
// is logged and shown as an internal error.
func (a *API) writeFault(r *http.Request, w http.ResponseWriter, err error) {
	p, ok := problemFrom(r.Context(), a.log, err).(*Problem)
	if !ok {
		p = newProblem(http.StatusInternalServerError, "internal error")
	}
	WriteProblem(w, p)
}
