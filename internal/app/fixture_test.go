package app_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/app"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/provider"
	"github.com/fieldhub/fieldhub/internal/queue"
)

// TestMain makes password hashing nearly free. Every installation here
// creates and signs in several accounts, and at the production cost (46 MiB
// of argon2id per hash) under the race detector that was much of this
// package's time; internal/auth's own tests cover the real parameters.
func TestMain(m *testing.M) {
	auth.PasswordParams = auth.InsecureTestParams
	code := m.Run()
	if sqliteTemplate.dir != "" {
		os.RemoveAll(sqliteTemplate.dir)
	}
	os.Exit(code)
}

// sqliteTemplate is a SQLite data directory migrated once per test process.
// Migrating takes over a second under the race detector (the driver is Go
// translated from C), and nearly every test here starts an installation;
// copying the migrated file makes app.Build's migration a check that finds
// nothing to do. The CLI test still migrates from empty, and so does
// internal/db's.
var sqliteTemplate struct {
	once sync.Once
	dir  string
	err  error
}

// copyTemplate copies the migrated SQLite files into dir.
func copyTemplate(tb testing.TB, dir string) {
	tb.Helper()
	sqliteTemplate.once.Do(func() { sqliteTemplate.dir, sqliteTemplate.err = migrateTemplate() })
	if sqliteTemplate.err != nil {
		tb.Fatalf("migrate the SQLite template: %v", sqliteTemplate.err)
	}
	files, err := os.ReadDir(sqliteTemplate.dir)
	if err != nil {
		tb.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(sqliteTemplate.dir, f.Name()))
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, f.Name()), b, 0o600)
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// migrateTemplate makes a migrated SQLite data directory. Closing the store
// folds its write-ahead log into the database file.
func migrateTemplate() (string, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "fieldhub-sqlite-template-")
	if err != nil {
		return "", err
	}
	store, err := db.Open(ctx, db.Config{DataDir: dir})
	if err != nil {
		return dir, err
	}
	err = store.Migrate(ctx, slog.New(slog.DiscardHandler))
	return dir, errors.Join(err, store.Close())
}

// testPassword is the password of every account the fixture creates.
const testPassword = "correct horse battery staple"

// standardUsers are the accounts of every installation: staff of each role
// the tests act as, and a contractor account without a profile.
var standardUsers = []auth.NewUser{
	{Kind: auth.KindStaff, Email: "admin@test.example", Name: "Admin", Roles: []auth.Role{auth.RoleAdmin}},
	{Kind: auth.KindStaff, Email: "viewer@test.example", Name: "Viewer", Roles: []auth.Role{auth.RoleViewer}},
	{Kind: auth.KindStaff, Email: "ops@test.example", Name: "Ops", Roles: []auth.Role{auth.RoleOps, auth.RoleCSR}},
	{Kind: auth.KindStaff, Email: "dana@test.example", Name: "Dana Depot", Roles: []auth.Role{auth.RoleDepot}},
	{Kind: auth.KindStaff, Email: "fin@test.example", Name: "Fin", Roles: []auth.Role{auth.RoleFinance}},
	{Kind: auth.KindContractor, Email: "zane@test.example", Name: "Zane"},
}

// setup is what a test asks of its installation beyond the standard one
// (providers ACME and OTHER with a key each, standardUsers). The zero value
// is startServer's: the real server, as the binary runs it.
type setup struct {
	// clock, when not nil, is the installation's clock.
	clock *testClock
	// config changes settings as an operator would (Jira, WorkMarket,
	// the artifact directory).
	config func(*app.Config)
	// users are more accounts, each with testPassword.
	users []auth.NewUser
	// seed runs on the built installation before it is served, for what
	// has no route or must exist before the server starts.
	seed func(*app.App)
	// extend wires what only app.Build takes (trackers, field platforms).
	// It needs inProcess.
	extend []func(*app.App)
	// inProcess serves the built App itself over loopback, with its queue
	// polling every 20ms, so that the test's direct calls (Sweep, events)
	// and the server share one set of services. Otherwise app.Serve builds
	// and serves the installation of its own.
	inProcess bool
}

// install is a served installation and a handle on its services, open
// until the test ends.
type install struct {
	world
	app   *app.App
	cfg   app.Config
	clock *testClock // nil unless the setup gave one
}

// startServerWith sets up an installation on engine e as s says and serves
// it until the test ends.
func startServerWith(t *testing.T, e db.Engine, s setup) *install {
	t.Helper()
	if len(s.extend) > 0 && !s.inProcess {
		t.Fatal("setup.extend needs inProcess: app.Serve builds an App of its own")
	}
	a, cfg := buildWith(t, e, s)
	in := &install{world: populate(t, a, s.users), app: a, cfg: cfg, clock: s.clock}
	if s.seed != nil {
		s.seed(a)
	}
	if s.inProcess {
		in.base = serveInProcess(t, a)
	} else {
		in.base = serveReal(t, cfg)
	}
	return in
}

