package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/event"
)

// devWorld is a served installation under a clock the test moves, with
// clients for the roles that matter to devices.
type devWorld struct {
	*install
	acme                   *client
	depot, viewer, finance *client
	contractor             *client
}

// startDevices serves an installation whose clock starts three days in the
// past, so that moving it a few days on never passes the real expiry of
// the test's sign-in sessions.
func startDevices(t *testing.T, e db.Engine) devWorld {
	t.Helper()
	in := startServerWith(t, e, setup{clock: newClock(time.Now().Add(-72 * time.Hour)), inProcess: true})
	return devWorld{install: in, acme: newClient(t, in.base, in.acmeKey), depot: in.login(t, "dana@test.example"),
		viewer: in.login(t, "viewer@test.example"), finance: in.login(t, "fin@test.example"),
		contractor: in.login(t, "zane@test.example")}
}

// order creates a depot-with-loaner work order for a customer's laser.
func (w devWorld) order(t *testing.T, externalID, serial string) string {
	t.Helper()
	r := w.acme.do("POST", "/v1/work-orders", map[string]any{
		"external_id": externalID, "service_type": "depot_repair_loaner", "priority": "normal",
		"customer": map[string]any{"name": "Patel Dermatology", "email": "maya@patel.example"},
		"site":     map[string]any{"line1": "3800 Gaston Ave", "city": "Dallas", "state": "TX", "zip": "75246"},
		"devices":  []map[string]any{{"model": "PicoWay", "serial": serial}},
	})
	want(t, r, 201)
	return r.json(t)["id"].(string)
}

// scan records a field scan as dispatch does (its Job.SerialScanned
// payload), in a transaction of its own.
func (w devWorld) scan(t *testing.T, workOrderID, serial, kind string) {
	t.Helper()
	payload, _ := json.Marshal(map[string]any{"serial": serial, "scan_kind": kind, "job_id": "job-" + kind, "by": "Zane Ortiz",
		"work_order_id": workOrderID, "at": w.clock.Now(), "signature_artifact_id": "sig-1"})
	err := w.app.Store.InTx(context.Background(), func(tx *db.Tx) error {
		_, err := w.app.Events.Record(context.Background(), tx, event.Event{Type: "Job.SerialScanned", SubjectType: "Job",
			SubjectID: "job-" + kind, WorkOrderID: workOrderID, Actor: event.Actor{Kind: event.ActorContractor, ID: "c1", Name: "Zane Ortiz"},
			Payload: payload})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// bySerial waits for the device with serial to reach status (background
// subscribers move it) and returns it.
func (w devWorld) bySerial(t *testing.T, serial, status string) map[string]any {
	t.Helper()
	var found map[string]any
	dbtest.Eventually(t, serial+" "+status, func() bool {
		items := list(t, w.viewer.do("GET", "/v1/devices?serial="+serial, nil))
		if len(items) == 1 && items[0]["status"] == status {
			found = items[0]
		}
		return found != nil
	})
	return found
}

// historyTypes are the entry types of a device's history, oldest first.
func historyTypes(t *testing.T, c *client, id string) []string {
	t.Helper()
	return itemTypes(t, c.do("GET", "/v1/devices/"+id+"/history?limit=200", nil))
}

func wantStatus(t *testing.T, c *client, id, status string) {
	t.Helper()
	r := c.do("GET", "/v1/devices/"+id, nil)
	want(t, r, 200)
	if got := r.json(t)["status"]; got != status {
		t.Fatalf("device %s is %v, want %s", id, got, status)
	}
}

// TestLoanerRoundTrip: a customer's laser goes to the depot and back while a
// loaner goes out and comes back, both statuses reversing; the loaner's
// reminders fire under the installation's clock, once each.
func TestLoanerRoundTrip(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) { loanerRoundTrip(t, startDevices(t, e)) })
	}
}

