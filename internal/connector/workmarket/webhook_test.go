package workmarket_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/fieldhub/fieldhub/internal/connector/workmarket"
	"github.com/fieldhub/fieldhub/internal/connector/workmarket/wmfake"
	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// receiver is a webhook endpoint that parses what it gets with c.
type receiver struct {
	mu      sync.Mutex
	updates []dispatch.PlatformUpdate
	errs    []error
}

func listen(t *testing.T, c *workmarket.Client) (*receiver, string) {
	t.Helper()
	rc := &receiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		us, err := c.ParseWebhook(r)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if err != nil {
			rc.errs = append(rc.errs, err)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		rc.updates = append(rc.updates, us...)
	}))
	t.Cleanup(srv.Close)
	return rc, srv.URL
}

func TestWebhooksFromTheFake(t *testing.T) {
	// The fake sends its callouts to a receiver that parses them.
	var c *workmarket.Client
	rc := &receiver{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		us, err := c.ParseWebhook(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rc.mu.Lock()
		rc.updates = append(rc.updates, us...)
		rc.mu.Unlock()
	}))
	defer hook.Close()
	var fake *wmfake.Server
	fake, c = setup(t, wmfake.Options{WebhookURL: hook.URL, WebhookToken: hookToken})
	ctx := context.Background()
	id, err := c.Push(ctx, job())
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.Accept(id, tech); err != nil {
		t.Fatal(err)
	}
	if err := fake.CheckIn(id); err != nil {
		t.Fatal(err)
	}
	if err := fake.Complete(id, wmfake.Completion{Resolution: "Fixed", ResultCode: "FIXED", PartsUsed: "PNL-55:1",
		ReturnTracking: "1ZTRACK", UnitCondition: "damaged"}); err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var states []string
	for _, u := range rc.updates {
		states = append(states, u.State)
		if u.ExternalID != id || u.EventID == "" || u.At.IsZero() {
			t.Errorf("update %+v lacks its ids or time", u)
		}
	}
	want := []string{dispatch.PlatformAccepted, dispatch.PlatformOnSite, dispatch.PlatformCompleted}
	if strings.Join(states, ",") != strings.Join(want, ",") {
		t.Fatalf("states = %v, want %v", states, want)
	}
	if got := rc.updates[0].Technician; got.ExternalID != tech.ID || got.Name != "Dana Ortiz" || got.Phone != tech.Phone {
		t.Errorf("technician = %+v", got)
	}
	done := rc.updates[2]
	if done.Notes != "Fixed" || done.ResultCode != "FIXED" || done.ReturnTracking != "1ZTRACK" ||
		done.UnitCondition != "damaged" || len(done.PartsUsed) != 1 || done.PartsUsed[0].SKU != "PNL-55" {
		t.Errorf("completion = %+v", done)
	}
}

