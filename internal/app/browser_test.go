package app_test

import (
	"context"
	"encoding/json"
	"image"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/fieldhub/fieldhub/internal/db"
)

// chromiumPath is where Debian's chromium package puts its launcher.
const chromiumPath = "/usr/bin/chromium"

// browserBudget bounds the whole browser session, start-up included, and
// stepLimit each step in it, so a page that never loads fails the test
// instead of hanging it. They guard against hangs, not slowness: CI runs the
// browser beside every other package under the race detector on two cores,
// where a session that takes 5 s alone has taken over 30 s.
const (
	browserBudget = 3 * time.Minute
	stepLimit     = 30 * time.Second
)

// TestBrowserSignIn signs a staff member in and out the way a person does:
// in a real browser, typing into the form and clicking its buttons. It proves
// what an HTTP client cannot: the redirects, the session cookie and the form
// work together in a browser, and the form fits a phone.
func TestBrowserSignIn(t *testing.T) {
	bin := requireChromium(t)
	// One engine is enough: the browser exercises pages, redirects and the
	// cookie, while the storage behind them is covered on both engines by
	// the end-to-end tests. SQLite needs no server.
	w := startServer(t, db.SQLite)
	ctx := newBrowser(t, bin)

	// Signed out, the console sends the visitor to the sign-in form.
	cdpDo(t, ctx, "open /", chromedp.Navigate(w.base+"/"))
	wantLocation(t, ctx, "/login")

	// A wrong password keeps the visitor on the form with a visible error
	// and the e-mail already filled in for the next try.
	cdpDo(t, ctx, "type e-mail", chromedp.SendKeys(chromedp.CSS("#email"), w.adminEmail))
	cdpDo(t, ctx, "type wrong password", chromedp.SendKeys(chromedp.CSS("#password"), "not the password"))
	if resp := clickAndLoad(t, ctx, `form[action="/login"] button[type=submit]`); resp.Status != 401 {
		t.Errorf("wrong password answered %d, want 401", resp.Status)
	}
	wantLocation(t, ctx, "/login")
	if msg := wantVisible(t, ctx, `[role=alert]`); !strings.Contains(msg, "Wrong e-mail or password") {
		t.Errorf("error shown = %q, want it to say the e-mail or password is wrong", msg)
	}
	if v := cdpRun(t, ctx, "read e-mail", chromedp.Value(chromedp.CSS("#email"))); v != w.adminEmail {
		t.Errorf("e-mail after a failed try = %q, want %q kept", v, w.adminEmail)
	}

	// The right password lands on the home page, signed in.
	cdpDo(t, ctx, "type password", chromedp.SendKeys(chromedp.CSS("#password"), w.adminPassword))
	if resp := clickAndLoad(t, ctx, `form[action="/login"] button[type=submit]`); resp.Status != 200 {
		t.Errorf("home after sign-in answered %d, want 200", resp.Status)
	}
	wantLocation(t, ctx, "/")
	wantWho(t, ctx, w.adminEmail)
	wantHTTPOnlySession(t, ctx, w.base)

	// The session survives a reload.
	cdpDo(t, ctx, "reload", chromedp.Reload())
	wantLocation(t, ctx, "/")
	wantWho(t, ctx, w.adminEmail)
	keepScreenshot(t, ctx, "home")

	// Signing out returns to the form, and the console stays closed.
	clickAndLoad(t, ctx, `form[action="/logout"] button[type=submit]`)
	wantLocation(t, ctx, "/login")
	cdpDo(t, ctx, "open / again", chromedp.Navigate(w.base+"/"))
	wantLocation(t, ctx, "/login")

	wantFitsPhone(t, ctx)
}

// requireChromium returns the browser to drive. CI must have it, so there
// a missing browser fails; on a developer's machine the test is skipped.
func requireChromium(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs chromium for the browser tests: %v", err)
		}
		t.Skipf("browser test skipped: %s not found (apt-get install chromium)", chromiumPath)
	}
	return chromiumPath
}

// newBrowser starts a headless chromium with a fresh profile and closes it
// when the test ends.
func newBrowser(t *testing.T, bin string) context.Context {
	t.Helper()
	// The profile directory is made before the cleanups below are
	// registered, so it is removed only after the browser has exited.
	profile := t.TempDir()
	budget, cancelBudget := context.WithTimeout(context.Background(), browserBudget)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(budget,
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests may run as root, where the sandbox refuses to start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		if err := chromedp.Cancel(ctx); err != nil && budget.Err() == nil {
			t.Logf("closing the browser: %v", err)
		}
		cancelTab()
		cancelAlloc() // waits for the browser process to exit
		cancelBudget()
	})
	// The browser lives as long as the context of the first run, so it is
	// started here, under the whole budget, and not under one step's limit.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	return ctx
}

// cdpRun runs one step and stops the test if it fails; what names the step in
// the failure.
func cdpRun[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepLimit)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// cdpDo runs a step that returns nothing.
func cdpDo(t *testing.T, ctx context.Context, what string, a chromedp.Action[chromedp.Void]) {
	t.Helper()
	cdpRun(t, ctx, what, a)
}

