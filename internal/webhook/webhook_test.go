package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/webhook"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// TestSignedDelivery: the receiver gets the event as a Standard Webhooks
// message, and the official verifier accepts it with the secret handed out
// at registration; a wrong secret or a changed body is rejected.
func TestSignedDelivery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		f := setup(t, store, webhook.Config{AllowPrivate: true})
		rcv := newReceiver(t, nil)
		ep, secret := f.endpoint(f.acme, rcv.URL+"/hooks")
		if !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("secret %q", secret)
		}
		ev := f.record(f.acme, "WorkOrder.Created")
		d := f.only(ep, "the delivery to succeed", func(d webhook.Delivery) bool { return d.State == webhook.StateSucceeded })

		reqs := rcv.got()
		if len(reqs) != 1 {
			t.Fatalf("%d requests, want 1", len(reqs))
		}
		req := reqs[0]
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(req.body, req.header); err != nil {
			t.Fatalf("verify: %v\nheaders %v", err, req.header)
		}
		if got := req.header.Get("webhook-id"); got != "msg_"+d.ID || got != d.MessageID() {
			t.Fatalf("webhook-id %q, delivery %s", got, d.ID)
		}
		if ct := req.header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("content type %q", ct)
		}
		// A verifier with another secret, or a body changed in transit, fails.
		otherWH, _ := standardwebhooks.NewWebhook("whsec_" + strings.Repeat("A", 43) + "=")
		if otherWH.Verify(req.body, req.header) == nil {
			t.Fatal("a wrong secret verified the message")
		}
		if wh.Verify(bytes.Replace(req.body, []byte("Laser"), []byte("Lazer"), 1), req.header) == nil {
			t.Fatal("a changed body verified")
		}

		var msg struct {
			Type      string          `json:"type"`
			Timestamp time.Time       `json:"timestamp"`
			Data      json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(req.body, &msg); err != nil {
			t.Fatalf("body %s: %v", req.body, err)
		}
		if msg.Type != "WorkOrder.Created" || !msg.Timestamp.Equal(ev.At.Truncate(time.Microsecond)) {
			t.Fatalf("message type %q timestamp %s, event at %s", msg.Type, msg.Timestamp, ev.At)
		}
		var data, want map[string]any
		_ = json.Unmarshal(msg.Data, &data)
		_ = json.Unmarshal(ev.Payload, &want)
		if data["work_order"].(map[string]any)["id"] != want["work_order"].(map[string]any)["id"] {
			t.Fatalf("data %s, want %s", msg.Data, ev.Payload)
		}
		if d.Attempts != 1 || len(d.Log) != 1 || d.Log[0].StatusCode != 200 || d.EventID != ev.ID || d.FinishedAt.IsZero() {
			t.Fatalf("delivery %+v", d)
		}
	})
}

// TestFanOutSelectsAndIsIdempotent: only the event's provider's enabled
// endpoints that want its type get a delivery, and fanning the same event
// out again adds nothing.
func TestFanOutSelectsAndIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		f := setup(t, store, webhook.Config{AllowPrivate: true})
		rcv := newReceiver(t, nil)
		all, _ := f.endpoint(f.acme, rcv.URL+"/all", "*")
		created, _ := f.endpoint(f.acme, rcv.URL+"/created", "WorkOrder.Created")
		parts, _ := f.endpoint(f.acme, rcv.URL+"/parts", "Parts.*")
		off, _ := f.endpoint(f.acme, rcv.URL+"/off", "*")
		if _, err := f.svc.Update(ctx, webhook.ProviderOwner(f.acme), off.ID, webhook.Update{Enabled: ptr(false)}, nil); err != nil {
			t.Fatal(err)
		}
		theirs, _ := f.endpoint(f.other, rcv.URL+"/other", "*")

		ev := f.record(f.acme, "WorkOrder.Created")
		f.record(f.acme, "WorkOrder.Closed")
		f.record("", "WorkOrder.Created") // no provider: nobody's webhook
		f.idle()
		for _, c := range []struct {
			e    webhook.Endpoint
			want int
		}{{all, 2}, {created, 1}, {parts, 0}, {off, 0}, {theirs, 0}} {
			if got := len(f.deliveries(c.e)); got != c.want {
				t.Errorf("endpoint %s: %d deliveries, want %d", c.e.URL, got, c.want)
			}
		}
		if n := rcv.succeeded(); n != 3 {
			t.Fatalf("receiver got %d messages, want 3", n)
		}

		// The same event fanned out twice more: no new delivery, no new post.
		for range 2 {
			if err := f.svc.FanOut(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		f.idle()
		if got := len(f.deliveries(all)) + len(f.deliveries(created)); got != 3 {
			t.Fatalf("%d deliveries after repeating the fan-out, want 3", got)
		}
		if n := len(rcv.got()); n != 3 {
			t.Fatalf("receiver got %d messages after repeating the fan-out, want 3", n)
		}
	})
}

