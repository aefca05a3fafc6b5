package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/app"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// world is what a test sets up before the server starts.
type world struct {
	base          string
	adminEmail    string
	adminPassword string
	acmeKey       string
	acmeKeyID     string
	otherKey      string
}

// testConfig is an installation on a fresh database of engine e, logging
// only errors. A SQLite database starts as a copy of one migrated once per
// test process (see sqliteTemplate); a PostgreSQL one starts empty.
func testConfig(tb testing.TB, e db.Engine) app.Config {
	tb.Helper()
	dbc := dbtest.Config(tb, e)
	if e == db.SQLite {
		copyTemplate(tb, dbc.DataDir)
	}
	return app.Config{DataDir: dbc.DataDir, DatabaseURL: dbc.DatabaseURL, LogLevel: "error", LogFormat: "text"}
}

// startServer sets up the standard installation on engine e and runs the
// real server (app.Serve) on a free port until the test ends.
func startServer(t *testing.T, e db.Engine) world {
	t.Helper()
	return startServerWith(t, e, setup{}).world
}

type client struct {
	t    *testing.T
	http *http.Client
	base string
	key  string
}

func newClient(t *testing.T, base, key string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, key: key, http: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	return decode[map[string]any](t, r)
}

// decode reads r's body as JSON into a T.
func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body is not a JSON %T: %v\n%s", v, err, r.body)
	}
	return v
}

// do sends a request with body (nil, a string as is, or anything else as
// JSON) and the header pairs in headers.
func (c *client) do(method, path string, body any, headers ...string) response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		rd = bytes.NewReader(buf)
	}
	contentType := ""
	if rd != nil {
		contentType = "application/json"
	}
	return c.send(method, path, contentType, rd, headers...)
}

// send sends a request with the client's key, contentType (when not
// empty) and the header pairs in headers, which may override it.
func (c *client) send(method, path, contentType string, body io.Reader, headers ...string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, b}
}

func (c *client) signIn(email, password string) response {
	c.t.Helper()
	form := url.Values{"email": {email}, "password": {password}, "next": {"/"}}
	res, err := c.http.PostForm(c.base+"/login", form)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, b}
}

func want(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
}

func TestEndToEnd(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) { endToEnd(t, startServer(t, e)) })
	}
}

