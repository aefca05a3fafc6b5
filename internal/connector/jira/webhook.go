package jira

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/fieldhub/fieldhub/internal/depot"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// maxWebhook bounds an inbound webhook body. Jira's issue payloads carry
// every field of the issue, so they are large, but not this large.
const maxWebhook = 1 << 20

// Headers Jira Cloud sends with admin webhooks.
const (
	// SignatureHeader carries "sha256=<hex HMAC-SHA256 of the body>" keyed
	// with the webhook's secret (the WebSub signature format).
	SignatureHeader = "X-Hub-Signature"
	// IdentifierHeader identifies a delivery; retries keep it.
	IdentifierHeader = "X-Atlassian-Webhook-Identifier"
)

// webhook is the part of a Jira webhook body fieldhub reads.
type webhook struct {
	Timestamp    int64  `json:"timestamp"`
	WebhookEvent string `json:"webhookEvent"`
	User         user   `json:"user"`
	Issue        struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	} `json:"issue"`
	Changelog struct {
		ID    string `json:"id"`
		Items []struct {
			Field      string `json:"field"`
			FieldID    string `json:"fieldId"`
			FromString string `json:"fromString"`
			ToString   string `json:"toString"`
		} `json:"items"`
	} `json:"changelog"`
	Comment struct {
		ID     string          `json:"id"`
		Body   json.RawMessage `json:"body"`
		Author user            `json:"author"`
	} `json:"comment"`
}

type user struct {
	AccountID   string `json:"accountId"`
	DisplayName string `json:"displayName"`
}

// ParseWebhook authenticates a Jira admin webhook by its X-Hub-Signature
// and turns a status change (jira:issue_updated) or a new comment
// (comment_created) into an update. Other events are acknowledged with no
// updates, and so are changes made by fieldhub's own account.
func (c *Client) ParseWebhook(r *http.Request) ([]depot.TrackerUpdate, error) {
	if c.cfg.WebhookSecret == "" {
		return nil, fault.Errorf(fault.Unauthorized, "jira webhooks are not accepted: no webhook secret is configured")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhook+1))
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "jira webhook: reading the body: %v", err)
	}
	if len(body) > maxWebhook {
		return nil, fault.Errorf(fault.Invalid, "jira webhook: body larger than %d bytes", maxWebhook)
	}
	if !validSignature(c.cfg.WebhookSecret, r.Header.Get(SignatureHeader), body) {
		return nil, fault.Errorf(fault.Unauthorized, "jira webhook: missing or wrong %s", SignatureHeader)
	}
	var w webhook
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fault.Errorf(fault.Invalid, "jira webhook: malformed JSON: %v", err)
	}
	if w.WebhookEvent == "" {
		return nil, fault.Errorf(fault.Invalid, "jira webhook: no webhookEvent")
	}
	var u depot.TrackerUpdate
	var authorID string
	switch w.WebhookEvent {
	case "jira:issue_updated":
		for _, it := range w.Changelog.Items {
			if it.Field == "status" || it.FieldID == "status" {
				u.ToStatus = it.ToString
			}
		}
		if u.ToStatus == "" {
			return nil, nil
		}
		u.Author, authorID = w.User.DisplayName, w.User.AccountID
	case "comment_created":
		if u.Comment = plainText(w.Comment.Body); u.Comment == "" {
			return nil, nil
		}
		u.Author, authorID = w.Comment.Author.DisplayName, w.Comment.Author.AccountID
	default:
		return nil, nil
	}
	if u.IssueKey = w.Issue.Key; u.IssueKey == "" {
		return nil, fault.Errorf(fault.Invalid, "jira webhook: %s without an issue key", w.WebhookEvent)
	}
	own, err := c.own(r.Context(), authorID)
	if err != nil {
		return nil, err
	}
	if own {
		return nil, nil // fieldhub's own change coming back
	}
	u.EventID = eventID(r.Header.Get(IdentifierHeader), w)
	return []depot.TrackerUpdate{u}, nil
}

// own says whether accountID is fieldhub's own account. An instance that
// has not called Jira since it started learns its account first: an echo
// of a change made before a restart must not read as someone's move in
// Jira. When Jira cannot be asked, the webhook is answered 503 so that Jira
// delivers it again.
func (c *Client) own(ctx context.Context, accountID string) (bool, error) {
	if err := c.learnSelf(ctx); err != nil {
		return false, fault.Errorf(fault.Unavailable, "jira webhook: cannot tell fieldhub's own changes apart yet: %v", err)
	}
	self, _ := c.self.Load().(string)
	return self != "" && accountID == self, nil
}

// eventID is the delivery's identifier, or, from a sender that does not
// set it, one built from what makes the change unique.
func eventID(header string, w webhook) string {
	if h := strings.TrimSpace(header); h != "" {
		return "jira:" + h
	}
	change := w.Changelog.ID
	if w.WebhookEvent == "comment_created" {
		change = w.Comment.ID
	}
	return "jira:" + strings.Join([]string{w.WebhookEvent, w.Issue.Key, change, strconv.FormatInt(w.Timestamp, 10)}, ":")
}

// validSignature checks header against the HMAC-SHA256 of body in
// constant time.
func validSignature(secret, header string, body []byte) bool {
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	return hmac.Equal(got, sign(secret, body))
}

// sign is the HMAC-SHA256 of body under secret, as Jira signs webhooks.
func sign(secret string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}
