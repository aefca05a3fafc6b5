package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/app"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/provider"
	"github.com/fieldhub/fieldhub/internal/queue"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// TestWebhookEndpointsThroughAPI: who may manage which endpoints, what the
// responses show (the secret only on create and rotate), and the rules a
// server without --allow-private-webhooks applies.
func TestWebhookEndpointsThroughAPI(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startServer(t, e)
			acme := newClient(t, w.base, w.acmeKey)
			other := newClient(t, w.base, w.otherKey)
			signed := func(email string) *client {
				c := newClient(t, w.base, "")
				want(t, c.signIn(email, w.adminPassword), http.StatusSeeOther)
				return c
			}
			admin, viewer := signed(w.adminEmail), signed("viewer@test.example")

			r := acme.do("POST", "/v1/webhook-endpoints", map[string]any{"url": "https://hooks.acme.example/fieldhub",
				"event_types": []string{"WorkOrder.*"}, "description": "ERP"})
			want(t, r, 201)
			created := r.json(t)
			id, _ := created["id"].(string)
			secret, _ := created["secret"].(string)
			if id == "" || !strings.HasPrefix(secret, "whsec_") || created["provider"] != "ACME" || r.header.Get("ETag") != `"1"` {
				t.Fatalf("created: %s (ETag %q)", r.body, r.header.Get("ETag"))
			}
			path := "/v1/webhook-endpoints/" + id

			for _, c := range []struct {
				body  map[string]any
				field string
			}{
				{map[string]any{"url": "http://127.0.0.1:9000/x", "event_types": []string{"*"}}, "body.url"},
				{map[string]any{"url": "https://localhost/x", "event_types": []string{"*"}}, "body.url"},
				{map[string]any{"url": "https://10.0.0.8/x", "event_types": []string{"*"}}, "body.url"},
				{map[string]any{"url": "https://hooks.acme.example/x", "event_types": []string{"work orders"}}, "body.event_types"},
				{map[string]any{"url": "https://hooks.acme.example/x", "event_types": []string{"*"}, "provider": "OTHER"}, "body.provider"},
				{map[string]any{"url": "https://hooks.acme.example/x", "event_types": []string{"*"}, "secret": "mine"}, "body.secret"},
			} {
				r := acme.do("POST", "/v1/webhook-endpoints", c.body)
				want(t, r, 422)
				if !strings.Contains(string(r.body), c.field) {
					t.Errorf("422 for %v does not name %s: %s", c.body, c.field, r.body)
				}
			}

			// The secret is never shown again.
			for _, p := range []string{path, "/v1/webhook-endpoints"} {
				r := acme.do("GET", p, nil)
				want(t, r, 200)
				if strings.Contains(string(r.body), secret) || strings.Contains(string(r.body), `"secret"`) {
					t.Fatalf("GET %s shows the secret: %s", p, r.body)
				}
			}
			if items := list(t, acme.do("GET", "/v1/webhook-endpoints", nil)); len(items) != 1 {
				t.Fatalf("acme lists %d endpoints", len(items))
			}

			// Another provider sees nothing of it.
			want(t, other.do("GET", path, nil), 404)
			want(t, other.do("PATCH", path, map[string]any{"enabled": false}), 404)
			want(t, other.do("POST", path+"/rotate-secret", nil), 404)
			want(t, other.do("GET", path+"/deliveries", nil), 404)
			want(t, other.do("DELETE", path, nil), 404)
			want(t, other.do("GET", "/v1/webhook-endpoints?provider=ACME", nil), 404)
			if items := list(t, other.do("GET", "/v1/webhook-endpoints", nil)); len(items) != 0 {
				t.Fatalf("other lists %d endpoints", len(items))
			}

			// If-Match, then a change.
			want(t, acme.do("PATCH", path, map[string]any{"description": "late"}, "If-Match", `"7"`), 412)
			r = acme.do("PATCH", path, map[string]any{"enabled": false, "event_types": []string{"*"}}, "If-Match", `"1"`)
			want(t, r, 200)
			if m := r.json(t); m["enabled"] != false || r.header.Get("ETag") != `"2"` || m["description"] != "ERP" {
				t.Fatalf("patched: %s", r.body)
			}
			want(t, acme.do("PATCH", path, map[string]any{"url": "https://169.254.169.254/latest"}), 422)

			r = acme.do("POST", path+"/rotate-secret", nil)
			want(t, r, 200)
			if s, _ := r.json(t)["secret"].(string); !strings.HasPrefix(s, "whsec_") || s == secret {
				t.Fatalf("rotated: %s", r.body)
			}
			r = acme.do("GET", path+"/deliveries", nil)
			want(t, r, 200)
			if items := list(t, r); len(items) != 0 {
				t.Fatalf("deliveries: %s", r.body)
			}
			want(t, acme.do("POST", "/v1/webhook-deliveries/no-such-delivery/replay", nil), 404)

			// Staff: admins manage any provider's endpoints, naming it; other
			// staff may not.
			want(t, admin.do("POST", "/v1/webhook-endpoints", map[string]any{"url": "https://hooks.other.example/",
				"event_types": []string{"*"}}), 422)
			want(t, admin.do("POST", "/v1/webhook-endpoints", map[string]any{"url": "https://hooks.other.example/",
				"event_types": []string{"*"}, "provider": "NOSUCH"}), 422)
			r = admin.do("POST", "/v1/webhook-endpoints", map[string]any{"url": "https://hooks.other.example/",
				"event_types": []string{"*"}, "provider": "other"})
			want(t, r, 201)
			if r.json(t)["provider"] != "OTHER" {
				t.Fatalf("admin created: %s", r.body)
			}
			if n := len(list(t, admin.do("GET", "/v1/webhook-endpoints", nil))); n != 2 {
				t.Fatalf("admin lists %d endpoints", n)
			}
			if n := len(list(t, admin.do("GET", "/v1/webhook-endpoints?provider=OTHER", nil))); n != 1 {
				t.Fatalf("admin lists %d of OTHER's endpoints", n)
			}
			want(t, admin.do("GET", path, nil), 200)
			want(t, viewer.do("GET", path, nil), 403)
			want(t, viewer.do("GET", "/v1/webhook-endpoints", nil), 403)
			want(t, newClient(t, w.base, "").do("GET", "/v1/webhook-endpoints", nil), 401)

			want(t, acme.do("DELETE", path, nil), 204)
			want(t, acme.do("GET", path, nil), 404)

			r = admin.do("GET", "/v1/admin/audit-log?limit=200", nil)
			for _, action := range []string{"webhook.created", "webhook.updated", "webhook.secret_rotated", "webhook.deleted"} {
				if !strings.Contains(string(r.body), `"`+action+`"`) {
					t.Errorf("audit log lacks %s", action)
				}
			}
		})
	}
}

