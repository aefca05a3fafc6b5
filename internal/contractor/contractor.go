// Package contractor owns the outside people and firms who do field work
// through fieldhub: their profiles, trades, skills and certifications,
// service areas, talent pools, capacity, availability holds, status and
// reliability, and the eligibility search that finds who may see a job.
package contractor

import (
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
)

// Service runs contractor profiles.
type Service struct {
	store  *db.DB
	events *event.Bus
}

// New returns a contractor service.
func New(store *db.DB, events *event.Bus) *Service {
	return &Service{store: store, events: events}
}
