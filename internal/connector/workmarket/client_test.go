package workmarket_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/connector/workmarket"
	"github.com/fieldhub/fieldhub/internal/connector/workmarket/wmfake"
	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/fault"
)

const (
	apiToken  = "tok-public"
	apiSecret = "sec-very-secret"
	hookToken = "whk-shared"
)

// setup starts a fake WorkMarket account and a client for it that
// exchanges an API token and secret.
func setup(t *testing.T, opts wmfake.Options) (*wmfake.Server, *workmarket.Client) {
	t.Helper()
	opts.Token, opts.Secret = apiToken, apiSecret
	fake := wmfake.New(opts)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c, err := workmarket.New(workmarket.Config{
		BaseURL: srv.URL + wmfake.Prefix, Token: apiToken, Secret: apiSecret, WebhookSecret: hookToken,
		HTTP: srv.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return fake, c
}

func job() dispatch.PlatformJob {
	start := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	return dispatch.PlatformJob{
		JobID: "0193a6f2-7c1e-7c3a-9f00-000000000001", Number: "JOB-000042",
		Title: "Replace display panel", Description: "Cracked 55in panel, customer onsite",
		Instructions: "Call 30 minutes ahead", Kind: "repair",
		Site:        dispatch.PlatformSite{Line1: "1 Main St", Line2: "Apt 4", City: "Austin", State: "TX", ZIP: "78701"},
		Window:      dispatch.TimeWindow{Start: start, End: start.Add(4 * time.Hour)},
		BudgetCents: 12345, Currency: "USD", Skills: []string{"TV repair", "Mounting"},
		Pool: "77001", RadiusMiles: 35,
	}
}

func TestPushCreatesAssignment(t *testing.T) {
	fake, c := setup(t, wmfake.Options{})
	j := job()
	id, err := c.Push(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	as := fake.Assignments()
	if len(as) != 1 || as[0].ID != id {
		t.Fatalf("assignments = %+v, want one with id %s", as, id)
	}
	a := as[0]
	checks := map[string][2]any{
		"title":        {a.Title, "JOB-000042 Replace display panel"},
		"description":  {a.Description, j.Description},
		"instructions": {a.Instructions, j.Instructions},
		"skills":       {a.DesiredSkills, "TV repair, Mounting"},
		"industry":     {a.IndustryID, "1000"},
		"status":       {a.Status, "sent"},
		"start":        {a.WindowStart, j.Window.Start.Unix()},
		"end":          {a.WindowEnd, j.Window.End.Unix()},
		"price":        {a.FlatPrice, 123.45},
		"address1":     {a.Location["address1"], "1 Main St"},
		"address2":     {a.Location["address2"], "Apt 4"},
		"city":         {a.Location["city"], "Austin"},
		"state":        {a.Location["state"], "TX"},
		"zip":          {a.Location["zip"], "78701"},
		"country":      {a.Location["country"], "USA"},
		"job id field": {a.Fields[wmfake.FieldJobID], j.JobID},
		"radius":       {a.SendRadius, 35},
		"work feed":    {a.WorkFeed, false},
	}
	for name, v := range checks {
		if v[0] != v[1] {
			t.Errorf("%s = %v, want %v", name, v[0], v[1])
		}
	}
	if len(a.Groups) != 1 || a.Groups[0] != "77001" {
		t.Errorf("groups = %v, want [77001]", a.Groups)
	}
}

func TestPushWithoutPoolGoesToWorkFeed(t *testing.T) {
	fake, c := setup(t, wmfake.Options{})
	j := job()
	j.Pool, j.RadiusMiles = "", 0
	if _, err := c.Push(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	a := fake.Assignments()[0]
	if !a.WorkFeed || len(a.Groups) != 0 || a.Status != "sent" {
		t.Fatalf("assignment = %+v, want sent to the work feed only", a)
	}
}

func TestPushRepeatFindsExisting(t *testing.T) {
	fake, c := setup(t, wmfake.Options{})
	ctx := context.Background()
	first, err := c.Push(ctx, job())
	if err != nil {
		t.Fatal(err)
	}
	other := job()
	other.JobID, other.Number = "0193a6f2-7c1e-7c3a-9f00-000000000002", "JOB-000043"
	if _, err := c.Push(ctx, other); err != nil {
		t.Fatal(err)
	}
	again, err := c.Push(ctx, job())
	if err != nil {
		t.Fatal(err)
	}
	if again != first || len(fake.Assignments()) != 2 {
		t.Fatalf("repeat push = %s (first %s), %d assignments; want the first and 2", again, first, len(fake.Assignments()))
	}
}

func TestPushRepeatAfterLostResponse(t *testing.T) {
	fake, c := setup(t, wmfake.Options{})
	ctx := context.Background()
	fake.FailAfter("/assignments/create", http.StatusBadGateway)
	if _, err := c.Push(ctx, job()); !fault.Is(err, fault.Unavailable) {
		t.Fatalf("push with lost response: err = %v, want unavailable", err)
	}
	id, err := c.Push(ctx, job())
	if err != nil {
		t.Fatal(err)
	}
	as := fake.Assignments()
	if len(as) != 1 || as[0].ID != id {
		t.Fatalf("after retry: %d assignments, id %s; want the one created before", len(as), id)
	}
}

func TestPushRetryAfterServerError(t *testing.T) {
	fake, c := setup(t, wmfake.Options{})
	ctx := context.Background()
	fake.Fail("/assignments/create", http.StatusServiceUnavailable, 1)
	if _, err := c.Push(ctx, job()); !fault.Is(err, fault.Unavailable) {
		t.Fatalf("err = %v, want unavailable", err)
	}
	if n := len(fake.Assignments()); n != 0 {
		t.Fatalf("%d assignments after a failed create, want 0", n)
	}
	if _, err := c.Push(ctx, job()); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Assignments()); n != 1 {
		t.Fatalf("%d assignments, want 1", n)
	}
}

func TestRateLimitedIsRetryable(t *testing.T) {
	fake, c := setup(t, wmfake.Options{})
	fake.Fail("/assignments/list_updated", http.StatusTooManyRequests, 1)
	if _, err := c.Push(context.Background(), job()); !fault.Is(err, fault.Unavailable) {
		t.Fatalf("err = %v, want unavailable", err)
	}
}

func TestPushRejectsBadJob(t *testing.T) {
	fake, c := setup(t, wmfake.Options{})
	j := job()
	j.Title, j.Currency = "", "EUR"
	err := func() error { _, err := c.Push(context.Background(), j); return err }()
	if !fault.Is(err, fault.Invalid) || !strings.Contains(err.Error(), "title") || !strings.Contains(err.Error(), "currency") {
		t.Fatalf("err = %v, want invalid naming title and currency", err)
	}
	if fake.Calls("/assignments/create") != 0 {
		t.Fatal("a bad job reached WorkMarket")
	}
}

func TestPlatformRejectionIsPermanent(t *testing.T) {
	fake, c := setup(t, wmfake.Options{})
	fake.Fail("/assignments/create", http.StatusBadRequest, 1)
	err := func() error { _, err := c.Push(context.Background(), job()); return err }()
	if !fault.Is(err, fault.Invalid) || !strings.Contains(err.Error(), "HTTP 400") {
		t.Fatalf("err = %v, want invalid with the status", err)
	}
}

func TestBadAccessToken(t *testing.T) {
	fake := wmfake.New(wmfake.Options{AccessToken: "good-token"})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, err := workmarket.New(workmarket.Config{BaseURL: srv.URL + wmfake.Prefix, AccessToken: "stolen-token", HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Push(context.Background(), job())
	if !fault.Is(err, fault.Invalid) || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err = %v, want a permanent 401", err)
	}
	if strings.Contains(err.Error(), "stolen-token") {
		t.Fatal("the error shows the token")
	}
	good, _ := workmarket.New(workmarket.Config{BaseURL: srv.URL + wmfake.Prefix, AccessToken: "good-token", HTTP: srv.Client()})
	if _, err := good.Push(context.Background(), job()); err != nil {
		t.Fatalf("with the right token: %v", err)
	}
}

func TestBadSecret(t *testing.T) {
	fake := wmfake.New(wmfake.Options{Token: apiToken, Secret: apiSecret})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, _ := workmarket.New(workmarket.Config{BaseURL: srv.URL + wmfake.Prefix, Token: apiToken, Secret: "wrong-secret", HTTP: srv.Client()})
	_, err := c.Poll(context.Background(), "123")
	if !fault.Is(err, fault.Invalid) || strings.Contains(err.Error(), "wrong-secret") {
		t.Fatalf("err = %v, want invalid without the secret in it", err)
	}
}

func TestExpiredTokenIsRenewed(t *testing.T) {
	fake, c := setup(t, wmfake.Options{})
	ctx := context.Background()
	id, err := c.Push(ctx, job())
	if err != nil {
		t.Fatal(err)
	}
	fake.RevokeTokens()
	if _, err := c.Poll(ctx, id); err != nil {
		t.Fatalf("poll after the token expired: %v", err)
	}
	if n := fake.Calls("/authorization/request"); n != 2 {
		t.Fatalf("%d token exchanges, want 2", n)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	for name, cfg := range map[string]workmarket.Config{
		"no url":         {AccessToken: "x"},
		"bad scheme":     {BaseURL: "ftp://x", AccessToken: "x"},
		"no credentials": {BaseURL: "https://www.workmarket.com/api/v1"},
		"secret only":    {BaseURL: "https://www.workmarket.com/api/v1", Secret: "s"},
	} {
		if _, err := workmarket.New(cfg); !fault.Is(err, fault.Invalid) {
			t.Errorf("%s: err = %v, want invalid", name, err)
		}
	}
}

// rawClient is a client of a server that answers every request with
// status and body.
func rawClient(t *testing.T, status int, body string) *workmarket.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := workmarket.New(workmarket.Config{BaseURL: srv.URL + "/api/v1", AccessToken: "x", HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestUnreadableResponses(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		status int
		body   string
		code   fault.Code
	}{
		{"proxy error page", http.StatusBadGateway, "<html>bad gateway</html>", fault.Unavailable},
		{"not json", http.StatusOK, "<html>login</html>", fault.Invalid},
		{"too large", http.StatusOK, `{"meta":{},"response":{"title":"` + strings.Repeat("x", 2<<20) + `"}}`, fault.Invalid},
		{"error in meta only", http.StatusOK, `{"meta":{"status_code":400,"errors":[{"code":"x","message":"bad id"}]},"response":{}}`, fault.Invalid},
	} {
		_, err := rawClient(t, tc.status, tc.body).Poll(ctx, "1")
		if !fault.Is(err, tc.code) {
			t.Errorf("%s: err = %v, want %s", tc.name, err, tc.code)
		}
	}
}

func TestNetworkFailureIsRetryable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	c, _ := workmarket.New(workmarket.Config{BaseURL: base + "/api/v1", AccessToken: "secret-token"})
	_, err := c.Poll(context.Background(), "1")
	if !fault.Is(err, fault.Unavailable) || strings.Contains(err.Error(), "secret-token") {
		t.Fatalf("err = %v, want unavailable without the token", err)
	}
}
