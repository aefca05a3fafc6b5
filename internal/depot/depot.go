// Package depot runs depot tickets: the refurb or rebuild of one device
// through stages, from the inbound receipt to ready.
package depot

import (
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
)

// Service runs depot tickets.
type Service struct {
	store  *db.DB
	events *event.Bus
}

// New returns a depot service.
func New(store *db.DB, events *event.Bus) *Service {
	return &Service{store: store, events: events}
}