func TestWebhookAuthentication(t *testing.T) {
	fake, c := setup(t, wmfake.Options{})
	rc, url := listen(t, c)
	id, err := c.Push(context.Background(), job())
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.SendWebhook(url, hookToken, "Sent", id); err != nil {
		t.Fatalf("good token: %v", err)
	}
	for name, token := range map[string]string{"wrong": "whk-guess", "missing": ""} {
		if err := fake.SendWebhook(url, token, "Sent", id); err == nil {
			t.Errorf("%s token accepted", name)
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.updates) != 1 || rc.updates[0].State != dispatch.PlatformSent {
		t.Fatalf("updates = %+v, want one sent", rc.updates)
	}
	if len(rc.errs) != 2 || !fault.Is(rc.errs[0], fault.Unauthorized) || !fault.Is(rc.errs[1], fault.Unauthorized) {
		t.Fatalf("errors = %v, want two unauthorized", rc.errs)
	}
}

func hookRequest(body, token string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/v1/hooks/workmarket", strings.NewReader(body))
	if token != "" {
		r.Header.Set(workmarket.TokenHeader, token)
	}
	return r
}

func TestWebhookWithoutConfiguredSecret(t *testing.T) {
	c, _ := workmarket.New(workmarket.Config{BaseURL: "https://wm.example/api/v1", AccessToken: "x"})
	_, err := c.ParseWebhook(hookRequest(`{"event":"Sent","assignment_id":"1"}`, "anything"))
	if !fault.Is(err, fault.Unauthorized) {
		t.Fatalf("err = %v, want unauthorized", err)
	}
}

func TestWebhookBodies(t *testing.T) {
	_, c := setup(t, wmfake.Options{})
	for _, tc := range []struct {
		name, body string
		code       fault.Code
		n          int
		state      string
	}{
		{"not json", `event=Sent`, fault.Invalid, 0, ""},
		{"array", `[]`, fault.Invalid, 0, ""},
		{"no assignment", `{"event":"Accepted"}`, fault.Invalid, 0, ""},
		{"no event", `{"assignment_id":"1"}`, fault.Invalid, 0, ""},
		{"bad time", `{"event":"Sent","assignment_id":"1","now":"yesterday"}`, fault.Invalid, 0, ""},
		{"ignored event", `{"event":"Label Added","assignment_id":"1"}`, "", 0, ""},
		{"numeric id, unix time", `{"event":"Voided","assignment_id":6029116301,"now":1764600000,"note":"dup"}`, "", 1, dispatch.PlatformCancelled},
		{"incomplete", `{"event":"Completed","assignment_id":"1","custom_field_2002":"incomplete - no access","resolution":"locked out"}`, "", 1, dispatch.PlatformIncomplete},
		{"confirm", `{"event":"Confirm","assignment_id":"1","now":"2026-12-01T10:00:00Z"}`, "", 1, dispatch.PlatformScheduled},
	} {
		us, err := c.ParseWebhook(hookRequest(tc.body, hookToken))
		if fault.CodeOf(err) != tc.code || len(us) != tc.n {
			t.Errorf("%s: %d updates, err %v; want %d, code %q", tc.name, len(us), err, tc.n, tc.code)
			continue
		}
		if tc.n == 1 && (us[0].State != tc.state || us[0].EventID == "") {
			t.Errorf("%s: update %+v, want state %s", tc.name, us[0], tc.state)
		}
	}
}

func TestWebhookBodyLimit(t *testing.T) {
	_, c := setup(t, wmfake.Options{})
	body := `{"event":"Sent","assignment_id":"1","resolution":"` + strings.Repeat("x", 300<<10) + `"}`
	if _, err := c.ParseWebhook(hookRequest(body, hookToken)); !fault.Is(err, fault.Invalid) {
		t.Fatalf("err = %v, want invalid", err)
	}
}

func TestCancelledOnWorkMarket(t *testing.T) {
	fake, c := setup(t, wmfake.Options{})
	rc, url := listen(t, c)
	fake.SetWebhook(url, hookToken)
	ctx := context.Background()
	unassigned, _ := c.Push(ctx, job())
	other := job()
	other.JobID, other.Number = "0193a6f2-7c1e-7c3a-9f00-000000000009", "JOB-000049"
	assigned, _ := c.Push(ctx, other)
	if err := fake.Accept(assigned, tech); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{unassigned, assigned} {
		if err := fake.Cancel(id, "site closed"); err != nil {
			t.Fatal(err)
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.updates) != 3 {
		t.Fatalf("updates = %+v, want accepted and two cancellations", rc.updates)
	}
	for _, u := range rc.updates[1:] {
		if u.State != dispatch.PlatformCancelled || u.Reason != "site closed" {
			t.Errorf("update %+v, want cancelled with the note", u)
		}
	}
	if rc.updates[1].ExternalID != unassigned || rc.updates[2].ExternalID != assigned {
		t.Errorf("cancellations for %s and %s, want %s and %s", rc.updates[1].ExternalID, rc.updates[2].ExternalID, unassigned, assigned)
	}
}
