package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/api"
	"github.com/fieldhub/fieldhub/internal/app"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/provider"
	"github.com/fieldhub/fieldhub/internal/queue"
	"github.com/fieldhub/fieldhub/internal/workorder"
	"github.com/google/uuid"
)

// intakeClients is how many provider systems send orders at once.
const intakeClients = 32

// intakeRounds is how many turns each side's b.N requests are split into.
const intakeRounds = 5

// baselineTable is the benchmark's own table: what a hand-written intake
// needs at the least — an id, the provider's id kept unique so a repeat can
// be found, and the order as sent. The work_orders table's search indexes,
// the events and the jobs are deliberately not in it: they are what the
// full path costs over the bare one.
const baselineTable = `CREATE TABLE intake_baseline (
	id TEXT PRIMARY KEY,
	external_id TEXT NOT NULL UNIQUE,
	body TEXT NOT NULL,
	created_at TEXT NOT NULL)`

// BenchmarkIntake measures work orders created through the whole API path
// against a bare net/http handler that decodes the same body and inserts
// one row, both served over loopback from one installation: the same
// database and the same connection pools, in the same run. b.N is the
// number of requests each side serves.
//
// The full path is POST /v1/work-orders with a provider API key, a fresh
// Idempotency-Key and a fresh external_id per request: key lookup, the
// idempotency claim and record, validation, entitlement, the work order and
// its device row, two events and, in the same transaction, one delivery
// job per event and subscriber that Build wires (the webhook fan-out
// subscribes to every event); the jobs/req metric shows how many. The job
// queue is not started: the jobs are written (that cost is measured) but
// not worked, since working them here would measure the workers rather
// than intake and take the one SQLite writer from whichever side was
// running.
func BenchmarkIntake(b *testing.B) {
	for _, e := range dbtest.Engines() {
		// The testing package runs each sub-benchmark several times while
		// it sizes b.N; only the last run's summary is worth printing.
		var summary string
		b.Run(string(e), func(b *testing.B) { summary = benchIntake(b, e) })
		if summary != "" {
			fmt.Println(summary) // a parent benchmark's b.Log is shown only with -v
		}
	}
}

// benchIntake runs b.N requests on each side and returns a one-line summary.
func benchIntake(b *testing.B, e db.Engine) string {
	b.StopTimer()
	ctx := context.Background()
	a, full, bare, key := intakeServers(b, e)
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		MaxIdleConns: 2 * intakeClients, MaxIdleConnsPerHost: 2 * intakeClients, IdleConnTimeout: time.Minute,
	}}
	b.Cleanup(client.CloseIdleConnections)

	sendFull := func(id string) error {
		return post(client, full.URL+"/v1/work-orders", id, "Authorization", "Bearer "+key, "Idempotency-Key", "bench-"+id)
	}
	sendBare := func(id string) error { return post(client, bare.URL+"/intake", id) }

	jobsBefore := countRows(ctx, b, a.Store, deliveryJobs) // the provider's own event queued some

	// Warm both sides: connections, statement caches, the key lookup.
	for _, side := range []struct {
		name string
		send func(string) error
	}{{"bare", sendBare}, {"full", sendFull}} {
		var warm load
		if err := warm.drive(0, intakeClients*2, func(i int) error { return side.send("WARM-" + strconv.Itoa(i)) }); err != nil {
			b.Fatalf("warm-up %s: %v", side.name, err)
		}
	}

	// The two sides take turns in rounds, so that a burst of other work on
	// a shared machine falls on both rather than on whichever ran then.
	var base, figure load
	b.StartTimer()
	for r := range intakeRounds {
		from, to := b.N*r/intakeRounds, b.N*(r+1)/intakeRounds
		if err := base.drive(from, to, func(i int) error { return sendBare("PO-" + strconv.Itoa(i)) }); err != nil {
			b.Fatalf("bare: %v", err)
		}
		if err := figure.drive(from, to, func(i int) error { return sendFull("PO-" + strconv.Itoa(i)) }); err != nil {
			b.Fatalf("full path: %v", err)
		}
	}
	b.StopTimer()
	jobs := checkIntake(ctx, b, a.Store, b.N+intakeClients*2, jobsBefore)

	fullRPS, fullP50, fullP99 := figure.rps(), ms(figure.percentile(0.50)), ms(figure.percentile(0.99))
	bareRPS, bareP50, bareP99 := base.rps(), ms(base.percentile(0.50)), ms(base.percentile(0.99))
	ratio := fullRPS / bareRPS
	// ns/op would be both sides' wall time per pair of requests, which
	// means nothing; B/op and allocs/op (with -benchmem) likewise count one
	// request of each kind, client and server together.
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(fullRPS, "req/s")
	b.ReportMetric(fullP50, "p50-ms")
	b.ReportMetric(fullP99, "p99-ms")
	b.ReportMetric(bareRPS, "bare-req/s")
	b.ReportMetric(bareP50, "bare-p50-ms")
	b.ReportMetric(bareP99, "bare-p99-ms")
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(jobs, "jobs/req")
	return fmt.Sprintf("intake on %s, %d requests each from %d clients: "+
		"baseline (bare handler, one insert) %.0f req/s, p50 %.2f ms, p99 %.2f ms; "+
		"full API path (%.0f jobs per request) %.0f req/s, p50 %.2f ms, p99 %.2f ms; ratio full/bare %.3f",
		e, b.N, intakeClients, bareRPS, bareP50, bareP99, jobs, fullRPS, fullP50, fullP99, ratio)
}

