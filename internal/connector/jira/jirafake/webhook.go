package jirafake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// issueUpdated is the jira:issue_updated body for a status change. The
// caller holds s.mu.
func (s *Server) issueUpdated(is *Issue, from string, by User) []byte {
	s.nextID++
	return mustJSON(map[string]any{
		"timestamp":             time.Now().UnixMilli(),
		"webhookEvent":          "jira:issue_updated",
		"issue_event_type_name": "issue_generic",
		"user":                  s.userJSON(by),
		"issue":                 s.issueJSON(is),
		"changelog": map[string]any{"id": fmt.Sprint(s.nextID), "items": []any{map[string]any{
			"field": "status", "fieldtype": "jira", "fieldId": "status",
			"from": s.statusID(from), "fromString": from, "to": s.statusID(is.Status), "toString": is.Status,
		}}},
	})
}

// commentCreated is the comment_created body. Jira's webhooks carry the
// comment's text as a string, not as ADF. The caller holds s.mu.
func (s *Server) commentCreated(is *Issue, c Comment) []byte {
	now := jiraTime(time.Now())
	return mustJSON(map[string]any{
		"timestamp":    time.Now().UnixMilli(),
		"webhookEvent": "comment_created",
		"comment": map[string]any{
			"self": s.base + "/rest/api/2/issue/" + is.ID + "/comment/" + c.ID, "id": c.ID,
			"author": s.userJSON(c.Author), "updateAuthor": s.userJSON(c.Author), "body": c.Text,
			"created": now, "updated": now, "jsdPublic": true,
		},
		"issue": map[string]any{"id": is.ID, "self": s.base + "/rest/api/2/issue/" + is.ID, "key": is.Key,
			"fields": map[string]any{"summary": is.Summary, "status": s.statusJSON(is.Status),
				"issuetype": map[string]any{"name": is.Type}, "project": map[string]any{"key": is.Project}}},
	})
}

func (s *Server) userJSON(u User) map[string]any {
	return map[string]any{"self": s.base + "/rest/api/2/user?accountId=" + u.AccountID, "accountId": u.AccountID,
		"displayName": u.DisplayName, "active": true, "timeZone": "UTC", "accountType": "atlassian"}
}

// deliver POSTs one webhook as Jira does: JSON, a delivery identifier, and
// X-Hub-Signature when the webhook has a secret. No webhook registered is
// no delivery.
func (s *Server) deliver(body []byte) error {
	s.hookMu.Lock()
	url, secret := s.hookURL, s.hookSecret
	s.hookSeq++
	id := fmt.Sprintf("%d", 7000+s.hookSeq)
	s.hookMu.Unlock()
	if url == "" {
		return nil
	}
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Atlassian Webhook HTTP Client")
	req.Header.Set("X-Atlassian-Webhook-Identifier", id)
	req.Header.Set("X-Atlassian-Webhook-Flow", "Primary")
	if secret != "" {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		req.Header.Set("X-Hub-Signature", "sha256="+hex.EncodeToString(m.Sum(nil)))
	}
	res, err := s.httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("jirafake: webhook %s: %w", id, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("jirafake: webhook %s answered %d: %s", id, res.StatusCode, strings.TrimSpace(string(b)))
	}
	return nil
}

// deliverAsync sends a webhook after an API change, as Jira does some time
// after answering the request. The caller holds s.mu, so that whoever sees
// the change (Issue, Issues) and then calls WebhookErrors waits for its
// webhook too.
func (s *Server) deliverAsync(body []byte) {
	s.hookMu.Lock()
	s.pending++
	s.hookMu.Unlock()
	go func() {
		err := s.deliver(body)
		s.hookMu.Lock()
		defer s.hookMu.Unlock()
		if err != nil {
			s.hookErrs = append(s.hookErrs, err)
		}
		if s.pending--; s.pending == 0 {
			s.idle.Broadcast()
		}
	}()
}

// adfText is the plain text of an ADF document: its text nodes, a line per
// paragraph.
func adfText(raw json.RawMessage) string {
	var n struct {
		Type    string            `json:"type"`
		Text    string            `json:"text"`
		Content []json.RawMessage `json:"content"`
	}
	if json.Unmarshal(raw, &n) != nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(n.Text)
	if n.Type == "hardBreak" {
		b.WriteString("\n")
	}
	for _, c := range n.Content {
		b.WriteString(adfText(c))
	}
	if n.Type == "paragraph" {
		b.WriteString("\n")
	}
	if n.Type == "doc" {
		return strings.TrimSpace(b.String())
	}
	return b.String()
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
