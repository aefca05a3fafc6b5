package idempotency_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/idempotency"
)

// fakeClock is the store's clock in tests that need time to pass.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// eachWithClock is dbtest.Each with a store whose clock the test moves.
func eachWithClock(t *testing.T, fn func(t *testing.T, store *db.DB, clock *fakeClock)) {
	t.Helper()
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			clock := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
			fn(t, dbtest.Open(t, e, clock.Now), clock)
		})
	}
}

// setup shapes the test server.
type setup struct {
	opts idempotency.Options
	// hook runs first in every handler call, with the call's number (from 1).
	hook func(n int64)
}

// server is a real HTTP server: request-id middleware, then the idempotency
// middleware, then a handler whose every successful run inserts one row
// into side_effects, so tests count what really happened.
type server struct {
	url      string
	store    *db.DB
	calls    atomic.Int64
	failNext atomic.Bool
}

const principalHeader = "X-Test-Principal"

func start(t *testing.T, store *db.DB, s setup) *server {
	t.Helper()
	if _, err := store.Write.Exec(`CREATE TABLE side_effects (n INTEGER NOT NULL, body TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	srv := &server{store: store}
	if s.opts.Logger == nil {
		s.opts.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	if s.opts.Principal == nil {
		s.opts.Principal = func(r *http.Request) string { return r.Header.Get(principalHeader) }
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := srv.calls.Add(1)
		if s.hook != nil {
			s.hook(n)
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if srv.failNext.CompareAndSwap(true, false) {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		if string(body) == "secret" { // a response holding a secret shown once
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"key":"fh_supersecret%d"}`, n)
			return
		}
		if string(body) == "bad" {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"title":"bad %d"}`, n)
			return
		}
		if _, err := store.Write.ExecContext(r.Context(), `INSERT INTO side_effects (n, body) VALUES ($1, $2)`, n, string(body)); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Location", fmt.Sprintf("/things/%d", n))
		w.Header().Set("ETag", fmt.Sprintf(`"v%d"`, n))
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"n":%d,"body":%q}`, n, body)
	})
	var requestID atomic.Int64
	withID := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", strconv.FormatInt(requestID.Add(1), 10))
			next.ServeHTTP(w, r)
		})
	}
	ts := httptest.NewServer(withID(idempotency.Middleware(store, s.opts)(handler)))
	t.Cleanup(ts.Close)
	srv.url = ts.URL
	return srv
}

// result is one response, read whole.
type result struct {
	status int
	header http.Header
	body   string
}

func (r result) replayed() bool { return r.header.Get(idempotency.ReplayedHeader) == "true" }

// client gives up rather than let a broken test hang on a blocked handler.
var client = &http.Client{Timeout: 10 * time.Second}

// call is one request to the test server.
type call struct {
	method, path, principal, key, body string
	// chunked hides the body's length so the server cannot refuse it early.
	chunked bool
}

func (s *server) do(c call) (result, error) {
	if c.method == "" {
		c.method = http.MethodPost
	}
	if c.path == "" {
		c.path = "/things"
	}
	var body io.Reader = strings.NewReader(c.body)
	if c.chunked {
		body = io.MultiReader(body)
	}
	req, err := http.NewRequest(c.method, s.url+c.path, body)
	if err != nil {
		return result{}, err
	}
	if c.key != "" {
		req.Header.Set(idempotency.Header, c.key)
	}
	if c.principal != "" {
		req.Header.Set(principalHeader, c.principal)
	}
	resp, err := client.Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, err
	}
	return result{status: resp.StatusCode, header: resp.Header, body: string(b)}, nil
}

func (s *server) must(t *testing.T, c call) result {
	t.Helper()
	r, err := s.do(c)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (s *server) effects(t *testing.T) int {
	t.Helper()
	return count(t, s.store, `SELECT count(*) FROM side_effects`)
}

func count(t *testing.T, store *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := store.Read.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantStatus fails unless r has status want.
func wantStatus(t *testing.T, r result, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status = %d, want %d; body %s", r.status, want, r.body)
	}
}

// wantProblem fails unless r is an RFC 9457 problem with status want.
func wantProblem(t *testing.T, r result, want int) {
	t.Helper()
	wantStatus(t, r, want)
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json", ct)
	}
	var p struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal([]byte(r.body), &p); err != nil {
		t.Fatalf("problem body %q: %v", r.body, err)
	}
	if p.Type != "about:blank" || p.Status != want || p.Title != http.StatusText(want) || p.Detail == "" {
		t.Fatalf("problem = %+v", p)
	}
}

// within waits for ch with a deadline, so a broken test fails rather than hangs.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// gate blocks a handler run until the test releases it.
type gate struct {
	entered chan struct{}
	open    chan struct{}
	once    *sync.Once
}

func newGate(t *testing.T) gate {
	g := gate{entered: make(chan struct{}, 16), open: make(chan struct{}), once: new(sync.Once)}
	// Never leave a handler blocked when a test fails: make the gate after
	// start, so this runs before the server's Close waits for handlers.
	t.Cleanup(g.release)
	return g
}

func (g gate) enter() {
	g.entered <- struct{}{}
	<-g.open
}

func (g gate) waitEntered(t *testing.T) { t.Helper(); within(t, g.entered, "a handler to start") }

func (g gate) release() { g.once.Do(func() { close(g.open) }) }

// async sends c in the background; a transport error comes back as status 0.
func async(s *server, c call) <-chan result {
	ch := make(chan result, 1)
	go func() {
		r, err := s.do(c)
		if err != nil {
			r = result{body: err.Error()}
		}
		ch <- r
	}()
	return ch
}