// TestOwnership: one provider cannot see or touch another's endpoints or
// deliveries; the zero Owner touches nothing; staff touch everything.
func TestOwnership(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		f := setup(t, store, webhook.Config{AllowPrivate: true})
		rcv := newReceiver(t, nil)
		ep, _ := f.endpoint(f.acme, rcv.URL, "*")
		f.record(f.acme, "WorkOrder.Created")
		d := f.only(ep, "the delivery", func(d webhook.Delivery) bool { return d.State == webhook.StateSucceeded })

		for name, o := range map[string]webhook.Owner{"other provider": webhook.ProviderOwner(f.other), "nobody": {}, "empty provider": webhook.ProviderOwner("")} {
			checks := map[string]error{}
			_, checks["get"] = f.svc.Get(ctx, o, ep.ID)
			_, checks["update"] = f.svc.Update(ctx, o, ep.ID, webhook.Update{Description: ptr("mine now")}, nil)
			_, _, checks["rotate"] = f.svc.RotateSecret(ctx, o, ep.ID)
			_, _, checks["deliveries"] = f.svc.Deliveries(ctx, o, ep.ID, "", 10)
			_, checks["delivery"] = f.svc.Delivery(ctx, o, d.ID)
			_, checks["replay"] = f.svc.Replay(ctx, o, d.ID)
			checks["delete"] = f.svc.Delete(ctx, o, ep.ID)
			for op, err := range checks {
				if !fault.Is(err, fault.NotFound) {
					t.Errorf("%s: %s = %v, want not found", name, op, err)
				}
			}
			list, _, err := f.svc.List(ctx, o, "", 50)
			if err != nil || len(list) != 0 {
				t.Errorf("%s lists %d endpoints (%v), want none", name, len(list), err)
			}
		}
		got, err := f.svc.Get(ctx, webhook.AnyProvider, ep.ID)
		if err != nil || got.Description != "" {
			t.Fatalf("staff read %+v, %v (a refused update must not change it)", got, err)
		}
		if list, _, _ := f.svc.List(ctx, webhook.AnyProvider, "", 50); len(list) != 1 {
			t.Fatalf("staff list %d endpoints", len(list))
		}
	})
}