// intakeServers builds one installation on engine e and serves it twice on
// loopback: the real handler, and the bare baseline over the same store.
// It returns the app, both servers and a provider API key.
func intakeServers(b *testing.B, e db.Engine) (*app.App, *httptest.Server, *httptest.Server, string) {
	b.Helper()
	ctx := context.Background()
	cfg := testConfig(b, e)
	a, err := app.Build(ctx, cfg, cfg.Logger(), queue.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	acme, err := a.Providers.Create(ctx, provider.Provider{Code: "ACME", Name: "Acme"}, event.Actor{Kind: event.ActorSystem, ID: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	_, key, err := a.Auth.CreateKey(ctx, acme.ID, "bench", auth.System)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := a.Store.Write.ExecContext(ctx, baselineTable); err != nil {
		b.Fatal(err)
	}

	full := httptest.NewServer(a.Handler(app.ServeConfig{}))
	b.Cleanup(full.Close)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /intake", bareIntake(a.Store))
	bare := httptest.NewServer(mux)
	b.Cleanup(bare.Close)
	return a, full, bare, key
}

// bareIntake is the baseline: read and decode the same JSON, one INSERT in
// one transaction through the store's write pool, answer 201 with the id.
func bareIntake(store *db.DB) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, api.MaxBody))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var in workorder.Intake
		if err := json.Unmarshal(raw, &in); err != nil || in.ExternalID == "" {
			http.Error(w, "bad intake", http.StatusBadRequest)
			return
		}
		id := uuid.Must(uuid.NewV7()).String()
		err = store.InTx(r.Context(), func(tx *db.Tx) error {
			_, err := tx.ExecContext(r.Context(), `INSERT INTO intake_baseline (id, external_id, body, created_at) VALUES ($1, $2, $3, $4)`,
				id, in.ExternalID, string(raw), db.T(tx.Now))
			return err
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":%q}`, id)
	}
}

// post sends the example order under externalID and wants 201.
func post(client *http.Client, url, externalID string, headers ...string) error {
	body := strings.Replace(intakeBody, "PO-1001", externalID, 1)
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 1<<10))
		return fmt.Errorf("%s: status %d: %s", externalID, res.StatusCode, bytes.TrimSpace(msg))
	}
	_, err = io.Copy(io.Discard, res.Body) // read to the end so the connection is reused
	return err
}

// load is one side's requests so far: how many, the time spent sending
// them and each one's latency.
type load struct {
	n       int
	elapsed time.Duration
	lat     []time.Duration
}

// drive runs send for requests from..to-1 from intakeClients goroutines and
// measures each request from sending to the last byte of the answer. The
// first error stops every client.
func (l *load) drive(from, to int, send func(i int) error) error {
	var (
		next    atomic.Int64
		stop    atomic.Bool
		errOnce sync.Once
		first   error
		wg      sync.WaitGroup
	)
	next.Store(int64(from))
	lat := make([][]time.Duration, intakeClients)
	start := time.Now()
	for c := range intakeClients {
		wg.Go(func() {
			for !stop.Load() {
				i := int(next.Add(1) - 1)
				if i >= to {
					return
				}
				t0 := time.Now()
				if err := send(i); err != nil {
					errOnce.Do(func() { first = err })
					stop.Store(true)
					return
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		})
	}
	wg.Wait()
	l.elapsed += time.Since(start)
	l.n += to - from
	for _, c := range lat {
		l.lat = append(l.lat, c...)
	}
	return first
}

// rps is requests per second of time spent on this side.
func (l *load) rps() float64 { return float64(l.n) / l.elapsed.Seconds() }

// percentile is the nearest-rank percentile q of the latencies.
func (l *load) percentile(q float64) time.Duration {
	if len(l.lat) == 0 {
		return 0
	}
	slices.Sort(l.lat)
	i := int(math.Ceil(q*float64(len(l.lat)))) - 1
	return l.lat[max(i, 0)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// deliveryJobs counts the event deliveries queued.
const deliveryJobs = `SELECT count(*) FROM river_job WHERE kind = '` + event.DeliverKind + `'`

func countRows(ctx context.Context, b *testing.B, store *db.DB, query string) int {
	b.Helper()
	var n int
	if err := store.Read.QueryRowContext(ctx, query).Scan(&n); err != nil {
		b.Fatalf("%s: %v", query, err)
	}
	return n
}

// checkIntake confirms that both sides did what they are credited with —
// n baseline rows; n work orders, each with its two events and its
// idempotency key recorded as a 201 — and returns the delivery jobs queued
// per work order beyond the jobsBefore there were.
func checkIntake(ctx context.Context, b *testing.B, store *db.DB, n, jobsBefore int) float64 {
	b.Helper()
	for _, c := range []struct {
		what, query string
		want        int
	}{
		{"baseline rows", `SELECT count(*) FROM intake_baseline`, n},
		{"work orders", `SELECT count(*) FROM work_orders`, n},
		{"events", `SELECT count(*) FROM events WHERE subject_type = 'work_order'`, 2 * n},
		{"recorded idempotency keys", `SELECT count(*) FROM idempotency_keys WHERE status = 201`, n},
	} {
		if got := countRows(ctx, b, store, c.query); got != c.want {
			b.Fatalf("%s: %d, want %d", c.what, got, c.want)
		}
	}
	return float64(countRows(ctx, b, store, deliveryJobs)-jobsBefore) / float64(n)
}
