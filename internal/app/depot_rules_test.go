package app_test

import (
	"strings"
	"testing"

	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// TestDepotRefusals sends duplicate serials, illegal transitions and bad
// input: each gets a clear error and changes nothing. It also checks who
// may see and do what.
func TestDepotRefusals(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDepot(t, e, nil)
			woID := w.workOrder(t, "DR-1", "depot_repair")
			otherWO := w.workOrder(t, "DR-2", "depot_repair")
			listLen := func() int { return len(list(t, w.viewer.do("GET", "/v1/depot/tickets", nil))) }

			// Bad receipts: no photo, unknown work order, unknown template.
			wantProblem(t, w.depot.do("POST", "/v1/depot/receipts", receipt(woID, "SN-1", map[string]any{"photos": []string{}})), 422, "body.photos")
			wantProblem(t, w.depot.do("POST", "/v1/depot/receipts", receipt("nope", "SN-1", nil)), 422, "body.work_order_id")
			wantProblem(t, w.depot.do("POST", "/v1/depot/receipts", receipt(woID, "SN-1", map[string]any{"template": "bogus"})), 422, "body.template")
			wantProblem(t, w.depot.do("POST", "/v1/depot/receipts", receipt(woID, "", map[string]any{"model": ""})), 422, "body.serial", "body.model")
			if n := listLen(); n != 0 {
				t.Fatalf("refused receipts stored %d tickets", n)
			}

			r := w.depot.do("POST", "/v1/depot/receipts", receipt(woID, "SN-1", nil))
			want(t, r, 201)
			tk := asTicket(t, r)
			// The same serial under another work order while in work.
			r = w.depot.do("POST", "/v1/depot/receipts", receipt(otherWO, "SN-1", nil))
			want(t, r, 409)
			if !strings.Contains(string(r.body), tk.Number) {
				t.Fatalf("duplicate serial does not name the ticket: %s", r.body)
			}
			if n := listLen(); n != 1 {
				t.Fatalf("a duplicate serial stored a ticket (%d)", n)
			}

			path := "/v1/depot/tickets/" + tk.ID + "/stages/"
			r = w.depot.do("POST", path+"qa/complete", map[string]any{"passed": true})
			want(t, r, 409)
			if !strings.Contains(string(r.body), `"allowed":["diagnostic"]`) {
				t.Fatalf("not-current stage: %s", r.body)
			}
			wantProblem(t, w.depot.do("POST", path+"polish/complete", map[string]any{}), 422, "path.stage")
			wantProblem(t, w.depot.do("POST", path+"diagnostic/complete", map[string]any{"passed": true}), 422, "body.passed")
			wantProblem(t, w.depot.do("POST", path+"diagnostic/complete",
				map[string]any{"parts": []map[string]any{{"sku": "", "quantity": 0}}}), 422, "body.parts[0].sku", "body.parts[0].quantity")
			wantProblem(t, w.depot.do("POST", path+"diagnostic/complete", map[string]any{"bogus": 1}), 422, "body.bogus")
			want(t, w.depot.do("POST", "/v1/depot/tickets/"+tk.ID+"/items-received", map[string]any{"items": []string{"cap"}}), 409)
			want(t, w.depot.do("POST", "/v1/depot/tickets/"+tk.ID+"/release-for-resale", map[string]any{}), 409)
			want(t, w.depot.do("POST", path+"diagnostic/complete", map[string]any{}, "If-Match", `"99"`), 412)
			if got := w.ticket(t, tk.ID); got.Version != tk.Version || got.Stage != "diagnostic" || len(got.Log) != 1 {
				t.Fatalf("refusals changed the ticket: %+v", got)
			}

			w.complete(t, tk.ID, "diagnostic", map[string]any{})
			w.complete(t, tk.ID, "repair", map[string]any{})
			wantProblem(t, w.depot.do("POST", path+"qa/complete", map[string]any{}), 422, "body.passed")
			wantProblem(t, w.depot.do("POST", path+"qa/complete", map[string]any{"passed": false}), 422, "body.reason")
			w.complete(t, tk.ID, "qa", map[string]any{"passed": true})
			done := w.complete(t, tk.ID, "pack", map[string]any{})
			// A closed ticket: nothing more to complete; not resale work.
			r = w.depot.do("POST", path+"ready/complete", map[string]any{})
			want(t, r, 409)
			want(t, w.depot.do("POST", path+"pack/complete", map[string]any{}), 409)
			r = w.depot.do("POST", "/v1/depot/tickets/"+tk.ID+"/release-for-resale", map[string]any{})
			want(t, r, 409)
			if !strings.Contains(string(r.body), "not resale work") {
				t.Fatalf("release of repair work: %s", r.body)
			}
			if got := w.ticket(t, tk.ID); got.Version != done.Version || got.Status != "ready" {
				t.Fatalf("refusals changed a ready ticket: %+v", got)
			}

			// Roles: readers read, only depot staff act, outsiders see nothing.
			want(t, w.viewer.do("GET", "/v1/depot/tickets/"+tk.ID, nil), 200)
			want(t, w.viewer.do("GET", "/v1/depot/board", nil), 200)
			want(t, w.viewer.do("POST", "/v1/depot/tickets/"+tk.ID+"/notes", map[string]any{"note": "hi"}), 403)
			want(t, w.viewer.do("POST", "/v1/depot/receipts", receipt(woID, "SN-2", nil)), 403)
			provider := newClient(t, w.base, w.acmeKey)
			for _, c := range []*client{provider, w.contract} {
				want(t, c.do("GET", "/v1/depot/tickets/"+tk.ID, nil), 404)
				want(t, c.do("GET", "/v1/depot/tickets", nil), 404)
				want(t, c.do("POST", "/v1/depot/receipts", receipt(woID, "SN-3", nil)), 404)
			}
			want(t, w.depot.do("POST", "/v1/depot/tickets/"+tk.ID+"/notes", map[string]any{"note": "shipped Tuesday"}), 200)
			want(t, w.depot.do("GET", "/v1/depot/tickets/nope", nil), 404)
			t.Run("templates", func(t *testing.T) { depotTemplates(t, w) })
		})
	}
}

