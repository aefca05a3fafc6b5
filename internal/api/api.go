// Package api is fieldhub's REST API under /v1: huma operations generate
// the OpenAPI 3.1 document from Go types, every error is an RFC 9457
// problem, and the conventions every endpoint inherits (authentication,
// idempotent POSTs, ETag/If-Match, cursor pages, size limits, unknown fields
// rejected) live here once.
package api

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/alexedwards/scs/v2"
	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/fieldhub/fieldhub/internal/artifact"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/depot"
	"github.com/fieldhub/fieldhub/internal/device"
	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/idempotency"
	"github.com/fieldhub/fieldhub/internal/provider"
	"github.com/fieldhub/fieldhub/internal/queue"
	"github.com/fieldhub/fieldhub/internal/webhook"
	"github.com/fieldhub/fieldhub/internal/workorder"
	"github.com/prometheus/client_golang/prometheus"
)

// MaxBody is the largest request body any endpoint accepts.
const MaxBody = 1 << 20

// Deps are the services the API serves.
type Deps struct {
	Store       *db.DB
	Auth        *auth.Service
	Providers   *provider.Service
	WorkOrders  *workorder.Service
	Webhooks    *webhook.Service
	Contractors *contractor.Service
	Dispatch    *dispatch.Service
	Devices     *device.Service
	Depot       *depot.Service
	Artifacts   artifact.Store
	Queue       *queue.Queue
	Sessions    *scs.SessionManager
	Logger      *slog.Logger
	Registry    prometheus.Registerer
	Version     string
}

// API is the /v1 handler and its OpenAPI description.
type API struct {
	Deps
	mux  *http.ServeMux
	huma huma.API
	log  *slog.Logger
}

// New builds the API and registers every operation.
func New(d Deps) *API {
	a := &API{Deps: d, mux: http.NewServeMux(), log: d.Logger}
	cfg := huma.DefaultConfig("fieldhub API", d.Version)
	cfg.Info.Description = "Field-service orchestration: work intake, routing, dispatch, parts, devices, money and notifications. " +
		"Authenticate with `Authorization: Bearer <api key>` (provider systems) or a staff session cookie. " +
		"POST requests accept an `Idempotency-Key` header; updates accept `If-Match` with the ETag from a read."
	cfg.OpenAPIPath = "/v1/openapi"
	cfg.DocsPath = ""
	cfg.SchemasPath = "/v1/schemas"
	cfg.CreateHooks = nil // no $schema links injected into bodies
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer":  {Type: "http", Scheme: "bearer", Description: "A provider API key (fh_...)"},
		"session": {Type: "apiKey", In: "cookie", Name: "fieldhub_session", Description: "A staff session from /login"},
	}
	cfg.Security = []map[string][]string{{"bearer": {}}, {"session": {}}}
	a.huma = humago.New(a.mux, cfg)
	a.routes()
	return a
}

// OpenAPI returns the generated OpenAPI document.
func (a *API) OpenAPI() *huma.OpenAPI { return a.huma.OpenAPI() }

// Handler returns the /v1 handler with authentication and idempotency.
// Session loading (scs LoadAndSave) must wrap it from outside.
func (a *API) Handler(metrics *Metrics) http.Handler {
	var h http.Handler = a.mux
	if metrics != nil {
		h = metrics.Wrap(h)
	}
	h = skipForUploads(idempotency.Middleware(a.Store, idempotency.Options{
		Principal: principalKey,
		MaxBody:   MaxBody,
		Logger:    a.log,
	}), h)
	h = a.authenticate(h)
	return limitBodies(h)
}

func principalKey(r *http.Request) string {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		return ""
	}
	if p.KeyID != "" {
		return "key:" + p.KeyID
	}
	return "user:" + p.UserID
}

// register adds an operation whose handler errors become Problems.
func register[I, O any](a *API, op huma.Operation, h func(context.Context, *I) (*O, error)) {
	if op.MaxBodyBytes == 0 {
		op.MaxBodyBytes = MaxBody
	}
	huma.Register(a.huma, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, problemFrom(ctx, a.log, err)
		}
		return out, nil
	})
}

func (a *API) routes() {
	a.meRoutes()
	a.providerRoutes()
	a.keyRoutes()
	a.workOrderRoutes()
	a.webhookRoutes()
	a.contractorRoutes()
	a.dispatchRoutes()
	a.artifactRoutes()
	a.deviceRoutes()
	a.depotRoutes()
	a.adminRoutes()
}
