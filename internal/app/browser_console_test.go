package app_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fieldhub/fieldhub/internal/db"
)

// TestBrowserConsole adds a job and hands it out the way a coordinator
// does: sign in, open the work order, fill in the add-a-job form (a direct
// job, kept as a draft), land on the new job's page, choose the nearest
// contractor in the assign form and see the job awarded to them, in place,
// then find it in the job list.
func TestBrowserConsole(t *testing.T) {
	bin := requireChromium(t)
	w := startDispatch(t, db.SQLite, nil)
	ops := w.login(t, "ops@test.example")
	woID := newWorkOrder(t, w.world, "PO-BROWSER-CONSOLE")

	ctx := newBrowser(t, bin)
	cdpDo(t, ctx, "laptop screen", chromedp.EmulateViewport(1280, 900))
	cdpDo(t, ctx, "open the work order", chromedp.Navigate(w.base+"/work-orders/"+woID))
	wantLocation(t, ctx, "/login")
	cdpDo(t, ctx, "type e-mail", chromedp.SendKeys(chromedp.CSS("#email"), "ops@test.example"))
	cdpDo(t, ctx, "type password", chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
	if resp := clickAndLoad(t, ctx, `form[action="/login"] button[type=submit]`); resp.Status != 200 {
		t.Fatalf("the work order after sign-in answered %d", resp.Status)
	}
	wantLocation(t, ctx, "/work-orders/"+woID)
	if got := wantVisible(t, ctx, `[data-testid="jobs"]`); !strings.Contains(got, "No jobs yet") {
		t.Fatalf("the jobs section reads %q before any job", got)
	}

	// The form starts from the requested window (09:00-12:00 at UTC-6;
	// ACME has no zone, so the form is in UTC).
	cdpDo(t, ctx, "unfold the add-a-job form", chromedp.Click(chromedp.CSS(`#action-add-job summary`)))
	if start := cdpRun(t, ctx, "read start", chromedp.Value(chromedp.CSS(`#add-job-start`))); start != "2026-12-01T15:00" {
		t.Errorf("the form's start is %q, want the requested window's 2026-12-01T15:00", start)
	}
	cdpDo(t, ctx, "choose the kind", chromedp.SetValue(chromedp.CSS(`#add-job-kind`), "install"))
	cdpDo(t, ctx, "choose direct", chromedp.SetValue(chromedp.CSS(`#add-job-mode`), "direct"))
	cdpDo(t, ctx, "set end", chromedp.SetValue(chromedp.CSS(`#add-job-end`), "2026-12-01T17:00"))
	cdpDo(t, ctx, "type skills", chromedp.SendKeys(chromedp.CSS(`#add-job-skills`), "laser"))
	cdpDo(t, ctx, "type the budget", chromedp.SendKeys(chromedp.CSS(`#add-job-budget`), "180.25"))
	cdpDo(t, ctx, "type instructions", chromedp.SendKeys(chromedp.CSS(`#add-job-instructions`), "Install the new panel"))
	cdpDo(t, ctx, "keep it a draft", chromedp.Click(chromedp.CSS(`#add-job-post`)))
	keepScreenshot(t, ctx, "job-form-laptop")
	if resp := clickAndLoad(t, ctx, `#action-add-job button[type=submit]`); resp.Status != 200 {
		t.Fatalf("the new job's page answered %d", resp.Status)
	}
	loc := cdpRun(t, ctx, "read location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	jobID, ok := strings.CutPrefix(u.Path, "/jobs/")
	if !ok || jobID == "" {
		t.Fatalf("after adding the job, on %s; want the job's page", loc)
	}
	if got := wantVisible(t, ctx, `.flash`); got != "Job added as a draft." {
		t.Errorf("flash = %q", got)
	}
	wantJob(t, ops, jobID, "draft", "")
	if j := ops.do("GET", "/v1/jobs/"+jobID, nil).json(t); j["kind"] != "install" || j["mode"] != "direct" ||
		j["budget_cents"] != float64(18025) || j["instructions"] != "Install the new panel" {
		t.Errorf("stored from the form: %v", j)
	}
	keepScreenshot(t, ctx, "job-added-laptop")

	// Assign it to the contractor nearest the site, offered first. htmx
	// posts the form and swaps the answer in place, keeping the address.
	cdpDo(t, ctx, "unfold the assign form", chromedp.Click(chromedp.CSS(`#action-assign summary`)))
	first := cdpRun(t, ctx, "read the nearest", chromedp.Evaluate[[]string](
		`(o => [o.value, o.text])(document.querySelector('#assign-contractor_id option:nth-child(2)'))`))
	if len(first) != 2 || first[0] != w.contractors["Ann"] || !strings.HasPrefix(first[1], "Ann") {
		t.Fatalf("the nearest offered is %q, want Ann, who lives at the site", first)
	}
	cdpDo(t, ctx, "choose Ann", chromedp.SetValue(chromedp.CSS(`#assign-contractor_id`), first[0]))
	cdpDo(t, ctx, "mark the page", chromedp.Evaluate[chromedp.Void](`window.__samePage = true`))
	cdpDo(t, ctx, "assign", chromedp.Click(chromedp.CSS(`#action-assign button[type=submit]`)))
	cdpDo(t, ctx, "wait for the assignment", chromedp.Poll[chromedp.Void](
		`document.querySelector('.title [data-status]')?.dataset.status === 'awarded'`, chromedp.WithPollingTimeout(stepLimit)))
	wantLocation(t, ctx, "/jobs/"+jobID)
	if same := cdpRun(t, ctx, "read the marker", chromedp.Evaluate[bool](`window.__samePage === true`)); !same {
		t.Error("the assignment reloaded the whole page; want htmx to swap it in place")
	}
	if got := wantVisible(t, ctx, `.flash`); got != "Assigned to Ann." {
		t.Errorf("flash = %q", got)
	}
	if got := wantVisible(t, ctx, `[data-testid="contractor"]`); got != "Ann" {
		t.Errorf("contractor shown %q, want Ann", got)
	}
	if got := wantVisible(t, ctx, `#action-contractor-no-show summary`); got != "Contractor did not show" {
		t.Errorf("an awarded job offers %q, want the contractor no-show", got)
	}
	if n := cdpRun(t, ctx, "count assign forms", chromedp.Evaluate[int](`document.querySelectorAll('#action-assign').length`)); n != 0 {
		t.Error("an awarded job still offers the assignment")
	}
	wantJob(t, ops, jobID, "awarded", w.contractors["Ann"])
	keepScreenshot(t, ctx, "job-assigned-laptop")

	// The job list, one click from every page, shows it awarded to Ann.
	if resp := clickAndLoad(t, ctx, `header nav a[href="/jobs"]`); resp.Status != 200 {
		t.Fatalf("the job list answered %d", resp.Status)
	}
	row := wantVisible(t, ctx, `[data-testid="jobs-list"] tr[data-id="`+jobID+`"]`)
	for _, part := range []string{"Install", "Awarded", "Ann", "2026-12-01 15:00–17:00 UTC"} {
		if !strings.Contains(row, part) {
			t.Errorf("the job's row reads %q, want %q in it", row, part)
		}
	}
	keepScreenshot(t, ctx, "jobs-list-laptop")
}
