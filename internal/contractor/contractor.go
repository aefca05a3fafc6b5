// Package contractor owns the outside people and firms who do field work
// through fieldhub: their profiles, trades, skills and certifications,
// service areas, talent pools, capacity, availability holds, status and
// reliability, and the eligibility search that finds who may see a job.
package contractor

import (
	"slices"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/geo"
)

// SubjectType names contractors on events.
const SubjectType = "contractor"

// The events this package records, all with subject type "contractor".
const (
	EventCreated         = "Contractor.Created"
	EventUpdated         = "Contractor.Updated"
	EventStatusChanged   = "Contractor.StatusChanged"
	EventHoldAdded       = "Contractor.HoldAdded"
	EventHoldRemoved     = "Contractor.HoldRemoved"
	EventOutcomeRecorded = "Contractor.OutcomeRecorded"
)

// Kinds of contractor.
const (
	Person = "person"
	Firm   = "firm"
)

// Trades a contractor may work in.
var Trades = []string{"field_tech", "driver", "trainer", "electrician", "medical_director", "remote_tech"}

// Limits on a profile, so that a profile stays a profile.
const (
	MaxRadiusMiles = 500
	MaxCapacity    = 100
	maxListItems   = 50
)

// Status is where a contractor stands with us.
type Status string

// The statuses: an applicant is vetted, then active; an active contractor
// may be suspended and later reinstated.
const (
	Applicant Status = "applicant"
	Active    Status = "active"
	Suspended Status = "suspended"
)

// AllStatuses lists every status.
var AllStatuses = []Status{Applicant, Active, Suspended}

var transitions = map[Status][]Status{
	Applicant: {Active},
	Active:    {Suspended},
	Suspended: {Active},
}

// Allowed lists where a contractor in s may go next.
func (s Status) Allowed() []Status { return slices.Clone(transitions[s]) }

// CanMove reports whether s → to is a legal move.
func (s Status) CanMove(to Status) bool { return slices.Contains(transitions[s], to) }

// Contractor is one profile: a person or a firm who does field work.
type Contractor struct {
	ID             string          `json:"id"`
	Kind           string          `json:"kind" enum:"person,firm"`
	Name           string          `json:"name"`
	Email          string          `json:"email,omitempty"`
	Phone          string          `json:"phone,omitempty"`
	Status         Status          `json:"status" enum:"applicant,active,suspended"`
	Trades         []string        `json:"trades"`
	Skills         []string        `json:"skills"`
	Certifications []Certification `json:"certifications"`
	ServiceArea    ServiceArea     `json:"service_area"`
	Pools          []string        `json:"pools" doc:"Talent pools the contractor belongs to"`
	CapacityPerDay int             `json:"capacity_per_day" doc:"Jobs a day the contractor takes at most"`
	Holds          []HoldPeriod    `json:"holds" doc:"Availability holds not yet over, soonest first"`
	Reliability    Reliability     `json:"reliability"`
	Version        int64           `json:"version"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

// ServiceArea is where a contractor works: within RadiusMiles of the home
// ZIP's centroid, and in any of the extra ZIPs.
type ServiceArea struct {
	HomeZIP     string    `json:"home_zip"`
	RadiusMiles float64   `json:"radius_miles"`
	ExtraZIPs   []string  `json:"extra_zips"`
	Home        geo.Point `json:"home" doc:"The home ZIP's centroid (read-only)"`
}

// HoldPeriod is a span when a contractor takes no new work (a vacation). Jobs
// they already have in it are flagged by dispatch from the HoldAdded event.
type HoldPeriod struct {
	ID        string    `json:"id"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by,omitempty"`
	// SetBy says who may lift the hold: "contractor" (their own time off)
	// or "staff" (only staff lift it).
	SetBy string `json:"set_by" enum:"contractor,staff"`
}

// Covers reports whether the hold is in force at t: From inclusive, To exclusive.
func (h HoldPeriod) Covers(t time.Time) bool { return !t.Before(h.From) && t.Before(h.To) }

// HoldEvent is the payload of Contractor.HoldAdded and Contractor.HoldRemoved.
type HoldEvent struct {
	ContractorID string     `json:"contractor_id"`
	Hold         HoldPeriod `json:"hold"`
}

// valid reports whether the certification is unexpired at t: a credential
// is good until the instant it expires.
func (c Certification) valid(t time.Time) bool { return c.ExpiresOn == nil || t.Before(*c.ExpiresOn) }

// HasTrade reports whether the contractor works in trade.
func (c *Contractor) HasTrade(trade string) bool { return slices.Contains(c.Trades, trade) }

// HoldOn returns the hold in force at t, if any.
func (c *Contractor) HoldOn(t time.Time) *HoldPeriod {
	for i := range c.Holds {
		if c.Holds[i].Covers(t) {
			return &c.Holds[i]
		}
	}
	return nil
}

// normalList trims, lower-cases, de-duplicates and sorts names such as
// skills and pools, so that matching is exact and stable.
func normalList(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// validName is what a skill, pool or certification name may be: short and
// without the list separator.
func validName(s string) bool { return s != "" && len(s) <= 100 && !strings.Contains(s, ",") }