// clickAndLoad clicks the button and waits for the page the form leads to, after
// any redirect, returning that page's response.
func clickAndLoad(t *testing.T, ctx context.Context, button string) *network.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepLimit)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(button)))
	if err != nil {
		t.Fatalf("click %s: %v", button, err)
	}
	if resp == nil {
		t.Fatalf("click %s: no page loaded", button)
	}
	return resp
}

// wantLocation checks the address bar's path, whatever the query string.
func wantLocation(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	loc := cdpRun(t, ctx, "read location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("location %q: %v", loc, err)
	}
	if u.Path != want {
		t.Fatalf("on %s, want path %s", loc, want)
	}
}

// wantVisible returns the text of the element that the CSS selector finds
// on the loaded page, and stops the test if there is none or a person could
// not see it. The pages are rendered on the server, so there is nothing to
// wait for once the page has loaded.
func wantVisible(t *testing.T, ctx context.Context, selector string) string {
	t.Helper()
	lit, err := json.Marshal(selector)
	if err != nil {
		t.Fatal(err)
	}
	type seen struct {
		Found, Visible bool
		Text           string
	}
	e := cdpRun(t, ctx, "look for "+selector, chromedp.Evaluate[seen](`(() => {
		const el = document.querySelector(`+string(lit)+`);
		return el ? {Found: true, Visible: el.checkVisibility({visibilityProperty: true, opacityProperty: true}), Text: el.innerText.trim()} : {Found: false};
	})()`))
	if !e.Found || !e.Visible {
		loc := cdpRun(t, ctx, "read location", chromedp.Location())
		t.Fatalf("no visible %s on %s (found: %v)", selector, loc, e.Found)
	}
	return e.Text
}

// wantWho checks the header names the signed-in user.
func wantWho(t *testing.T, ctx context.Context, email string) {
	t.Helper()
	if got := wantVisible(t, ctx, `[data-testid="who"]`); got != email {
		t.Errorf("signed in as %q, want %q", got, email)
	}
}

// wantHTTPOnlySession checks the browser holds a session cookie that the
// page's scripts cannot read, so an injected script cannot steal it.
func wantHTTPOnlySession(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	cookies := cdpRun(t, ctx, "read cookies", func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		r, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/"}})
		return r.Cookies, err
	})
	if len(cookies) == 0 {
		t.Fatal("signed in, but the browser holds no cookie")
	}
	for _, c := range cookies {
		if !c.HTTPOnly {
			t.Errorf("cookie %s is readable by scripts; want HttpOnly", c.Name)
		}
	}
	if js := cdpRun(t, ctx, "read document.cookie", chromedp.Evaluate[string](`document.cookie`)); js != "" {
		t.Errorf("document.cookie = %q, want no cookie visible to scripts", js)
	}
}

// distinctColours counts the colours on a grid of n×n sample points.
func distinctColours(img image.Image, n int) int {
	b := img.Bounds()
	seen := map[[4]uint32]bool{}
	for i := range n {
		for j := range n {
			x := b.Min.X + i*b.Dx()/n
			y := b.Min.Y + j*b.Dy()/n
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(seen)
}

// phoneLayout is where the sign-in form sits on a phone's screen.
type phoneLayout struct {
	ViewportWidth float64 `json:"vw"`
	ScrollWidth   float64 `json:"sw"`
	InputLeft     float64 `json:"left"`
	InputRight    float64 `json:"right"`
	ButtonRight   float64 `json:"button"`
}

// wantFitsPhone loads the sign-in form on a 390×844 phone screen and checks
// the form fits across it with no sideways scrolling.
func wantFitsPhone(t *testing.T, ctx context.Context) {
	t.Helper()
	const width, height = 390, 844
	cdpDo(t, ctx, "emulate a phone", chromedp.EmulateViewport(width, height, chromedp.EmulateMobile, chromedp.EmulatePortrait, chromedp.EmulateScale(3)))
	cdpDo(t, ctx, "reload on the phone", chromedp.Reload())
	wantVisible(t, ctx, "#email")
	l := cdpRun(t, ctx, "measure the form", chromedp.Evaluate[phoneLayout](`(() => {
		const input = document.querySelector('#email').getBoundingClientRect();
		const button = document.querySelector('form[action="/login"] button[type=submit]').getBoundingClientRect();
		return {vw: window.innerWidth, sw: document.documentElement.scrollWidth,
			left: input.left, right: input.right, button: button.right};
	})()`))
	// A phone widens the layout, and shrinks the page to fit, when the page
	// has no viewport meta tag (980px) or when something is wider than the
	// screen; either way the text becomes too small to use.
	if l.ViewportWidth != width {
		t.Fatalf("page laid out %vpx wide on a %dpx phone: a missing viewport meta tag, or content wider than the screen", l.ViewportWidth, width)
	}
	if l.InputLeft < 0 || l.InputRight > width || l.ButtonRight > width {
		t.Errorf("form does not fit a %dpx phone: %+v", width, l)
	}
	if l.ScrollWidth > width {
		t.Errorf("page scrolls sideways on a %dpx phone: %vpx wide", width, l.ScrollWidth)
	}
}
