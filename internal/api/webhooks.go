package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/provider"
	"github.com/fieldhub/fieldhub/internal/webhook"
)

// WebhookEndpoint is where a provider receives events; its secret is never shown here.
type WebhookEndpoint struct {
	ID             string    `json:"id"`
	Provider       string    `json:"provider" doc:"The provider's code"`
	URL            string    `json:"url"`
	EventTypes     []string  `json:"event_types" doc:"Event types delivered: exact (WorkOrder.Created), a prefix (WorkOrder.*) or everything (*)"`
	Description    string    `json:"description"`
	Enabled        bool      `json:"enabled"`
	DisabledReason string    `json:"disabled_reason,omitempty" doc:"Why fieldhub disabled the endpoint, e.g. the receiver answered 410 Gone"`
	Version        int64     `json:"version"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// NewWebhookSecret is an endpoint with its signing secret: shown only when
// the endpoint is created and when its secret is rotated.
type NewWebhookSecret struct {
	WebhookEndpoint
	Secret string `json:"secret" doc:"The Standard Webhooks signing secret (whsec_...). It is shown only in this response; store it now."`
}

// WebhookDelivery is one event's message to one endpoint.
type WebhookDelivery struct {
	ID            string           `json:"id"`
	EndpointID    string           `json:"endpoint_id"`
	EventID       string           `json:"event_id"`
	EventType     string           `json:"event_type"`
	MessageID     string           `json:"message_id" doc:"The webhook-id header, the same on every attempt and replay"`
	State         string           `json:"state" enum:"pending,succeeded,failed,dead,skipped"`
	Series        int              `json:"series" doc:"1, plus one per replay"`
	NextAttemptAt *time.Time       `json:"next_attempt_at,omitempty"`
	LastStatus    int              `json:"last_status,omitempty"`
	LastError     string           `json:"last_error,omitempty"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
	FinishedAt    *time.Time       `json:"finished_at,omitempty"`
	Attempts      []WebhookAttempt `json:"attempts" doc:"Every attempt of every series, oldest first"`
}

