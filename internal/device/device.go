// Package device is the device master: every serialised unit (and component)
// with its owner, location, status and one append-only history fed by every
// area, plus loaner pools and trade-in lots.
package device

import (
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
)

// Service runs the device master.
type Service struct {
	store  *db.DB
	events *event.Bus
}

// New returns a device service.
func New(store *db.DB, events *event.Bus) *Service {
	return &Service{store: store, events: events}
}
