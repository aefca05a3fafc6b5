package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/app"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/depot"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/provider"
	"github.com/fieldhub/fieldhub/internal/queue"
)

const depotPassword = "correct horse battery staple"

// depotWorld is a running installation with a provider, staff of every
// depot-relevant role, and a settable clock.
type depotWorld struct {
	base     string
	acmeKey  string
	clock    *testClock
	depot    *client // depot technician "Dana Depot"
	admin    *client
	viewer   *client
	contract *client
}

// testClock is an installation clock a test moves forward.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// startDepot builds an installation on engine e (with tr as its issue
// tracker, when not nil) and serves it over loopback.
func startDepot(t *testing.T, e db.Engine, tr depot.Tracker) depotWorld {
	t.Helper()
	ctx := context.Background()
	clock := &testClock{now: time.Now().UTC().Truncate(time.Second)}
	cfg := testConfig(t, e)
	cfg.Clock = clock.Now
	a, err := app.Build(ctx, cfg, cfg.Logger(), queue.Config{FetchPollInterval: 20 * time.Millisecond}, func(a *app.App) {
		if tr != nil {
			a.Depot.SetTracker(tr)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	acme, err := a.Providers.Create(ctx, provider.Provider{Code: "ACME", Name: "Acme"}, event.System)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []auth.NewUser{
		{Kind: auth.KindStaff, Email: "admin@test.example", Name: "Admin", Roles: []auth.Role{auth.RoleAdmin}},
		{Kind: auth.KindStaff, Email: "dana@test.example", Name: "Dana Depot", Roles: []auth.Role{auth.RoleDepot}},
		{Kind: auth.KindStaff, Email: "viewer@test.example", Name: "Viewer", Roles: []auth.Role{auth.RoleViewer}},
		{Kind: auth.KindContractor, Email: "zane@test.example", Name: "Zane"},
	} {
		u.Password = depotPassword
		if _, err := a.Auth.CreateUser(ctx, u, auth.System); err != nil {
			t.Fatal(err)
		}
	}
	_, key, err := a.Auth.CreateKey(ctx, acme.ID, "test", auth.System)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler(app.ServeConfig{}))
	t.Cleanup(srv.Close)
	if err := a.Queue.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Queue.Stop(ctx) })
	w := depotWorld{base: srv.URL, acmeKey: key, clock: clock}
	signed := func(email string) *client {
		c := newClient(t, srv.URL, "")
		want(t, c.signIn(email, depotPassword), 303)
		return c
	}
	w.depot, w.admin, w.viewer, w.contract = signed("dana@test.example"), signed("admin@test.example"), signed("viewer@test.example"), signed("zane@test.example")
	return w
}

// workOrder creates a work order of serviceType through the API and
// returns its id.
func (w depotWorld) workOrder(t *testing.T, externalID, serviceType string) string {
	t.Helper()
	r := newClient(t, w.base, w.acmeKey).do("POST", "/v1/work-orders", map[string]any{
		"external_id": externalID, "service_type": serviceType, "priority": "normal",
		"customer": map[string]any{"name": "Lakeside Clinic", "email": "frontdesk@lakeside.example"},
		"site":     map[string]any{"line1": "5803 E Northwest Hwy", "city": "Dallas", "state": "TX", "zip": "75231"},
	})
	want(t, r, 201)
	return r.json(t)["id"].(string)
}

func receipt(woID, serial string, extra map[string]any) map[string]any {
	m := map[string]any{"work_order_id": woID, "serial": serial, "model": "GentleMax Pro", "manufacturer": "Candela",
		"photos": []string{"art_" + serial + "_front"}}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// ticketView is what the tests read of a ticket.
type ticketView struct {
	ID         string   `json:"id"`
	Number     string   `json:"number"`
	DeviceID   string   `json:"device_id"`
	Stage      string   `json:"stage"`
	Status     string   `json:"status"`
	Missing    []string `json:"missing"`
	Version    int64    `json:"version"`
	IssueKey   string   `json:"issue_key"`
	QAFailures int      `json:"qa_failures"`
	Log        []struct {
		Stage   string `json:"stage"`
		Outcome string `json:"outcome"`
		To      string `json:"to"`
		Reason  string `json:"reason"`
		Notes   string `json:"notes"`
		Actor   struct {
			Name string `json:"name"`
		} `json:"actor"`
		Parts []struct {
			SKU      string `json:"sku"`
			Quantity int    `json:"quantity"`
		} `json:"parts"`
	} `json:"log"`
}

func asTicket(t *testing.T, r response) ticketView {
	t.Helper()
	var v ticketView
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("not a ticket: %v\n%s", err, r.body)
	}
	return v
}

func (w depotWorld) ticket(t *testing.T, id string) ticketView {
	t.Helper()
	r := w.depot.do("GET", "/v1/depot/tickets/"+id, nil)
	want(t, r, 200)
	return asTicket(t, r)
}

func (w depotWorld) complete(t *testing.T, id, stage string, body map[string]any) ticketView {
	t.Helper()
	r := w.depot.do("POST", "/v1/depot/tickets/"+id+"/stages/"+stage+"/complete", body)
	want(t, r, 200)
	return asTicket(t, r)
}

// wantProblem checks a refusal's status and that it names each field.
func wantProblem(t *testing.T, r response, status int, fields ...string) {
	t.Helper()
	want(t, r, status)
	for _, f := range fields {
		if !strings.Contains(string(r.body), `"field":"`+f+`"`) {
			t.Errorf("problem does not name %s: %s", f, r.body)
		}
	}
}

func deviceStatus(t *testing.T, c *client, id string) string {
	t.Helper()
	r := c.do("GET", "/v1/devices/"+id, nil)
	want(t, r, 200)
	return r.json(t)["status"].(string)
}

func timelineTypes(t *testing.T, c *client, woID string) []string {
	t.Helper()
	r := c.do("GET", "/v1/work-orders/"+woID+"/timeline", nil)
	want(t, r, 200)
	var page struct {
		Items []struct {
			Type string `json:"type"`
		} `json:"items"`
	}
	_ = json.Unmarshal(r.body, &page)
	out := make([]string, len(page.Items))
	for i, it := range page.Items {
		out[i] = it.Type
	}
	return out
}

func count(list []string, s string) int {
	n := 0
	for _, v := range list {
		if v == s {
			n++
		}
	}
	return n
}

func serials(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("GMP-TI-%03d", i+1)
	}
	return out
}
