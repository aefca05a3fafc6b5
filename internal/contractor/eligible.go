package contractor

import (
	"context"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/geo"
)

// Criteria are what a job asks of whoever may see and bid on it.
type Criteria struct {
	Site    geo.Point
	SiteZIP string
	// RadiusMiles is the job's search radius. A contractor qualifies when
	// the site is within both this and their own service radius, or when
	// SiteZIP is one of their extra ZIPs.
	RadiusMiles    float64
	Trade          string   // required trade; "" any
	Skills         []string // every one required
	Certifications []string // every one required, unexpired on On
	Pool           string   // talent pool; "" any
	On             time.Time
	Exclude        []string // contractor ids to leave out
	Limit          int      // 0: no limit
}

// Match is one eligible contractor, nearest first.
type Match struct {
	ContractorID   string          `json:"contractor_id"`
	Name           string          `json:"name"`
	DistanceMiles  float64         `json:"distance_miles"`
	CapacityPerDay int             `json:"capacity_per_day"`
	Reliability    Reliability     `json:"reliability"`
	Certifications []Certification `json:"certifications"`
}

// Reliability is a contractor's record, kept current as jobs end.
type Reliability struct {
	Completed  int     `json:"completed"`
	Backouts   int     `json:"backouts"`
	NoShows    int     `json:"no_shows"`
	OnTimeRate float64 `json:"on_time_rate" doc:"0..1; 1 when nothing is known yet"`
	Rating     float64 `json:"rating" doc:"Average customer rating 1..5; 0 when none yet"`
	Ratings    int     `json:"ratings"`
}

// Certification is a credential with an optional expiry.
type Certification struct {
	Name      string     `json:"name"`
	ExpiresOn *time.Time `json:"expires_on,omitempty"`
}

// Outcome is how a job ended for a contractor, for their reliability.
type Outcome struct {
	Kind   string // "completed", "backout" or "no_show"
	OnTime *bool  // for completed: arrived within the window
	Rating int    // 1..5, 0 when the customer gave none
}

// Eligible returns the contractors who may see and bid on a job meeting c:
// active, skilled, certified and not expired, in range, in the pool, not on
// hold on c.On — nearest first. Capacity is left to the caller, who knows
// each contractor's load; Match carries the capacity.
func (s *Service) Eligible(ctx context.Context, q db.Querier, c Criteria) ([]Match, error) {
	return nil, fault.Errorf(fault.Internal, "not built yet")
}

// RecordOutcomeTx updates a contractor's reliability inside the caller's transaction.
func (s *Service) RecordOutcomeTx(ctx context.Context, tx *db.Tx, id string, o Outcome) error {
	return fault.Errorf(fault.Internal, "not built yet")
}
