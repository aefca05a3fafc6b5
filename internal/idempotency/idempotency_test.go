package idempotency_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/idempotency"
)

const keysRows = `SELECT count(*) FROM idempotency_keys`

func TestReplay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		s := start(t, store, setup{})
		c := call{principal: "p1", key: "k-1", body: `{"a":1}`}
		first := s.must(t, c)
		wantStatus(t, first, http.StatusCreated)
		if first.replayed() {
			t.Fatal("first response marked as replayed")
		}
		second := s.must(t, c)
		wantStatus(t, second, http.StatusCreated)
		if !second.replayed() {
			t.Fatal("second response not marked as replayed")
		}
		if second.body != first.body {
			t.Fatalf("replayed body %q, first %q", second.body, first.body)
		}
		for _, h := range []string{"Content-Type", "Location", "ETag"} {
			if got, want := second.header.Get(h), first.header.Get(h); got != want || want == "" {
				t.Errorf("replayed %s = %q, first %q", h, got, want)
			}
		}
		// Headers set by outer middleware belong to each request, not to
		// the kept response.
		if a, b := first.header.Get("X-Request-Id"), second.header.Get("X-Request-Id"); a == b {
			t.Errorf("replay carried the first request's X-Request-Id %q", a)
		}
		if n := s.calls.Load(); n != 1 {
			t.Fatalf("handler ran %d times, want 1", n)
		}
		if n := s.effects(t); n != 1 {
			t.Fatalf("%d side effects, want 1", n)
		}
	})
}

func TestOtherRequestSameKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		s := start(t, store, setup{})
		wantStatus(t, s.must(t, call{principal: "p1", key: "k", body: `{"a":1}`}), http.StatusCreated)
		for _, c := range []call{
			{principal: "p1", key: "k", body: `{"a":2}`},
			{principal: "p1", key: "k", body: `{"a":1}`, path: "/things?x=1"},
			{principal: "p1", key: "k", body: `{"a":1}`, path: "/other"},
		} {
			wantProblem(t, s.must(t, c), http.StatusUnprocessableEntity)
		}
		if n := s.calls.Load(); n != 1 {
			t.Fatalf("handler ran %d times, want 1", n)
		}
	})
}

func TestConcurrentSameKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		var g gate
		s := start(t, store, setup{hook: func(int64) { g.enter() }})
		g = newGate(t)

		const n = 6
		c := call{principal: "p1", key: "race", body: `{"a":1}`}
		results := make(chan result, n)
		for range n {
			go func() { results <- <-async(s, c) }()
		}
		g.waitEntered(t)
		// Every other request must be refused while the first is blocked;
		// a second handler run would block too and this would time out.
		for range n - 1 {
			wantProblem(t, within(t, results, "a concurrent request to be refused"), http.StatusConflict)
		}
		g.release()
		winner := within(t, results, "the running request")
		wantStatus(t, winner, http.StatusCreated)
		if s.effects(t) != 1 || s.calls.Load() != 1 {
			t.Fatalf("side effects %d, handler runs %d; want 1 and 1", s.effects(t), s.calls.Load())
		}
		retry := s.must(t, c)
		wantStatus(t, retry, http.StatusCreated)
		if !retry.replayed() || retry.body != winner.body {
			t.Fatalf("retry after completion = %+v, want replay of %q", retry, winner.body)
		}
	})
}

func TestPrincipalsAreIndependent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		s := start(t, store, setup{})
		a := s.must(t, call{principal: "alice", key: "shared", body: `{"who":"a"}`})
		b := s.must(t, call{principal: "bob", key: "shared", body: `{"who":"b"}`})
		wantStatus(t, a, http.StatusCreated)
		wantStatus(t, b, http.StatusCreated)
		if b.replayed() || b.body == a.body {
			t.Fatalf("bob got alice's response: %q", b.body)
		}
		// Each principal's key still replays its own response.
		if r := s.must(t, call{principal: "bob", key: "shared", body: `{"who":"b"}`}); !r.replayed() || r.body != b.body {
			t.Fatalf("bob's retry = %+v", r)
		}
		if n := s.effects(t); n != 2 {
			t.Fatalf("%d side effects, want 2", n)
		}
	})
}

func TestPassThrough(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		s := start(t, store, setup{})
		for _, c := range []call{
			{principal: "p1", body: `{"a":1}`},                              // no key
			{method: http.MethodGet, principal: "p1", key: "g"},             // not a POST
			{key: "anon", body: `{"a":1}`},                                  // anonymous
			{method: http.MethodPut, principal: "p1", key: "k", body: `{}`}, // not a POST
		} {
			for range 2 {
				r := s.must(t, c)
				if r.status != http.StatusCreated || r.replayed() {
					t.Fatalf("%+v: got %d replayed=%v", c, r.status, r.replayed())
				}
			}
		}
		if n := s.calls.Load(); n != 8 {
			t.Fatalf("handler ran %d times, want 8", n)
		}
		if n := count(t, store, keysRows); n != 0 {
			t.Fatalf("%d keys stored for requests without idempotency", n)
		}
	})
}

