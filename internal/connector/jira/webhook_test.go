package jira_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fieldhub/fieldhub/internal/connector/jira"
	"github.com/fieldhub/fieldhub/internal/depot"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// signed is a webhook request as Jira sends it, signed with key.
func signed(t testing.TB, body []byte, key, id string) *http.Request {
	t.Helper()
	r := httptest.NewRequest("POST", "/v1/hooks/jira", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if key != "" {
		m := hmac.New(sha256.New, []byte(key))
		m.Write(body)
		r.Header.Set(jira.SignatureHeader, "sha256="+hex.EncodeToString(m.Sum(nil)))
	}
	if id != "" {
		r.Header.Set(jira.IdentifierHeader, id)
	}
	return r
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWebhookSignature(t *testing.T) {
	c := newSite(t).client
	body := readFile(t, "issue_updated.json")
	if _, err := c.ParseWebhook(signed(t, body, secret, "1")); err != nil {
		t.Fatalf("good signature: %v", err)
	}
	bad := signed(t, body, "another secret", "1")
	if _, err := c.ParseWebhook(bad); !fault.Is(err, fault.Unauthorized) {
		t.Errorf("wrong secret: %v", err)
	}
	if _, err := c.ParseWebhook(signed(t, body, "", "1")); !fault.Is(err, fault.Unauthorized) {
		t.Errorf("no signature: %v", err)
	}
	r := signed(t, body, secret, "1")
	r.Header.Set(jira.SignatureHeader, "sha1="+r.Header.Get(jira.SignatureHeader)[7:])
	if _, err := c.ParseWebhook(r); !fault.Is(err, fault.Unauthorized) {
		t.Errorf("other algorithm: %v", err)
	}
	tampered := signed(t, body, secret, "1")
	tampered.Body = io.NopCloser(bytes.NewReader(bytes.Replace(body, []byte(`"toString": "QA"`), []byte(`"toString": "Ready"`), 1)))
	if _, err := c.ParseWebhook(tampered); !fault.Is(err, fault.Unauthorized) {
		t.Errorf("tampered body: %v", err)
	}

	noSecret, err := jira.New(jira.Config{BaseURL: "https://x.atlassian.net", Email: email, Token: token, Project: "DEPOT"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := noSecret.ParseWebhook(signed(t, body, "", "1")); !fault.Is(err, fault.Unauthorized) {
		t.Errorf("no secret configured: %v", err)
	}
}

func TestParseIssueUpdated(t *testing.T) {
	c := newSite(t).client
	body := readFile(t, "issue_updated.json")
	got, err := c.ParseWebhook(signed(t, body, secret, "b4f3c2d1-7000"))
	if err != nil {
		t.Fatal(err)
	}
	want := depot.TrackerUpdate{EventID: "jira:b4f3c2d1-7000", IssueKey: "DEPOT-17", ToStatus: "QA", Author: "Quinn Tester"}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("updates %+v, want %+v", got, want)
	}

	// Without the identifier header the id comes from the change itself,
	// the same for the same delivery.
	a, _ := c.ParseWebhook(signed(t, body, secret, ""))
	b, _ := c.ParseWebhook(signed(t, body, secret, ""))
	if len(a) != 1 || a[0].EventID != "jira:jira:issue_updated:DEPOT-17:10583:1764618000123" || a[0].EventID != b[0].EventID {
		t.Errorf("fallback ids %+v %+v", a, b)
	}

	none, err := c.ParseWebhook(signed(t, readFile(t, "issue_updated_assignee.json"), secret, "2"))
	if err != nil || len(none) != 0 {
		t.Errorf("assignee change: %+v, %v; want no updates", none, err)
	}
}

func TestParseCommentCreated(t *testing.T) {
	c := newSite(t).client
	got, err := c.ParseWebhook(signed(t, readFile(t, "comment_created.json"), secret, "c-1"))
	if err != nil {
		t.Fatal(err)
	}
	want := depot.TrackerUpdate{EventID: "jira:c-1", IssueKey: "DEPOT-17",
		Comment: "Keyboard replaced; the palm rest has a crack, photos attached.", Author: "Quinn Tester"}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("updates %+v, want %+v", got, want)
	}
}

func TestParseOtherAndMalformedWebhooks(t *testing.T) {
	c := newSite(t).client
	for name, tc := range map[string]struct {
		body string
		code fault.Code
	}{
		"other event":      {`{"webhookEvent":"jira:issue_deleted","issue":{"key":"DEPOT-1"}}`, ""},
		"not json":         {`{"webhookEvent":`, fault.Invalid},
		"no event":         {`{"issue":{"key":"DEPOT-1"}}`, fault.Invalid},
		"status, no key":   {`{"webhookEvent":"jira:issue_updated","changelog":{"items":[{"field":"status","toString":"QA"}]}}`, fault.Invalid},
		"adf comment body": {`{"webhookEvent":"comment_created","issue":{"key":"DEPOT-1"},"comment":{"id":"1","body":{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"hi"}]}]}}}`, ""},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := c.ParseWebhook(signed(t, []byte(tc.body), secret, "x"))
			if fault.CodeOf(err) != tc.code {
				t.Fatalf("err %v, want code %q", err, tc.code)
			}
			if name == "adf comment body" && (len(got) != 1 || got[0].Comment != "hi") {
				t.Errorf("ADF comment parsed as %+v", got)
			}
		})
	}
	big := append([]byte(`{"webhookEvent":"x","pad":"`), bytes.Repeat([]byte("a"), 1<<20)...)
	if _, err := c.ParseWebhook(signed(t, append(big, `"}`...), secret, "x")); !fault.Is(err, fault.Invalid) {
		t.Errorf("oversized body: %v", err)
	}
}

