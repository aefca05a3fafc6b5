package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// TestDepotPages covers the console's ticket and device pages without a
// browser: the board links each ticket, the ticket page shows its log and
// offers depot technicians the forms that move it on, refusals change
// nothing, a held ticket takes its missing items, the device page shows
// its whole history newest first, and only staff who read the depot see any
// of it.
func TestDepotPages(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDepot(t, e, nil)
			r := w.depot.do("POST", "/v1/depot/receipts", receipt(w.workOrder(t, "DP-WORK", "depot_repair"), "SN-PG-1", nil))
			want(t, r, http.StatusCreated)
			tk := asTicket(t, r)
			held := w.depot.do("POST", "/v1/depot/receipts", receipt(w.workOrder(t, "DP-HELD", "depot_repair"), "SN-PG-2",
				map[string]any{"contents": map[string]any{"expected": []string{"power_cord", "cap"}, "received": []string{"power_cord"}}}))
			want(t, held, http.StatusCreated)
			hk := asTicket(t, held)
			ticketPath := "/depot/tickets/" + tk.ID
			completeURL := func(stage string) string { return ticketPath + "/stages/" + stage + "/complete" }
			form := func(version int64, kv ...string) url.Values {
				f := url.Values{"version": {strconv.FormatInt(version, 10)}}
				for i := 0; i < len(kv); i += 2 {
					f.Add(kv[i], kv[i+1])
				}
				return f
			}

			t.Run("the board links tickets and devices", func(t *testing.T) {
				r := w.viewer.page("/depot")
				want(t, r, http.StatusOK)
				wantBody(t, r, `href="`+ticketPath+`"`, `href="/depot/tickets/`+hk.ID+`"`, `href="/devices?serial=SN-PG-1"`,
					`data-testid="find-device"`)
				r = w.viewer.page("/devices?serial=sn-pg-1")
				want(t, r, http.StatusSeeOther)
				if loc := r.header.Get("Location"); loc != "/devices/"+tk.DeviceID {
					t.Errorf("the lookup by serial sent to %q, want the device's page", loc)
				}
				wantBody(t, w.viewer.page("/devices?serial=NO-SUCH"), "No device has serial")
			})

			t.Run("the ticket page shows the log and the form", func(t *testing.T) {
				r := w.depot.page(ticketPath)
				want(t, r, http.StatusOK)
				wantBody(t, r, tk.Number, "Diagnostic: received", "Dana Depot", `href="/devices/`+tk.DeviceID+`"`,
					`data-stage="diagnostic"`, "art_SN-PG-1_front", `action="`+completeURL("diagnostic")+`"`, "Complete Diagnostic")
			})

			t.Run("a viewer sees no forms and may not post", func(t *testing.T) {
				r := w.viewer.page(ticketPath)
				want(t, r, http.StatusOK)
				wantBody(t, r, tk.Number, "Diagnostic: received")
				if body := string(r.body); strings.Contains(body, `method="post" action="/depot`) {
					t.Error("a viewer is offered a ticket form")
				}
				r = w.viewer.post(completeURL("diagnostic"), form(tk.Version, "notes", "by a viewer"))
				want(t, r, http.StatusForbidden)
				wantBody(t, r, "Not allowed")
				wantTicket(t, w, tk.ID, "diagnostic", tk.Version)
			})

			t.Run("a contractor gets no depot page", func(t *testing.T) {
				for _, path := range []string{ticketPath, "/devices/" + tk.DeviceID, "/devices?serial=SN-PG-1"} {
					r := w.contract.page(path)
					want(t, r, http.StatusForbidden)
					if strings.Contains(string(r.body), "SN-PG-1") {
						t.Errorf("the refusal of %s shows the device", path)
					}
				}
				want(t, w.contract.post(completeURL("diagnostic"), form(tk.Version)), http.StatusForbidden)
				wantTicket(t, w, tk.ID, "diagnostic", tk.Version)
			})

			t.Run("completing diagnostic through the form moves the stage", func(t *testing.T) {
				r := w.depot.post(completeURL("diagnostic"), form(tk.Version, "notes", "Lamp dead", "parts", "HP-100"))
				want(t, r, http.StatusUnprocessableEntity)
				wantBody(t, r, "line 1: write SKU x quantity")
				wantTicket(t, w, tk.ID, "diagnostic", tk.Version)

				r = w.depot.post(completeURL("diagnostic"), form(tk.Version, "notes", "Lamp dead",
					"parts", "HP-100 x 2\n\nCAP-7 x 1", "measurements", "output power 49.8 W\ncycles 1200", "photos", "art_diag_1\n"))
				want(t, r, http.StatusSeeOther)
				if loc := r.header.Get("Location"); loc != ticketPath+"?done=diagnostic" {
					t.Fatalf("after completing, sent to %q", loc)
				}
				got := w.ticket(t, tk.ID)
				last := got.Log[len(got.Log)-1]
				if got.Stage != "repair" || last.Stage != "diagnostic" || last.Notes != "Lamp dead" || len(last.Parts) != 2 ||
					last.Parts[0].SKU != "HP-100" || last.Parts[0].Quantity != 2 || last.Actor.Name != "Dana Depot" {
					t.Fatalf("after the form: stage %s, last log %+v", got.Stage, last)
				}
				r = w.depot.page(ticketPath + "?done=diagnostic")
				wantBody(t, r, "Diagnostic completed; the ticket is now at Repair.", "Diagnostic: completed → Repair",
					"Notes: Lamp dead", "HP-100", "output power 49.8 W, cycles 1200", "<code>art_diag_1</code>", "Complete Repair")
				// The same form again is for a stage the ticket has left.
				r = w.depot.post(completeURL("diagnostic"), form(got.Version, "notes", "again"))
				want(t, r, http.StatusConflict)
				wantBody(t, r, "only repair can be completed")
				wantTicket(t, w, tk.ID, "repair", got.Version)
			})

			t.Run("a QA failure needs a reason", func(t *testing.T) {
				at := w.complete(t, tk.ID, "repair", map[string]any{"notes": "New lamp"})
				r := w.depot.post(completeURL("qa"), form(at.Version, "passed", "false", "notes", "Still dim"))
				want(t, r, http.StatusUnprocessableEntity)
				wantBody(t, r, "is required when qa fails", "Still dim")
				wantTicket(t, w, tk.ID, "qa", at.Version)
				// A form read before another change is refused whole.
				r = w.depot.post(completeURL("qa"), form(at.Version-1, "passed", "true"))
				want(t, r, http.StatusPreconditionFailed)
				wantBody(t, r, "changed since you read it")
				wantTicket(t, w, tk.ID, "qa", at.Version)

				r = w.depot.post(completeURL("qa"), form(at.Version, "passed", "false", "reason", "Output 20% low"))
				want(t, r, http.StatusSeeOther)
				got := w.ticket(t, tk.ID)
				if got.Stage != "repair" || got.QAFailures != 1 || got.Log[len(got.Log)-1].Reason != "Output 20% low" {
					t.Fatalf("after the failure: stage %s, %d failures", got.Stage, got.QAFailures)
				}
				wantBody(t, w.depot.page(ticketPath+"?done=qa"), "QA failed; the ticket is back at Repair.", "Reason: Output 20% low")
			})

			t.Run("items received resume a held ticket", func(t *testing.T) {
				path := "/depot/tickets/" + hk.ID
				r := w.depot.page(path)
				want(t, r, http.StatusOK)
				wantBody(t, r, `data-testid="items-form"`, `value="cap"`, "Missing items")
				if strings.Contains(string(r.body), `data-testid="complete-form"`) {
					t.Error("a held ticket offers stage work")
				}
				r = w.depot.post(path+"/items-received", form(hk.Version, "notes", "came by courier"))
				want(t, r, http.StatusUnprocessableEntity)
				wantTicket(t, w, hk.ID, "diagnostic", hk.Version)
				r = w.depot.post(path+"/items-received", form(hk.Version, "items", "cap", "notes", "came by courier"))
				want(t, r, http.StatusSeeOther)
				if got := w.ticket(t, hk.ID); got.Status != "open" || len(got.Missing) != 0 {
					t.Fatalf("after the items: status %s, missing %v", got.Status, got.Missing)
				}
				wantBody(t, w.depot.page(path+"?done=items-received"), "Items received; the ticket is back at work.",
					"Items: cap", `data-testid="complete-form"`)
			})

			t.Run("the device page shows its parts and configuration", func(t *testing.T) {
				r := w.depot.do("POST", "/v1/devices", map[string]any{"serial": "HP-PG-1", "model": "Handpiece 755",
					"manufacturer": "Candela", "owner": map[string]any{"kind": "company"}, "parent_id": tk.DeviceID,
					"attributes": map[string]string{"wavelength": "755nm"}})
				want(t, r, http.StatusCreated)
				part := r.json(t)["id"].(string)
				want(t, w.depot.do("PATCH", "/v1/devices/"+tk.DeviceID, map[string]any{"location": "Bench 4",
					"attributes": map[string]string{"firmware": "3.2.1"}}), http.StatusOK)
				r = w.viewer.page("/devices/" + tk.DeviceID)
				want(t, r, http.StatusOK)
				wantBody(t, r, "Bench 4", "<dt>firmware</dt><dd>3.2.1</dd>", `href="/devices/`+part+`"`, "HP-PG-1 · Candela Handpiece 755",
					"Lakeside Clinic (customer)", "Configuration changed")
				r = w.viewer.page("/devices/" + part)
				want(t, r, http.StatusOK)
				wantBody(t, r, "Part of", `href="/devices/`+tk.DeviceID+`"`, "SN-PG-1 · Candela GentleMax Pro",
					"<dt>wavelength</dt><dd>755nm</dd>", `<dd data-testid="owner">Company</dd>`)
			})

			t.Run("the device page shows the whole history, newest first", func(t *testing.T) {
				r := w.viewer.page("/devices/" + tk.DeviceID)
				want(t, r, http.StatusOK)
				wantBody(t, r, "SN-PG-1", "GentleMax Pro", "Candela", `data-status="in_depot"`)
				api := w.viewer.do("GET", "/v1/devices/"+tk.DeviceID+"/history?limit=200", nil)
				want(t, api, http.StatusOK)
				var wantRows []string
				for _, h := range slices.Backward(decode[struct {
					Items []struct {
						Seq   int64 `json:"seq"`
						Actor struct {
							Kind string `json:"kind"`
							Name string `json:"name"`
						} `json:"actor"`
					} `json:"items"`
				}](t, api).Items) {
					who := h.Actor.Name
					if h.Actor.Kind == "system" {
						who = "fieldhub"
					}
					wantRows = append(wantRows, fmt.Sprintf("%d %s", h.Seq, who))
				}
				got := historyRows(r)
				if len(got) < 4 || !slices.Equal(got, wantRows) {
					t.Fatalf("history on the page %q, want newest first %q", got, wantRows)
				}
				wantBody(t, r, "Depot: stage completed", "QA failed on "+tk.Number+" (Output 20% low); back to repair",
					"Diagnostic completed on "+tk.Number, `href="/work-orders/`, tk.Number)
			})
		})
	}
}

var historyRE = regexp.MustCompile(`(?s)<li data-seq="(\d+)">.*?<span class="who">([^<]*)</span>`)

// historyRows are a device page's history lines, in order, as "seq actor".
func historyRows(r response) []string {
	var out []string
	for _, m := range historyRE.FindAllSubmatch(r.body, -1) {
		out = append(out, string(m[1])+" "+string(m[2]))
	}
	return out
}

// wantTicket checks through the API that a ticket is still at stage and
// version: a refused form changed nothing.
func wantTicket(t *testing.T, w depotWorld, id, stage string, version int64) {
	t.Helper()
	if got := w.ticket(t, id); got.Stage != stage || got.Version != version {
		t.Fatalf("ticket: stage %s version %d, want %s and %d", got.Stage, got.Version, stage, version)
	}
}
