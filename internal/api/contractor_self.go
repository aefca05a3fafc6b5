package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// self returns the signed-in contractor's principal and profile id. Only a
// contractor account linked to a profile has a /v1/contractor/me.
func (a *API) self(ctx context.Context, action string) (*auth.Principal, string, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, "", err
	}
	if p.Kind != auth.KindContractor {
		return nil, "", a.deny(ctx, p, action)
	}
	if p.SubjectID == "" {
		return nil, "", fault.Errorf(fault.NotFound, "this account is not linked to a contractor profile; ask your coordinator")
	}
	return p, p.SubjectID, nil
}

// contractorSelf registers what contractors do for themselves.
func (a *API) contractorSelf() {
	tags := []string{"Contractor self-service"}
	register(a, huma.Operation{
		OperationID: "get-my-contractor-profile", Method: http.MethodGet, Path: "/v1/contractor/me", Tags: tags,
		Summary: "My contractor profile", Description: "Contractors. Your profile, holds and reliability.",
	}, func(ctx context.Context, _ *struct{}) (*ctOutput, error) {
		_, id, err := a.self(ctx, "get-my-contractor-profile")
		if err != nil {
			return nil, err
		}
		c, err := a.Contractors.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		return ctOut(c), nil
	})

	register(a, huma.Operation{
		OperationID: "add-my-hold", Method: http.MethodPost, Path: "/v1/contractor/me/holds", Tags: tags,
		Summary: "Take time off", DefaultStatus: http.StatusCreated,
		Description: "Contractors. No new offers from `from` to `to` (a vacation); jobs you already have in that span are flagged to your coordinator.",
	}, func(ctx context.Context, in *struct{ Body contractor.NewHold }) (*ctHoldOutput, error) {
		p, id, err := a.self(ctx, "add-my-hold")
		if err != nil {
			return nil, err
		}
		return a.addHold(ctx, p, id, in.Body)
	})

	register(a, huma.Operation{
		OperationID: "remove-my-hold", Method: http.MethodDelete, Path: "/v1/contractor/me/holds/{hold_id}", Tags: tags,
		Summary: "Cancel time off", Description: "Contractors. Ends or cancels one of your holds.",
	}, func(ctx context.Context, in *struct {
		HoldID string `path:"hold_id"`
	}) (*ctOutput, error) {
		p, id, err := a.self(ctx, "remove-my-hold")
		if err != nil {
			return nil, err
		}
		c, err := a.Contractors.RemoveHold(ctx, actor(p), id, in.HoldID)
		if err != nil {
			return nil, err
		}
		return ctOut(c), nil
	})
}