// TestEndpointRules: validation, paging, If-Match, and the secret kept
// sealed at rest.
func TestEndpointRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		f := setup(t, store, webhook.Config{AllowPrivate: true})
		acme := webhook.ProviderOwner(f.acme)
		for _, types := range [][]string{nil, {}, {"workorder.created"}, {"WorkOrder"}, {"WorkOrder.Created", "has space.X"}, {"**"}} {
			_, _, err := f.svc.Create(ctx, webhook.NewEndpoint{ProviderID: f.acme, URL: "https://hooks.example.com/x", EventTypes: types})
			if !fault.Is(err, fault.Invalid) || !strings.Contains(err.Error(), "event_types") {
				t.Errorf("types %q: %v, want invalid event_types", types, err)
			}
		}
		ep, secret := f.endpoint(f.acme, "https://hooks.example.com/x", "WorkOrder.*", "WorkOrder.*", "Provider.Updated")
		if len(ep.EventTypes) != 2 || !ep.Enabled || ep.Version != 1 {
			t.Fatalf("endpoint %+v", ep)
		}
		var sealed string
		if err := store.Read.QueryRowContext(ctx, `SELECT secret FROM webhook_endpoints WHERE id = $1`, ep.ID).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if sealed == "" || strings.Contains(sealed, strings.TrimPrefix(secret, "whsec_")) {
			t.Fatalf("the secret is stored in the clear: %q", sealed)
		}

		stale := ep.Version
		up, err := f.svc.Update(ctx, acme, ep.ID, webhook.Update{Description: ptr("  ERP  "), EventTypes: &[]string{"*"}}, &stale)
		if err != nil || up.Description != "ERP" || up.Version != 2 || len(up.EventTypes) != 1 {
			t.Fatalf("update = %+v, %v", up, err)
		}
		if _, err := f.svc.Update(ctx, acme, ep.ID, webhook.Update{Description: ptr("late")}, &stale); !fault.Is(err, fault.Stale) {
			t.Fatalf("stale update: %v", err)
		}
		if _, err := f.svc.Update(ctx, acme, ep.ID, webhook.Update{URL: ptr("ftp://x")}, nil); !fault.Is(err, fault.Invalid) {
			t.Fatalf("bad url update: %v", err)
		}
		rot, newSecret, err := f.svc.RotateSecret(ctx, acme, ep.ID)
		if err != nil || newSecret == secret || !strings.HasPrefix(newSecret, "whsec_") || rot.Version != 3 {
			t.Fatalf("rotate = %+v %q, %v", rot, newSecret, err)
		}

		for range 4 {
			f.endpoint(f.acme, "https://hooks.example.com/more")
		}
		var seen []string
		cursor := ""
		for {
			list, next, err := f.svc.List(ctx, acme, cursor, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range list {
				seen = append(seen, e.ID)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 5 || seen[0] != ep.ID {
			t.Fatalf("paged %d endpoints %v", len(seen), seen)
		}
		if _, _, err := f.svc.List(ctx, acme, "garbage!", 2); !fault.Is(err, fault.Invalid) {
			t.Fatalf("bad cursor: %v", err)
		}
		if err := f.svc.Delete(ctx, acme, ep.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Get(ctx, acme, ep.ID); !fault.Is(err, fault.NotFound) {
			t.Fatalf("deleted endpoint: %v", err)
		}
	})
}

// TestRotationSignsWithBothSecrets: right after a rotation a message
// carries a signature under the new secret and one under the old, so a
// receiver verifies with either.
func TestRotationSignsWithBothSecrets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		f := setup(t, store, webhook.Config{AllowPrivate: true})
		rcv := newReceiver(t, nil)
		ep, old := f.endpoint(f.acme, rcv.URL)
		_, fresh, err := f.svc.RotateSecret(context.Background(), webhook.ProviderOwner(f.acme), ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		f.record(f.acme, "WorkOrder.Assigned")
		f.only(ep, "the delivery", func(d webhook.Delivery) bool { return d.State == webhook.StateSucceeded })
		req := rcv.got()[0]
		if n := len(strings.Fields(req.header.Get("webhook-signature"))); n != 2 {
			t.Fatalf("%d signatures, want 2", n)
		}
		for _, secret := range []string{old, fresh} {
			wh, _ := standardwebhooks.NewWebhook(secret)
			if err := wh.Verify(req.body, req.header); err != nil {
				t.Fatalf("verify with %s secret: %v", map[bool]string{true: "old", false: "new"}[secret == old], err)
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }
