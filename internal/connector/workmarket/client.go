package workmarket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// maxBody bounds every response body read from WorkMarket.
const maxBody = 1 << 20

// Fields are the ids of the buyer account's custom fields fieldhub uses.
// They differ per WorkMarket account; DefaultFields matches wmfake.
type Fields struct {
	GroupID        string // the custom field group holding the fields below
	JobID          string // fieldhub's job id (the external reference)
	ResultCode     string
	PartsUsed      string
	ReturnTracking string
	UnitCondition  string
}

// DefaultFields are the custom field ids used when Config.Fields is empty.
var DefaultFields = Fields{
	GroupID: "1001", JobID: "2001", ResultCode: "2002",
	PartsUsed: "2003", ReturnTracking: "2004", UnitCondition: "2005",
}

// Config is how to reach one WorkMarket account.
type Config struct {
	BaseURL string // e.g. https://www.workmarket.com/api/v1
	// AccessToken is used as is when set; otherwise Token and Secret are
	// exchanged for one.
	AccessToken   string
	Token, Secret string
	WebhookSecret string // required in X-Fieldhub-Webhook-Token on webhooks
	IndustryID    string // WorkMarket industry constant; default "1000"
	Fields        Fields
	// Lookback is how far back Push looks for an assignment an earlier,
	// unanswered push may have created; default 7 days.
	Lookback time.Duration
	HTTP     *http.Client     // default: 20 s timeout
	Now      func() time.Time // default time.Now
}

// Client is a WorkMarket account as a dispatch.Platform.
type Client struct {
	cfg  Config
	base string

	mu     sync.Mutex
	access string // current access token
}

var _ dispatch.Platform = (*Client)(nil)

// New returns a client for cfg, filling defaults.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fault.Errorf(fault.Invalid, "workmarket: base URL must be an http(s) URL")
	}
	if cfg.AccessToken == "" && (cfg.Token == "" || cfg.Secret == "") {
		return nil, fault.Errorf(fault.Invalid, "workmarket: an access token, or an API token and secret, is required")
	}
	if cfg.IndustryID == "" {
		cfg.IndustryID = "1000"
	}
	if cfg.Fields == (Fields{}) {
		cfg.Fields = DefaultFields
	}
	if cfg.Lookback <= 0 {
		cfg.Lookback = 7 * 24 * time.Hour
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 20 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Client{cfg: cfg, base: strings.TrimRight(cfg.BaseURL, "/"), access: cfg.AccessToken}, nil
}

// Name is the platform's name in routing rules and jobs.
func (c *Client) Name() string { return "workmarket" }

// envelope is WorkMarket's wrapper around every response.
type envelope struct {
	Meta struct {
		StatusCode int       `json:"status_code"`
		Errors     []wmError `json:"errors"`
		RequestID  string    `json:"requestId"`
	} `json:"meta"`
	Response json.RawMessage `json:"response"`
}

// wmError is one entry of meta.errors; WorkMarket sends objects with a
// code and message (older responses send bare strings).
type wmError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *wmError) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		e.Message = s
		return nil
	}
	type plain wmError
	return json.Unmarshal(b, (*plain)(e))
}

// call sends one request and decodes envelope.response into out (when not
// nil). GET parameters go in the query, POST parameters in the body.
func (c *Client) call(ctx context.Context, method, path string, params url.Values, out any) error {
	token, err := c.token(ctx)
	if err != nil {
		return err
	}
	err = c.do(ctx, method, path, params, token, out)
	if isAuthFailure(err) && c.cfg.Token != "" && c.cfg.Secret != "" {
		// The access token expired or was revoked: exchange once more.
		c.forget(token)
		if token, err = c.token(ctx); err != nil {
			return err
		}
		err = c.do(ctx, method, path, params, token, out)
	}
	return err
}

// authFailure marks a 401 so call can refresh the token once.
type authFailure struct{ error }

