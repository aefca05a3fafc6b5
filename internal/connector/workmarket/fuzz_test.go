package workmarket_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fieldhub/fieldhub/internal/connector/workmarket"
	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// FuzzParseWebhook feeds arbitrary bodies and tokens to ParseWebhook: it
// must never panic, must refuse every request without the right token, and
// must return only well-formed updates or a classified error.
func FuzzParseWebhook(f *testing.F) {
	f.Add(`{"event":"Accepted","assignment_id":"6029116301","resource_id":"8823578"}`, hookToken)
	f.Add(`{"event":"Completed","assignment_id":"1","custom_field_2003":"A:1:S;B:x;;:"}`, hookToken)
	f.Add(`{"event":"Sent","assignment_id":"1","now":"-5"}`, "nope")
	c, err := workmarket.New(workmarket.Config{BaseURL: "https://wm.example/api/v1", AccessToken: "x", WebhookSecret: hookToken})
	if err != nil {
		f.Fatal(err)
	}
	states := map[string]bool{
		dispatch.PlatformSent: true, dispatch.PlatformAccepted: true, dispatch.PlatformScheduled: true,
		dispatch.PlatformOnSite: true, dispatch.PlatformCompleted: true, dispatch.PlatformIncomplete: true,
		dispatch.PlatformCancelled: true,
	}
	f.Fuzz(func(t *testing.T, body, token string) {
		r := httptest.NewRequest(http.MethodPost, "/v1/hooks/workmarket", strings.NewReader(body))
		r.Header.Set(workmarket.TokenHeader, token)
		us, err := c.ParseWebhook(r)
		if token != hookToken {
			if !fault.Is(err, fault.Unauthorized) || us != nil {
				t.Fatalf("token %q: %v, %v; want unauthorized", token, us, err)
			}
			return
		}
		if err != nil {
			if !fault.Is(err, fault.Invalid) {
				t.Fatalf("error %v is not invalid", err)
			}
			return
		}
		for _, u := range us {
			if u.EventID == "" || u.ExternalID == "" || !states[u.State] || u.At.IsZero() {
				t.Fatalf("malformed update %+v", u)
			}
			for _, p := range u.PartsUsed {
				if p.SKU == "" || p.Quantity < 0 {
					t.Fatalf("malformed part %+v", p)
				}
			}
		}
	})
}