// buildWith builds an empty installation on engine e with s's clock,
// config and extend, without serving it; it is closed when the test ends.
func buildWith(t *testing.T, e db.Engine, s setup) (*app.App, app.Config) {
	t.Helper()
	cfg := testConfig(t, e)
	if s.clock != nil {
		cfg.Clock = s.clock.Now
	}
	if s.config != nil {
		s.config(&cfg)
	}
	var qcfg queue.Config
	if s.inProcess {
		qcfg.FetchPollInterval = 20 * time.Millisecond
	}
	a, err := app.Build(context.Background(), cfg, cfg.Logger(), qcfg, s.extend...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a, cfg
}

// demoApp is an installation on SQLite with the demo world loaded, not
// served.
func demoApp(t *testing.T) *app.App {
	t.Helper()
	a, _ := buildWith(t, db.SQLite, setup{})
	if err := a.LoadDemo(context.Background(), io.Discard); err != nil {
		t.Fatal(err)
	}
	return a
}

// populate creates the providers, their keys and the accounts.
func populate(t *testing.T, a *app.App, more []auth.NewUser) world {
	t.Helper()
	ctx := context.Background()
	sys := event.Actor{Kind: event.ActorSystem, ID: "test"}
	w := world{adminEmail: "admin@test.example", adminPassword: testPassword}
	for _, p := range []provider.Provider{{Code: "ACME", Name: "Acme"}, {Code: "OTHER", Name: "Other Co"}} {
		created, err := a.Providers.Create(ctx, p, sys)
		if err != nil {
			t.Fatal(err)
		}
		k, key, err := a.Auth.CreateKey(ctx, created.ID, "test", auth.System)
		if err != nil {
			t.Fatal(err)
		}
		if p.Code == "ACME" {
			w.acmeKey, w.acmeKeyID = key, k.ID
		} else {
			w.otherKey = key
		}
	}
	for _, u := range append(append([]auth.NewUser(nil), standardUsers...), more...) {
		u.Password = testPassword
		if _, err := a.Auth.CreateUser(ctx, u, auth.System); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// serveReal runs the real server (app.Serve) on cfg's installation, on a
// free port, until the test ends, and returns its base URL.
func serveReal(t *testing.T, cfg app.Config) string {
	t.Helper()
	sctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- app.Serve(sctx, cfg, app.ServeConfig{Addr: "127.0.0.1:0", ShutdownTimeout: 10 * time.Second},
			func(addr string) { ready <- addr })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr
	case err := <-done:
		t.Fatalf("server did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start in time")
	}
	return ""
}

// serveInProcess serves a's handler over loopback and works its queue
// until the test ends, and returns the base URL.
func serveInProcess(t *testing.T, a *app.App) string {
	t.Helper()
	ctx := context.Background()
	srv := httptest.NewServer(a.Handler(app.ServeConfig{}))
	t.Cleanup(srv.Close)
	if err := a.Queue.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Queue.Stop(ctx) })
	return srv.URL
}

// login is a new client signed in through /login as the account with
// email and testPassword: a staff or contractor session.
func (w world) login(t *testing.T, email string) *client {
	t.Helper()
	c := newClient(t, w.base, "")
	want(t, c.signIn(email, testPassword), http.StatusSeeOther)
	return c
}

// testClock is an installation clock a test sets or moves forward.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

// newClock is a clock standing at at, to the second.
func newClock(at time.Time) *testClock { return &testClock{now: at.UTC().Truncate(time.Second)} }

// Now is the clock's time; it is the installation's time.Now.
func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Set moves the clock to at.
func (c *testClock) Set(at time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = at }

// Advance moves the clock on by d.
func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// wantRefusal checks a problem's status and that its body mentions each
// of parts.
func wantRefusal(t *testing.T, r response, status int, parts ...string) {
	t.Helper()
	want(t, r, status)
	for _, p := range parts {
		if !strings.Contains(string(r.body), p) {
			t.Errorf("problem does not mention %s: %s", p, r.body)
		}
	}
}

// wantProblem checks a refusal's status and that it names each field.
func wantProblem(t *testing.T, r response, status int, fields ...string) {
	t.Helper()
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = `"field":"` + f + `"`
	}
	wantRefusal(t, r, status, parts...)
}

// timelineTypes are the event types on a work order's timeline, oldest first.
func timelineTypes(t *testing.T, c *client, woID string) []string {
	t.Helper()
	return itemTypes(t, c.do("GET", "/v1/work-orders/"+woID+"/timeline", nil))
}

// itemTypes are the "type" of each item of a list page.
func itemTypes(t *testing.T, r response) []string {
	t.Helper()
	var out []string
	for _, it := range list(t, r) {
		out = append(out, it["type"].(string))
	}
	return out
}

// count is how many times s is in list.
func count(list []string, s string) int {
	n := 0
	for _, v := range list {
		if v == s {
			n++
		}
	}
	return n
}
