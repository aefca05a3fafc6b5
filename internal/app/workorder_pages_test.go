package app_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// seedOrder takes in a work order through the provider API, like intakeBody
// but with its own external id, ZIP and customer, and returns its id.
func seedOrder(t *testing.T, provider *client, externalID, zip, customer string) string {
	t.Helper()
	body := strings.NewReplacer(`"PO-1001"`, `"`+externalID+`"`, `"75231"`, `"`+zip+`"`,
		`"Lakeside Clinic"`, `"`+customer+`"`).Replace(intakeBody)
	r := provider.do("POST", "/v1/work-orders", body)
	want(t, r, http.StatusCreated)
	id, _ := r.json(t)["id"].(string)
	if id == "" {
		t.Fatalf("created work order has no id: %s", r.body)
	}
	return id
}

// page fetches a page as the client's session sees it.
func (c *client) page(path string, headers ...string) response {
	c.t.Helper()
	return c.do("GET", path, nil, headers...)
}

// post sends a form the way a browser does, from the site's own pages.
func (c *client) post(path string, form url.Values) response {
	c.t.Helper()
	req, err := http.NewRequest("POST", c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, b}
}

var rowRE = regexp.MustCompile(`<tr data-id="([^"]+)"`)

// rows are the work order ids in a list page's table, in order.
func rows(r response) []string {
	var ids []string
	for _, m := range rowRE.FindAllSubmatch(r.body, -1) {
		ids = append(ids, string(m[1]))
	}
	return ids
}

func wantBody(t *testing.T, r response, parts ...string) {
	t.Helper()
	text := html.UnescapeString(string(r.body))
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Errorf("page does not show %q", p)
		}
	}
}

// wantUnchanged checks through the API that a work order is still in the
// status and version it had.
func wantUnchanged(t *testing.T, api *client, id, status string, version float64) {
	t.Helper()
	got := api.do("GET", "/v1/work-orders/"+id, nil).json(t)
	if got["status"] != status || got["version"] != version {
		t.Fatalf("work order changed: status %v version %v, want %s and %v", got["status"], got["version"], status, version)
	}
}

// TestWorkOrderPages covers the console pages without a browser: who may
// open them, filters and paging as plain links, the results fragment htmx
// asks for, and actions that are refused leaving the work order as it was.
func TestWorkOrderPages(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) { workOrderPages(t, startServer(t, e)) })
	}
}

