// Package dispatch gets jobs done by someone outside: jobs under work
// orders, the marketplace where contractors bid and staff award, field
// platforms, direct assignment, and execution through completion.
package dispatch

import (
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
)

// Service runs jobs.
type Service struct {
	store  *db.DB
	events *event.Bus
}

// New returns a dispatch service.
func New(store *db.DB, events *event.Bus) *Service {
	return &Service{store: store, events: events}
}
