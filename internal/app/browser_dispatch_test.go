package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fieldhub/fieldhub/internal/db"
)

// TestBrowserAward awards a job the way a coordinator does: sign in, open
// the work order, follow its job, read the ranking and press Award on the
// best bid, then see the job awarded to that bidder.
func TestBrowserAward(t *testing.T) {
	bin := requireChromium(t)
	w := startDispatch(t, db.SQLite, nil)
	ops := w.login(t, "ops@test.example")
	woID := newWorkOrder(t, w.world, "PO-BROWSER-AWARD")
	r := ops.do("POST", "/v1/work-orders/"+woID+"/jobs", jobBody(true))
	want(t, r, http.StatusCreated)
	jobID := r.json(t)["id"].(string)
	for name, price := range map[string]int{"Ann": 22400, "Bob": 19000, "Cat": 21000} {
		want(t, w.login(t, strings.ToLower(name)+"@c.example").do("POST", "/v1/jobs/"+jobID+"/bids",
			map[string]any{"price_cents": price, "eta": "2026-12-01T15:30:00Z"}), http.StatusCreated)
	}

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

	// The work order lists its job; its number links to the job page.
	if got := wantVisible(t, ctx, `[data-testid="jobs"] tbody tr`); !strings.Contains(got, "Posted") {
		t.Errorf("the job row reads %q, want it posted", got)
	}
	if resp := clickAndLoad(t, ctx, `[data-testid="jobs"] tbody tr a`); resp.Status != 200 {
		t.Fatalf("the job page answered %d", resp.Status)
	}
	wantLocation(t, ctx, "/jobs/"+jobID)

	// The ranking, best first, each bid with its reasons.
	bids := cdpRun(t, ctx, "read the ranking", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('[data-testid="bids"] li.bid')].map(li => li.innerText)`))
	if len(bids) != 3 {
		t.Fatalf("the ranking shows %d bids, want 3: %q", len(bids), bids)
	}
	for i, want := range []string{"1st: ", "2nd: ", "3rd: "} {
		if !strings.Contains(bids[i], want) || !strings.Contains(bids[i], "budget") {
			t.Errorf("bid %d reads %q, want the %q explanation", i+1, bids[i], want)
		}
	}
	first := wantVisible(t, ctx, `[data-testid="bids"] li.bid:first-child .bid-head strong`)
	winner := strings.TrimSpace(first[strings.Index(first, " ")+1:])
	keepScreenshot(t, ctx, "job-ranking-laptop")

	// Award the first bid. htmx posts the form and swaps the answer in
	// place: the marker set on this page survives, and the address stays
	// the job's, so a reload does not post again.
	cdpDo(t, ctx, "mark the page", chromedp.Evaluate[chromedp.Void](`window.__samePage = true`))
	cdpDo(t, ctx, "award the first bid", chromedp.Click(chromedp.CSS(`[data-testid="bids"] li.bid:first-child button[data-testid="award"]`)))
	cdpDo(t, ctx, "wait for the award", chromedp.Poll[chromedp.Void](
		`document.querySelector('.title [data-status]')?.dataset.status === 'awarded'`, chromedp.WithPollingTimeout(stepLimit)))
	wantLocation(t, ctx, "/jobs/"+jobID)
	if same := cdpRun(t, ctx, "read the marker", chromedp.Evaluate[bool](`window.__samePage === true`)); !same {
		t.Error("the award reloaded the whole page; want htmx to swap it in place")
	}
	if got := wantVisible(t, ctx, `.flash`); got != "Awarded to "+winner+"." {
		t.Errorf("flash = %q, want the award to %s", got, winner)
	}
	if got := wantVisible(t, ctx, `[data-testid="contractor"]`); got != winner {
		t.Errorf("contractor shown %q, want %s", got, winner)
	}
	if n := cdpRun(t, ctx, "count award buttons", chromedp.Evaluate[int](
		`document.querySelectorAll('[data-testid="award"]').length`)); n != 0 {
		t.Errorf("an awarded job still shows %d award buttons", n)
	}
	wantJob(t, ops, jobID, "awarded", w.contractors[winner])
	keepScreenshot(t, ctx, "job-awarded-laptop")
}
