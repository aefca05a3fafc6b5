package app_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// TestDispatchConsole covers the console's job pages beyond the award,
// without a browser: adding a job from the work order page (its times read
// in the provider's zone), the job list with its filters and pages, and
// posting, cancelling, assigning and recording a contractor's no-show from
// the job page. Every change is checked through the API; whatever the
// service, a viewer's role or a contractor's session refuses leaves the
// job as it was.
func TestDispatchConsole(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) { dispatchConsole(t, startDispatch(t, e, nil)) })
	}
}

func dispatchConsole(t *testing.T, w dispatchWorld) {
	ops, viewer := w.login(t, "ops@test.example"), w.login(t, "viewer@test.example")
	admin := w.login(t, w.adminEmail)
	// OTHER works in Chicago's time, so the form's times are read there.
	want(t, admin.do("PATCH", "/v1/providers/OTHER", map[string]any{"settings": map[string]any{"timezone": "America/Chicago"}}), http.StatusOK)
	woID := seedOrder(t, newClient(t, w.base, w.otherKey), "OT-CONSOLE", "75231", "Prairie Vet")
	detail, addPath := "/work-orders/"+woID, "/work-orders/"+woID+"/jobs"
	var posted string // the job added with the form

	t.Run("the work order page offers the form to those who write jobs", func(t *testing.T) {
		r := ops.page(detail)
		want(t, r, http.StatusOK)
		// The window starts from the requested 09:00-12:00 in Chicago.
		wantBody(t, r, `action="`+addPath+`"`, "Add a job", "Loaner delivery", "Field platform", "Direct",
			"Start (America/Chicago)", `value="2026-12-01T09:00"`, `value="2026-12-01T12:00"`)
		if strings.Contains(string(viewer.page(detail).body), `action="`+addPath+`"`) {
			t.Error("a viewer is offered the add-a-job form")
		}
	})

	t.Run("a job added with the form is posted, its times in the provider's zone", func(t *testing.T) {
		r := ops.post(addPath, addJob(url.Values{"skills": {"laser, e47 kit ,laser"}, "budget": {"$1,250.5"},
			"instructions": {"Bring the E47 kit"}}))
		posted = createdJob(t, r)
		j := ops.do("GET", "/v1/jobs/"+posted, nil).json(t)
		win, _ := j["window"].(map[string]any)
		if j["status"] != "posted" || j["kind"] != "repair" || j["mode"] != "marketplace" || j["work_order_id"] != woID ||
			j["budget_cents"] != float64(125050) || j["instructions"] != "Bring the E47 kit" ||
			win["start"] != "2026-12-01T15:00:00Z" || win["end"] != "2026-12-01T18:00:00Z" {
			t.Fatalf("stored from the form: %v", j)
		}
		if skills, _ := j["skills"].([]any); len(skills) != 2 || skills[0] != "laser" || skills[1] != "e47 kit" {
			t.Errorf("skills stored as %v, want laser and e47 kit once each", j["skills"])
		}
		r = ops.page(r.header.Get("Location"))
		want(t, r, http.StatusOK)
		wantBody(t, r, "Job added and posted.", `data-status="posted"`, "2026-12-01 09:00–12:00 CST", "1250.50 USD")
		wantBody(t, ops.page(detail), `href="/jobs/`+posted+`"`)
	})

	t.Run("bad input shows why beside the form and creates nothing", func(t *testing.T) {
		for _, c := range []struct {
			name   string
			change url.Values
			status int
			says   []string
		}{
			{"end before start", url.Values{"start": {"2026-12-01T12:00"}, "end": {"2026-12-01T09:00"}}, http.StatusUnprocessableEntity,
				[]string{"Some fields need fixing", "window", "needs a start and an end after it"}},
			{"unknown kind", url.Values{"kind": {"teleport"}}, http.StatusUnprocessableEntity, []string{"kind", "must be one of"}},
			{"unreadable time", url.Values{"start": {"tomorrow"}}, http.StatusUnprocessableEntity, []string{"must be a date and time"}},
			{"unreadable budget", url.Values{"budget": {"12.345"}}, http.StatusUnprocessableEntity, []string{"must be an amount in dollars"}},
			{"negative budget", url.Values{"budget": {"-5"}}, http.StatusUnprocessableEntity, []string{"must be an amount in dollars"}},
			{"a direct job posted", url.Values{"mode": {"direct"}}, http.StatusConflict, []string{"A direct job is assigned to a named contractor"}},
		} {
			r := ops.post(addPath, addJob(c.change))
			want(t, r, c.status)
			wantBody(t, r, c.says...)
			// The form comes back unfolded, as it was filled in.
			wantBody(t, r, `id="action-add-job" open`, `value="`+addJob(c.change).Get("start")+`"`, "Bring the kit")
			if n := len(jobsOf(t, ops, woID)); n != 1 {
				t.Fatalf("%s: the work order has %d jobs, want only the one added before", c.name, n)
			}
		}
		want(t, viewer.post(addPath, addJob(nil)), http.StatusForbidden)
		if n := len(jobsOf(t, ops, woID)); n != 1 {
			t.Fatalf("a viewer's form added a job: %d jobs", n)
		}
	})

	// Two jobs of ACME's, whose zone is UTC: a marketplace draft, then a
	// direct one, so the list reads direct, draft, posted, newest first.
	acmeWO := newWorkOrder(t, w.world, "PO-CONSOLE")
	draft := apiJob(t, ops, acmeWO, "marketplace")
	direct := apiJob(t, ops, acmeWO, "direct")
	woNumber := ops.do("GET", "/v1/work-orders/"+woID, nil).json(t)["number"].(string)

	t.Run("the job list filters and pages", func(t *testing.T) {
		r := ops.page("/jobs")
		want(t, r, http.StatusOK)
		wantRows(t, r, direct, draft, posted)
		wantBody(t, r, `<a href="/jobs">Jobs</a>`, `href="/work-orders/`+woID+`"`, woNumber, "Repair", "Marketplace", "Direct",
			"2026-12-01 09:00–12:00 CST", "2026-12-01 15:00–18:00 UTC", `data-status="draft"`, `data-status="posted"`)
		for query, ids := range map[string][]string{
			"status=draft":                     {direct, draft},
			"status=posted":                    {posted},
			"status=draft&status=posted":       {direct, draft, posted},
			"status=posted,draft":              {direct, draft, posted},
			"mode=direct":                      {direct},
			"status=draft&mode=marketplace":    {draft},
			"status=awarded":                   nil,
			"status=draft&mode=field_platform": nil,
		} {
			r := ops.page("/jobs?" + query)
			want(t, r, http.StatusOK)
			if got := rows(r); !slices.Equal(got, ids) {
				t.Errorf("/jobs?%s lists %v, want %v", query, got, ids)
			}
		}
		wantBody(t, ops.page("/jobs?status=draft&mode=direct"), `value="draft" checked`, `value="direct" selected`)

		r = ops.page("/jobs?status=bogus&mode=teleport")
		want(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, "unknown status bogus", "unknown dispatch mode teleport")

		// A page at a time, with a link to the next and back to the first.
		r = ops.page("/jobs?limit=2")
		wantRows(t, r, direct, draft)
		next := nextLink(t, r)
		if !strings.Contains(next, "limit=2") || !strings.Contains(next, "cursor=") {
			t.Fatalf("the next page's link %q does not carry the page size and a cursor", next)
		}
		r = ops.page(next)
		wantRows(t, r, posted)
		wantBody(t, r, "First page")
		if strings.Contains(string(r.body), `rel="next"`) {
			t.Error("the last page links to a next one")
		}

		// The filter form (htmx) gets only the results.
		r = ops.page("/jobs?status=posted", "HX-Request", "true")
		want(t, r, http.StatusOK)
		wantRows(t, r, posted)
		if strings.Contains(string(r.body), "<html") || !strings.Contains(string(r.body), `id="results"`) {
			t.Errorf("an htmx request got more than the results: %.200s", r.body)
		}
		want(t, viewer.page("/jobs"), http.StatusOK)
	})

	t.Run("post, then cancel with a reason", func(t *testing.T) {
		page := "/jobs/" + draft
		r := ops.page(page)
		want(t, r, http.StatusOK)
		wantBody(t, r, `data-testid="job-actions"`, `action="`+page+`/post"`, `action="`+page+`/assign"`, `action="`+page+`/cancel"`)
		if strings.Contains(string(r.body), page+"/contractor-no-show") {
			t.Error("a draft offers the contractor no-show")
		}
		r = ops.post(page+"/post", nil)
		want(t, r, http.StatusSeeOther)
		if loc := r.header.Get("Location"); loc != page+"?done=post" {
			t.Fatalf("after posting, redirected to %q", loc)
		}
		wantJob(t, ops, draft, "posted", "")
		r = ops.page(page + "?done=post")
		wantBody(t, r, "Posted.", `data-status="posted"`)
		if strings.Contains(string(r.body), `action="`+page+`/post"`) {
			t.Error("a posted job still offers to post it")
		}

		// A form from before: the service refuses, and says why.
		r = ops.post(page+"/post", nil)
		want(t, r, http.StatusConflict)
		wantBody(t, r, "Cannot post a job that is posted")
		wantJob(t, ops, draft, "posted", "")

		r = ops.post(page+"/cancel", url.Values{"reason": {"  "}})
		want(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, "say why the job is cancelled", `id="action-cancel" open`)
		wantJob(t, ops, draft, "posted", "")

		want(t, ops.post(page+"/cancel", url.Values{"reason": {"customer fixed it"}}), http.StatusSeeOther)
		wantJob(t, ops, draft, "cancelled", "")
		r = ops.page(page + "?done=cancel")
		wantBody(t, r, "Cancelled.", `data-status="cancelled"`)
		if strings.Contains(string(r.body), `data-testid="job-actions"`) {
			t.Error("a cancelled job still offers actions")
		}
		if tl := string(ops.do("GET", "/v1/work-orders/"+acmeWO+"/timeline", nil).body); !strings.Contains(tl, "customer fixed it") {
			t.Error("the timeline does not say why the job was cancelled")
		}
		r = ops.post(page+"/cancel", url.Values{"reason": {"again"}})
		want(t, r, http.StatusConflict)
		wantBody(t, r, "Cannot cancel a job that is cancelled")
		wantJob(t, ops, draft, "cancelled", "")
	})

	t.Run("assign directly, then the contractor does not show", func(t *testing.T) {
		page := "/jobs/" + direct
		r := ops.page(page)
		want(t, r, http.StatusOK)
		if strings.Contains(string(r.body), `action="`+page+`/post"`) {
			t.Error("a direct job offers to post it")
		}
		// Active contractors, nearest the site first: Ann lives at it,
		// Far in Houston.
		ids := optionValues(r, "assign-contractor_id")
		if len(ids) != 4 || ids[0] != w.contractors["Ann"] || ids[3] != w.contractors["Far"] {
			t.Fatalf("the assign form offers %v; want all four, Ann first and Far last (%v)", ids, w.contractors)
		}
		wantBody(t, r, "Ann · 0.0 mi")

		r = ops.post(page+"/assign", url.Values{"contractor_id": {""}})
		want(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, "choose a contractor")
		r = ops.post(page+"/assign", url.Values{"contractor_id": {"no-such-contractor"}})
		want(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, "no such contractor", `id="action-assign" open`)
		wantJob(t, ops, direct, "draft", "")

		r = ops.post(page+"/assign", url.Values{"contractor_id": {w.contractors["Cat"]}})
		want(t, r, http.StatusSeeOther)
		wantJob(t, ops, direct, "awarded", w.contractors["Cat"])
		r = ops.page(r.header.Get("Location"))
		wantBody(t, r, "Assigned to Cat.", `data-status="awarded"`, `action="`+page+`/contractor-no-show"`, `action="`+page+`/cancel"`)
		if strings.Contains(string(r.body), `action="`+page+`/assign"`) {
			t.Error("an awarded job still offers the assignment")
		}
		r = ops.post(page+"/assign", url.Values{"contractor_id": {w.contractors["Bob"]}})
		want(t, r, http.StatusConflict)
		wantBody(t, r, "Cannot assign a job that is awarded")
		wantJob(t, ops, direct, "awarded", w.contractors["Cat"])

		want(t, ops.post(page+"/contractor-no-show", url.Values{"reason": {"not there at 10"}}), http.StatusSeeOther)
		wantJob(t, ops, direct, "posted", "")
		r = ops.page(page + "?done=contractor-no-show")
		wantBody(t, r, "Contractor no-show recorded")
		if ids := optionValues(r, "assign-contractor_id"); len(ids) != 3 || slices.Contains(ids, w.contractors["Cat"]) {
			t.Errorf("after Cat's no-show the assign form offers %v; want the three others", ids)
		}
		want(t, ops.post(page+"/assign", url.Values{"contractor_id": {w.contractors["Bob"]}}), http.StatusSeeOther)
		wantJob(t, ops, direct, "awarded", w.contractors["Bob"])
	})

	t.Run("a viewer sees no actions and may take none", func(t *testing.T) {
		page := "/jobs/" + posted
		r := viewer.page(page)
		want(t, r, http.StatusOK)
		if strings.Contains(string(r.body), `data-testid="job-actions"`) || strings.Contains(string(r.body), `method="post" action="`+page) {
			t.Error("a viewer is offered job actions")
		}
		for action, form := range map[string]url.Values{"post": nil, "cancel": {"reason": {"x"}},
			"assign": {"contractor_id": {w.contractors["Ann"]}}, "contractor-no-show": nil} {
			r := viewer.post(page+"/"+action, form)
			want(t, r, http.StatusForbidden)
			wantBody(t, r, "Not allowed")
		}
		wantJob(t, ops, posted, "posted", "")
	})

	t.Run("contractors and visitors get no console", func(t *testing.T) {
		page := "/jobs/" + posted
		for _, c := range []*client{w.login(t, "ann@c.example"), w.login(t, "zane@test.example")} {
			for _, path := range []string{"/jobs", page} {
				r := c.page(path)
				want(t, r, http.StatusForbidden)
				if strings.Contains(string(r.body), "Bring the E47 kit") {
					t.Errorf("the refusal of %s shows the job", path)
				}
			}
			want(t, c.post(page+"/cancel", url.Values{"reason": {"x"}}), http.StatusForbidden)
			want(t, c.post(addPath, addJob(nil)), http.StatusForbidden)
		}
		anon := newClient(t, w.base, "")
		for _, path := range []string{"/jobs?status=posted", page} {
			r := anon.page(path)
			want(t, r, http.StatusSeeOther)
			if loc := r.header.Get("Location"); loc != "/login?next="+url.QueryEscape(path) {
				t.Errorf("%s redirects to %q", path, loc)
			}
		}
		want(t, anon.post(page+"/cancel", url.Values{"reason": {"x"}}), http.StatusSeeOther)
		want(t, ops.post(page+"/explode", nil), http.StatusNotFound)
		want(t, ops.post("/jobs/no-such-job/cancel", url.Values{"reason": {"x"}}), http.StatusNotFound)
		wantJob(t, ops, posted, "posted", "")
		if n := len(jobsOf(t, ops, woID)); n != 1 {
			t.Fatalf("the work order has %d jobs, want 1", n)
		}
	})
}