func loanerRoundTrip(t *testing.T, w devWorld) {
	ctx := context.Background()
	for _, s := range []string{"LN-1", "LN-2"} {
		want(t, w.depot.do("POST", "/v1/devices", map[string]any{"serial": s, "model": "PicoWay", "manufacturer": "Acme",
			"owner": map[string]any{"kind": "company"}, "loaner": true, "region": "DFW", "status": "returned_available"}), 201)
	}
	woID := w.order(t, "PO-L1", "pw-1")
	laser := w.bySerial(t, "PW-1", "active_at_customer")
	laserID := laser["id"].(string)
	if laser["owner"].(map[string]any)["name"] != "Patel Dermatology" {
		t.Fatalf("intake owner: %v", laser["owner"])
	}

	// The loaner goes out: the free loaner that waited longest.
	due := w.clock.Now().AddDate(0, 0, 1).Format(time.DateOnly)
	body := map[string]any{"work_order_id": woID, "region": "dfw", "due_on": due}
	r := w.depot.do("POST", "/v1/loaners/assign", body)
	want(t, r, 201)
	loaner := r.json(t)
	loanerID := loaner["id"].(string)
	loan, _ := loaner["loan"].(map[string]any)
	if loaner["serial"] != "LN-1" || loaner["status"] != "assigned_loaner" || loan["customer"] != "Patel Dermatology" || loan["due_on"] != due {
		t.Fatalf("assigned: %s", r.body)
	}
	r = w.depot.do("POST", "/v1/loaners/assign", body)
	want(t, r, 200)
	if r.json(t)["id"] != loanerID {
		t.Fatal("asking again lent a second loaner")
	}
	w.scan(t, woID, "LN-1", "delivery")
	w.scan(t, woID, "PW-1", "pickup")
	w.bySerial(t, "PW-1", "in_transit_to_depot")
	dbtest.Eventually(t, "loaner delivery on its history", func() bool {
		return count(historyTypes(t, w.viewer, loanerID), "custody.delivery") == 1
	})
	wantStatus(t, w.viewer, loanerID, "assigned_loaner")

	// Reminders under the installation's clock, each at most once.
	sweep := func() int {
		n, err := w.app.Devices.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	sweep()
	if n := sweep(); n != 0 {
		t.Fatalf("a second sweep fired %d timers", n)
	}
	// Due by the end of the due date at the customer's site in Dallas.
	dallas, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	dueAt, _ := time.ParseInLocation(time.DateOnly, due, dallas)
	dueAt = dueAt.AddDate(0, 0, 1)
	if got := list(t, w.finance.do("GET", "/v1/loaners?overdue=true", nil)); len(got) != 0 {
		t.Fatalf("overdue before due: %v", got)
	}
	w.clock.Set(dueAt.Add(time.Hour))
	sweep()
	if n := sweep(); n != 0 {
		t.Fatalf("overdue fired twice: %d", n)
	}
	over := list(t, w.finance.do("GET", "/v1/loaners?overdue=true&region=DFW", nil))
	if len(over) != 1 || over[0]["id"] != loanerID || over[0]["loan"].(map[string]any)["days_overdue"] != float64(1) {
		t.Fatalf("overdue loaners: %v", over)
	}
	w.clock.Set(dueAt.Add(26 * time.Hour))
	sweep()
	events := timelineTypes(t, w.viewer, woID)
	for typ, n := range map[string]int{"Loaner.Assigned": 1, "Loaner.ReminderDue": 1, "Loaner.Overdue": 2, "Loaner.OverdueBillable": 2} {
		if got := count(events, typ); got != n {
			t.Errorf("%s on the timeline %d times, want %d: %v", typ, got, n, events)
		}
	}

	// The customer's laser is refurbished and delivered back.
	for _, to := range []string{"in_depot", "refurb_ready"} {
		want(t, w.depot.do("POST", "/v1/devices/"+laserID+"/status", map[string]any{"to": to, "note": "depot"}), 200)
	}
	w.scan(t, woID, "PW-1", "delivery")
	w.bySerial(t, "PW-1", "active_at_customer")

	// The loaner comes back, is inspected and is available again.
	w.scan(t, woID, "LN-1", "pickup")
	w.bySerial(t, "LN-1", "in_transit_to_depot")
	want(t, w.depot.do("POST", "/v1/loaners/"+loanerID+"/inspect", map[string]any{"passed": true}), 409)
	r = w.depot.do("POST", "/v1/loaners/"+loanerID+"/return", map[string]any{"note": "box complete"})
	want(t, r, 200)
	if r.json(t)["status"] != "in_depot" {
		t.Fatalf("returned: %s", r.body)
	}
	want(t, w.depot.do("POST", "/v1/loaners/"+loanerID+"/return", nil), 409)
	r = w.depot.do("POST", "/v1/loaners/"+loanerID+"/inspect", map[string]any{"passed": true})
	want(t, r, 200)
	if r.json(t)["status"] != "returned_available" {
		t.Fatalf("inspected: %s", r.body)
	}
	if n := sweep(); n != 0 {
		t.Fatalf("a returned loaner still fires timers: %d", n)
	}

	got := strings.Join(historyTypes(t, w.viewer, laserID), " ")
	if wantH := "intake custody.pickup status.changed status.changed custody.delivery"; got != wantH {
		t.Errorf("laser history %q, want %q", got, wantH)
	}
	got = strings.Join(historyTypes(t, w.viewer, loanerID), " ")
	for _, h := range []string{"loaner.assigned", "custody.delivery", "loaner.reminder_due", "loaner.overdue", "custody.pickup", "loaner.returned", "loaner.inspected"} {
		if !strings.Contains(got, h) {
			t.Errorf("loaner history %q lacks %s", got, h)
		}
	}
	events = timelineTypes(t, w.viewer, woID)
	for _, typ := range []string{"Loaner.Returned", "Loaner.Inspected", "Device.StatusChanged", "Device.Registered"} {
		if count(events, typ) == 0 {
			t.Errorf("timeline lacks %s: %v", typ, events)
		}
	}
}

// TestDeviceRefusals: duplicate serials, illegal transitions, stale writes,
// bad input and other callers' access give clear errors and change nothing.
func TestDeviceRefusals(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) { deviceRefusals(t, startDevices(t, e)) })
	}
}