// TestWebhookDeliveredThroughServer: a provider registers a receiver, sends
// a work order, and gets a WorkOrder.Created message the official Standard
// Webhooks verifier accepts; the delivery and its attempt show in the API,
// and a replay delivers the same message again.
func TestWebhookDeliveredThroughServer(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			cfg := testConfig(t, e)
			a, err := app.Build(ctx, cfg, cfg.Logger(), queue.Config{FetchPollInterval: 20 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			a.Webhooks.AllowPrivate(true) // as --allow-private-webhooks: the receiver is on loopback
			acmeProv, err := a.Providers.Create(ctx, provider.Provider{Code: "ACME", Name: "Acme"}, event.System)
			if err != nil {
				t.Fatal(err)
			}
			_, key, err := a.Auth.CreateKey(ctx, acmeProv.ID, "test", auth.System)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(a.Handler(app.ServeConfig{}))
			defer srv.Close()
			if err := a.Queue.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer a.Queue.Stop(ctx)

			type message struct {
				header http.Header
				body   []byte
			}
			var (
				mu   sync.Mutex
				got  []message
				recv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					b, _ := io.ReadAll(r.Body)
					mu.Lock()
					got = append(got, message{r.Header.Clone(), b})
					mu.Unlock()
				}))
			)
			defer recv.Close()
			received := func() []message {
				mu.Lock()
				defer mu.Unlock()
				return append([]message(nil), got...)
			}

			acme := newClient(t, srv.URL, key)
			r := acme.do("POST", "/v1/webhook-endpoints", map[string]any{"url": recv.URL + "/fieldhub", "event_types": []string{"WorkOrder.Created"}})
			want(t, r, 201)
			ep := r.json(t)
			secret, _ := ep["secret"].(string)
			r = acme.do("POST", "/v1/work-orders", intakeBody)
			want(t, r, 201)
			woID, _ := r.json(t)["id"].(string)

			dbtest.Eventually(t, "the WorkOrder.Created message", func() bool { return len(received()) == 1 })
			msg := received()[0]
			wh, err := standardwebhooks.NewWebhook(secret)
			if err != nil {
				t.Fatal(err)
			}
			if err := wh.Verify(msg.body, msg.header); err != nil {
				t.Fatalf("verify: %v", err)
			}
			var body struct {
				Type string `json:"type"`
				Data struct {
					WorkOrder map[string]any `json:"work_order"`
				} `json:"data"`
			}
			if err := json.Unmarshal(msg.body, &body); err != nil || body.Type != "WorkOrder.Created" || body.Data.WorkOrder["id"] != woID {
				t.Fatalf("message %s (%v), want work order %s", msg.body, err, woID)
			}

			var deliveries []map[string]any
			dbtest.Eventually(t, "the delivery to show as succeeded", func() bool {
				deliveries = list(t, acme.do("GET", fmt.Sprintf("/v1/webhook-endpoints/%s/deliveries", ep["id"]), nil))
				return len(deliveries) == 1 && deliveries[0]["state"] == "succeeded"
			})
			d := deliveries[0]
			attempts, _ := d["attempts"].([]any)
			if len(attempts) != 1 || attempts[0].(map[string]any)["status_code"] != float64(200) ||
				d["message_id"] != msg.header.Get("webhook-id") || d["event_type"] != "WorkOrder.Created" {
				t.Fatalf("delivery %v", d)
			}
			want(t, acme.do("POST", fmt.Sprintf("/v1/webhook-deliveries/%s/replay", d["id"]), nil), 202)
			dbtest.Eventually(t, "the replayed message", func() bool { return len(received()) == 2 })
			if again := received()[1]; again.header.Get("webhook-id") != msg.header.Get("webhook-id") {
				t.Fatalf("a replay changed the webhook-id: %q", again.header.Get("webhook-id"))
			}
		})
	}
}
