package depot

import (
	"context"
	"net/http"
)

// Tracker is an outside issue tracker (Jira Cloud) that mirrors depot
// tickets for teams that work there: one issue per ticket, transitioned on
// each stage change, commented on milestones. Its webhooks come back as
// TrackerUpdates. An adapter lives in internal/connector/<name>; depot knows
// trackers only through this interface. Sync is off unless one is configured.
type Tracker interface {
	// Name is the tracker's stable name ("jira").
	Name() string
	// CreateIssue creates the issue for a ticket and returns its key
	// (DEPOT-12). Adapters must not create a second issue for the same
	// TicketID when called again after an unknown outcome: they look it up
	// by the ticket's id first (a label or property).
	CreateIssue(ctx context.Context, t TrackerTicket) (key string, err error)
	// Transition moves the issue to the status named like the stage
	// ("Diagnostic", "Repair", "QA", "Pack", "Ready"). Moving it to the
	// status it is already in is not an error.
	Transition(ctx context.Context, key, stage string) error
	// Comment adds a comment to the issue.
	Comment(ctx context.Context, key, body string) error
	// ParseWebhook authenticates an inbound webhook and turns it into
	// updates. Unauthenticated is fault.Unauthorized; malformed fault.Invalid.
	ParseWebhook(r *http.Request) ([]TrackerUpdate, error)
}

// TrackerTicket is what the tracker is told about a depot ticket.
type TrackerTicket struct {
	TicketID     string
	Number       string // DT-000123
	Summary      string
	Description  string
	DeviceSerial string
	DeviceModel  string
	WorkOrder    string // the work order's number
	Stage        string
}

// TrackerUpdate is one change made in the tracker.
type TrackerUpdate struct {
	// EventID identifies the webhook delivery, for deduplication.
	EventID  string
	IssueKey string
	// ToStatus is the status the issue moved to ("" when it did not move).
	ToStatus string
	// Comment is a comment added in the tracker ("" when none).
	Comment string
	Author  string
}