// addJob is the add-a-job form for a repair on 1 December 2026, 09:00 to
// 12:00 in the work order's zone, posted at once, with change applied.
func addJob(change url.Values) url.Values {
	f := url.Values{"kind": {"repair"}, "mode": {"marketplace"}, "start": {"2026-12-01T09:00"}, "end": {"2026-12-01T12:00"},
		"skills": {"laser"}, "instructions": {"Bring the kit"}, "budget": {"150"}, "post": {"1"}}
	for k, v := range change {
		f[k] = v
	}
	return f
}

// createdJob checks the add-a-job form went to the new job's page and
// returns the job's id.
func createdJob(t *testing.T, r response) string {
	t.Helper()
	want(t, r, http.StatusSeeOther)
	loc := r.header.Get("Location")
	id, ok := strings.CutSuffix(strings.TrimPrefix(loc, "/jobs/"), "?done=created")
	if !ok || id == "" || strings.Contains(id, "/") {
		t.Fatalf("after adding a job, redirected to %q", loc)
	}
	return id
}

// apiJob adds a draft repair job in mode to a work order through the API.
func apiJob(t *testing.T, c *client, woID, mode string) string {
	t.Helper()
	b := jobBody(false)
	b["mode"] = mode
	r := c.do("POST", "/v1/work-orders/"+woID+"/jobs", b)
	want(t, r, http.StatusCreated)
	return r.json(t)["id"].(string)
}

