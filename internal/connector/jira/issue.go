package jira

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/fieldhub/fieldhub/internal/depot"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// Jira's limits on what fieldhub sends.
const (
	maxSummary = 255
	maxComment = 32000
)

// Label is the label that ties an issue to a depot ticket. CreateIssue
// searches by it before creating, so a retry after an unknown outcome finds
// the issue instead of making a second one.
func Label(ticketID string) string {
	return "fieldhub-ticket-" + strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return '-'
		}
		return r
	}, ticketID)
}

// issueRef is the part of an issue fieldhub reads.
type issueRef struct {
	ID     string `json:"id"`
	Key    string `json:"key"`
	Fields struct {
		Status struct {
			Name string `json:"name"`
		} `json:"status"`
	} `json:"fields"`
	Transitions []transition `json:"transitions"`
}

type transition struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	To   struct {
		Name string `json:"name"`
	} `json:"to"`
}

// CreateIssue returns the key of the ticket's issue, creating it when no
// issue in the project carries the ticket's label.
func (c *Client) CreateIssue(ctx context.Context, t depot.TrackerTicket) (string, error) {
	if strings.TrimSpace(t.TicketID) == "" {
		return "", fault.Errorf(fault.Invalid, "jira: the ticket has no id")
	}
	label := Label(t.TicketID)
	key, err := c.findByLabel(ctx, label)
	if err != nil || key != "" {
		return key, err
	}
	in := map[string]any{"fields": map[string]any{
		"project":     map[string]string{"key": c.cfg.Project},
		"issuetype":   map[string]string{"name": c.cfg.IssueType},
		"summary":     summary(t),
		"description": document(description(t)),
		"labels":      []string{"fieldhub", label},
	}}
	var out struct {
		ID   string `json:"id"`
		Key  string `json:"key"`
		Self string `json:"self"`
	}
	if err := c.call(ctx, "POST", "/rest/api/3/issue", nil, in, &out); err != nil {
		return "", err
	}
	if out.Key == "" {
		return "", fault.Errorf(fault.Unavailable, "jira: created an issue but the answer had no key")
	}
	return out.Key, nil
}

// findByLabel returns the key of the project's issue with label, or "".
func (c *Client) findByLabel(ctx context.Context, label string) (string, error) {
	q := url.Values{
		"jql":        {fmt.Sprintf("project = %s AND labels = %s", jqlString(c.cfg.Project), jqlString(label))},
		"fields":     {"status"},
		"maxResults": {"1"},
	}
	var out struct {
		Issues []issueRef `json:"issues"`
	}
	if err := c.call(ctx, "GET", "/rest/api/3/search/jql", q, nil, &out); err != nil {
		return "", err
	}
	if len(out.Issues) == 0 {
		return "", nil
	}
	return out.Issues[0].Key, nil
}

// jqlString quotes s as a JQL string literal.
func jqlString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// summary is the issue's one line. The ticket's own summary is used when it
// has one (with the ticket number in front when it lacks it); otherwise
// "DT-000123 refurb: <model> <serial>".
func summary(t depot.TrackerTicket) string {
	s := strings.TrimSpace(t.Summary)
	switch {
	case s == "":
		s = strings.TrimSpace(t.Number + " refurb: " + t.DeviceModel + " " + t.DeviceSerial)
	case t.Number != "" && !strings.Contains(s, t.Number):
		s = t.Number + " " + s
	}
	s = strings.Join(strings.Fields(s), " ") // Jira refuses line breaks here
	if r := []rune(s); len(r) > maxSummary {
		s = string(r[:maxSummary-1]) + "…"
	}
	return s
}