func TestServerErrorIsNotKept(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		s := start(t, store, setup{})
		c := call{principal: "p1", key: "k", body: `{"a":1}`}
		s.failNext.Store(true)
		wantStatus(t, s.must(t, c), http.StatusInternalServerError)
		if n := count(t, store, keysRows); n != 0 {
			t.Fatalf("a 5xx left %d keys", n)
		}
		retry := s.must(t, c)
		wantStatus(t, retry, http.StatusCreated)
		if retry.replayed() {
			t.Fatal("retry after 5xx was replayed")
		}
		if r := s.must(t, c); !r.replayed() || r.body != retry.body {
			t.Fatalf("third call = %+v, want replay of the success", r)
		}
		if n := s.calls.Load(); n != 2 {
			t.Fatalf("handler ran %d times, want 2", n)
		}
	})
}

func TestClientErrorIsKept(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		s := start(t, store, setup{})
		c := call{principal: "p1", key: "k", body: "bad"}
		first := s.must(t, c)
		wantStatus(t, first, http.StatusBadRequest)
		second := s.must(t, c)
		if second.status != http.StatusBadRequest || !second.replayed() || second.body != first.body {
			t.Fatalf("retry of a 4xx = %+v, want replay of %q", second, first.body)
		}
		if ct := second.header.Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("replayed Content-Type %q", ct)
		}
	})
}

func TestPanicReleasesKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		s := start(t, store, setup{hook: func(n int64) {
			if n == 1 {
				panic(http.ErrAbortHandler)
			}
		}})
		c := call{principal: "p1", key: "k", body: `{"a":1}`}
		if _, err := s.do(c); err == nil {
			t.Fatal("aborted handler produced a response")
		}
		r := s.must(t, c)
		wantStatus(t, r, http.StatusCreated)
		if r.replayed() {
			t.Fatal("retry after a panic was replayed")
		}
	})
}

func TestOversizeBody(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		s := start(t, store, setup{opts: idempotency.Options{MaxBody: 64}})
		big := `{"x":"` + strings.Repeat("y", 100) + `"}`
		for _, chunked := range []bool{false, true} {
			wantProblem(t, s.must(t, call{principal: "p1", key: "big", body: big, chunked: chunked}), http.StatusRequestEntityTooLarge)
		}
		if s.calls.Load() != 0 || count(t, store, keysRows) != 0 {
			t.Fatalf("oversize body ran the handler %d times, stored %d keys", s.calls.Load(), count(t, store, keysRows))
		}
		// At the limit is fine.
		wantStatus(t, s.must(t, call{principal: "p1", key: "ok", body: strings.Repeat("z", 64), chunked: true}), http.StatusCreated)
	})
}

func TestBadKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		s := start(t, store, setup{})
		for _, key := range []string{strings.Repeat("k", 256), "caf\u00e9"} {
			wantProblem(t, s.must(t, call{principal: "p1", key: key, body: `{}`}), http.StatusBadRequest)
		}
		// An empty header is present but empty: also refused.
		req, _ := http.NewRequest(http.MethodPost, s.url+"/things", strings.NewReader(`{}`))
		req.Header.Set(principalHeader, "p1")
		req.Header[idempotency.Header] = []string{""}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("empty key: status %d", resp.StatusCode)
		}
		if s.calls.Load() != 0 {
			t.Fatalf("handler ran for a bad key")
		}
	})
}

// TestStaleLockTakenOver: a request that outlives LockTimeout loses its key
// to a retry, and whatever it does when it finally ends (record a response or
// release the key after a server error) must not touch the retry's claim.
func TestStaleLockTakenOver(t *testing.T) {
	for _, lateFails := range []bool{false, true} {
		t.Run(map[bool]string{false: "late success", true: "late server error"}[lateFails], func(t *testing.T) {
			eachWithClock(t, func(t *testing.T, store *db.DB, clock *fakeClock) {
				staleLockTakenOver(t, store, clock, lateFails)
			})
		})
	}
}

