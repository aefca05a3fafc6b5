package jira_test

import (
	"testing"

	"github.com/fieldhub/fieldhub/internal/fault"
)

// FuzzParseWebhook feeds signed bodies of any shape to ParseWebhook: it must
// not panic, must fail only as Invalid, and every update it returns must
// name an issue and a delivery. Seeds: testdata/fuzz/FuzzParseWebhook and
// the sample payloads.
func FuzzParseWebhook(f *testing.F) {
	for _, name := range []string{"issue_updated.json", "comment_created.json", "issue_updated_assignee.json"} {
		f.Add(readFile(f, name), "7001")
	}
	c := newSite(f).client // a client that has met Jira, as one always has before a webhook counts
	f.Fuzz(func(t *testing.T, body []byte, id string) {
		updates, err := c.ParseWebhook(signed(t, body, secret, id))
		if err != nil {
			if !fault.Is(err, fault.Invalid) {
				t.Fatalf("signed body refused with %v", err)
			}
			return
		}
		for _, u := range updates {
			if u.IssueKey == "" || u.EventID == "" || (u.ToStatus == "" && u.Comment == "") {
				t.Fatalf("incomplete update %+v from %q", u, body)
			}
		}
	})
}