// depotTemplates sets a service type's template through the admin API;
// tickets opened afterwards walk it, and a QA failure returns to its
// rework stage. A template is chosen by name too.
func depotTemplates(t *testing.T, w depotWorld) {
	put := func(c *client, body map[string]any) response {
		return c.do("PUT", "/v1/depot/templates/inspection", body)
	}
	body := map[string]any{"name": "inspect", "stages": []string{"diagnostic", "clean", "qa", "ready"}}
	want(t, put(w.depot, body), 403)
	wantProblem(t, put(w.admin, map[string]any{"name": "x", "stages": []string{"qa", "diagnostic"}}), 422, "body.stages", "body.rework")
	wantProblem(t, w.admin.do("PUT", "/v1/depot/templates/bogus", body), 422, "path.service_type")
	r := put(w.admin, body)
	want(t, r, 200)
	if !strings.Contains(string(r.body), `"rework":"clean"`) {
		t.Fatalf("template: %s", r.body)
	}
	woID := w.workOrder(t, "IN-1", "inspection")
	r = w.depot.do("POST", "/v1/depot/receipts", receipt(woID, "SN-9", nil))
	want(t, r, 201)
	id := asTicket(t, r).ID
	w.complete(t, id, "diagnostic", map[string]any{})
	w.complete(t, id, "clean", map[string]any{})
	if tk := w.complete(t, id, "qa", map[string]any{"passed": false, "reason": "residue"}); tk.Stage != "clean" {
		t.Fatalf("QA failure went to %s", tk.Stage)
	}
	// A handpiece rebuild by name.
	r = w.depot.do("POST", "/v1/depot/receipts", receipt(woID, "HP-1", map[string]any{"template": "rebuild", "model": "Handpiece 18"}))
	want(t, r, 201)
	if !strings.Contains(string(r.body), `"stages":["diagnostic","rebuild","qa","ready"]`) {
		t.Fatalf("rebuild ticket: %s", r.body)
	}
	r = w.viewer.do("GET", "/v1/depot/templates", nil)
	want(t, r, 200)
	if !strings.Contains(string(r.body), `"name":"rebuild"`) || !strings.Contains(string(r.body), `"name":"inspect"`) {
		t.Fatalf("templates: %s", r.body)
	}
}