// jobsOf are a work order's jobs, through the API.
func jobsOf(t *testing.T, c *client, woID string) []map[string]any {
	t.Helper()
	return list(t, c.do("GET", "/v1/work-orders/"+woID+"/jobs", nil))
}

// wantRows checks a list page's rows are the ids given, in order.
func wantRows(t *testing.T, r response, ids ...string) {
	t.Helper()
	if got := rows(r); !slices.Equal(got, ids) {
		t.Errorf("rows %v, want %v", got, ids)
	}
}

var nextRE = regexp.MustCompile(`<a href="([^"]+)" rel="next"`)

// nextLink is the address of a list page's next page.
func nextLink(t *testing.T, r response) string {
	t.Helper()
	m := nextRE.FindSubmatch(r.body)
	if m == nil {
		t.Fatal("the page has no link to the next one")
	}
	return html.UnescapeString(string(m[1]))
}

// optionValues are the values of a select's options, leaving out the
// empty prompt, in order.
func optionValues(r response, selectID string) []string {
	body := string(r.body)
	start := strings.Index(body, `<select id="`+selectID+`"`)
	if start < 0 {
		return nil
	}
	body = body[start:]
	body = body[:strings.Index(body, "</select>")]
	var out []string
	for _, m := range regexp.MustCompile(`<option value="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}
