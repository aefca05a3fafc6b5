package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// Who may do what with jobs: staff with these roles (admins pass every
// check); contractors only on the jobs offered or awarded to them.
var (
	jobRead  = woRead
	jobWrite = woWrite
	jobAward = []auth.Role{auth.RoleOps}
)

// jobAccess resolves the caller of a job operation. contractors says
// whether contractors may call it at all. On routes with an id, a job the
// caller may not see is not found before anything else.
func (a *API) jobAccess(ctx context.Context, id, action string, contractors bool, roles []auth.Role) (dispatch.Caller, error) {
	p, err := caller(ctx)
	if err != nil {
		return dispatch.Caller{}, err
	}
	c := dispatch.Caller{Actor: actor(p)}
	switch {
	case p.IsStaff():
		c.Staff = true
		if !p.HasRole(roles...) {
			return c, a.deny(ctx, p, action)
		}
		return c, nil
	case p.Kind == auth.KindContractor && p.SubjectID != "":
		c.ContractorID = p.SubjectID
		if id != "" {
			if _, err := a.Dispatch.Get(ctx, c, id); err != nil {
				return c, err
			}
		}
		if !contractors {
			return c, a.deny(ctx, p, action)
		}
		return c, nil
	case id != "":
		return c, fault.Errorf(fault.NotFound, "no job %q", id)
	}
	return c, a.deny(ctx, p, action)
}

type jobOutput struct {
	ETag string `header:"ETag"`
	Body any
}

func jobOut(c dispatch.Caller, j *dispatch.Job) *jobOutput {
	return &jobOutput{ETag: ETag(j.Version), Body: jobBody(c, j)}
}

type jobIDInput struct {
	ID string `path:"id" doc:"Job id"`
}

