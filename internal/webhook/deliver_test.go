package webhook_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/webhook"
)

// TestReceiverDownThenUp: a receiver that first refuses connections, then
// answers 503, then comes back gets the message exactly once successfully,
// and every attempt is in the log.
func TestReceiverDownThenUp(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		// Ten attempts 200ms apart: time enough to bring the receiver up.
		sched := make([]time.Duration, 9)
		for i := range sched {
			sched[i] = 200 * time.Millisecond
		}
		f := setup(t, store, webhook.Config{AllowPrivate: true, Schedule: sched})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nobody listens: connection refused
		ep, _ := f.endpoint(f.acme, "http://"+addr+"/hooks")
		f.record(f.acme, "WorkOrder.Created")
		f.only(ep, "two refused attempts", func(d webhook.Delivery) bool { return d.Attempts >= 2 })

		rcv := &receiver{respond: func(n int, w http.ResponseWriter) {
			if n == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		}}
		rcv.Server = httptest.NewUnstartedServer(http.HandlerFunc(rcv.serve))
		if rcv.Listener, err = net.Listen("tcp", addr); err != nil {
			t.Skipf("the port was taken meanwhile: %v", err)
		}
		rcv.Start()
		t.Cleanup(rcv.Close)

		d := f.only(ep, "the delivery to succeed", func(d webhook.Delivery) bool { return d.State == webhook.StateSucceeded })
		f.idle()
		if n := rcv.succeeded(); n != 1 {
			t.Fatalf("receiver accepted %d messages, want exactly 1", n)
		}
		if len(d.Log) != d.Attempts || d.Attempts < 4 {
			t.Fatalf("%d attempts logged, delivery says %d, want at least 4", len(d.Log), d.Attempts)
		}
		last := d.Log[len(d.Log)-1]
		prev := d.Log[len(d.Log)-2]
		if last.StatusCode != 200 || prev.StatusCode != 503 || d.Log[0].StatusCode != 0 || !strings.Contains(d.Log[0].Error, "refused") {
			t.Fatalf("attempt log %+v", d.Log)
		}
		for i, a := range d.Log[:len(d.Log)-1] {
			if a.NextAttemptAt.IsZero() || a.Attempt != i+1 {
				t.Fatalf("failed attempt %d has no next attempt: %+v", i+1, a)
			}
		}
		ids := map[string]bool{}
		for _, r := range rcv.got() {
			ids[r.header.Get("webhook-id")] = true
		}
		if len(ids) != 1 {
			t.Fatalf("webhook-id changed between retries: %v", ids)
		}
	})
}

// TestGoneDisablesEndpoint: a 410 fails the delivery for good, disables the
// endpoint with a reason, and later events are not posted to it; enabling
// it again clears the reason.
func TestGoneDisablesEndpoint(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		f := setup(t, store, webhook.Config{AllowPrivate: true})
		rcv := newReceiver(t, status(http.StatusGone))
		ep, _ := f.endpoint(f.acme, rcv.URL)
		f.record(f.acme, "WorkOrder.Created")
		d := f.only(ep, "the delivery to fail", func(d webhook.Delivery) bool { return d.State == webhook.StateFailed })
		if d.Attempts != 1 || d.LastStatus != 410 {
			t.Fatalf("delivery %+v", d)
		}
		got, err := f.svc.Get(ctx, webhook.ProviderOwner(f.acme), ep.ID)
		if err != nil || got.Enabled || !strings.Contains(got.DisabledReason, "410") || got.Version <= ep.Version {
			t.Fatalf("endpoint after 410: %+v, %v", got, err)
		}

		f.record(f.acme, "WorkOrder.Completed")
		f.idle()
		if n := len(rcv.got()); n != 1 {
			t.Fatalf("the receiver was called %d times, want 1", n)
		}
		if n := len(f.deliveries(ep)); n != 1 {
			t.Fatalf("%d deliveries to a disabled endpoint, want 1", n)
		}
		if _, err := f.svc.Replay(ctx, webhook.ProviderOwner(f.acme), d.ID); !fault.Is(err, fault.Conflict) {
			t.Fatalf("replay to a disabled endpoint: %v", err)
		}

		on, err := f.svc.Update(ctx, webhook.ProviderOwner(f.acme), ep.ID, webhook.Update{Enabled: ptr(true)}, &got.Version)
		if err != nil || !on.Enabled || on.DisabledReason != "" {
			t.Fatalf("re-enabled: %+v, %v", on, err)
		}
	})
}

// TestDisablingSkipsQueuedDeliveries: a delivery waiting for its next
// attempt is skipped when the endpoint is disabled, and its job ends
// without posting.
func TestDisablingSkipsQueuedDeliveries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		f := setup(t, store, webhook.Config{AllowPrivate: true, Schedule: []time.Duration{1500 * time.Millisecond, time.Second}})
		rcv := newReceiver(t, status(http.StatusInternalServerError))
		ep, _ := f.endpoint(f.acme, rcv.URL)
		f.record(f.acme, "WorkOrder.Created")
		pending := f.only(ep, "a failed first attempt", func(d webhook.Delivery) bool { return d.Attempts == 1 })
		if _, err := f.svc.Replay(ctx, webhook.ProviderOwner(f.acme), pending.ID); !fault.Is(err, fault.Conflict) {
			t.Fatalf("replay of a pending delivery: %v", err)
		}
		if _, err := f.svc.Update(ctx, webhook.ProviderOwner(f.acme), ep.ID, webhook.Update{Enabled: ptr(false)}, nil); err != nil {
			t.Fatal(err)
		}
		d := f.deliveries(ep)[0]
		if d.State != webhook.StateSkipped || d.FinishedAt.IsZero() {
			t.Fatalf("delivery after disabling: %+v", d)
		}
		f.idle() // the snoozed job has run and ended
		if n := len(rcv.got()); n != 1 {
			t.Fatalf("the receiver was called %d times, want 1", n)
		}
	})
}