func staleLockTakenOver(t *testing.T, store *db.DB, clock *fakeClock, lateFails bool) {
	// The first two runs block until released, each on its own gate.
	var gates [3]gate
	s := start(t, store, setup{
		opts: idempotency.Options{LockTimeout: time.Minute},
		hook: func(n int64) {
			if n < int64(len(gates)) {
				gates[n].enter()
			}
		},
	})
	for i := range gates {
		gates[i] = newGate(t)
	}
	c := call{principal: "p1", key: "k", body: `{"a":1}`}
	hung := async(s, c) // as if its process had died mid-request
	gates[1].waitEntered(t)
	wantProblem(t, s.must(t, c), http.StatusConflict)

	clock.Advance(time.Minute + time.Second)
	takeover := async(s, c)
	gates[2].waitEntered(t)

	// The hung request ends late; the key must still be the takeover's.
	s.failNext.Store(lateFails) // only the hung run reaches the check now
	gates[1].release()
	late := within(t, hung, "the hung request to finish")
	wantStatus(t, late, map[bool]int{false: http.StatusCreated, true: http.StatusInternalServerError}[lateFails])
	wantProblem(t, s.must(t, c), http.StatusConflict)

	gates[2].release()
	won := within(t, takeover, "the takeover to finish")
	wantStatus(t, won, http.StatusCreated)
	if won.replayed() || won.body == late.body {
		t.Fatalf("takeover answered %+v; hung request %q", won, late.body)
	}
	r := s.must(t, c)
	if !r.replayed() || r.body != won.body {
		t.Fatalf("replay = %q, want the takeover's %q", r.body, won.body)
	}
}

func TestExpiredKeyIsFree(t *testing.T) {
	eachWithClock(t, func(t *testing.T, store *db.DB, clock *fakeClock) {
		s := start(t, store, setup{opts: idempotency.Options{TTL: time.Hour}})
		wantStatus(t, s.must(t, call{principal: "p1", key: "k", body: `{"a":1}`}), http.StatusCreated)
		clock.Advance(59 * time.Minute)
		wantProblem(t, s.must(t, call{principal: "p1", key: "k", body: `{"a":2}`}), http.StatusUnprocessableEntity)
		clock.Advance(2 * time.Minute)
		r := s.must(t, call{principal: "p1", key: "k", body: `{"a":2}`})
		wantStatus(t, r, http.StatusCreated)
		if r.replayed() || !strings.Contains(r.body, `\"a\":2`) {
			t.Fatalf("reused expired key = %+v", r)
		}
		if n := count(t, store, keysRows); n != 1 {
			t.Fatalf("%d rows for one key", n)
		}
	})
}

func TestCleanup(t *testing.T) {
	eachWithClock(t, func(t *testing.T, store *db.DB, clock *fakeClock) {
		ctx := context.Background()
		s := start(t, store, setup{})
		for _, k := range []string{"old-1", "old-2", "old-3"} {
			wantStatus(t, s.must(t, call{principal: "p1", key: k, body: k}), http.StatusCreated)
		}
		// A key still held by a running request is never cleaned up.
		_, err := store.Write.Exec(`INSERT INTO idempotency_keys (principal, key, method, path, body_hash, created_at, locked_until)
			VALUES ('p1', 'held', 'POST', '/things', 'h', $1, $2)`, db.T(clock.Now()), db.T(clock.Now().Add(48*time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(2 * time.Hour)
		wantStatus(t, s.must(t, call{principal: "p1", key: "new", body: "new"}), http.StatusCreated)

		n, err := idempotency.Cleanup(ctx, store, clock.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Fatalf("Cleanup deleted %d, want 3", n)
		}
		if left := count(t, store, `SELECT count(*) FROM idempotency_keys WHERE key IN ('new', 'held')`); left != 2 || count(t, store, keysRows) != 2 {
			t.Fatalf("after cleanup: %d rows, want new and held", count(t, store, keysRows))
		}

		// A backlog larger than one batch goes in one call.
		const backlog = 1234
		err = store.InTx(ctx, func(tx *db.Tx) error {
			for i := range backlog {
				_, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (principal, key, method, path, body_hash, status, created_at)
					VALUES ('p2', $1, 'POST', '/things', 'h', 201, $2)`, fmt.Sprint(i), db.T(clock.Now()))
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(2 * time.Hour)
		n, err = idempotency.Cleanup(ctx, store, clock.Now().Add(-time.Hour))
		if err != nil || n != backlog+1 {
			t.Fatalf("Cleanup = %d, %v; want %d (backlog and new)", n, err, backlog+1)
		}
	})
}

// TestSecretsAreNotKept: a response marked Cache-Control: no-store (a new
// API key or signing secret) reaches the first caller but is never written to
// the table; a retry with the key does not run the request again and is told why.
func TestSecretsAreNotKept(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		srv := start(t, store, setup{})
		first := srv.must(t, call{principal: "alice", key: "k-secret", body: "secret"})
		if first.status != http.StatusCreated || !strings.Contains(first.body, "fh_supersecret1") {
			t.Fatalf("first: %d %s", first.status, first.body)
		}
		var stored int
		if err := store.Read.QueryRow(`SELECT count(*) FROM idempotency_keys WHERE response LIKE '%supersecret%'`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != 0 {
			t.Fatal("the secret was written to the idempotency table")
		}
		again := srv.must(t, call{principal: "alice", key: "k-secret", body: "secret"})
		if again.status != http.StatusConflict || strings.Contains(again.body, "supersecret") || srv.calls.Load() != 1 {
			t.Fatalf("retry: %d %s after %d calls", again.status, again.body, srv.calls.Load())
		}
	})
}
