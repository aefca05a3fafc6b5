package jira_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/connector/jira"
	"github.com/fieldhub/fieldhub/internal/connector/jira/jirafake"
	"github.com/fieldhub/fieldhub/internal/depot"
	"github.com/fieldhub/fieldhub/internal/fault"
)

const (
	email  = "depot-bot@acme.example"
	token  = "ATATT3xFfGF0-test-token-value"
	secret = "whsec-jira-test-secret"
)

// site is a fake Jira Cloud with a client configured for it.
type site struct {
	fake   *jirafake.Server
	srv    *httptest.Server
	client *jira.Client
}

func newSite(t testing.TB) site {
	t.Helper()
	fake := jirafake.New(jirafake.Config{Email: email, Token: token, Projects: []string{"DEPOT"}})
	srv := httptest.NewServer(fake)
	fake.SetBase(srv.URL)
	t.Cleanup(func() { fake.Close(); srv.Close() })
	return site{fake: fake, srv: srv, client: newClient(t, srv.URL, token)}
}

func newClient(t testing.TB, base, tok string) *jira.Client {
	t.Helper()
	c, err := jira.New(jira.Config{BaseURL: base, Email: email, Token: tok, Project: "DEPOT", WebhookSecret: secret,
		HTTP: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var ticket = depot.TrackerTicket{
	TicketID: "019a1f0e-7c2b-7d4e-9f10-3a5b6c7d8e9f", Number: "DT-000123",
	Description:  "Customer reports a dead keyboard.\nUnit arrived in its box.",
	DeviceSerial: "5CD1234XYZ", DeviceModel: "Latitude 7440", WorkOrder: "WO-000042", Stage: "Diagnostic",
}

func TestCreateIssueMakesOneIssuePerTicket(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	key, err := s.client.CreateIssue(ctx, ticket)
	if err != nil {
		t.Fatal(err)
	}
	is, ok := s.fake.Issue(key)
	if !ok {
		t.Fatalf("issue %s not in the fake", key)
	}
	if is.Summary != "DT-000123 refurb: Latitude 7440 5CD1234XYZ" {
		t.Errorf("summary %q", is.Summary)
	}
	if want := "DT-000124 Latitude 7440 5CD1234XYZ (Refurb)"; createSummary(t, s, "DT-000124", "Latitude 7440 5CD1234XYZ (Refurb)") != want {
		t.Errorf("the ticket's own summary is not used as %q", want)
	}
	if is.Type != "Task" || is.Project != "DEPOT" || is.Status != "Diagnostic" {
		t.Errorf("issue %+v", is)
	}
	if !slices.Contains(is.Labels, jira.Label(ticket.TicketID)) {
		t.Errorf("labels %v lack the ticket's label", is.Labels)
	}
	desc := string(is.Description)
	for _, want := range []string{`"type":"doc"`, "WO-000042", "5CD1234XYZ", "dead keyboard", `"hardBreak"`} {
		if !strings.Contains(desc, want) {
			t.Errorf("description lacks %s: %s", want, desc)
		}
	}

	again, err := s.client.CreateIssue(ctx, ticket)
	if err != nil || again != key {
		t.Fatalf("second create = %q, %v; want %q", again, err, key)
	}
	if n := len(s.fake.Issues()); n != 2 {
		t.Errorf("%d issues after creates for two tickets, want 2", n)
	}
	if n := s.fake.Calls("POST /rest/api/3/issue"); n != 2 {
		t.Errorf("%d create requests, want 2", n)
	}

}

// createSummary creates an issue for another ticket with number and summary
// and returns the issue's summary.
func createSummary(t *testing.T, s site, number, summary string) string {
	t.Helper()
	other := ticket
	other.TicketID, other.Number, other.Summary = "id-"+number, number, summary
	key, err := s.client.CreateIssue(context.Background(), other)
	if err != nil {
		t.Fatal(err)
	}
	is, _ := s.fake.Issue(key)
	return is.Summary
}

func TestTransitionByStageName(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	key, err := s.client.CreateIssue(ctx, ticket)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.client.Transition(ctx, key, "qa"); err != nil {
		t.Fatal(err)
	}
	if is, _ := s.fake.Issue(key); is.Status != "QA" {
		t.Fatalf("status %q, want QA", is.Status)
	}
	posts := s.fake.Calls("POST /rest/api/3/issue/{key}/transitions")
	if err := s.client.Transition(ctx, key, "QA"); err != nil {
		t.Fatalf("moving to the status it is in: %v", err)
	}
	if n := s.fake.Calls("POST /rest/api/3/issue/{key}/transitions"); n != posts {
		t.Errorf("a transition was posted for an issue already in QA")
	}

	err = s.client.Transition(ctx, key, "Shipped")
	if !fault.Is(err, fault.Conflict) || jira.Retryable(err) {
		t.Fatalf("unknown stage: %v, want a permanent conflict", err)
	}
	if !strings.Contains(err.Error(), "Shipped") {
		t.Errorf("error does not name the stage: %v", err)
	}
	if err := s.client.Transition(ctx, "DEPOT-999", "QA"); !fault.Is(err, fault.NotFound) || jira.Retryable(err) {
		t.Errorf("missing issue: %v, want a permanent not found", err)
	}
}

func TestComment(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	key, err := s.client.CreateIssue(ctx, ticket)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.client.Comment(ctx, key, "QA passed.\nReady to pack."); err != nil {
		t.Fatal(err)
	}
	is, _ := s.fake.Issue(key)
	if len(is.Comments) != 1 || is.Comments[0].Text != "QA passed.\nReady to pack." {
		t.Fatalf("comments %+v", is.Comments)
	}
	if is.Comments[0].Author != s.fake.APIUser() {
		t.Errorf("author %+v", is.Comments[0].Author)
	}
	if err := s.client.Comment(ctx, key, "  "); !fault.Is(err, fault.Invalid) {
		t.Errorf("empty comment: %v", err)
	}
}

func TestBadCredentialsArePermanentAndDoNotLeakTheToken(t *testing.T) {
	s := newSite(t)
	wrong := "ATATT3x-wrong-token"
	c := newClient(t, s.srv.URL, wrong)
	_, err := c.CreateIssue(context.Background(), ticket)
	if !fault.Is(err, fault.Forbidden) || jira.Retryable(err) {
		t.Fatalf("bad token: %v, want a permanent forbidden", err)
	}
	if !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "must be authenticated") {
		t.Errorf("error does not carry Jira's answer: %v", err)
	}
	if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), email) {
		t.Errorf("error leaks credentials: %v", err)
	}
	if len(s.fake.Issues()) != 0 {
		t.Error("an issue was created with bad credentials")
	}
}

