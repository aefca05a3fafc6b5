// Package jira is the Jira Cloud adapter for depot-ticket sync: it mirrors
// each depot ticket as an issue through the Jira Cloud REST API v3 and turns
// Jira's admin webhooks back into tracker updates. It implements
// depot.Tracker; depot knows nothing else about Jira.
package jira

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fieldhub/fieldhub/internal/depot"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// maxResponse bounds how much of a Jira response is read: a broken or
// hostile server must not make fieldhub buffer without limit.
const maxResponse = 1 << 20

// maxErrorText bounds the Jira error text carried in an error message.
const maxErrorText = 300

// DefaultIssueType is the issue type created when Config.IssueType is empty;
// every Jira Cloud software and work-management project has it.
const DefaultIssueType = "Task"

// Config is how fieldhub reaches one Jira Cloud site.
type Config struct {
	// BaseURL is the site, e.g. https://your-site.atlassian.net.
	BaseURL string
	// Email and Token are the account and its API token (basic auth).
	Email string
	Token string
	// Project is the key of the project issues are created in (DEPOT).
	Project string
	// IssueType is the issue type's name; DefaultIssueType when empty.
	IssueType string
	// WebhookSecret is the secret of the admin webhook; inbound webhooks
	// must carry its HMAC in X-Hub-Signature. Empty refuses every webhook.
	WebhookSecret string
	// HTTP is the client for API calls; one with a 15 s timeout when nil.
	HTTP *http.Client
}

// Client talks to one Jira Cloud project. It is safe for concurrent use.
type Client struct {
	cfg  Config
	base *url.URL
	http *http.Client
	// self is the account id of the API user, read before fieldhub first
	// changes an issue, so that webhooks about fieldhub's own changes are
	// not fed back as updates.
	self atomic.Value
}

var _ depot.Tracker = (*Client)(nil)

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	var f fault.Fields
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	f.Check(err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "", "jira_url", "must be an http(s) URL")
	f.Check(cfg.Email != "", "jira_email", "is required")
	f.Check(cfg.Token != "", "jira_token", "is required")
	f.Check(cfg.Project != "", "jira_project", "is required")
	if err := f.Err(); err != nil {
		return nil, err
	}
	if cfg.IssueType == "" {
		cfg.IssueType = DefaultIssueType
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	return &Client{cfg: cfg, base: u, http: hc}, nil
}

// Name is the tracker's stable name.
func (c *Client) Name() string { return "jira" }

// call sends one API request and decodes a 2xx JSON answer into out (when
// out is not nil). Failures come back as *fault.Error: see apiError.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, in, out any) error {
	u := *c.base
	u.Path += path
	u.RawQuery = query.Encode()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return err
	}
	req.SetBasicAuth(c.cfg.Email, c.cfg.Token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "fieldhub")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		// The URL carries no credentials; the error names the host only.
		return &fault.Error{Code: fault.Unavailable, Message: fmt.Sprintf("jira %s %s: %v", method, path, unwrapURLError(err))}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxResponse+1))
	if err != nil {
		return &fault.Error{Code: fault.Unavailable, Message: fmt.Sprintf("jira %s %s: reading the response: %v", method, path, err)}
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return apiError(method, path, res, raw, time.Now())
	}
	if len(raw) > maxResponse {
		return &fault.Error{Code: fault.Unavailable, Message: fmt.Sprintf("jira %s %s: response larger than %d bytes", method, path, maxResponse)}
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &fault.Error{Code: fault.Unavailable, Message: fmt.Sprintf("jira %s %s: malformed response: %v", method, path, err)}
	}
	return nil
}

// unwrapURLError drops url.Error's "Get <url>:" prefix, keeping the cause.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// jiraErrors is Jira's error body: general messages plus messages per field.
type jiraErrors struct {
	ErrorMessages []string          `json:"errorMessages"`
	Errors        map[string]string `json:"errors"`
}

// apiError turns a non-2xx answer into a *fault.Error whose code says what
// the caller can do: Unavailable (5xx) and RateLimited (429, with
// Detail["retry_after"] in seconds when Jira said) are worth retrying;
// every other code is permanent.
func apiError(method, path string, res *http.Response, raw []byte, now time.Time) error {
	msg := fmt.Sprintf("jira %s %s: %d", method, path, res.StatusCode)
	if text := errorText(raw); text != "" {
		msg += ": " + text
	}
	fe := &fault.Error{Message: msg, Detail: map[string]any{"status": res.StatusCode}}
	switch {
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusServiceUnavailable:
		fe.Code = fault.RateLimited
		if res.StatusCode == http.StatusServiceUnavailable {
			fe.Code = fault.Unavailable
		}
		if d := parseRetryAfter(res.Header.Get("Retry-After"), now); d > 0 {
			secs := int((d + time.Second - 1) / time.Second)
			fe.Detail["retry_after"] = secs
			fe.Message += fmt.Sprintf(" (retry after %ds)", secs)
		}
	case res.StatusCode >= 500:
		fe.Code = fault.Unavailable
	case res.StatusCode == http.StatusNotFound:
		fe.Code = fault.NotFound
	case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden:
		fe.Code = fault.Forbidden
	case res.StatusCode == http.StatusConflict:
		fe.Code = fault.Conflict
	default:
		fe.Code = fault.Invalid
	}
	return fe
}

// errorText is Jira's error body as one bounded line, or the start of a
// body that is not Jira's shape.
func errorText(raw []byte) string {
	var je jiraErrors
	var parts []string
	if json.Unmarshal(raw, &je) == nil {
		parts = append(parts, je.ErrorMessages...)
		for _, k := range slices.Sorted(maps.Keys(je.Errors)) {
			parts = append(parts, k+": "+je.Errors[k])
		}
	} else if s := strings.TrimSpace(string(raw)); s != "" && !strings.HasPrefix(s, "<") {
		parts = append(parts, s)
	}
	text := strings.Join(strings.Fields(strings.Join(parts, "; ")), " ")
	if len(text) > maxErrorText {
		text = text[:maxErrorText] + "…"
	}
	return text
}

// parseRetryAfter reads Retry-After: delay seconds or an HTTP date.
func parseRetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		return time.Duration(min(max(n, 0), 86400)) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Retryable reports whether err is worth trying again later: Jira was
// away, overloaded or limiting the rate, or the network failed.
func Retryable(err error) bool {
	return fault.Is(err, fault.Unavailable) || fault.Is(err, fault.RateLimited)
}

// RetryAfter is how long Jira asked fieldhub to wait, or 0 when it did not say.
func RetryAfter(err error) time.Duration {
	var fe *fault.Error
	if errors.As(err, &fe) {
		if n, ok := fe.Detail["retry_after"].(int); ok {
			return time.Duration(n) * time.Second
		}
	}
	return 0
}