// description is the issue's body: what the ticket is about, then the
// facts a Jira user needs to find it in fieldhub.
func description(t depot.TrackerTicket) string {
	var b strings.Builder
	if d := strings.TrimSpace(t.Description); d != "" {
		b.WriteString(d + "\n\n")
	}
	fmt.Fprintf(&b, "Depot ticket: %s\n", t.Number)
	if t.WorkOrder != "" {
		fmt.Fprintf(&b, "Work order: %s\n", t.WorkOrder)
	}
	if t.DeviceModel != "" || t.DeviceSerial != "" {
		fmt.Fprintf(&b, "Device: %s (serial %s)\n", t.DeviceModel, t.DeviceSerial)
	}
	if t.Stage != "" {
		fmt.Fprintf(&b, "Stage: %s\n", t.Stage)
	}
	b.WriteString("\nMirrored from fieldhub; status changes here move the ticket there.")
	return b.String()
}

// Transition moves the issue to the status named like stage. The issue's
// current status and available transitions are read in one request.
func (c *Client) Transition(ctx context.Context, key, stage string) error {
	if key == "" || strings.TrimSpace(stage) == "" {
		return fault.Errorf(fault.Invalid, "jira: an issue key and a stage are required")
	}
	if err := c.learnSelf(ctx); err != nil {
		return err
	}
	var issue issueRef
	q := url.Values{"fields": {"status"}, "expand": {"transitions"}}
	if err := c.call(ctx, "GET", "/rest/api/3/issue/"+url.PathEscape(key), q, nil, &issue); err != nil {
		return err
	}
	if sameName(issue.Fields.Status.Name, stage) {
		return nil
	}
	id, ok := pickTransition(issue.Transitions, stage)
	if !ok {
		names := make([]string, 0, len(issue.Transitions))
		for _, t := range issue.Transitions {
			names = append(names, t.To.Name)
		}
		return &fault.Error{Code: fault.Conflict,
			Message: fmt.Sprintf("jira: issue %s (status %q) has no transition to %q", key, issue.Fields.Status.Name, stage),
			Detail:  map[string]any{"allowed": names}}
	}
	in := map[string]any{"transition": map[string]string{"id": id}}
	return c.call(ctx, "POST", "/rest/api/3/issue/"+url.PathEscape(key)+"/transitions", nil, in, nil)
}

// pickTransition prefers a transition whose target status matches stage and
// falls back to one whose own name does.
func pickTransition(ts []transition, stage string) (string, bool) {
	for _, t := range ts {
		if sameName(t.To.Name, stage) {
			return t.ID, true
		}
	}
	for _, t := range ts {
		if sameName(t.Name, stage) {
			return t.ID, true
		}
	}
	return "", false
}

// sameName compares a Jira status with a stage, ignoring case and the
// difference between spaces, dashes and underscores ("in_qa" = "In QA").
func sameName(a, b string) bool {
	norm := func(s string) string {
		return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
			return r == '_' || r == '-' || unicode.IsSpace(r)
		}), " ")
	}
	return norm(a) != "" && norm(a) == norm(b)
}

// Comment adds body to the issue as a comment.
func (c *Client) Comment(ctx context.Context, key, body string) error {
	body = strings.TrimSpace(body)
	if key == "" || body == "" {
		return fault.Errorf(fault.Invalid, "jira: an issue key and a comment are required")
	}
	if r := []rune(body); len(r) > maxComment {
		body = string(r[:maxComment]) + "…"
	}
	if err := c.learnSelf(ctx); err != nil {
		return err
	}
	in := map[string]any{"body": document(body)}
	return c.call(ctx, "POST", "/rest/api/3/issue/"+url.PathEscape(key)+"/comment", nil, in, nil)
}

// learnSelf reads the API user's account id once, before fieldhub's first
// change to an issue, so that the webhooks Jira sends about fieldhub's own
// changes are known as such whenever they arrive. An echo of fieldhub's
// move to Repair that arrived after the ticket had reached QA would
// otherwise read as someone failing QA in Jira.
func (c *Client) learnSelf(ctx context.Context) error {
	if id, _ := c.self.Load().(string); id != "" {
		return nil
	}
	var me struct {
		AccountID string `json:"accountId"`
	}
	if err := c.call(ctx, "GET", "/rest/api/3/myself", nil, nil, &me); err != nil {
		return err
	}
	if me.AccountID != "" {
		c.self.Store(me.AccountID)
	}
	return nil
}