type jobListInput struct {
	Status       []string `query:"status" doc:"One or more statuses, comma-separated"`
	WorkOrderID  string   `query:"work_order_id"`
	ContractorID string   `query:"contractor_id" doc:"Staff only"`
	Mode         string   `query:"mode"`
	Cursor       string   `query:"cursor"`
	Limit        int      `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

func (a *API) dispatchRoutes() {
	tags := []string{"Jobs"}
	register(a, huma.Operation{
		OperationID: "create-job", Method: http.MethodPost, Path: "/v1/work-orders/{id}/jobs", Tags: tags,
		Summary: "Add a job to a work order", Description: "A draft, or posted at once with `post: true`. Site, customer and devices come from the work order.",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id"`
		Body struct {
			dispatch.JobInput
			Post bool `json:"post,omitempty" doc:"Post at once instead of keeping a draft"`
		}
	}) (*jobOutput, error) {
		wc, err := a.woAccess(ctx, in.ID, "create-job", false, jobWrite)
		if err != nil {
			return nil, err
		}
		c := dispatch.Caller{Actor: wc.Actor, Staff: true} // only staff pass woAccess without providers
		j, err := a.Dispatch.Create(ctx, c, in.ID, in.Body.JobInput, in.Body.Post)
		if err != nil {
			return nil, err
		}
		return jobOut(c, j), nil
	})
	register(a, huma.Operation{
		OperationID: "list-work-order-jobs", Method: http.MethodGet, Path: "/v1/work-orders/{id}/jobs", Tags: tags,
		Summary:     "A work order's jobs",
		Description: "Staff see each job whole; the provider of the work order sees what is done and when (ProviderJob), never who does it or what they are paid.",
	}, func(ctx context.Context, in *struct {
		ID     string `path:"id" doc:"Work order id"`
		Cursor string `query:"cursor"`
		Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
	}) (*listOutput[any], error) {
		c, err := a.woAccess(ctx, in.ID, "list-work-order-jobs", true, jobRead)
		if err != nil {
			return nil, err
		}
		items, next, err := a.Dispatch.List(ctx, dispatch.Caller{Staff: true},
			dispatch.Filter{WorkOrderID: in.ID, Cursor: in.Cursor, Limit: in.Limit})
		if err != nil {
			return nil, err
		}
		return list(mapList(items, func(j *dispatch.Job) any {
			if c.ProviderID != "" {
				return providerView(j)
			}
			return j
		}), next), nil
	})
	register(a, huma.Operation{
		OperationID: "list-jobs", Method: http.MethodGet, Path: "/v1/jobs", Tags: tags,
		Summary: "Find jobs", Description: "Staff see every job; a contractor the jobs offered or awarded to them.",
	}, func(ctx context.Context, in *jobListInput) (*listOutput[any], error) {
		c, err := a.jobAccess(ctx, "", "list-jobs", true, jobRead)
		if err != nil {
			return nil, err
		}
		f := dispatch.Filter{WorkOrderID: in.WorkOrderID, Mode: in.Mode, Cursor: in.Cursor, Limit: in.Limit}
		if c.Staff {
			f.ContractorID = in.ContractorID
		}
		for _, s := range in.Status {
			for _, part := range strings.Split(s, ",") {
				f.Statuses = append(f.Statuses, dispatch.Status(strings.TrimSpace(part)))
			}
		}
		items, next, err := a.Dispatch.List(ctx, c, f)
		if err != nil {
			return nil, err
		}
		return list(mapList(items, func(j *dispatch.Job) any { return jobBody(c, j) }), next), nil
	})
	register(a, huma.Operation{
		OperationID: "get-job", Method: http.MethodGet, Path: "/v1/jobs/{id}", Tags: tags, Summary: "Get a job",
		Description: "Contractors get a reduced view: what the work needs.",
	}, func(ctx context.Context, in *jobIDInput) (*jobOutput, error) {
		c, err := a.jobAccess(ctx, in.ID, "get-job", true, jobRead)
		if err != nil {
			return nil, err
		}
		j, err := a.Dispatch.Get(ctx, c, in.ID)
		if err != nil {
			return nil, err
		}
		return jobOut(c, j), nil
	})
	register(a, huma.Operation{
		OperationID: "update-job", Method: http.MethodPatch, Path: "/v1/jobs/{id}", Tags: tags,
		Summary: "Change a draft job", Description: "Replaces the draft's details. Send If-Match with the ETag from a read.",
	}, func(ctx context.Context, in *struct {
		ID      string `path:"id"`
		IfMatch string `header:"If-Match"`
		Body    dispatch.JobInput
	}) (*jobOutput, error) {
		c, err := a.jobAccess(ctx, in.ID, "update-job", false, jobWrite)
		if err != nil {
			return nil, err
		}
		j, err := a.Dispatch.Update(ctx, c, in.ID, in.Body, IfMatch(in.IfMatch))
		if err != nil {
			return nil, err
		}
		return jobOut(c, j), nil
	})
	a.jobActions(tags)
	a.bidRoutes(tags)
	a.ruleRoutes()
	a.mux.HandleFunc("POST /v1/hooks/{platform}", a.platformHook)
}

// jobActionInput is a job action's request; actions without details need no body.
type jobActionInput[B any] struct {
	ID   string `path:"id"`
	Body *B
}

// jobAction registers POST /v1/jobs/{id}/{name}, answering with the job.
func jobAction[B any](a *API, tags []string, name, summary, desc string, contractors bool, roles []auth.Role,
	do func(ctx context.Context, c dispatch.Caller, id string, b B) (*dispatch.Job, error)) {
	register(a, huma.Operation{
		OperationID: name + "-job", Method: http.MethodPost, Path: "/v1/jobs/{id}/" + name, Tags: tags,
		Summary: summary, Description: desc,
	}, func(ctx context.Context, in *jobActionInput[B]) (*jobOutput, error) {
		c, err := a.jobAccess(ctx, in.ID, name+"-job", contractors, roles)
		if err != nil {
			return nil, err
		}
		var body B
		if in.Body != nil {
			body = *in.Body
		}
		j, err := do(ctx, c, in.ID, body)
		if err != nil {
			return nil, err
		}
		return jobOut(c, j), nil
	})
}