func TestRateLimitThenSuccess(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	s.fake.FailNext(1, http.StatusTooManyRequests, "7")
	_, err := s.client.CreateIssue(ctx, ticket)
	if !fault.Is(err, fault.RateLimited) || !jira.Retryable(err) {
		t.Fatalf("429: %v, want retryable rate limited", err)
	}
	if d := jira.RetryAfter(err); d != 7*time.Second {
		t.Errorf("RetryAfter = %s, want 7s", d)
	}
	if !strings.Contains(err.Error(), "retry after 7s") {
		t.Errorf("error does not say when: %v", err)
	}
	key, err := s.client.CreateIssue(ctx, ticket)
	if err != nil || key == "" {
		t.Fatalf("after the limit: %q, %v", key, err)
	}

	s.fake.FailNext(1, http.StatusBadGateway, "")
	if err := s.client.Transition(ctx, key, "Repair"); !fault.Is(err, fault.Unavailable) || !jira.Retryable(err) {
		t.Errorf("502: %v, want retryable unavailable", err)
	}
	if err := s.client.Transition(ctx, key, "Repair"); err != nil {
		t.Errorf("after the 502: %v", err)
	}
}

func TestJiraValidationErrorsArePermanent(t *testing.T) {
	s := newSite(t)
	c, err := jira.New(jira.Config{BaseURL: s.srv.URL, Email: email, Token: token, Project: "NOPE", IssueType: "Epic"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateIssue(context.Background(), ticket)
	if !fault.Is(err, fault.Invalid) || jira.Retryable(err) {
		t.Fatalf("bad project: %v, want permanent invalid", err)
	}
	for _, want := range []string{"400", "issuetype: Specify an issue type", "project: Specify a valid project"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func TestNetworkFailureIsRetryable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c := newClient(t, srv.URL, token)
	if _, err := c.CreateIssue(context.Background(), ticket); !fault.Is(err, fault.Unavailable) || !jira.Retryable(err) {
		t.Fatalf("closed server: %v, want retryable unavailable", err)
	}
}

func TestOversizedResponseIsRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issues":[],"pad":"`))
		_, _ = w.Write([]byte(strings.Repeat("x", 2<<20)))
		_, _ = w.Write([]byte(`"}`))
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, token)
	if _, err := c.CreateIssue(context.Background(), ticket); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("huge answer: %v", err)
	}
}

func TestNewRequiresSettings(t *testing.T) {
	_, err := jira.New(jira.Config{BaseURL: "ftp://x"})
	var fe *fault.Error
	if !fault.Is(err, fault.Invalid) || !errors.As(err, &fe) || len(fe.Fields) != 4 {
		t.Fatalf("New with nothing: %v", err)
	}
}
