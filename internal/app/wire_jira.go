package app

import (
	"net/http"
	"time"

	"github.com/fieldhub/fieldhub/internal/connector/jira"
	"github.com/fieldhub/fieldhub/internal/depot"
)

// jiraTracker returns the Jira Cloud tracker when --jira-url is set; without
// it issue-tracker sync stays off. Settings that are set but incomplete are
// logged and leave sync off rather than stopping the server.
func (a *App) jiraTracker() (depot.Tracker, bool) {
	cfg := a.Config
	if cfg.JiraURL == "" {
		return nil, false
	}
	c, err := jira.New(jira.Config{
		BaseURL: cfg.JiraURL, Email: cfg.JiraEmail, Token: cfg.JiraToken, Project: cfg.JiraProject,
		WebhookSecret: cfg.JiraWebhookSecret,
		HTTP:          &http.Client{Timeout: 15 * time.Second},
	})
	if err != nil {
		a.Log.Error("jira sync is off: incomplete settings", "err", err)
		return nil, false
	}
	if cfg.JiraWebhookSecret == "" {
		a.Log.Warn("jira webhooks are refused: no --jira-webhook-secret")
	}
	return c, true
}
