package app_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/fieldhub/fieldhub/internal/db"
)

// listRows counts the rows of the work order table on the page.
const listRows = `document.querySelectorAll('[data-testid="work-orders"] tbody tr').length`

// TestBrowserWorkOrders triages the way staff do: sign in, narrow the list
// with the filter form (which htmx swaps in place), open a work order and
// confirm its appointment with the form, then see the new status and the
// timeline entry. Each page is also checked, and captured, on a phone.
func TestBrowserWorkOrders(t *testing.T) {
	bin := requireChromium(t)
	w := startServer(t, db.SQLite)
	acme := newClient(t, w.base, w.acmeKey)
	dallas := seedOrder(t, acme, "PO-3001", "75231", "Lakeside Clinic")
	seedOrder(t, acme, "PO-3002", "10001", "Hudson Dental")
	seedOrder(t, acme, "PO-3003", "94105", "Bayview Optics")

	ctx := newBrowser(t, bin)
	cdpDo(t, ctx, "laptop screen", chromedp.EmulateViewport(1280, 900))
	cdpDo(t, ctx, "open the list", chromedp.Navigate(w.base+"/work-orders"))
	wantLocation(t, ctx, "/login")
	cdpDo(t, ctx, "type e-mail", chromedp.SendKeys(chromedp.CSS("#email"), "ops@test.example"))
	cdpDo(t, ctx, "type password", chromedp.SendKeys(chromedp.CSS("#password"), w.adminPassword))
	if resp := clickAndLoad(t, ctx, `form[action="/login"] button[type=submit]`); resp.Status != 200 {
		t.Fatalf("the list after sign-in answered %d", resp.Status)
	}
	wantLocation(t, ctx, "/work-orders")
	wantVisible(t, ctx, `header nav a[href="/work-orders"]`)
	if n := cdpRun(t, ctx, "count rows", chromedp.Evaluate[int](listRows)); n != 3 {
		t.Fatalf("the list shows %d work orders, want 3", n)
	}
	keepScreenshot(t, ctx, "workorders-list-laptop")

	// Filtering swaps the results in place: the marker set on this page
	// survives, so the page was not reloaded, and the address records the
	// filter for the back button and for sharing.
	cdpDo(t, ctx, "mark the page", chromedp.Evaluate[chromedp.Void](`window.__samePage = true`))
	cdpDo(t, ctx, "type a ZIP", chromedp.SendKeys(chromedp.CSS("#f-zip"), "75231"))
	cdpDo(t, ctx, "apply the filter", chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)))
	cdpDo(t, ctx, "wait for the list to narrow", chromedp.Poll[chromedp.Void](
		listRows+` === 1 && location.search.includes('zip=75231')`, chromedp.WithPollingTimeout(stepLimit)))
	if same := cdpRun(t, ctx, "read the marker", chromedp.Evaluate[bool](`window.__samePage === true`)); !same {
		t.Error("filtering reloaded the whole page; want the results swapped in place")
	}
	if got := wantVisible(t, ctx, `[data-testid="work-orders"] tbody tr`); !strings.Contains(got, "Lakeside Clinic") {
		t.Errorf("the one row left is %q, want Lakeside Clinic's", got)
	}

	// Open it: a plain link to the detail page.
	if resp := clickAndLoad(t, ctx, `[data-testid="work-orders"] tbody tr a`); resp.Status != 200 {
		t.Fatalf("detail page answered %d", resp.Status)
	}
	wantLocation(t, ctx, "/work-orders/"+dallas)
	if got := wantVisible(t, ctx, `.title [data-status]`); got != "Received" {
		t.Errorf("status shown %q, want Received", got)
	}

	// Confirm an appointment; ACME has no time zone, so the form is in UTC.
	cdpDo(t, ctx, "unfold the appointment form", chromedp.Click(chromedp.CSS(`#action-appointment summary`)))
	if label := wantVisible(t, ctx, `label[for="appointment-start"]`); !strings.Contains(label, "UTC") {
		t.Errorf("start label %q does not name the time zone", label)
	}
	cdpDo(t, ctx, "set start", chromedp.SetValue(chromedp.CSS(`#appointment-start`), "2026-12-02T10:00"))
	cdpDo(t, ctx, "set end", chromedp.SetValue(chromedp.CSS(`#appointment-end`), "2026-12-02T12:00"))
	cdpDo(t, ctx, "type a note", chromedp.SendKeys(chromedp.CSS(`#appointment-note`), "customer called"))
	if resp := clickAndLoad(t, ctx, `#action-appointment button[type=submit]`); resp.Status != 200 {
		t.Fatalf("after confirming, the page answered %d", resp.Status)
	}
	wantLocation(t, ctx, "/work-orders/"+dallas)
	if got := wantVisible(t, ctx, `.flash`); got != "Appointment confirmed." {
		t.Errorf("flash = %q", got)
	}
	status := cdpRun(t, ctx, "read status", chromedp.Evaluate[string](`document.querySelector('.title [data-status]').dataset.status`))
	if status != "scheduled" {
		t.Errorf("status after confirming = %q, want scheduled", status)
	}
	if got := wantVisible(t, ctx, `[data-testid="appointment"]`); !strings.Contains(got, "2026-12-02 10:00–12:00 UTC") {
		t.Errorf("appointment shown %q", got)
	}
	// The newest entries are the status change and, just before it, the
	// appointment with its slot, note and who confirmed it.
	entries := cdpRun(t, ctx, "read the timeline", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('[data-testid="timeline"] li')].slice(0, 2).map(li => li.innerText)`))
	if len(entries) != 2 || !strings.HasPrefix(entries[0], "Status changed") || !strings.Contains(entries[0], "Received → Scheduled") ||
		!strings.HasPrefix(entries[1], "Appointment confirmed") || !strings.Contains(entries[1], "customer called") ||
		!strings.Contains(entries[1], "Ops") || !strings.Contains(entries[1], "2026-12-02 10:00–12:00 UTC") {
		t.Errorf("newest timeline entries %q; want the status change, then the appointment with its note and who confirmed it", entries)
	}
	got := acme.do("GET", "/v1/work-orders/"+dallas, nil).json(t)
	if appt, _ := got["appointment"].(map[string]any); got["status"] != "scheduled" || appt["start"] != "2026-12-02T10:00:00Z" {
		t.Errorf("stored after the form: status %v, appointment %v", got["status"], got["appointment"])
	}
	keepScreenshot(t, ctx, "workorder-detail-laptop")

	// On a phone both pages fit the screen; the wide table scrolls inside
	// its own box rather than the page sideways.
	cdpDo(t, ctx, "phone screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait, chromedp.EmulateScale(2)))
	for _, path := range []string{"/work-orders/" + dallas, "/work-orders"} {
		if resp := navigate(t, ctx, w.base+path); resp.Status != 200 {
			t.Fatalf("%s on the phone answered %d", path, resp.Status)
		}
		wantNoSidewaysScroll(t, ctx, 390)
		name := "workorders-list-phone"
		if path != "/work-orders" {
			name = "workorder-detail-phone"
		}
		keepScreenshot(t, ctx, name)
	}
}

// navigate opens a page and waits for it, under one step's limit.
func navigate(t *testing.T, ctx context.Context, url string) *network.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepLimit)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(url))
	if err != nil || resp == nil {
		t.Fatalf("open %s: %v", url, err)
	}
	return resp
}

// wantNoSidewaysScroll checks the page is laid out at the phone's width and
// nothing makes the whole page wider than the screen.
func wantNoSidewaysScroll(t *testing.T, ctx context.Context, width float64) {
	t.Helper()
	l := cdpRun(t, ctx, "measure the page", chromedp.Evaluate[phoneLayout](
		`({vw: window.innerWidth, sw: document.documentElement.scrollWidth})`))
	if l.ViewportWidth != width || l.ScrollWidth > width {
		t.Errorf("on a %vpx phone the page is laid out %vpx wide and scrolls to %vpx", width, l.ViewportWidth, l.ScrollWidth)
	}
}

// keepScreenshot captures the whole page and checks something is drawn. It
// goes to the test's temporary directory, or to FIELDHUB_SCREENSHOTS when
// that names a directory, for a person to look at.
func keepScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	buf := cdpRun(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	if colours := distinctColours(img, 64); colours < 3 {
		t.Errorf("screenshot %s has %d colours; the page looks blank", name, colours)
	}
	dir := os.Getenv("FIELDHUB_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o600); err != nil {
		t.Fatal(err)
	}
}
