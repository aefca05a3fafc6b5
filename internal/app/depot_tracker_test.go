package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/depot"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// memTracker is an issue tracker in memory: issues by ticket, their
// statuses and comments. Its webhooks are JSON arrays of updates carrying a
// shared token.
type memTracker struct {
	mu       sync.Mutex
	keys     map[string]string // ticket id → issue key
	status   map[string]string // issue key → status
	comments map[string][]string
}

func newMemTracker() *memTracker {
	return &memTracker{keys: map[string]string{}, status: map[string]string{}, comments: map[string][]string{}}
}

func (m *memTracker) Name() string { return "memtracker" }

func (m *memTracker) CreateIssue(_ context.Context, t depot.TrackerTicket) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if k, ok := m.keys[t.TicketID]; ok {
		return k, nil
	}
	k := fmt.Sprintf("DEPOT-%d", len(m.keys)+1)
	m.keys[t.TicketID], m.status[k] = k, t.Stage
	return k, nil
}

func (m *memTracker) Transition(_ context.Context, key, stage string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.status[key] = stage
	return nil
}

func (m *memTracker) Comment(_ context.Context, key, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.comments[key] = append(m.comments[key], body)
	return nil
}

func (m *memTracker) ParseWebhook(r *http.Request) ([]depot.TrackerUpdate, error) {
	if r.Header.Get("X-Token") != "s3cret" {
		return nil, fault.Errorf(fault.Unauthorized, "bad token")
	}
	var out []depot.TrackerUpdate
	if err := json.NewDecoder(r.Body).Decode(&out); err != nil {
		return nil, fault.Errorf(fault.Invalid, "not a list of updates")
	}
	return out, nil
}

func (m *memTracker) state(key string) (string, []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.status[key], slices.Clone(m.comments[key])
}

// TestDepotTrackerSync mirrors a ticket in an issue tracker: the issue is
// created and moved with the stages and commented on milestones; moves and
// comments made in the tracker come back once each, as stage completions
// and notes by the tracker's user.
func TestDepotTrackerSync(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			tr := newMemTracker()
			w := startDepot(t, e, tr)
			woID := w.workOrder(t, "DR-9", "depot_repair")
			r := w.depot.do("POST", "/v1/depot/receipts", receipt(woID, "SN-77", nil))
			want(t, r, 201)
			id := asTicket(t, r).ID
			var key string
			dbtest.Eventually(t, "the issue to be linked", func() bool { key = w.ticket(t, id).IssueKey; return key != "" })
			w.complete(t, id, "diagnostic", map[string]any{})
			dbtest.Eventually(t, "the issue to follow the stage", func() bool {
				st, cs := tr.state(key)
				return st == "Repair" && len(cs) == 1 && strings.Contains(cs[0], "diagnostic complete")
			})

			hook := func(token string, updates ...map[string]any) response {
				return newClient(t, w.base, "").do("POST", "/v1/hooks/memtracker", updates, "X-Token", token)
			}
			want(t, hook("wrong", map[string]any{"EventID": "e0", "IssueKey": key, "ToStatus": "QA"}), 401)
			move := map[string]any{"EventID": "e1", "IssueKey": key, "ToStatus": "QA", "Author": "Jamie Jira"}
			want(t, hook("s3cret", move), 200)
			tk := w.ticket(t, id)
			last := tk.Log[len(tk.Log)-1]
			if tk.Stage != "qa" || last.Stage != "repair" || last.Actor.Name != "Jamie Jira" {
				t.Fatalf("after the tracker's move: %+v", tk)
			}
			want(t, hook("s3cret", move), 200)
			if again := w.ticket(t, id); again.Version != tk.Version {
				t.Fatal("a repeated tracker event applied twice")
			}
			want(t, hook("s3cret", map[string]any{"EventID": "e2", "IssueKey": key, "Comment": "customer called", "Author": "Jamie Jira"},
				map[string]any{"EventID": "e3", "IssueKey": "NOPE-1", "Comment": "not ours"}), 200)
			if tk = w.ticket(t, id); tk.Log[len(tk.Log)-1].Notes != "customer called" {
				t.Fatalf("the comment is not a note: %+v", tk.Log)
			}

			// A skip in the tracker is refused there too: the issue goes back.
			dbtest.Eventually(t, "the issue at QA", func() bool { st, _ := tr.state(key); return st == "QA" })
			_ = tr.Transition(context.Background(), key, "Ready")
			want(t, hook("s3cret", map[string]any{"EventID": "e4", "IssueKey": key, "ToStatus": "Ready", "Author": "Jamie Jira"}), 200)
			dbtest.Eventually(t, "the skipped move undone", func() bool { st, _ := tr.state(key); return st == "QA" })
			if tk = w.ticket(t, id); tk.Stage != "qa" {
				t.Fatalf("a skip moved the ticket to %s", tk.Stage)
			}
			// Back to repair from QA in the tracker fails QA.
			want(t, hook("s3cret", map[string]any{"EventID": "e5", "IssueKey": key, "ToStatus": "Repair", "Author": "Jamie Jira"}), 200)
			if tk = w.ticket(t, id); tk.Stage != "repair" || tk.QAFailures != 1 {
				t.Fatalf("QA failed in the tracker: %+v", tk)
			}
			dbtest.Eventually(t, "the QA failure commented", func() bool {
				_, cs := tr.state(key)
				return len(cs) == 2 && strings.Contains(cs[1], "QA failed")
			})
		})
	}
}
