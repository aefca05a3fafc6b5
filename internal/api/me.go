package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// Me describes the caller.
type Me struct {
	Kind         string   `json:"kind" enum:"staff,contractor,provider" doc:"What kind of caller this is"`
	UserID       string   `json:"user_id,omitempty"`
	Email        string   `json:"email,omitempty"`
	Name         string   `json:"name,omitempty"`
	Roles        []string `json:"roles"`
	ProviderCode string   `json:"provider,omitempty" doc:"The provider an API key belongs to"`
	KeyID        string   `json:"key_id,omitempty"`
}

type meOutput struct{ Body Me }

func (a *API) meRoutes() {
	register(a, huma.Operation{
		OperationID: "get-me", Method: http.MethodGet, Path: "/v1/me", Tags: []string{"Identity"},
		Summary: "Who am I", Description: "Says who the caller is: the kind of principal, its provider and its roles.",
	}, func(ctx context.Context, _ *struct{}) (*meOutput, error) {
		p, err := caller(ctx)
		if err != nil {
			return nil, err
		}
		roles := make([]string, 0, len(p.Roles))
		for _, r := range p.Roles {
			roles = append(roles, string(r))
		}
		return &meOutput{Me{Kind: p.Kind, UserID: p.UserID, Email: p.Email, Name: p.Name, Roles: roles,
			ProviderCode: p.ProviderCode, KeyID: p.KeyID}}, nil
	})
}
