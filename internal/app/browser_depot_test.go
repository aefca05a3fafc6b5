package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fieldhub/fieldhub/internal/db"
)

// TestBrowserDepotTicket does a depot technician's day in a real browser:
// sign in, open the board, open a ticket, complete its diagnostic stage with
// notes through the form, see the stage move, and follow the device link to
// find the diagnostic on the device's history.
func TestBrowserDepotTicket(t *testing.T) {
	bin := requireChromium(t)
	w := startDepot(t, db.SQLite, nil)
	r := w.depot.do("POST", "/v1/depot/receipts", receipt(w.workOrder(t, "DP-BROWSER", "depot_repair"), "SN-BR-1", nil))
	want(t, r, http.StatusCreated)
	tk := asTicket(t, r)

	ctx := newBrowser(t, bin)
	cdpDo(t, ctx, "laptop screen", chromedp.EmulateViewport(1280, 900))
	cdpDo(t, ctx, "open the board", chromedp.Navigate(w.base+"/depot"))
	wantLocation(t, ctx, "/login")
	cdpDo(t, ctx, "type e-mail", chromedp.SendKeys(chromedp.CSS("#email"), "dana@test.example"))
	cdpDo(t, ctx, "type password", chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
	if resp := clickAndLoad(t, ctx, `form[action="/login"] button[type=submit]`); resp.Status != 200 {
		t.Fatalf("the board after sign-in answered %d", resp.Status)
	}
	wantLocation(t, ctx, "/depot")

	// The board's ticket number opens the ticket.
	if got := wantVisible(t, ctx, `[data-stage="diagnostic"] a[data-testid="ticket-link"]`); got != tk.Number {
		t.Fatalf("the board's diagnostic column links %q, want %s", got, tk.Number)
	}
	if resp := clickAndLoad(t, ctx, `[data-stage="diagnostic"] a[data-testid="ticket-link"]`); resp.Status != 200 {
		t.Fatalf("the ticket page answered %d", resp.Status)
	}
	wantLocation(t, ctx, "/depot/tickets/"+tk.ID)
	if got := wantVisible(t, ctx, `[data-testid="stage"]`); !strings.HasPrefix(got, "Diagnostic") {
		t.Errorf("stage shown %q, want Diagnostic", got)
	}

	// Complete the diagnostic with notes: the page comes back at repair.
	cdpDo(t, ctx, "type notes", chromedp.SendKeys(chromedp.CSS("#complete-notes"), "Lamp driver burnt out"))
	if resp := clickAndLoad(t, ctx, `[data-testid="complete-form"] button[type=submit]`); resp.Status != 200 {
		t.Fatalf("the ticket after completing answered %d", resp.Status)
	}
	wantLocation(t, ctx, "/depot/tickets/"+tk.ID)
	if got := wantVisible(t, ctx, `.flash`); got != "Diagnostic completed; the ticket is now at Repair." {
		t.Errorf("flash = %q", got)
	}
	if got := wantVisible(t, ctx, `[data-testid="stage"]`); !strings.HasPrefix(got, "Repair") {
		t.Errorf("stage shown %q after completing the diagnostic, want Repair", got)
	}
	if got := wantVisible(t, ctx, `[data-testid="log"] li:last-child`); !strings.Contains(got, "Lamp driver burnt out") ||
		!strings.Contains(got, "Dana Depot") {
		t.Errorf("the log's last line reads %q, want the notes and who wrote them", got)
	}
	if got := w.ticket(t, tk.ID); got.Stage != "repair" {
		t.Fatalf("through the API the ticket is at %s, want repair", got.Stage)
	}
	keepScreenshot(t, ctx, "depot-ticket-laptop")

	// The device link shows the diagnostic at the top of the history.
	if resp := clickAndLoad(t, ctx, `a[data-testid="device-link"]`); resp.Status != 200 {
		t.Fatalf("the device page answered %d", resp.Status)
	}
	wantLocation(t, ctx, "/devices/"+tk.DeviceID)
	got := wantVisible(t, ctx, `[data-testid="history"] li:first-child`)
	for _, part := range []string{"Depot: stage completed", "Diagnostic completed on " + tk.Number, "Dana Depot"} {
		if !strings.Contains(got, part) {
			t.Errorf("the newest history line reads %q, want %q in it", got, part)
		}
	}
	keepScreenshot(t, ctx, "device-laptop")
}
