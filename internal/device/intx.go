package device

import (
	"context"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// Status is where a device stands.
type Status string

// The statuses.
const (
	PendingPrep        Status = "pending_prep"
	ActiveAtCustomer   Status = "active_at_customer"
	InTransitToDepot   Status = "in_transit_to_depot"
	InDepot            Status = "in_depot"
	RefurbReady        Status = "refurb_ready"
	AvailableForResale Status = "available_for_resale"
	AssignedLoaner     Status = "assigned_loaner"
	ReturnedAvailable  Status = "returned_available"
	Retired            Status = "retired"
)

// Entry is one line of a device's history as another area describes it.
type Entry struct {
	Type        string         // e.g. "depot.stage_completed", "custody.pickup_scan"
	Summary     string         // one sentence a person reads
	WorkOrderID string         // the work order it happened under, if any
	Ref         string         // the job, ticket or shipment it came from, if any
	Detail      map[string]any // anything else worth keeping
}

// Registration describes a device to create or update by its serial.
type Registration struct {
	Serial       string
	Model        string
	Manufacturer string
	OwnerKind    string // "customer" or "company"
	OwnerName    string
	Location     string
	ParentID     string
	Loaner       bool
	Status       Status // for a new device; "" means pending_prep
}

// The in-transaction methods below let other areas (depot, dispatch) change
// devices inside their own transaction.

// RegisterTx creates the device with r's serial (unique per manufacturer
// and model) or returns the existing one; created says which.
func (s *Service) RegisterTx(ctx context.Context, tx *db.Tx, by event.Actor, r Registration, e Entry) (d *Device, created bool, err error) {
	return nil, false, fault.Errorf(fault.Internal, "not built yet")
}

// MoveTx moves the device to status to (a validated transition) and adds e
// to its history.
func (s *Service) MoveTx(ctx context.Context, tx *db.Tx, by event.Actor, id string, to Status, e Entry) (*Device, error) {
	return nil, fault.Errorf(fault.Internal, "not built yet")
}

// RecordTx adds e to the device's history without changing it.
func (s *Service) RecordTx(ctx context.Context, tx *db.Tx, by event.Actor, id string, e Entry) error {
	return fault.Errorf(fault.Internal, "not built yet")
}

// GetTx reads a device inside a transaction.
func (s *Service) GetTx(ctx context.Context, tx *db.Tx, id string) (*Device, error) {
	return nil, fault.Errorf(fault.Internal, "not built yet")
}

// Device is one serialised unit or component.
type Device struct {
	ID           string `json:"id"`
	Serial       string `json:"serial"`
	Model        string `json:"model"`
	Manufacturer string `json:"manufacturer"`
	Status       Status `json:"status"`
}
