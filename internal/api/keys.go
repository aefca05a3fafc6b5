package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/fieldhub/fieldhub/internal/auth"
)

// APIKey describes a key without its secret.
type APIKey struct {
	ID         string     `json:"id"`
	Provider   string     `json:"provider"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix" doc:"The first characters of the key, to recognise it"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// NewAPIKey is a key just created: the only time the secret is shown.
type NewAPIKey struct {
	APIKey
	Key string `json:"key" doc:"The API key. It is shown only in this response; store it now."`
}

// NoStore marks a response that holds a secret shown once: caches and the
// idempotency store must not keep it.
const NoStore = "no-store"

type secretKeyOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         NewAPIKey
}

func keyOut(k auth.Key) APIKey {
	return APIKey{ID: k.ID, Provider: k.ProviderCode, Name: k.Name, Prefix: k.Prefix, CreatedAt: k.CreatedAt,
		LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt}
}

func (a *API) keyRoutes() {
	tags := []string{"API keys"}
	register(a, huma.Operation{
		OperationID: "create-api-key", Method: http.MethodPost, Path: "/v1/providers/{code}/api-keys", Tags: tags,
		Summary: "Create an API key", Description: "Admins only. The key is in the response once and never again.",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *struct {
		Code string `path:"code"`
		Body struct {
			Name string `json:"name" minLength:"1" maxLength:"100" doc:"What the key is for, e.g. ERP integration"`
		}
	}) (*secretKeyOutput, error) {
		p, err := a.staff(ctx, "create-api-key", auth.RoleAdmin)
		if err != nil {
			return nil, err
		}
		prov, err := a.Providers.Get(ctx, in.Code)
		if err != nil {
			return nil, err
		}
		k, secret, err := a.Auth.CreateKey(ctx, prov.ID, in.Body.Name, p)
		if err != nil {
			return nil, err
		}
		return &secretKeyOutput{CacheControl: NoStore, Body: NewAPIKey{APIKey: keyOut(k), Key: secret}}, nil
	})

	register(a, huma.Operation{
		OperationID: "list-api-keys", Method: http.MethodGet, Path: "/v1/providers/{code}/api-keys", Tags: tags,
		Summary: "List a provider's API keys", Description: "Admins only. Secrets are never shown.",
	}, func(ctx context.Context, in *struct {
		Code string `path:"code"`
	}) (*listOutput[APIKey], error) {
		if _, err := a.staff(ctx, "list-api-keys", auth.RoleAdmin); err != nil {
			return nil, err
		}
		prov, err := a.Providers.Get(ctx, in.Code)
		if err != nil {
			return nil, err
		}
		keys, err := a.Auth.ListKeys(ctx, prov.ID)
		if err != nil {
			return nil, err
		}
		return list(mapList(keys, keyOut), ""), nil
	})

	register(a, huma.Operation{
		OperationID: "revoke-api-key", Method: http.MethodPost, Path: "/v1/api-keys/{id}/revoke", Tags: tags,
		Summary: "Revoke an API key", Description: "Admins only. Requests with the key fail from now on.",
	}, func(ctx context.Context, in *struct {
		ID string `path:"id"`
	}) (*struct{}, error) {
		p, err := a.staff(ctx, "revoke-api-key", auth.RoleAdmin)
		if err != nil {
			return nil, err
		}
		_, err = a.Auth.RevokeKey(ctx, in.ID, p)
		return nil, err
	})
}