// WebhookAttempt is one try at a delivery.
type WebhookAttempt struct {
	Series        int        `json:"series"`
	Attempt       int        `json:"attempt"`
	At            time.Time  `json:"at"`
	StatusCode    int        `json:"status_code,omitempty" doc:"The receiver's answer; absent when none came"`
	Error         string     `json:"error,omitempty"`
	DurationMS    int64      `json:"duration_ms"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
}

type webhookOutput struct {
	ETag string `header:"ETag" doc:"The endpoint's version; send it back in If-Match"`
	Body WebhookEndpoint
}

type webhookSecretOutput struct {
	ETag         string `header:"ETag"`
	CacheControl string `header:"Cache-Control"`
	Body         NewWebhookSecret
}

type deliveryOutput struct{ Body WebhookDelivery }

type webhookID struct {
	ID string `path:"id" maxLength:"64"`
}

func (a *API) webhookRoutes() {
	tags := []string{"Webhooks"}
	who := " A provider key manages its own provider's endpoints; staff admins manage any provider's."
	register(a, huma.Operation{
		OperationID: "list-webhook-endpoints", Method: http.MethodGet, Path: "/v1/webhook-endpoints", Tags: tags,
		Summary: "List webhook endpoints", Description: "Oldest first." + who,
	}, func(ctx context.Context, in *struct {
		Provider string `query:"provider" doc:"Staff: only this provider's endpoints (its code)"`
		Cursor   string `query:"cursor"`
		Limit    int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
	}) (*listOutput[WebhookEndpoint], error) {
		p, owner, err := a.webhookOwner(ctx, "list-webhook-endpoints")
		if err != nil {
			return nil, err
		}
		if in.Provider != "" {
			if err := a.canReadProvider(ctx, in.Provider); err != nil {
				return nil, err
			}
			prov, err := a.Providers.Get(ctx, in.Provider)
			if err != nil {
				return nil, err
			}
			owner = webhook.ProviderOwner(prov.ID)
		}
		items, next, err := a.Webhooks.List(ctx, owner, in.Cursor, in.Limit)
		if err != nil {
			return nil, err
		}
		views, err := a.endpointViews(ctx, p, items)
		if err != nil {
			return nil, err
		}
		return list(views, next), nil
	})

	register(a, huma.Operation{
		OperationID: "create-webhook-endpoint", Method: http.MethodPost, Path: "/v1/webhook-endpoints", Tags: tags,
		Summary: "Register a webhook endpoint", DefaultStatus: http.StatusCreated,
		Description: "Events of the chosen types that concern the provider are POSTed to the URL, signed per Standard Webhooks " +
			"(webhook-id, webhook-timestamp, webhook-signature). The signing secret is in the response once and never again. " +
			"The URL must be https and must not point into a private network." + who,
	}, func(ctx context.Context, in *struct {
		Body struct {
			Provider    string   `json:"provider,omitempty" maxLength:"32" doc:"The provider's code; staff only (a provider key registers for its own provider)"`
			URL         string   `json:"url" minLength:"1" maxLength:"2000"`
			EventTypes  []string `json:"event_types" minItems:"1" maxItems:"50"`
			Description string   `json:"description,omitempty" maxLength:"500"`
		}
	}) (*webhookSecretOutput, error) {
		p, _, err := a.webhookOwner(ctx, "create-webhook-endpoint")
		if err != nil {
			return nil, err
		}
		providerID, err := a.webhookProvider(ctx, p, in.Body.Provider)
		if err != nil {
			return nil, err
		}
		e, secret, err := a.Webhooks.Create(ctx, webhook.NewEndpoint{ProviderID: providerID, URL: in.Body.URL,
			EventTypes: in.Body.EventTypes, Description: in.Body.Description})
		if err != nil {
			return nil, err
		}
		_ = a.Auth.RecordAudit(ctx, auth.Entry(p, "webhook.created", "webhook_endpoint:"+e.ID))
		return a.secretOutput(ctx, p, e, secret)
	})

	register(a, huma.Operation{
		OperationID: "get-webhook-endpoint", Method: http.MethodGet, Path: "/v1/webhook-endpoints/{id}", Tags: tags,
		Summary: "Get a webhook endpoint", Description: "The secret is never shown." + who,
	}, func(ctx context.Context, in *webhookID) (*webhookOutput, error) {
		p, owner, err := a.webhookOwner(ctx, "get-webhook-endpoint")
		if err != nil {
			return nil, err
		}
		e, err := a.Webhooks.Get(ctx, owner, in.ID)
		if err != nil {
			return nil, err
		}
		return a.endpointOutput(ctx, p, e)
	})

	register(a, huma.Operation{
		OperationID: "update-webhook-endpoint", Method: http.MethodPatch, Path: "/v1/webhook-endpoints/{id}", Tags: tags,
		Summary:     "Update a webhook endpoint",
		Description: "Fields left out stay as they are. Disabling skips the deliveries still waiting; enabling clears the reason fieldhub disabled it for. Send If-Match with the ETag from a read." + who,
	}, func(ctx context.Context, in *struct {
		ID      string `path:"id" maxLength:"64"`
		IfMatch string `header:"If-Match" doc:"The ETag from a read; a stale one is refused with 412"`
		Body    struct {
			URL         *string   `json:"url,omitempty" maxLength:"2000"`
			EventTypes  *[]string `json:"event_types,omitempty"`
			Description *string   `json:"description,omitempty" maxLength:"500"`
			Enabled     *bool     `json:"enabled,omitempty"`
		}
	}) (*webhookOutput, error) {
		p, owner, err := a.webhookOwner(ctx, "update-webhook-endpoint")
		if err != nil {
			return nil, err
		}
		e, err := a.Webhooks.Update(ctx, owner, in.ID, webhook.Update{URL: in.Body.URL, EventTypes: in.Body.EventTypes,
			Description: in.Body.Description, Enabled: in.Body.Enabled}, IfMatch(in.IfMatch))
		if err != nil {
			return nil, err
		}
		_ = a.Auth.RecordAudit(ctx, auth.Entry(p, "webhook.updated", "webhook_endpoint:"+e.ID))
		return a.endpointOutput(ctx, p, e)
	})

	register(a, huma.Operation{
		OperationID: "rotate-webhook-secret", Method: http.MethodPost, Path: "/v1/webhook-endpoints/{id}/rotate-secret", Tags: tags,
		Summary: "Rotate an endpoint's signing secret",
		Description: "The new secret is in the response once. For 24 hours messages carry a signature under the old secret too, " +
			"so the receiver can switch without rejecting any." + who,
	}, func(ctx context.Context, in *webhookID) (*webhookSecretOutput, error) {
		p, owner, err := a.webhookOwner(ctx, "rotate-webhook-secret")
		if err != nil {
			return nil, err
		}
		e, secret, err := a.Webhooks.RotateSecret(ctx, owner, in.ID)
		if err != nil {
			return nil, err
		}
		_ = a.Auth.RecordAudit(ctx, auth.Entry(p, "webhook.secret_rotated", "webhook_endpoint:"+e.ID))
		return a.secretOutput(ctx, p, e, secret)
	})

	register(a, huma.Operation{
		OperationID: "delete-webhook-endpoint", Method: http.MethodDelete, Path: "/v1/webhook-endpoints/{id}", Tags: tags,
		Summary: "Delete a webhook endpoint", Description: "Its deliveries go with it." + who,
	}, func(ctx context.Context, in *webhookID) (*struct{}, error) {
		p, owner, err := a.webhookOwner(ctx, "delete-webhook-endpoint")
		if err != nil {
			return nil, err
		}
		if err := a.Webhooks.Delete(ctx, owner, in.ID); err != nil {
			return nil, err
		}
		_ = a.Auth.RecordAudit(ctx, auth.Entry(p, "webhook.deleted", "webhook_endpoint:"+in.ID))
		return nil, nil
	})

	register(a, huma.Operation{
		OperationID: "list-webhook-deliveries", Method: http.MethodGet, Path: "/v1/webhook-endpoints/{id}/deliveries", Tags: tags,
		Summary: "List an endpoint's deliveries", Description: "Newest first, each with its attempts." + who,
	}, func(ctx context.Context, in *struct {
		ID     string `path:"id" maxLength:"64"`
		Cursor string `query:"cursor"`
		Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
	}) (*listOutput[WebhookDelivery], error) {
		_, owner, err := a.webhookOwner(ctx, "list-webhook-deliveries")
		if err != nil {
			return nil, err
		}
		items, next, err := a.Webhooks.Deliveries(ctx, owner, in.ID, in.Cursor, in.Limit)
		if err != nil {
			return nil, err
		}
		return list(mapList(items, deliveryView), next), nil
	})

	register(a, huma.Operation{
		OperationID: "get-webhook-delivery", Method: http.MethodGet, Path: "/v1/webhook-deliveries/{id}", Tags: tags,
		Summary: "Get a webhook delivery", Description: "With its attempts." + who,
	}, func(ctx context.Context, in *webhookID) (*deliveryOutput, error) {
		_, owner, err := a.webhookOwner(ctx, "get-webhook-delivery")
		if err != nil {
			return nil, err
		}
		d, err := a.Webhooks.Delivery(ctx, owner, in.ID)
		if err != nil {
			return nil, err
		}
		return &deliveryOutput{Body: deliveryView(d)}, nil
	})

	register(a, huma.Operation{
		OperationID: "replay-webhook-delivery", Method: http.MethodPost, Path: "/v1/webhook-deliveries/{id}/replay", Tags: tags,
		Summary: "Deliver a message again", DefaultStatus: http.StatusAccepted,
		Description: "Starts a new series of attempts for a delivery that has finished (succeeded, failed, dead or skipped), " +
			"with the same webhook-id. A pending delivery, or one whose endpoint is disabled, is a 409." + who,
	}, func(ctx context.Context, in *webhookID) (*deliveryOutput, error) {
		p, owner, err := a.webhookOwner(ctx, "replay-webhook-delivery")
		if err != nil {
			return nil, err
		}
		d, err := a.Webhooks.Replay(ctx, owner, in.ID)
		if err != nil {
			return nil, err
		}
		_ = a.Auth.RecordAudit(ctx, auth.Entry(p, "webhook.replayed", "webhook_delivery:"+d.ID))
		return &deliveryOutput{Body: deliveryView(d)}, nil
	})
}

// webhookOwner decides whose endpoints the caller may touch: a provider key
// its own provider's, a staff admin every provider's; anyone else is refused.
func (a *API) webhookOwner(ctx context.Context, action string) (*auth.Principal, webhook.Owner, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, webhook.Owner{}, err
	}
	if p.Kind == auth.KindProvider {
		return p, webhook.ProviderOwner(p.ProviderID), nil
	}
	if p, err = a.staff(ctx, action, auth.RoleAdmin); err != nil {
		return nil, webhook.Owner{}, err
	}
	return p, webhook.AnyProvider, nil
}

// webhookProvider resolves the provider a new endpoint belongs to: a
// provider key's own, or the one a staff admin names by code.
func (a *API) webhookProvider(ctx context.Context, p *auth.Principal, code string) (string, error) {
	field := func(reason string) error {
		return &fault.Error{Code: fault.Invalid, Message: "validation failed",
			Fields: []fault.FieldError{{Field: "provider", Reason: reason}}}
	}
	if p.Kind == auth.KindProvider {
		if code != "" && provider.NormalizeCode(code) != p.ProviderCode {
			return "", field("must be left out or be your own provider's code")
		}
		return p.ProviderID, nil
	}
	if code == "" {
		return "", field("is required: the code of the provider the endpoint belongs to")
	}
	prov, err := a.Providers.Get(ctx, code)
	if fault.Is(err, fault.NotFound) {
		return "", field("names no provider")
	}
	return prov.ID, err
}

// endpointViews names each endpoint's provider by code, looking each
// provider up once.
func (a *API) endpointViews(ctx context.Context, p *auth.Principal, list []webhook.Endpoint) ([]WebhookEndpoint, error) {
	codes := map[string]string{}
	if p.Kind == auth.KindProvider {
		codes[p.ProviderID] = p.ProviderCode
	}
	out := make([]WebhookEndpoint, len(list))
	for i, e := range list {
		code, ok := codes[e.ProviderID]
		if !ok {
			prov, err := a.Providers.ByID(ctx, e.ProviderID)
			if err != nil {
				return nil, err
			}
			code, codes[e.ProviderID] = prov.Code, prov.Code
		}
		out[i] = WebhookEndpoint{ID: e.ID, Provider: code, URL: e.URL, EventTypes: e.EventTypes, Description: e.Description,
			Enabled: e.Enabled, DisabledReason: e.DisabledReason, Version: e.Version, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	}
	return out, nil
}

func (a *API) endpointOutput(ctx context.Context, p *auth.Principal, e webhook.Endpoint) (*webhookOutput, error) {
	views, err := a.endpointViews(ctx, p, []webhook.Endpoint{e})
	if err != nil {
		return nil, err
	}
	return &webhookOutput{ETag: ETag(e.Version), Body: views[0]}, nil
}

func (a *API) secretOutput(ctx context.Context, p *auth.Principal, e webhook.Endpoint, secret string) (*webhookSecretOutput, error) {
	views, err := a.endpointViews(ctx, p, []webhook.Endpoint{e})
	if err != nil {
		return nil, err
	}
	return &webhookSecretOutput{ETag: ETag(e.Version), CacheControl: NoStore, Body: NewWebhookSecret{WebhookEndpoint: views[0], Secret: secret}}, nil
}

func deliveryView(d webhook.Delivery) WebhookDelivery {
	out := WebhookDelivery{ID: d.ID, EndpointID: d.EndpointID, EventID: d.EventID, EventType: d.EventType,
		MessageID: d.MessageID(), State: d.State, Series: d.Series, NextAttemptAt: timePtr(d.NextAttemptAt),
		LastStatus: d.LastStatus, LastError: d.LastError, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
		FinishedAt: timePtr(d.FinishedAt), Attempts: []WebhookAttempt{}}
	if d.State != webhook.StatePending {
		out.NextAttemptAt = nil
	}
	for _, at := range d.Log {
		out.Attempts = append(out.Attempts, WebhookAttempt{Series: at.Series, Attempt: at.Attempt, At: at.At,
			StatusCode: at.StatusCode, Error: at.Error, DurationMS: at.Duration.Milliseconds(), NextAttemptAt: timePtr(at.NextAttemptAt)})
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
