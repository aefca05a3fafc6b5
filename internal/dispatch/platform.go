package dispatch

import (
	"context"
	"net/http"
	"time"
)

// Platform is an outside field platform (WorkMarket, OnForce, WWTS style)
// whose technicians accept and do jobs there. fieldhub pushes a job, may
// cancel it, and learns what happened from the platform's webhooks or by
// polling. An adapter lives in internal/connector/<name>; dispatch knows
// platforms only through this interface.
type Platform interface {
	// Name is the platform's stable name in routing rules and jobs ("workmarket").
	Name() string
	// Push creates the job on the platform and returns the platform's id for
	// it. It must be safe to call again for the same JobID after a failure
	// whose outcome is unknown: adapters pass JobID as the platform's
	// idempotency or external reference where the platform has one. A
	// re-push of the same job (wider radius, another pool) comes only after
	// Cancel of its previous posting returned, so an adapter that finds a
	// live posting by JobID never hands back the one being replaced.
	Push(ctx context.Context, j PlatformJob) (externalID string, err error)
	// Cancel voids the job on the platform; cancelling one already
	// cancelled is not an error.
	Cancel(ctx context.Context, externalID, reason string) error
	// Poll reads the job's current state on the platform.
	Poll(ctx context.Context, externalID string) (PlatformUpdate, error)
	// ParseWebhook authenticates an inbound webhook request from the platform
	// and turns it into updates. An unauthenticated request is an error
	// with fault.Unauthorized; a malformed one fault.Invalid.
	ParseWebhook(r *http.Request) ([]PlatformUpdate, error)
}

// PlatformJob is what a platform is told about a job.
type PlatformJob struct {
	JobID        string // fieldhub's job id, used as the external reference
	Number       string // JOB-000123
	Title        string
	Description  string
	Instructions string
	Kind         string
	Site         PlatformSite
	Window       TimeWindow
	BudgetCents  int64
	Currency     string
	Skills       []string
	Pool         string  // the platform's talent pool / group, if routed to one
	RadiusMiles  float64 // how far out the platform should look
}

// PlatformSite is the job's address as a platform needs it.
type PlatformSite struct {
	Line1, Line2, City, State, ZIP string
	Lat, Lon                       float64
}

// TimeWindow is a start and end time.
type TimeWindow struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Platform states, canonical across platforms: adapters map theirs onto these.
const (
	PlatformSent       = "sent"       // on the platform, nobody has accepted yet
	PlatformAccepted   = "accepted"   // a technician accepted (assigned)
	PlatformScheduled  = "scheduled"  // the technician confirmed the appointment
	PlatformEnRoute    = "en_route"   // on the way
	PlatformOnSite     = "on_site"    // checked in at the site
	PlatformCompleted  = "completed"  // work done and submitted
	PlatformIncomplete = "incomplete" // could not complete
	PlatformCancelled  = "cancelled"  // voided on the platform
	PlatformDeclined   = "declined"   // the platform gave the job back (nobody took it)
)

// PlatformUpdate is one thing that happened to a job on a platform.
type PlatformUpdate struct {
	// EventID identifies the update for deduplication (the platform's
	// webhook or event id; for polls, a digest of the state). Required.
	EventID    string
	ExternalID string // the platform's id for the job
	State      string // one of the Platform* states
	At         time.Time
	Technician PlatformTechnician
	// Completion details, with PlatformCompleted or PlatformIncomplete.
	ResultCode     string
	Notes          string
	PartsUsed      []PartUse
	ReturnTracking string
	UnitCondition  string
	Reason         string // why incomplete, declined or cancelled
	Appointment    *TimeWindow
}

// PlatformTechnician is the technician a platform assigned.
type PlatformTechnician struct {
	ExternalID string `json:"external_id,omitempty" doc:"The platform's id for the technician"`
	Name       string `json:"name,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
}

// PartUse is a part used (or not) on a job.
type PartUse struct {
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
	Serial   string `json:"serial,omitempty"`
}
