package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/page"
	"github.com/fieldhub/fieldhub/internal/queue"
)

// DeadJob is a background job that ran out of attempts.
type DeadJob struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	Args        json.RawMessage `json:"args"`
	Attempts    int             `json:"attempts"`
	LastError   string          `json:"last_error"`
	FinalizedAt *time.Time      `json:"finalized_at,omitempty"`
}

func (a *API) adminRoutes() {
	tags := []string{"Administration"}
	register(a, huma.Operation{
		OperationID: "list-dead-jobs", Method: http.MethodGet, Path: "/v1/admin/dead-jobs", Tags: tags,
		Summary: "List dead-lettered jobs", Description: "Admins only. Background jobs (event subscribers, deliveries) that failed every attempt, newest first.",
	}, func(ctx context.Context, in *struct {
		After int64 `query:"after" doc:"Show jobs with an id below this (the last id of the previous page)"`
		Limit int   `query:"limit" minimum:"1" maximum:"200" default:"50"`
	}) (*listOutput[DeadJob], error) {
		if _, err := a.staff(ctx, "list-dead-jobs", auth.RoleAdmin); err != nil {
			return nil, err
		}
		jobs, err := a.Queue.ListDead(ctx, in.After, page.Limit(in.Limit))
		if err != nil {
			return nil, err
		}
		return list(mapList(jobs, func(j queue.DeadJob) DeadJob {
			return DeadJob{ID: j.ID, Kind: j.Kind, Args: j.Args, Attempts: j.Attempts, LastError: j.LastError, FinalizedAt: j.FinalizedAt}
		}), ""), nil
	})

	register(a, huma.Operation{
		OperationID: "retry-dead-job", Method: http.MethodPost, Path: "/v1/admin/dead-jobs/{id}/retry", Tags: tags,
		Summary: "Replay a dead-lettered job", Description: "Admins only. The job runs again as soon as a worker is free.",
		DefaultStatus: http.StatusAccepted,
	}, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		p, err := a.staff(ctx, "retry-dead-job", auth.RoleAdmin)
		if err != nil {
			return nil, err
		}
		if err := a.Queue.Retry(ctx, in.ID); err != nil {
			return nil, err
		}
		_ = a.Auth.RecordAudit(ctx, auth.Entry(p, "job.replayed", "job:"+itoa64(in.ID)))
		return nil, nil
	})

	register(a, huma.Operation{
		OperationID: "list-audit-log", Method: http.MethodGet, Path: "/v1/admin/audit-log", Tags: tags,
		Summary: "Read the audit log", Description: "Admins only. Sign-ins, failed authorisations, key and role changes, newest first.",
	}, func(ctx context.Context, in *struct {
		Action string `query:"action" doc:"Only this action, e.g. signin.failed"`
		Before int64  `query:"before" doc:"Show entries with an id below this (the last id of the previous page)"`
		Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
	}) (*listOutput[auth.AuditRecord], error) {
		if _, err := a.staff(ctx, "list-audit-log", auth.RoleAdmin); err != nil {
			return nil, err
		}
		recs, err := a.Auth.AuditLog(ctx, auth.AuditFilter{Action: in.Action, Before: in.Before, Limit: page.Limit(in.Limit)})
		if err != nil {
			return nil, err
		}
		return list(recs, ""), nil
	})
}

func itoa64(n int64) string { b, _ := json.Marshal(n); return string(b) }