// TestRetryAfterIsHonoured: after a 429 with Retry-After: 1 the next
// attempt is scheduled, and made, no sooner than a second later, although
// the schedule alone would retry within milliseconds.
func TestRetryAfterIsHonoured(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		f := setup(t, store, webhook.Config{AllowPrivate: true})
		rcv := newReceiver(t, func(n int, w http.ResponseWriter) {
			if n == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
			}
		})
		ep, _ := f.endpoint(f.acme, rcv.URL)
		f.record(f.acme, "WorkOrder.AppointmentSet")
		d := f.only(ep, "the delivery to succeed", func(d webhook.Delivery) bool { return d.State == webhook.StateSucceeded })
		if len(d.Log) != 2 || d.Log[0].StatusCode != 429 || d.Log[1].StatusCode != 200 {
			t.Fatalf("attempt log %+v", d.Log)
		}
		first := d.Log[0]
		if first.NextAttemptAt.Before(first.At.Add(time.Second)) {
			t.Fatalf("next attempt scheduled at %s, less than 1s after the 429 at %s", first.NextAttemptAt, first.At)
		}
		if d.Log[1].At.Before(first.NextAttemptAt) {
			t.Fatalf("second attempt at %s, before the scheduled %s", d.Log[1].At, first.NextAttemptAt)
		}
	})
}

// TestPrivateDestinationsRefused: without AllowPrivate, internal URLs are
// refused at registration, and a name that resolves to loopback is refused
// when dialled: the receiver never hears of it.
func TestPrivateDestinationsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		f := setup(t, store, webhook.Config{AllowPrivate: false, Schedule: []time.Duration{10 * time.Millisecond}})
		for _, u := range []string{"https://127.0.0.1/x", "https://localhost:8443/x", "https://10.1.2.3/x",
			"https://[::1]/x", "https://169.254.169.254/x", "https://100.64.0.1/x", "http://hooks.example.com/x"} {
			_, _, err := f.svc.Create(ctx, webhook.NewEndpoint{ProviderID: f.acme, URL: u, EventTypes: []string{"*"}})
			var fe *fault.Error
			if !fault.Is(err, fault.Invalid) || !asFault(err, &fe) || len(fe.Fields) != 1 || fe.Fields[0].Field != "url" {
				t.Errorf("%s: %v, want invalid url", u, err)
			}
		}

		rcv := newReceiver(t, nil)
		f.svc.AllowPrivate(true)
		ep, _ := f.endpoint(f.acme, strings.Replace(rcv.URL, "127.0.0.1", "localhost", 1))
		f.svc.AllowPrivate(false)
		f.record(f.acme, "WorkOrder.Created")
		d := f.only(ep, "the delivery to die", func(d webhook.Delivery) bool { return d.State == webhook.StateDead })
		if len(d.Log) != 2 || !strings.Contains(d.Log[0].Error, "private") || d.Log[0].StatusCode != 0 {
			t.Fatalf("attempt log %+v", d.Log)
		}
		if n := len(rcv.got()); n != 0 {
			t.Fatalf("the loopback receiver was called %d times", n)
		}
	})
}

// TestReplay: a dead delivery replayed after the receiver is fixed is
// delivered as a new series of attempts with the same message id; a
// succeeded one can be replayed too.
func TestReplay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		f := setup(t, store, webhook.Config{AllowPrivate: true, Schedule: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond}})
		fixed := make(chan struct{})
		rcv := newReceiver(t, func(_ int, w http.ResponseWriter) {
			select {
			case <-fixed:
			default:
				w.WriteHeader(http.StatusBadGateway)
			}
		})
		ep, _ := f.endpoint(f.acme, rcv.URL)
		f.record(f.acme, "WorkOrder.Cancelled")
		d := f.only(ep, "the delivery to die", func(d webhook.Delivery) bool { return d.State == webhook.StateDead })
		if d.Attempts != 3 || d.Series != 1 {
			t.Fatalf("dead delivery %+v", d)
		}
		close(fixed)
		owner := webhook.ProviderOwner(f.acme)
		r, err := f.svc.Replay(ctx, owner, d.ID)
		if err != nil || r.Series != 2 || r.Attempts != 0 {
			t.Fatalf("replay = %+v, %v", r, err)
		}
		d = f.only(ep, "the replay to succeed", func(d webhook.Delivery) bool { return d.State == webhook.StateSucceeded })
		f.idle()
		if n := rcv.succeeded(); n != 1 {
			t.Fatalf("receiver accepted %d messages, want 1", n)
		}
		if d.Series != 2 || d.Attempts != 1 || len(d.Log) != 4 || d.Log[3].Series != 2 || d.Log[2].Series != 1 {
			t.Fatalf("delivery after replay %+v", d)
		}
		ids := map[string]bool{}
		for _, r := range rcv.got() {
			ids[r.header.Get("webhook-id")] = true
		}
		if len(ids) != 1 {
			t.Fatalf("a replay changed the webhook-id: %v", ids)
		}
		// A succeeded delivery can be replayed too.
		if _, err := f.svc.Replay(ctx, owner, d.ID); err != nil {
			t.Fatal(err)
		}
		dbtest.Eventually(t, "the second replay", func() bool { return rcv.succeeded() == 2 })
	})
}

func asFault(err error, fe **fault.Error) bool { return errors.As(err, fe) }