func (a authFailure) Unwrap() error { return a.error }

func isAuthFailure(err error) bool {
	var a authFailure
	return errors.As(err, &a)
}

func (c *Client) do(ctx context.Context, method, path string, params url.Values, token string, out any) error {
	target := c.base + path
	var body io.Reader
	if method == http.MethodGet {
		if len(params) > 0 {
			target += "?" + params.Encode()
		}
	} else {
		body = strings.NewReader(params.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return fault.Errorf(fault.Invalid, "workmarket: %s %s: %v", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return fault.Errorf(fault.Unavailable, "workmarket: %s %s: %v", method, path, transportError(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return fault.Errorf(fault.Unavailable, "workmarket: %s %s: reading response: %v", method, path, err)
	}
	if len(raw) > maxBody {
		return fault.Errorf(fault.Invalid, "workmarket: %s %s: response larger than %d bytes", method, path, maxBody)
	}
	return decode(method, path, resp.StatusCode, raw, out)
}

// transportError keeps the cause of a transport failure and drops the
// request URL, so that no error ever carries query parameters.
func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// decode classifies a response by status and decodes its payload.
func decode(method, path string, status int, raw []byte, out any) error {
	var env envelope
	jsonErr := json.Unmarshal(raw, &env)
	if status >= 200 && status < 300 && jsonErr == nil && (env.Meta.StatusCode == 0 || env.Meta.StatusCode < 300) {
		if out == nil || len(env.Response) == 0 {
			return nil
		}
		if err := json.Unmarshal(env.Response, out); err != nil {
			return fault.Errorf(fault.Invalid, "workmarket: %s %s: unexpected response: %v", method, path, err)
		}
		return nil
	}
	if status >= 200 && status < 300 {
		if jsonErr != nil {
			return fault.Errorf(fault.Invalid, "workmarket: %s %s: response is not JSON", method, path)
		}
		status = env.Meta.StatusCode
	}
	msg := fmt.Sprintf("workmarket: %s %s: HTTP %d", method, path, status)
	if m := messages(env.Meta.Errors); m != "" {
		msg += ": " + m
	}
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		return &fault.Error{Code: fault.Unavailable, Message: msg}
	case status == http.StatusUnauthorized:
		return authFailure{&fault.Error{Code: fault.Invalid, Message: msg + " (the access token was refused)"}}
	case status == http.StatusNotFound || status == http.StatusForbidden:
		// WorkMarket answers 403 for an assignment the account cannot see:
		// one that does not exist or is not ours. Either way it has none.
		return &fault.Error{Code: fault.NotFound, Message: msg}
	default:
		return &fault.Error{Code: fault.Invalid, Message: msg}
	}
}

func messages(errs []wmError) string {
	var parts []string
	for _, e := range errs {
		m := e.Message
		if m == "" {
			m = e.Code
		}
		if len(m) > 200 {
			m = m[:200]
		}
		if m != "" {
			parts = append(parts, m)
		}
		if len(parts) == 5 {
			break
		}
	}
	return strings.Join(parts, "; ")
}

// token returns the access token, exchanging the API token and secret for
// one when there is none yet.
func (c *Client) token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.access != "" {
		return c.access, nil
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	form := url.Values{"token": {c.cfg.Token}, "secret": {c.cfg.Secret}}
	if err := c.do(ctx, http.MethodPost, "/authorization/request", form, "", &out); err != nil {
		if isAuthFailure(err) {
			return "", &fault.Error{Code: fault.Invalid, Message: "workmarket: the API token and secret were refused"}
		}
		return "", err
	}
	if out.AccessToken == "" {
		return "", fault.Errorf(fault.Invalid, "workmarket: authorization returned no access token")
	}
	c.access = out.AccessToken
	return c.access, nil
}

// forget drops a refused access token so the next call exchanges anew.
func (c *Client) forget(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.access == token {
		c.access = ""
	}
}
