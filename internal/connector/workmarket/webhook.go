package workmarket

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// TokenHeader is the custom header WorkMarket's webhook configuration must
// set to the shared webhook secret (WorkMarket does not sign callouts).
const TokenHeader = "X-Fieldhub-Webhook-Token"

// maxWebhook bounds an inbound webhook body.
const maxWebhook = 256 << 10

// eventStates maps the webhook events fieldhub acts on to canonical states;
// every other WorkMarket event is acknowledged and ignored.
var eventStates = map[string]string{
	"sent":      dispatch.PlatformSent,
	"accepted":  dispatch.PlatformAccepted,
	"confirm":   dispatch.PlatformScheduled,
	"check in":  dispatch.PlatformOnSite,
	"completed": dispatch.PlatformCompleted,
	"cancel":    dispatch.PlatformCancelled,
	"voided":    dispatch.PlatformCancelled,
}

// ParseWebhook authenticates a WorkMarket webhook callout by its shared
// secret header and maps its event onto at most one update.
func (c *Client) ParseWebhook(r *http.Request) ([]dispatch.PlatformUpdate, error) {
	if err := c.authenticate(r); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhook+1))
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "workmarket webhook: reading body: %v", err)
	}
	if len(body) > maxWebhook {
		return nil, fault.Errorf(fault.Invalid, "workmarket webhook: body larger than %d bytes", maxWebhook)
	}
	return c.parseBody(body)
}

func (c *Client) authenticate(r *http.Request) error {
	got := r.Header.Get(TokenHeader)
	if c.cfg.WebhookSecret == "" {
		return fault.Errorf(fault.Unauthorized, "workmarket webhook: no webhook secret is configured")
	}
	if got == "" {
		return fault.Errorf(fault.Unauthorized, "workmarket webhook: missing %s header", TokenHeader)
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(c.cfg.WebhookSecret)) != 1 {
		return fault.Errorf(fault.Unauthorized, "workmarket webhook: wrong %s", TokenHeader)
	}
	return nil
}

// payload is a webhook body: template variables whose values may be JSON
// strings, numbers or null, depending on how the template quotes them.
type payload map[string]json.RawMessage

func (p payload) str(key string) string {
	raw, ok := p[key]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if d.Decode(&n) == nil {
		return n.String()
	}
	return ""
}

func (c *Client) parseBody(body []byte) ([]dispatch.PlatformUpdate, error) {
	var p payload
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&p); err != nil || p == nil {
		return nil, fault.Errorf(fault.Invalid, "workmarket webhook: body is not a JSON object")
	}
	var f fault.Fields
	event := strings.ToLower(p.str("event"))
	id := p.str("assignment_id")
	f.Check(event != "", "event", "is required")
	f.Check(id != "", "assignment_id", "is required")
	at, okTime := webhookTime(p.str("now"))
	f.Check(okTime, "now", "is not a Unix or ISO 8601 time")
	if err := f.Err(); err != nil {
		return nil, err
	}
	state, known := eventStates[event]
	if !known {
		return nil, nil
	}
	if at.IsZero() {
		at = c.cfg.Now().UTC()
	}
	u := dispatch.PlatformUpdate{ExternalID: id, State: state, At: at}
	if state == dispatch.PlatformCompleted && incomplete(p.str(customKey(c.cfg.Fields.ResultCode))) {
		u.State = dispatch.PlatformIncomplete
	}
	if rid := p.str("resource_id"); rid != "" {
		u.Technician = dispatch.PlatformTechnician{
			ExternalID: rid,
			Name:       strings.TrimSpace(p.str("resource_first_name") + " " + p.str("resource_last_name")),
			Email:      p.str("resource_email"),
			Phone:      firstNonEmpty(p.str("resource_mobile"), p.str("resource_phone")),
		}
	}
	switch u.State {
	case dispatch.PlatformCompleted, dispatch.PlatformIncomplete:
		c.completion(&u, p.str("resolution"), func(fid string) string { return p.str(customKey(fid)) })
	case dispatch.PlatformCancelled:
		u.Reason = p.str("note")
	}
	u.EventID = digest("hook", event, id, p.str("status"), u.Technician.ExternalID,
		p.str("check_in_out_id"), p.str("now"))
	return []dispatch.PlatformUpdate{u}, nil
}

// customKey is the webhook variable name of a custom field.
func customKey(id string) string {
	if id == "" {
		return ""
	}
	return "custom_field_" + id
}

// webhookTime reads the "now" variable: Unix seconds (or milliseconds) or
// ISO 8601. Empty is allowed (the zero time).
func webhookTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n <= 0 {
			return time.Time{}, false
		}
		if n > 1e12 {
			return time.UnixMilli(n).UTC(), true
		}
		return time.Unix(n, 0).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
