package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/provider"
)

type providerOutput struct {
	ETag string `header:"ETag" doc:"The provider's version; send it back in If-Match"`
	Body provider.Provider
}

type providerCreate struct {
	Body struct {
		Code     string             `json:"code" doc:"Short unique code, e.g. ACME" minLength:"2" maxLength:"32"`
		Name     string             `json:"name" minLength:"1" maxLength:"200"`
		Contacts []provider.Contact `json:"contacts,omitempty"`
		Settings provider.Settings  `json:"settings,omitempty"`
	}
}

type providerPatch struct {
	Code    string `path:"code"`
	IfMatch string `header:"If-Match" doc:"The ETag from a read; a stale one is refused with 412"`
	Body    provider.Update
}

// ETag formats a version as a strong entity tag.
func ETag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// IfMatch parses an If-Match header into the version it demands: nil when
// the header is absent or "*". A header that names no version we issued can
// never match, so it yields -1 and the update fails with 412.
func IfMatch(h string) *int64 {
	h = strings.TrimSpace(h)
	if h == "" || h == "*" {
		return nil
	}
	first, _, _ := strings.Cut(h, ",")
	first = strings.TrimPrefix(strings.TrimSpace(first), "W/")
	v, err := strconv.ParseInt(strings.Trim(first, `"`), 10, 64)
	if err != nil || !strings.HasPrefix(first, `"`) {
		v = -1
	}
	return &v
}

func (a *API) providerRoutes() {
	tags := []string{"Providers"}
	register(a, huma.Operation{
		OperationID: "list-providers", Method: http.MethodGet, Path: "/v1/providers", Tags: tags,
		Summary: "List providers", Description: "Staff only. Ordered by code.",
	}, func(ctx context.Context, in *struct {
		Cursor string `query:"cursor"`
		Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
	}) (*listOutput[provider.Provider], error) {
		if _, err := a.staff(ctx, "list-providers"); err != nil {
			return nil, err
		}
		items, next, err := a.Providers.List(ctx, in.Cursor, in.Limit)
		if err != nil {
			return nil, err
		}
		return list(items, next), nil
	})

	register(a, huma.Operation{
		OperationID: "create-provider", Method: http.MethodPost, Path: "/v1/providers", Tags: tags,
		Summary: "Create a provider", Description: "Admins only.", DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *providerCreate) (*providerOutput, error) {
		p, err := a.staff(ctx, "create-provider", auth.RoleAdmin)
		if err != nil {
			return nil, err
		}
		created, err := a.Providers.Create(ctx, provider.Provider{Code: in.Body.Code, Name: in.Body.Name,
			Contacts: in.Body.Contacts, Settings: in.Body.Settings}, actor(p))
		if err != nil {
			return nil, err
		}
		return &providerOutput{ETag: ETag(created.Version), Body: created}, nil
	})

	register(a, huma.Operation{
		OperationID: "get-provider", Method: http.MethodGet, Path: "/v1/providers/{code}", Tags: tags,
		Summary: "Get a provider", Description: "Staff read any provider; an API key reads only its own.",
	}, func(ctx context.Context, in *struct {
		Code string `path:"code"`
	}) (*providerOutput, error) {
		if err := a.canReadProvider(ctx, in.Code); err != nil {
			return nil, err
		}
		p, err := a.Providers.Get(ctx, in.Code)
		if err != nil {
			return nil, err
		}
		return &providerOutput{ETag: ETag(p.Version), Body: p}, nil
	})

	register(a, huma.Operation{
		OperationID: "update-provider", Method: http.MethodPatch, Path: "/v1/providers/{code}", Tags: tags,
		Summary: "Update a provider", Description: "Admins only. Fields left out stay as they are. Send If-Match with the ETag from a read.",
	}, func(ctx context.Context, in *providerPatch) (*providerOutput, error) {
		p, err := a.staff(ctx, "update-provider", auth.RoleAdmin)
		if err != nil {
			return nil, err
		}
		updated, err := a.Providers.Update(ctx, in.Code, in.Body, IfMatch(in.IfMatch), actor(p))
		if err != nil {
			return nil, err
		}
		return &providerOutput{ETag: ETag(updated.Version), Body: updated}, nil
	})
}

// canReadProvider lets staff read any provider and a provider's key only its
// own; anything else is not found, so codes cannot be probed.
func (a *API) canReadProvider(ctx context.Context, code string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if p.IsStaff() {
		return nil
	}
	if p.Kind == auth.KindProvider && strings.EqualFold(p.ProviderCode, provider.NormalizeCode(code)) {
		return nil
	}
	return fault.Errorf(fault.NotFound, "no provider %q", provider.NormalizeCode(code))
}
