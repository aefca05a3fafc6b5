package app_test

import (
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/fieldhub/fieldhub/internal/app"
	"github.com/fieldhub/fieldhub/internal/connector/jira"
	"github.com/fieldhub/fieldhub/internal/connector/jira/jirafake"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

const (
	jiraEmail  = "depot-bot@acme.example"
	jiraToken  = "ATATT3x-e2e-token"
	jiraSecret = "jira-e2e-webhook-secret"
)

// startJira starts a fake Jira Cloud site and an installation configured
// for it only through Config, as an operator would, and points the site's
// admin webhook at the installation.
func startJira(t *testing.T, e db.Engine) (depotWorld, *jirafake.Server) {
	t.Helper()
	fake := jirafake.New(jirafake.Config{Email: jiraEmail, Token: jiraToken, Projects: []string{"DEPOT"}})
	jsrv := httptest.NewServer(fake)
	fake.SetBase(jsrv.URL)
	t.Cleanup(func() { fake.Close(); jsrv.Close() })

	in := startServerWith(t, e, setup{inProcess: true, config: func(cfg *app.Config) {
		cfg.JiraURL, cfg.JiraEmail, cfg.JiraToken, cfg.JiraProject, cfg.JiraWebhookSecret =
			jsrv.URL, jiraEmail, jiraToken, "DEPOT", jiraSecret
	}})
	if tr := in.app.Depot.Tracker(); tr == nil || tr.Name() != "jira" {
		t.Fatal("FIELDHUB_JIRA_URL is set but the depot has no jira tracker")
	}
	fake.SetWebhook(in.base+"/v1/hooks/jira", jiraSecret)
	return depotWorld{install: in, depot: in.login(t, "dana@test.example")}, fake
}

// TestJiraSync runs depot-ticket sync against a fake Jira Cloud: opening a
// ticket creates its issue, completing a stage in fieldhub transitions the
// issue, and a transition or comment made in Jira comes back through the
// signed webhook as a stage completion or a note by the Jira user. Echoes
// of fieldhub's own changes change nothing.
func TestJiraSync(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w, fake := startJira(t, e)
			woID := w.workOrder(t, "JIRA-1", "depot_repair")
			r := w.depot.do("POST", "/v1/depot/receipts", receipt(woID, "SN-J1", nil))
			want(t, r, 201)
			tk := asTicket(t, r)

			var key string
			dbtest.Eventually(t, "the issue to be created and linked", func() bool {
				key = w.ticket(t, tk.ID).IssueKey
				return key != ""
			})
			is, ok := fake.Issue(key)
			if !ok || !slices.Contains(is.Labels, jira.Label(tk.ID)) || !strings.Contains(is.Summary, tk.Number) ||
				!strings.Contains(is.Summary, "SN-J1") || is.Status != "Diagnostic" {
				t.Fatalf("issue in Jira: %+v", is)
			}

			w.complete(t, tk.ID, "diagnostic", map[string]any{})
			dbtest.Eventually(t, "the issue to move to Repair", func() bool {
				is, _ := fake.Issue(key)
				return is.Status == "Repair" && len(is.Comments) == 1
			})
			if errs := fake.WebhookErrors(); len(errs) != 0 {
				t.Fatalf("Jira's webhooks about fieldhub's own changes were refused: %v", errs)
			}
			if got := w.ticket(t, tk.ID); got.Stage != "repair" {
				t.Fatalf("the echo of fieldhub's own transition moved the ticket to %s", got.Stage)
			}

			if err := fake.TransitionAs(key, "QA", "Quinn Tester"); err != nil {
				t.Fatal(err)
			}
			got := w.ticket(t, tk.ID)
			last := got.Log[len(got.Log)-1]
			if got.Stage != "qa" || last.Stage != "repair" || last.Actor.Name != "Quinn Tester" {
				t.Fatalf("after the move in Jira: stage %s, last log %+v", got.Stage, last)
			}
			if err := fake.Comment(key, "Palm rest cracked; photo on the issue.", "Quinn Tester"); err != nil {
				t.Fatal(err)
			}
			got = w.ticket(t, tk.ID)
			if n := got.Log[len(got.Log)-1].Notes; n != "Palm rest cracked; photo on the issue." {
				t.Fatalf("the Jira comment is not a note: %q", n)
			}
			for _, l := range got.Log {
				if strings.Contains(l.Notes, "diagnostic complete") {
					t.Fatalf("fieldhub's own comment came back as a note: %+v", l)
				}
			}

			fake.SetWebhook(w.base+"/v1/hooks/jira", "not the secret")
			if err := fake.TransitionAs(key, "Pack", "Mallory"); err == nil || !strings.Contains(err.Error(), "401") {
				t.Fatalf("a webhook with a wrong signature: %v, want 401", err)
			}
			if got := w.ticket(t, tk.ID); got.Stage != "qa" {
				t.Fatalf("an unsigned webhook moved the ticket to %s", got.Stage)
			}
		})
	}
}

// TestJiraRefusal: when Jira refuses the sync for good (here the API token
// was revoked: 401), the delivery does not wait through its retries — it is
// a dead letter after one attempt, listed for admins, and their replay once
// the token works again creates the issue once.
func TestJiraRefusal(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w, fake := startJira(t, e)
			admin := w.login(t, "admin@test.example")
			fake.FailNext(1, 401, "")
			woID := w.workOrder(t, "JIRA-401", "depot_repair")
			r := w.depot.do("POST", "/v1/depot/receipts", receipt(woID, "SN-J401", nil))
			want(t, r, 201)
			tk := asTicket(t, r)

			var dead []deadJob
			dbtest.Eventually(t, "the refused sync to be a dead letter", func() bool {
				dead = deadJobs(t, admin)
				return len(dead) == 1
			})
			if d := dead[0]; d.Attempts != 1 || !strings.Contains(d.LastError, "401") {
				t.Fatalf("dead letter = %+v; want one attempt ending in Jira's 401", d)
			}
			if key := w.ticket(t, tk.ID).IssueKey; key != "" {
				t.Fatalf("the ticket is linked to %s although Jira refused", key)
			}

			want(t, admin.do("POST", fmt.Sprintf("/v1/admin/dead-jobs/%d/retry", dead[0].ID), nil), 202)
			var key string
			dbtest.Eventually(t, "the replay to create the issue", func() bool {
				key = w.ticket(t, tk.ID).IssueKey
				return key != ""
			})
			if n := len(fake.Issues()); n != 1 {
				t.Fatalf("Jira holds %d issues after the replay, want 1", n)
			}
		})
	}
}