// TestFakeWebhooksRoundTrip: what the fake sends after a change in Jira's
// UI passes the client's verification and parses; webhooks about fieldhub's
// own comments and transitions are dropped.
func TestFakeWebhooksRoundTrip(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	var mu sync.Mutex
	var got []depot.TrackerUpdate
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		us, err := s.client.ParseWebhook(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		mu.Lock()
		got = append(got, us...)
		mu.Unlock()
	}))
	defer hook.Close()
	s.fake.SetWebhook(hook.URL, secret)

	key, err := s.client.CreateIssue(ctx, ticket)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.client.Comment(ctx, key, "Stage Diagnostic done."); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Transition(ctx, key, "Rebuild"); err != nil {
		t.Fatal(err)
	}
	if errs := s.fake.WebhookErrors(); len(errs) != 0 {
		t.Fatal(errs)
	}
	if err := s.fake.TransitionAs(key, "Repair", "Rita Repair"); err != nil {
		t.Fatal(err)
	}
	if err := s.fake.Comment(key, "Needs a new hinge.", "Rita Repair"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("updates %+v, want Rita's transition and comment only", got)
	}
	if got[0].IssueKey != key || got[0].ToStatus != "Repair" || got[0].Author != "Rita Repair" || got[0].EventID == "" {
		t.Errorf("transition update %+v", got[0])
	}
	if got[1].Comment != "Needs a new hinge." || got[1].Author != "Rita Repair" || got[1].EventID == got[0].EventID {
		t.Errorf("comment update %+v", got[1])
	}

	s.fake.SetWebhook(hook.URL, "not the secret")
	if err := s.fake.TransitionAs(key, "QA", "Rita Repair"); err == nil {
		t.Error("a webhook signed with another secret was accepted")
	}
}

// TestEchoAfterRestart: an instance that has not called Jira since it
// started still knows a webhook about its own earlier change for an echo —
// it asks Jira who it is first — and answers 503 (so Jira delivers again)
// while Jira cannot be asked.
func TestEchoAfterRestart(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	var mu sync.Mutex
	var got []depot.TrackerUpdate
	var errs []error
	var restarted atomic.Pointer[jira.Client]
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		us, err := restarted.Load().ParseWebhook(r)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, err)
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		got = append(got, us...)
	}))
	defer hook.Close()

	key, err := s.client.CreateIssue(ctx, ticket)
	if err != nil {
		t.Fatal(err)
	}
	// Jira cannot be asked (this instance cannot reach it): the echo is
	// refused as unavailable, not taken for a person's move.
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	restarted.Store(newClient(t, down.URL, token))
	s.fake.SetWebhook(hook.URL, secret)
	if err := s.client.Transition(ctx, key, "Rebuild"); err != nil {
		t.Fatal(err)
	}
	s.fake.WebhookErrors() // waits for the delivery
	mu.Lock()
	if len(errs) != 1 || !fault.Is(errs[0], fault.Unavailable) || len(got) != 0 {
		t.Fatalf("while Jira could not be asked: updates %+v, errors %v; want one unavailable", got, errs)
	}
	mu.Unlock()

	// A fresh instance: fieldhub's own transition and comment are echoes,
	// a person's comment is an update.
	restarted.Store(newClient(t, s.srv.URL, token))
	if err := s.client.Transition(ctx, key, "QA"); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Comment(ctx, key, "Stage Rebuild done."); err != nil {
		t.Fatal(err)
	}
	if err := s.fake.Comment(key, "Checked the seal.", "Rita Repair"); err != nil {
		t.Fatal(err)
	}
	s.fake.WebhookErrors()
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Comment != "Checked the seal." || len(errs) != 1 {
		t.Fatalf("after the restart: updates %+v, errors %v; want Rita's comment only", got, errs)
	}
}
