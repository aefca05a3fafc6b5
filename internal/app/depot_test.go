package app_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/app"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/depot"
)

// depotWorld is a served installation under a clock the test moves, with
// clients for every depot-relevant role.
type depotWorld struct {
	*install
	depot    *client // depot technician "Dana Depot"
	admin    *client
	viewer   *client
	contract *client
}

// startDepot serves an installation on engine e with tr as its issue
// tracker, when not nil.
func startDepot(t *testing.T, e db.Engine, tr depot.Tracker) depotWorld {
	t.Helper()
	s := setup{clock: newClock(time.Now()), inProcess: true}
	if tr != nil {
		s.extend = []func(*app.App){func(a *app.App) { a.Depot.SetTracker(tr) }}
	}
	in := startServerWith(t, e, s)
	return depotWorld{install: in, depot: in.login(t, "dana@test.example"), admin: in.login(t, "admin@test.example"),
		viewer: in.login(t, "viewer@test.example"), contract: in.login(t, "zane@test.example")}
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
	return decode[ticketView](t, r)
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

func deviceStatus(t *testing.T, c *client, id string) string {
	t.Helper()
	r := c.do("GET", "/v1/devices/"+id, nil)
	want(t, r, 200)
	return r.json(t)["status"].(string)
}

func serials(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("GMP-TI-%03d", i+1)
	}
	return out
}
