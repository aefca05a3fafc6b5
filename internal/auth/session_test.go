package auth

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

func TestSessionStore(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		s := e.svc.Sessions()
		now := e.clock.Now()
		if err := s.Commit("tok-a", []byte("alpha"), now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit("tok-b", []byte{0, 1, 2, 255}, now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		b, found, err := s.Find("tok-b")
		if err != nil || !found || string(b) != "\x00\x01\x02\xff" {
			t.Fatalf("Find = %q, %v, %v (binary data must round-trip)", b, found, err)
		}
		if _, found, err := s.Find("nope"); found || err != nil {
			t.Fatalf("unknown token: found=%v err=%v", found, err)
		}
		// Commit overwrites data and expiry.
		if err := s.Commit("tok-a", []byte("alpha2"), now.Add(3*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if b, _, _ := s.Find("tok-a"); string(b) != "alpha2" {
			t.Fatalf("after overwrite: %q", b)
		}

		e.clock.Advance(2 * time.Hour) // tok-b expires exactly now
		if _, found, err := s.Find("tok-b"); found || err != nil {
			t.Fatalf("expired session found=%v err=%v", found, err)
		}
		all, err := s.All()
		if err != nil || len(all) != 1 || string(all["tok-a"]) != "alpha2" {
			t.Fatalf("All = %v, %v", all, err)
		}
		if n, err := s.Cleanup(ctx); err != nil || n != 1 {
			t.Fatalf("Cleanup = %d, %v; want 1", n, err)
		}
		if err := s.Delete("tok-a"); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete("tok-a"); err != nil {
			t.Fatalf("deleting a deleted session: %v", err)
		}
		if _, found, _ := s.Find("tok-a"); found {
			t.Fatal("deleted session found")
		}
		if all, err := s.All(); err != nil || all == nil || len(all) != 0 {
			t.Fatalf("All on an empty store = %v, %v; want an empty map", all, err)
		}
	})
}

// TestSessionManager drives the store through scs itself, on the real clock,
// as the web layer will.
func TestSessionManager(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			store := dbtest.Open(t, engine, nil)
			m := scs.New()
			m.Store = NewSessionStore(store)
			mux := http.NewServeMux()
			mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
				m.Put(r.Context(), "user_id", "u-42")
			})
			mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, m.GetString(r.Context(), "user_id"))
			})
			mux.HandleFunc("/out", func(w http.ResponseWriter, r *http.Request) {
				_ = m.Destroy(r.Context())
			})
			srv := httptest.NewServer(m.LoadAndSave(mux))
			defer srv.Close()
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar}
			get := func(path string) string {
				res, err := c.Get(srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return string(b)
			}
			get("/put")
			if got := get("/get"); got != "u-42" {
				t.Fatalf("session value = %q", got)
			}
			var n int
			_ = store.Read.QueryRowContext(ctx, `SELECT count(*) FROM sessions`).Scan(&n)
			if n != 1 {
				t.Fatalf("%d session rows, want 1", n)
			}
			get("/out")
			if got := get("/get"); got != "" {
				t.Fatalf("value after destroy = %q", got)
			}
		})
	}
}