func workOrderPages(t *testing.T, w world) {
	acme := newClient(t, w.base, w.acmeKey)
	dallas := seedOrder(t, acme, "PO-2001", "75231", "Lakeside Clinic")
	seedOrder(t, acme, "PO-2002", "10001", "Hudson Dental")
	seedOrder(t, acme, "PO-2003", "10002", "Chelsea Skin")
	detail := "/work-orders/" + dallas

	t.Run("anonymous visitors are sent to sign in", func(t *testing.T) {
		anon := newClient(t, w.base, "")
		for _, path := range []string{"/work-orders?zip=75231", detail} {
			r := anon.page(path)
			want(t, r, http.StatusSeeOther)
			if loc := r.header.Get("Location"); loc != "/login?next="+url.QueryEscape(path) {
				t.Errorf("%s redirects to %q", path, loc)
			}
		}
		// Under an open page htmx is told to load the sign-in page whole,
		// rather than following a redirect into the results.
		r := anon.page("/work-orders?zip=75231", "HX-Request", "true")
		want(t, r, http.StatusNoContent)
		if loc := r.header.Get("HX-Redirect"); loc != "/login?next="+url.QueryEscape("/work-orders?zip=75231") {
			t.Errorf("an htmx request signed out gets HX-Redirect %q", loc)
		}
		r = anon.post(detail+"/actions/hold", url.Values{"reason_code": {"awaiting_parts"}})
		want(t, r, http.StatusSeeOther)
		if loc := r.header.Get("Location"); !strings.HasPrefix(loc, "/login?") {
			t.Errorf("an anonymous action redirects to %q", loc)
		}
		wantUnchanged(t, acme, dallas, "received", 1)
	})

	t.Run("contractors may not open the console", func(t *testing.T) {
		zane := newClient(t, w.base, "")
		want(t, zane.signIn("zane@test.example", w.adminPassword), http.StatusSeeOther)
		for _, path := range []string{"/work-orders", detail} {
			r := zane.page(path)
			want(t, r, http.StatusForbidden)
			wantBody(t, r, "Not allowed")
			if strings.Contains(string(r.body), "Lakeside") {
				t.Errorf("the 403 page for %s shows the work order", path)
			}
		}
		want(t, zane.post(detail+"/actions/hold", url.Values{"reason_code": {"awaiting_parts"}}), http.StatusForbidden)
		wantUnchanged(t, acme, dallas, "received", 1)
	})

	t.Run("a viewer reads but is offered no actions and may take none", func(t *testing.T) {
		viewer := newClient(t, w.base, "")
		want(t, viewer.signIn("viewer@test.example", w.adminPassword), http.StatusSeeOther)
		want(t, viewer.page("/work-orders"), http.StatusOK)
		r := viewer.page(detail)
		want(t, r, http.StatusOK)
		wantBody(t, r, "PO-2001", "Lakeside Clinic")
		if strings.Contains(string(r.body), "/actions/") {
			t.Error("a viewer is offered action forms")
		}
		form := url.Values{"start": {"2026-12-02T10:00"}, "end": {"2026-12-02T12:00"}}
		want(t, viewer.post(detail+"/actions/appointment", form), http.StatusForbidden)
		wantUnchanged(t, acme, dallas, "received", 1)
	})

	ops := newClient(t, w.base, "")
	want(t, ops.signIn("ops@test.example", w.adminPassword), http.StatusSeeOther)

	t.Run("filters, counts and paging work as plain links", func(t *testing.T) {
		r := ops.page("/work-orders")
		want(t, r, http.StatusOK)
		if got := rows(r); len(got) != 3 {
			t.Fatalf("unfiltered list shows %d work orders, want 3", len(got))
		}
		r = ops.page("/work-orders?zip=75231")
		if got := rows(r); len(got) != 1 || got[0] != dallas {
			t.Fatalf("ZIP 75231 shows %v, want only %s", got, dallas)
		}
		r = ops.page("/work-orders?q=hudson")
		wantBody(t, r, "Hudson Dental")
		if got := rows(r); len(got) != 1 {
			t.Fatalf("q=hudson shows %d work orders, want 1", len(got))
		}
		// The counts follow the other filters but not the status.
		r = ops.page("/work-orders?zip=100&status=scheduled")
		if got := rows(r); len(got) != 0 {
			t.Fatalf("no work order is scheduled, yet the list shows %v", got)
		}
		if !regexp.MustCompile(`data-status="received"[^>]*>Received <span class="n">2</span>`).Match(r.body) {
			t.Errorf("the received count for ZIP 100* is not 2:\n%s", r.body)
		}

		// Two a page: the next page carries the filter and holds the rest.
		r = ops.page("/work-orders?state=tx&limit=2")
		first := rows(r)
		next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindSubmatch(r.body)
		if len(first) != 2 || next == nil {
			t.Fatalf("first page: %v rows, next link %q", first, next)
		}
		href := html.UnescapeString(string(next[1]))
		if !strings.Contains(href, "state=TX") || !strings.Contains(href, "limit=2") || !strings.Contains(href, "cursor=") {
			t.Fatalf("next page link %q loses the filter", href)
		}
		r = ops.page(href)
		if got := rows(r); len(got) != 1 || got[0] == first[0] || got[0] == first[1] || strings.Contains(string(r.body), `rel="next"`) {
			t.Fatalf("second page shows %v after %v; want the third work order and no next page", got, first)
		}
		wantBody(t, r, "First page")

		r = ops.page("/work-orders?created_from=yesterday")
		want(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, "created_from", "must be a date")
	})

	t.Run("htmx gets only the results", func(t *testing.T) {
		r := ops.page("/work-orders?zip=75231", "HX-Request", "true")
		want(t, r, http.StatusOK)
		body := strings.TrimSpace(string(r.body))
		if !strings.HasPrefix(body, `<div id="results"`) || strings.Contains(body, "<html") {
			t.Fatalf("an htmx request got more than the results: %.200s", body)
		}
		if got := rows(r); len(got) != 1 {
			t.Fatalf("fragment shows %d rows, want 1", len(got))
		}
		r = ops.page("/work-orders?requested_to=soon", "HX-Request", "true")
		want(t, r, http.StatusUnprocessableEntity)
		if !strings.HasPrefix(strings.TrimSpace(string(r.body)), `<div id="results"`) {
			t.Fatalf("a refused htmx filter got more than the results: %.200s", r.body)
		}
		wantBody(t, r, "requested_to", "must be a date")
		// A history restore needs the whole page back.
		r = ops.page("/work-orders?zip=75231", "HX-Request", "true", "HX-History-Restore-Request", "true")
		if !strings.Contains(string(r.body), "<html") {
			t.Fatal("a history restore got only the fragment")
		}
	})

	t.Run("an illegal action shows why and changes nothing", func(t *testing.T) {
		r := ops.post(detail+"/actions/close", url.Values{"note": {"done"}})
		want(t, r, http.StatusConflict)
		wantBody(t, r, "Cannot close a work order that is received", "PO-2001")
		wantUnchanged(t, acme, dallas, "received", 1)

		form := url.Values{"start": {"2026-12-02T12:00"}, "end": {"2026-12-02T10:00"}, "note": {"kept"}}
		r = ops.post(detail+"/actions/appointment", form)
		want(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, "must be after start", `value="2026-12-02T12:00"`, ">kept</textarea>")
		wantUnchanged(t, acme, dallas, "received", 1)

		r = ops.post(detail+"/actions/hold", url.Values{"reason_code": {"bored"}})
		want(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, "Unknown reason code", "must be one of")
		wantUnchanged(t, acme, dallas, "received", 1)

		want(t, ops.post(detail+"/actions/teleport", nil), http.StatusNotFound)
		want(t, ops.page("/work-orders/no-such-id"), http.StatusNotFound)
	})

	t.Run("times are in the provider's zone when it has one", func(t *testing.T) {
		admin := newClient(t, w.base, "")
		want(t, admin.signIn(w.adminEmail, w.adminPassword), http.StatusSeeOther)
		want(t, admin.do("PATCH", "/v1/providers/OTHER", map[string]any{"settings": map[string]any{"timezone": "America/Chicago"}}), http.StatusOK)
		other := newClient(t, w.base, w.otherKey)
		id := seedOrder(t, other, "OT-1", "75231", "Prairie Vet")
		page := "/work-orders/" + id
		r := ops.page(page)
		// The requested 09:00-12:00 at UTC-6 shows as it was asked for.
		wantBody(t, r, "Start (America/Chicago)", "2026-12-01 09:00–12:00 CST", `value="2026-12-01T09:00"`)
		want(t, ops.post(page+"/actions/appointment", url.Values{"start": {"2026-12-02T10:00"}, "end": {"2026-12-02T12:00"}}), http.StatusSeeOther)
		appt, _ := other.do("GET", "/v1/work-orders/"+id, nil).json(t)["appointment"].(map[string]any)
		if appt["start"] != "2026-12-02T16:00:00Z" || appt["end"] != "2026-12-02T18:00:00Z" {
			t.Fatalf("10:00-12:00 in Chicago stored as %v", appt)
		}
		wantBody(t, ops.page(page), "2026-12-02 10:00–12:00 CST")
	})

	t.Run("hold and resume go back to the page with what was done", func(t *testing.T) {
		r := ops.post(detail+"/actions/hold", url.Values{"reason_code": {"awaiting_parts"}, "note": {"board on order"}})
		want(t, r, http.StatusSeeOther)
		if loc := r.header.Get("Location"); loc != detail+"?done=hold" {
			t.Fatalf("after hold, redirected to %q", loc)
		}
		r = ops.page(detail + "?done=hold")
		want(t, r, http.StatusOK)
		wantBody(t, r, "Put on hold.", `data-status="on_hold"`, "Awaiting parts", "board on order", "Ops")
		if !strings.Contains(string(r.body), `/actions/resume"`) || strings.Contains(string(r.body), `/actions/hold"`) {
			t.Error("a held work order should offer resume and not hold")
		}
		want(t, ops.post(detail+"/actions/resume", nil), http.StatusSeeOther)
		if got := acme.do("GET", "/v1/work-orders/"+dallas, nil).json(t)["status"]; got != "received" {
			t.Fatalf("after resume the status is %v", got)
		}
	})

	t.Run("complete, close and reopen as a second repair", func(t *testing.T) {
		for _, step := range []struct {
			action string
			form   url.Values
		}{
			{"appointment", url.Values{"start": {"2026-12-03T08:00"}, "end": {"2026-12-03T10:00"}}},
			{"complete", url.Values{"result_code": {"fixed_no_parts"}, "notes": {"reseated the board"}}},
			{"close", url.Values{"note": {"billed"}}},
		} {
			r := ops.post(detail+"/actions/"+step.action, step.form)
			want(t, r, http.StatusSeeOther)
		}
		r := ops.page(detail)
		wantBody(t, r, `data-status="closed"`, "Fixed no parts", "reseated the board")
		for _, a := range []string{"hold", "cancel", "complete", "close", "appointment"} {
			if strings.Contains(string(r.body), `/actions/`+a+`"`) {
				t.Errorf("a closed work order offers %s", a)
			}
		}
		r = ops.post(detail+"/actions/reopen", url.Values{"problem": {"Device down again"}})
		want(t, r, http.StatusSeeOther)
		loc := r.header.Get("Location")
		if !strings.HasPrefix(loc, "/work-orders/") || strings.HasPrefix(loc, detail) || !strings.HasSuffix(loc, "?done=reopen") {
			t.Fatalf("reopen redirected to %q; want the new work order", loc)
		}
		child := ops.page(loc)
		want(t, child, http.StatusOK)
		wantBody(t, child, "Second repair opened.", "PO-2001-2TR", "Second repair of", `href="`+detail+`"`, "Device down again")
		wantBody(t, ops.page(detail), "Second repairs", `href="`+strings.TrimSuffix(loc, "?done=reopen")+`"`)
	})
}
