package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/provider"
	"github.com/fieldhub/fieldhub/internal/queue"
	"github.com/fieldhub/fieldhub/internal/webhook"
	"github.com/riverqueue/river/rivertype"
)

var installationSecret = []byte("an installation secret for the webhook tests")

// fastSchedule is a retry schedule in milliseconds: ten attempts within a
// fraction of a second.
var fastSchedule = []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond,
	40 * time.Millisecond, 50 * time.Millisecond, 60 * time.Millisecond, 70 * time.Millisecond,
	80 * time.Millisecond, 90 * time.Millisecond}

type fixture struct {
	t      *testing.T
	store  *db.DB
	q      *queue.Queue
	bus    *event.Bus
	svc    *webhook.Service
	acme   string // provider ids
	other  string
	evtSeq int
}

type fastRetry struct{}

func (fastRetry) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(10 * time.Millisecond * time.Duration(job.Attempt))
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// setup starts a queue and the webhook service on store, with two providers.
// cfg.AllowPrivate is forced on unless private is false: the receivers
// are on loopback.
func setup(t *testing.T, store *db.DB, cfg webhook.Config) *fixture {
	t.Helper()
	ctx := context.Background()
	q := queue.New(store, queue.Config{Logger: quiet(), FetchPollInterval: 20 * time.Millisecond, RetryPolicy: fastRetry{}})
	bus := event.NewBus(q)
	if cfg.Schedule == nil {
		cfg.Schedule = fastSchedule
	}
	cfg.Logger = quiet()
	svc := webhook.New(store, bus, q, installationSecret, cfg)
	if err := q.Open(); err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(sctx)
	})
	f := &fixture{t: t, store: store, q: q, bus: bus, svc: svc}
	providers := provider.New(store, bus)
	for _, p := range []struct {
		code string
		id   *string
	}{{"ACME", &f.acme}, {"OTHER", &f.other}} {
		created, err := providers.Create(ctx, provider.Provider{Code: p.code, Name: p.code}, event.System)
		if err != nil {
			t.Fatal(err)
		}
		*p.id = created.ID
	}
	return f
}

// endpoint registers an endpoint for provider and returns it with its secret.
func (f *fixture) endpoint(providerID, url string, types ...string) (webhook.Endpoint, string) {
	f.t.Helper()
	if len(types) == 0 {
		types = []string{"WorkOrder.*"}
	}
	e, secret, err := f.svc.Create(context.Background(), webhook.NewEndpoint{ProviderID: providerID, URL: url, EventTypes: types})
	if err != nil {
		f.t.Fatalf("create endpoint %s: %v", url, err)
	}
	return e, secret
}

// record records an event of typ for providerID through the bus, as a
// business change would.
func (f *fixture) record(providerID, typ string) event.Event {
	f.t.Helper()
	f.evtSeq++
	payload, _ := json.Marshal(map[string]any{"work_order": map[string]any{"id": "wo-" + itoa(f.evtSeq), "status": "new", "summary": "Laser head fault"}})
	var out event.Event
	err := f.store.InTx(context.Background(), func(tx *db.Tx) error {
		var err error
		out, err = f.bus.Record(context.Background(), tx, event.Event{Type: typ, SubjectType: "work_order",
			SubjectID: "wo-" + itoa(f.evtSeq), ProviderID: providerID, Actor: event.System, Payload: payload})
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// deliveries lists an endpoint's deliveries as its owner sees them.
func (f *fixture) deliveries(e webhook.Endpoint) []webhook.Delivery {
	f.t.Helper()
	list, _, err := f.svc.Deliveries(context.Background(), webhook.ProviderOwner(e.ProviderID), e.ID, "", 200)
	if err != nil {
		f.t.Fatal(err)
	}
	return list
}

// only waits for an endpoint's single delivery to satisfy cond and returns it.
func (f *fixture) only(e webhook.Endpoint, what string, cond func(webhook.Delivery) bool) webhook.Delivery {
	f.t.Helper()
	var d webhook.Delivery
	dbtest.Eventually(f.t, what, func() bool {
		list := f.deliveries(e)
		if len(list) > 1 {
			f.t.Fatalf("%d deliveries, want one", len(list))
		}
		if len(list) == 1 {
			d = list[0]
		}
		return len(list) == 1 && cond(d)
	})
	return d
}

// idle waits until no job is queued, scheduled or running: every fan-out
// and delivery has finished or is parked for much later.
func (f *fixture) idle() {
	f.t.Helper()
	dbtest.Eventually(f.t, "the queue to go idle", func() bool {
		stats, err := f.q.Stats(context.Background())
		if err != nil {
			f.t.Fatal(err)
		}
		return stats[rivertype.JobStateAvailable]+stats[rivertype.JobStateRunning]+
			stats[rivertype.JobStateScheduled]+stats[rivertype.JobStateRetryable]+stats[rivertype.JobStatePending] == 0
	})
}

// receiver is a webhook receiver on loopback that answers with respond
// and keeps every request.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []request
	respond  func(n int, w http.ResponseWriter) // n counts requests from 1
}

type request struct {
	header http.Header
	body   []byte
	status int
}

func newReceiver(t *testing.T, respond func(n int, w http.ResponseWriter)) *receiver {
	r := &receiver{respond: respond}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	n := len(r.requests) + 1
	r.mu.Unlock()
	rec := httptest.NewRecorder()
	if r.respond != nil {
		r.respond(n, rec)
	}
	r.mu.Lock()
	r.requests = append(r.requests, request{header: req.Header.Clone(), body: body, status: rec.Code})
	r.mu.Unlock()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
}

func (r *receiver) got() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.requests...)
}

// succeeded counts the requests the receiver answered with a 2xx.
func (r *receiver) succeeded() int {
	n := 0
	for _, q := range r.got() {
		if q.status >= 200 && q.status < 300 {
			n++
		}
	}
	return n
}

func status(code int, header ...string) func(int, http.ResponseWriter) {
	return func(_ int, w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