func deviceRefusals(t *testing.T, w devWorld) {
	laser := map[string]any{"serial": "gmp-1", "model": "GentleMax Pro", "manufacturer": "Acme",
		"owner": map[string]any{"kind": "customer", "name": "Lakeside Clinic"}, "status": "active_at_customer",
		"attributes": map[string]any{"firmware": "4.2.1"}}
	r := w.depot.do("POST", "/v1/devices", laser)
	want(t, r, 201)
	id := r.json(t)["id"].(string)
	etag := r.header.Get("ETag")
	history := func() int { return len(historyTypes(t, w.viewer, id)) }
	before := history()

	t.Run("duplicate serial", func(t *testing.T) {
		laser["serial"] = "GMP-1"
		wantRefusal(t, w.depot.do("POST", "/v1/devices", laser), 409, "already registered")
		if n := len(list(t, w.viewer.do("GET", "/v1/devices?serial=gmp-1", nil))); n != 1 {
			t.Fatalf("%d devices with the serial", n)
		}
	})
	t.Run("illegal transition names the allowed moves", func(t *testing.T) {
		wantRefusal(t, w.depot.do("POST", "/v1/devices/"+id+"/status", map[string]any{"to": "refurb_ready"}), 409,
			`"allowed":["in_transit_to_depot","in_depot","retired"]`)
		wantRefusal(t, w.depot.do("POST", "/v1/devices/"+id+"/status", map[string]any{"to": "broken"}), 422, "body.to")
		wantStatus(t, w.viewer, id, "active_at_customer")
	})
	t.Run("bad input names the field", func(t *testing.T) {
		wantRefusal(t, w.depot.do("POST", "/v1/devices", map[string]any{"serial": "X-1", "owner": map[string]any{"kind": "nobody"}}), 422,
			"body.model", "body.owner.kind")
		wantRefusal(t, w.depot.do("POST", "/v1/devices", map[string]any{"serial": "X-1", "model": "M", "owner": map[string]any{"kind": "company"},
			"loaner": true}), 422, "body.region")
		wantRefusal(t, w.depot.do("POST", "/v1/devices", map[string]any{"serial": "X-1", "model": "M", "owner": map[string]any{"kind": "company"},
			"parent_id": "nope"}), 422, "body.parent_id")
		if n := len(list(t, w.viewer.do("GET", "/v1/devices?serial=X-1", nil))); n != 0 {
			t.Fatalf("a refused device was stored")
		}
	})
	t.Run("stale If-Match", func(t *testing.T) {
		r := w.depot.do("PATCH", "/v1/devices/"+id, map[string]any{"attributes": map[string]any{"firmware": "9"}}, "If-Match", `"0"`)
		want(t, r, 412)
		if history() != before {
			t.Fatal("a stale write reached the history")
		}
	})
	t.Run("configuration and owner changes keep before and after", func(t *testing.T) {
		r := w.depot.do("PATCH", "/v1/devices/"+id, map[string]any{"attributes": map[string]any{"firmware": "4.3.0"},
			"owner": map[string]any{"kind": "customer", "name": "Lakeside Dermatology"}}, "If-Match", etag)
		want(t, r, 200)
		if r.header.Get("ETag") == etag {
			t.Fatal("the version did not move")
		}
		hist := list(t, w.viewer.do("GET", "/v1/devices/"+id+"/history", nil))
		raw, _ := json.Marshal(hist)
		for _, s := range []string{`"config.changed"`, `"firmware":{"after":"4.3.0","before":"4.2.1"}`, `"owner.changed"`, `"Lakeside Dermatology"`} {
			if !strings.Contains(string(raw), s) {
				t.Errorf("history lacks %s: %s", s, raw)
			}
		}
	})
	t.Run("components", func(t *testing.T) {
		want(t, w.depot.do("POST", "/v1/devices", map[string]any{"serial": "HP-1", "model": "Handpiece 18", "parent_id": id,
			"owner": map[string]any{"kind": "customer", "name": "Lakeside Clinic"}}), 201)
		parts := list(t, w.viewer.do("GET", "/v1/devices/"+id+"/components", nil))
		if len(parts) != 1 || parts[0]["serial"] != "HP-1" {
			t.Fatalf("components: %v", parts)
		}
	})
	t.Run("trade-in lot: all or nothing, idempotent", func(t *testing.T) {
		lot := map[string]any{"owner": map[string]any{"kind": "company"}, "location": "Dallas depot", "devices": []map[string]any{
			{"serial": "TL-1", "model": "PicoWay"}, {"serial": " ", "model": "PicoWay"}, {"serial": "TL-3", "model": "PicoWay"}}}
		wantRefusal(t, w.depot.do("POST", "/v1/devices/lots", lot), 422, "body.devices[1].serial")
		if n := len(list(t, w.viewer.do("GET", "/v1/devices?serial=TL-1", nil))); n != 0 {
			t.Fatal("a refused lot wrote a device")
		}
		lot["devices"].([]map[string]any)[1]["serial"] = "TL-2"
		first := w.depot.do("POST", "/v1/devices/lots", lot)
		want(t, first, 201)
		again := w.depot.do("POST", "/v1/devices/lots", lot)
		want(t, again, 200)
		var a, b struct {
			Items   []map[string]any `json:"items"`
			Created int              `json:"created"`
		}
		_ = json.Unmarshal(first.body, &a)
		_ = json.Unmarshal(again.body, &b)
		if a.Created != 3 || b.Created != 0 || len(b.Items) != 3 {
			t.Fatalf("lot: %s then %s", first.body, again.body)
		}
		for i := range a.Items {
			if a.Items[i]["id"] != b.Items[i]["id"] || a.Items[i]["version"] != b.Items[i]["version"] {
				t.Fatalf("the same lot changed device %d", i)
			}
		}
		if h := historyTypes(t, w.viewer, a.Items[0]["id"].(string)); len(h) != 1 {
			t.Fatalf("the same lot again wrote history: %v", h)
		}
	})
	t.Run("loaner shortage and bad requests", func(t *testing.T) {
		woID := w.order(t, "PO-S1", "PW-9")
		due := w.clock.Now().AddDate(0, 0, 3).Format(time.DateOnly)
		wantRefusal(t, w.depot.do("POST", "/v1/loaners/assign", map[string]any{"work_order_id": woID, "region": "ZZZ", "due_on": due}),
			409, "no loaner is free in region ZZZ")
		wantRefusal(t, w.depot.do("POST", "/v1/loaners/assign", map[string]any{"work_order_id": "nope", "region": "ZZZ",
			"due_on": "2001-01-01"}), 422, "body.work_order_id", "body.due_on")
		wantRefusal(t, w.depot.do("POST", "/v1/loaners/assign", map[string]any{"work_order_id": woID, "region": "DFW", "due_on": due,
			"device_id": id}), 409, "not a loaner")
		if count(timelineTypes(t, w.viewer, woID), "Loaner.Shortage") != 1 {
			t.Fatal("the shortage did not reach the work order's timeline")
		}
	})
	t.Run("who may see and change devices", func(t *testing.T) {
		want(t, w.viewer.do("GET", "/v1/devices/"+id, nil), 200)
		want(t, w.finance.do("GET", "/v1/loaners", nil), 200)
		want(t, w.viewer.do("POST", "/v1/devices", map[string]any{"serial": "V-1", "model": "M", "owner": map[string]any{"kind": "company"}}), 403)
		want(t, w.finance.do("POST", "/v1/devices/"+id+"/status", map[string]any{"to": "retired"}), 403)
		for _, c := range []*client{w.acme, w.contractor} {
			want(t, c.do("GET", "/v1/devices/"+id, nil), 404)
			want(t, c.do("GET", "/v1/devices/"+id+"/history", nil), 404)
			want(t, c.do("POST", "/v1/devices/"+id+"/status", map[string]any{"to": "retired"}), 404)
			want(t, c.do("GET", "/v1/devices", nil), 403)
		}
		wantStatus(t, w.viewer, id, "active_at_customer")
	})
	t.Run("history is append-only", func(t *testing.T) {
		for _, q := range []string{`UPDATE device_history SET summary = 'rewritten'`, `DELETE FROM device_history`} {
			if _, err := w.app.Store.Write.ExecContext(context.Background(), q); err == nil {
				t.Errorf("%s succeeded", q)
			}
		}
	})
}
