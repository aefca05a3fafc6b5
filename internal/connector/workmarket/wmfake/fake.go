// Package wmfake is a local stand-in for WorkMarket's employer API (v1
// assignments) for tests. It serves the same paths, form parameters and
// {"meta", "response"} JSON envelopes under /api/v1, keeps assignments in
// memory, refuses bad credentials as WorkMarket does (400 without a token,
// 401 with a wrong one), and has controls that play the worker's side:
// Accept, Confirm, CheckIn, Complete, Cancel. When a webhook target is set,
// each control also sends WorkMarket's webhook callout for it.
package wmfake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Prefix is where the fake serves the API: a client's base URL is the
// server's URL + Prefix.
const Prefix = "/api/v1"

// Custom field ids the fake's buyer account has (workmarket.DefaultFields).
const (
	GroupID             = "1001"
	FieldJobID          = "2001"
	FieldResultCode     = "2002"
	FieldPartsUsed      = "2003"
	FieldReturnTracking = "2004"
	FieldUnitCondition  = "2005"
)

var fieldNames = map[string]string{
	FieldJobID: "fieldhub_job_id", FieldResultCode: "result_code", FieldPartsUsed: "parts_used",
	FieldReturnTracking: "return_tracking", FieldUnitCondition: "unit_condition",
}

// Options configure a fake account.
type Options struct {
	Token, Secret string // accepted at /authorization/request
	AccessToken   string // also accepted as a bearer token, if set
	// WebhookURL, when set, receives a webhook for every control action,
	// carrying WebhookToken in the X-Fieldhub-Webhook-Token header.
	WebhookURL, WebhookToken string
	Now                      func() time.Time
}

// Server is a fake WorkMarket account; it is an http.Handler.
type Server struct {
	opts Options

	mu          sync.Mutex
	tokens      map[string]bool
	assignments map[string]*assignment
	order       []string
	nextID      int64
	failures    map[string][]failure // path -> injected failures, in order
	calls       map[string]int       // path -> requests served
}

// failure is an injected response: status, and whether the request's
// effect still happens (a create that succeeds but answers 500).
type failure struct {
	status int
	apply  bool
}

// New returns a fake account.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts: opts, tokens: map[string]bool{}, assignments: map[string]*assignment{},
		nextID: 6029116300, failures: map[string][]failure{}, calls: map[string]int{},
	}
	if opts.AccessToken != "" {
		s.tokens[opts.AccessToken] = true
	}
	return s
}

// Fail makes the next n requests to path (e.g. "/assignments/create")
// answer status without doing anything.
func (s *Server) Fail(path string, status, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures[path] = append(s.failures[path], failure{status: status})
	}
}

// FailAfter makes the next request to path do its work and then answer
// status anyway, as when a response is lost: the caller cannot tell
// whether it happened.
func (s *Server) FailAfter(path string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[path] = append(s.failures[path], failure{status: status, apply: true})
}

// SetWebhook points the control actions' webhooks at url with token, for
// a receiver that starts after the fake.
func (s *Server) SetWebhook(url, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.WebhookURL, s.opts.WebhookToken = url, token
}

// Calls is how many requests path has received.
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

// RevokeTokens forgets every issued access token, as when they expire.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]bool{}
}

// ServeHTTP routes a request to its endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		reply(w, http.StatusNotFound, nil, "endpoint does not exist")
		return
	}
	if err := r.ParseForm(); err != nil {
		reply(w, http.StatusBadRequest, nil, "malformed parameters")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[path]++
	ep, ok := s.routes()[path]
	switch {
	case !ok:
		reply(w, http.StatusNotFound, nil, "endpoint does not exist")
		return
	case ep.method != r.Method:
		reply(w, http.StatusMethodNotAllowed, nil, "use "+ep.method)
		return
	}
	if path != "/authorization/request" {
		if status, msg := s.authorized(r); status != 0 {
			reply(w, status, nil, msg)
			return
		}
	}
	var inj *failure
	if q := s.failures[path]; len(q) > 0 {
		inj, s.failures[path] = &q[0], q[1:]
		if !inj.apply {
			reply(w, inj.status, nil, "injected failure")
			return
		}
	}
	status, resp, msg := ep.fn(r)
	if inj != nil {
		status, resp, msg = inj.status, nil, "injected failure after the change was made"
	}
	reply(w, status, resp, msg)
}

type endpoint struct {
	method string
	fn     func(r *http.Request) (int, any, string)
}

func (s *Server) routes() map[string]endpoint {
	return map[string]endpoint{
		"/authorization/request":    {http.MethodPost, s.authorize},
		"/assignments/create":       {http.MethodPost, s.create},
		"/assignments/get":          {http.MethodGet, s.get},
		"/assignments/list_updated": {http.MethodGet, s.listUpdated},
		"/assignments/void":         {http.MethodPost, s.void},
		"/assignments/cancel":       {http.MethodPost, s.cancel},
	}
}

// authorized checks the bearer token (or access_token parameter): missing
// is a 400 and wrong a 401, as WorkMarket documents.
func (s *Server) authorized(r *http.Request) (int, string) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if tok == "" {
		tok = r.Form.Get("access_token")
	}
	if tok == "" {
		return http.StatusBadRequest, "access token is required"
	}
	if !s.tokens[tok] {
		return http.StatusUnauthorized, "invalid access token"
	}
	return 0, ""
}

func (s *Server) authorize(r *http.Request) (int, any, string) {
	if s.opts.Token == "" || r.Form.Get("token") != s.opts.Token || r.Form.Get("secret") != s.opts.Secret {
		return http.StatusUnauthorized, nil, "invalid token or secret"
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b)
	s.tokens[tok] = true
	return http.StatusOK, map[string]string{"access_token": tok}, ""
}

type meta struct {
	StatusCode    int        `json:"status_code"`
	Errors        []apiError `json:"errors"`
	Version       int        `json:"version"`
	RequestID     string     `json:"requestId"`
	ExecutionTime float64    `json:"execution_time"`
	Timestamp     int64      `json:"timestamp"`
}

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// reply writes WorkMarket's envelope.
func reply(w http.ResponseWriter, status int, resp any, msg string) {
	m := meta{StatusCode: status, Errors: []apiError{}, Version: 1, Timestamp: time.Now().Unix()}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	m.RequestID = hex.EncodeToString(b)
	if status >= 300 {
		m.Errors = append(m.Errors, apiError{Code: fmt.Sprint(status), Message: msg})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"meta": m, "response": orEmpty(resp)})
}

func orEmpty(v any) any {
	if v == nil {
		return map[string]any{}
	}
	return v
}