func endToEnd(t *testing.T, w world) {
	anon := newClient(t, w.base, "")
	acme := newClient(t, w.base, w.acmeKey)
	admin := newClient(t, w.base, "")

	t.Run("health and readiness", func(t *testing.T) {
		want(t, anon.do("GET", "/healthz", nil), 200)
		r := anon.do("GET", "/readyz", nil)
		want(t, r, 200)
		if r.json(t)["status"] != "ready" {
			t.Fatalf("readyz: %s", r.body)
		}
	})

	t.Run("401 without a key, 200 with one", func(t *testing.T) {
		r := anon.do("GET", "/v1/me", nil)
		want(t, r, 401)
		if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("content type %q", ct)
		}
		want(t, newClient(t, w.base, "fh_notakey").do("GET", "/v1/me", nil), 401)
		r = acme.do("GET", "/v1/me", nil)
		want(t, r, 200)
		me := r.json(t)
		if me["kind"] != "provider" || me["provider"] != "ACME" {
			t.Fatalf("me = %v", me)
		}
	})

	t.Run("a provider key sees only its own provider", func(t *testing.T) {
		want(t, acme.do("GET", "/v1/providers/ACME", nil), 200)
		want(t, acme.do("GET", "/v1/providers/OTHER", nil), 404)
		want(t, acme.do("GET", "/v1/providers", nil), 403)
		want(t, acme.do("PATCH", "/v1/providers/ACME", map[string]any{"name": "x"}), 403)
	})

	t.Run("staff sign in", func(t *testing.T) {
		r := anon.do("GET", "/", nil)
		want(t, r, http.StatusSeeOther)
		if !strings.HasPrefix(r.header.Get("Location"), "/login") {
			t.Fatalf("redirect to %q", r.header.Get("Location"))
		}
		want(t, admin.signIn(w.adminEmail, "wrong password!!"), 401)
		want(t, admin.signIn(w.adminEmail, w.adminPassword), http.StatusSeeOther)
		r = admin.do("GET", "/", nil)
		want(t, r, 200)
		if !bytes.Contains(r.body, []byte(w.adminEmail)) {
			t.Fatal("home page does not show who is signed in")
		}
		me := admin.do("GET", "/v1/me", nil).json(t)
		if me["kind"] != "staff" || me["email"] != w.adminEmail {
			t.Fatalf("me = %v", me)
		}
	})

	t.Run("OpenAPI 3.1 document and offline reference", func(t *testing.T) {
		r := anon.do("GET", "/v1/openapi.json", nil)
		want(t, r, 200)
		doc := r.json(t)
		if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1") {
			t.Fatalf("openapi = %q", v)
		}
		paths, _ := doc["paths"].(map[string]any)
		for _, p := range []string{"/v1/me", "/v1/providers", "/v1/providers/{code}"} {
			if _, ok := paths[p]; !ok {
				t.Errorf("OpenAPI lacks %s", p)
			}
		}
		r = anon.do("GET", "/docs/api", nil)
		want(t, r, 200)
		if !bytes.Contains(r.body, []byte("/v1/providers/{code}")) || bytes.Contains(r.body, []byte("https://")) && bytes.Contains(r.body, []byte("<script src=\"https")) {
			t.Fatal("reference page is missing operations or loads scripts from the internet")
		}
	})

	t.Run("idempotent replay", func(t *testing.T) {
		body := map[string]any{"code": "NEWCO", "name": "New Co"}
		first := admin.do("POST", "/v1/providers", body, "Idempotency-Key", "create-newco-1")
		want(t, first, 201)
		again := admin.do("POST", "/v1/providers", body, "Idempotency-Key", "create-newco-1")
		want(t, again, 201)
		if !bytes.Equal(first.body, again.body) || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay differs:\n%s\n%s", first.body, again.body)
		}
		other := admin.do("POST", "/v1/providers", map[string]any{"code": "NEWCO2", "name": "x"}, "Idempotency-Key", "create-newco-1")
		want(t, other, 422)
		want(t, admin.do("GET", "/v1/providers/NEWCO2", nil), 404)
		// Without the key the duplicate code is refused by the store.
		want(t, admin.do("POST", "/v1/providers", body), 409)
	})

	t.Run("ETag and If-Match", func(t *testing.T) {
		r := admin.do("GET", "/v1/providers/ACME", nil)
		want(t, r, 200)
		etag := r.header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		r = admin.do("PATCH", "/v1/providers/ACME", map[string]any{"name": "Acme Aesthetics"}, "If-Match", etag)
		want(t, r, 200)
		if r.header.Get("ETag") == etag || r.json(t)["name"] != "Acme Aesthetics" {
			t.Fatalf("update did not take: %s", r.body)
		}
		r = admin.do("PATCH", "/v1/providers/ACME", map[string]any{"name": "Stale Write"}, "If-Match", etag)
		want(t, r, 412)
		if admin.do("GET", "/v1/providers/ACME", nil).json(t)["name"] != "Acme Aesthetics" {
			t.Fatal("a stale write changed the provider")
		}
	})

	t.Run("unknown and bad fields are 422 naming the field", func(t *testing.T) {
		r := admin.do("PATCH", "/v1/providers/ACME", map[string]any{"nmae": "typo"})
		want(t, r, 422)
		if !bytes.Contains(r.body, []byte("nmae")) {
			t.Fatalf("problem does not name the field: %s", r.body)
		}
		r = admin.do("PATCH", "/v1/providers/ACME", map[string]any{"contacts": []map[string]any{{"name": "X", "email": "not-an-email"}}})
		want(t, r, 422)
		if !bytes.Contains(r.body, []byte("body.contacts[0].email")) {
			t.Fatalf("problem does not name the field: %s", r.body)
		}
		want(t, admin.do("POST", "/v1/providers", "{not json"), 400)
		big := `{"code":"BIG","name":"` + strings.Repeat("x", 2<<20) + `"}`
		want(t, admin.do("POST", "/v1/providers", big), 413)
	})

	t.Run("revoked key is refused", func(t *testing.T) {
		want(t, acme.do("GET", "/v1/me", nil), 200)
		want(t, admin.do("POST", "/v1/api-keys/"+w.acmeKeyID+"/revoke", nil), 204)
		want(t, acme.do("GET", "/v1/me", nil), 401)
		// The other provider's key still works.
		want(t, newClient(t, w.base, w.otherKey).do("GET", "/v1/me", nil), 200)
	})

	t.Run("audit log records sign-ins and revocations", func(t *testing.T) {
		r := admin.do("GET", "/v1/admin/audit-log?limit=200", nil)
		want(t, r, 200)
		for _, action := range []string{"signin.succeeded", "signin.failed", "apikey.revoked", "authz.denied"} {
			if !bytes.Contains(r.body, []byte(`"`+action+`"`)) {
				t.Errorf("audit log lacks %s", action)
			}
		}
	})

	t.Run("metrics count requests by route and jobs by state", func(t *testing.T) {
		r := anon.do("GET", "/metrics", nil)
		want(t, r, 200)
		for _, m := range []string{`fieldhub_http_requests_total{method="GET",route="GET /v1/me",status="200"}`, `fieldhub_jobs{state="available"}`} {
			if !bytes.Contains(r.body, []byte(m)) {
				t.Errorf("metrics lack %s", m)
			}
		}
	})

	t.Run("cross-site form posts are refused", func(t *testing.T) {
		r := anon.do("POST", "/login", "email=a&password=b", "Sec-Fetch-Site", "cross-site", "Content-Type", "application/x-www-form-urlencoded")
		want(t, r, 403)
	})
}
