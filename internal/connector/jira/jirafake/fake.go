// Package jirafake is a small Jira Cloud for tests: an http.Handler that
// speaks the REST API v3 requests and answers fieldhub uses (issues, JQL
// search, transitions, comments, basic auth, Jira's error bodies and rate
// limiting) and sends signed admin webhooks the way Jira does.
package jirafake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultStatuses is the workflow of a depot project: any status may move
// to any other. New issues start in the first.
var DefaultStatuses = []string{"Diagnostic", "Repair", "Rebuild", "QA", "Pack", "Ready"}

// Config sets up a fake site.
type Config struct {
	// Email and Token are the one account that may call the API.
	Email, Token string
	// Projects are the project keys that exist.
	Projects []string
	// Statuses is the workflow; DefaultStatuses when empty.
	Statuses []string
	// IssueTypes are the valid issue type names; Task, Bug and Story when empty.
	IssueTypes []string
}

// User is a Jira account as webhooks show it.
type User struct {
	AccountID   string `json:"accountId"`
	DisplayName string `json:"displayName"`
}

// Issue is an issue as the fake keeps it.
type Issue struct {
	ID, Key, Project, Type, Summary, Status string
	Labels                                  []string
	// Description is the ADF document as it was sent.
	Description json.RawMessage
	Comments    []Comment
}

// Comment is a comment on an issue.
type Comment struct {
	ID     string
	Author User
	// Body is the ADF document as it was sent (API) or plain text wrapped
	// in a paragraph (test controls); Text is its plain text.
	Body json.RawMessage
	Text string
}

// Server is a fake Jira Cloud site. Use it as an httptest handler.
type Server struct {
	cfg  Config
	api  User
	mux  *http.ServeMux
	base string

	mu       sync.Mutex
	issues   map[string]*Issue // by key
	order    []string          // keys in creation order
	nextID   int
	keyNum   map[string]int // per project
	failures []failure
	calls    map[string]int // "METHOD /path pattern" -> count

	hookMu     sync.Mutex
	hookURL    string
	hookSecret string
	hookSeq    int
	hookErrs   []error
	// pending counts webhooks sent on their own and not yet answered;
	// idle is signalled (under hookMu) when it falls to zero. A counter
	// under a mutex, not a WaitGroup, because API calls may start a
	// delivery at any time, also while a test waits for the others.
	pending    int
	idle       *sync.Cond
	httpClient *http.Client
}

// failure is a canned error answer for an upcoming API request.
type failure struct {
	status     int
	retryAfter string
}

// New returns a fake site with cfg's projects and no issues.
func New(cfg Config) *Server {
	if len(cfg.Statuses) == 0 {
		cfg.Statuses = DefaultStatuses
	}
	if len(cfg.IssueTypes) == 0 {
		cfg.IssueTypes = []string{"Task", "Bug", "Story"}
	}
	s := &Server{cfg: cfg, issues: map[string]*Issue{}, keyNum: map[string]int{}, nextID: 10000,
		calls:      map[string]int{},
		api:        User{AccountID: "5b10ac8d82e05b22cc7d4ef5", DisplayName: "fieldhub integration"},
		httpClient: &http.Client{Timeout: 10 * time.Second}}
	s.idle = sync.NewCond(&s.hookMu)
	s.routes()
	return s
}

// SetBase tells the fake its own URL, for the "self" links it returns.
func (s *Server) SetBase(url string) {
	s.mu.Lock()
	s.base = strings.TrimRight(url, "/")
	s.mu.Unlock()
}

// SetWebhook registers an admin webhook: every issue update and new
// comment is POSTed to url, signed with secret (no signature when empty).
func (s *Server) SetWebhook(url, secret string) {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	s.hookURL, s.hookSecret = url, secret
}

// APIUser is the account the API credentials belong to.
func (s *Server) APIUser() User { return s.api }

// FailNext makes the next n API requests fail with status (and a
// Retry-After header when retryAfter is not empty), in Jira's error shape.
func (s *Server) FailNext(n, status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, failure{status, retryAfter})
	}
}

// Calls counts the API requests that reached route (e.g. "POST /rest/api/3/issue").
func (s *Server) Calls(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[route]
}

// Issue returns a copy of the issue with key.
func (s *Server) Issue(key string) (Issue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is, ok := s.issues[key]
	if !ok {
		return Issue{}, false
	}
	return is.copy(), true
}

// Issues returns copies of every issue, oldest first.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, 0, len(s.order))
	for _, k := range s.order {
		out = append(out, s.issues[k].copy())
	}
	return out
}

// copy is a deep copy, so that a test reading it never shares memory with
// requests the fake is still serving.
func (is *Issue) copy() Issue {
	c := *is
	c.Labels = slices.Clone(is.Labels)
	c.Description = bytes.Clone(is.Description)
	c.Comments = slices.Clone(is.Comments)
	for i := range c.Comments {
		c.Comments[i].Body = bytes.Clone(c.Comments[i].Body)
	}
	return c
}

// TransitionAs moves the issue to status as the user named by did it in Jira's UI and
// delivers the jira:issue_updated webhook, returning its error (a webhook
// answered with other than 2xx is an error).
func (s *Server) TransitionAs(key, status, by string) error {
	s.mu.Lock()
	is, ok := s.issues[key]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("jirafake: no issue %s", key)
	}
	to, ok := s.status(status)
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("jirafake: no status %q in the workflow", status)
	}
	from := is.Status
	is.Status = to
	body := s.issueUpdated(is, from, person(by))
	s.mu.Unlock()
	return s.deliver(body)
}

// Comment adds a comment as the user named by did it in Jira's UI and
// delivers the comment_created webhook, returning its error.
func (s *Server) Comment(key, text, by string) error {
	s.mu.Lock()
	is, ok := s.issues[key]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("jirafake: no issue %s", key)
	}
	doc, _ := json.Marshal(map[string]any{"type": "doc", "version": 1, "content": []any{
		map[string]any{"type": "paragraph", "content": []any{map[string]any{"type": "text", "text": text}}}}})
	c := s.addComment(is, person(by), doc, text)
	body := s.commentCreated(is, c)
	s.mu.Unlock()
	return s.deliver(body)
}

// WebhookErrors returns the errors of webhooks the fake sent on its own
// (after API changes), for tests that want them all delivered.
func (s *Server) WebhookErrors() []error {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	s.waitIdle()
	return append([]error(nil), s.hookErrs...)
}

// Close waits for webhooks still being sent.
func (s *Server) Close() {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	s.waitIdle()
}

// waitIdle waits until no webhook is being sent. The caller holds hookMu.
func (s *Server) waitIdle() {
	for s.pending > 0 {
		s.idle.Wait()
	}
}

// status returns the workflow's spelling of name.
func (s *Server) status(name string) (string, bool) {
	for _, st := range s.cfg.Statuses {
		if strings.EqualFold(st, name) {
			return st, true
		}
	}
	return "", false
}

// statusID is a status's id: its place in the workflow, as Jira numbers them.
func (s *Server) statusID(name string) string {
	for i, st := range s.cfg.Statuses {
		if st == name {
			return fmt.Sprint(10000 + i)
		}
	}
	return "1"
}

// person is the Jira account of a display name, with a stable account id.
func person(name string) User {
	h := fnv.New64a()
	h.Write([]byte(name))
	return User{AccountID: fmt.Sprintf("712020:%016x", h.Sum64()), DisplayName: name}
}
