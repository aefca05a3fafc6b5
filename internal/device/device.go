// Package device is the device master: every serialised unit (and component)
// with its owner, location, status and one append-only history fed by every
// area, plus loaner pools and trade-in lots.
package device

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/workorder"
)

// SubjectType names devices on events.
const SubjectType = "Device"

// Owner kinds: a device belongs to a customer or to the company itself
// (loaners, resale stock, trade-ins once bought).
const (
	OwnerCustomer = "customer"
	OwnerCompany  = "company"
)

// AllStatuses lists every status, roughly in the order a device passes them.
var AllStatuses = []Status{PendingPrep, ActiveAtCustomer, InTransitToDepot, InDepot, RefurbReady,
	AvailableForResale, AssignedLoaner, ReturnedAvailable, Retired}

// transitions are the legal status moves. A loaner goes out from
// returned_available, refurb_ready or available_for_resale to
// assigned_loaner and comes back through in_transit_to_depot or straight
// to in_depot, where its inspection sends it to returned_available.
var transitions = map[Status][]Status{
	PendingPrep:        {ActiveAtCustomer, InTransitToDepot, InDepot, RefurbReady, AvailableForResale, AssignedLoaner, ReturnedAvailable, Retired},
	ActiveAtCustomer:   {InTransitToDepot, InDepot, Retired},
	InTransitToDepot:   {InDepot, ActiveAtCustomer},
	InDepot:            {RefurbReady, ReturnedAvailable, AvailableForResale, ActiveAtCustomer, Retired},
	RefurbReady:        {ActiveAtCustomer, AvailableForResale, AssignedLoaner, ReturnedAvailable, InDepot, Retired},
	AvailableForResale: {ActiveAtCustomer, AssignedLoaner, InDepot, Retired},
	AssignedLoaner:     {InTransitToDepot, InDepot},
	ReturnedAvailable:  {AssignedLoaner, InDepot, AvailableForResale, Retired},
	Retired:            {},
}

// Allowed lists where a device in s may go next.
func (s Status) Allowed() []Status { return slices.Clone(transitions[s]) }

// CanMove reports whether s → to is a legal transition.
func (s Status) CanMove(to Status) bool { return slices.Contains(transitions[s], to) }

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool { return slices.Contains(AllStatuses, s) }

// loanerFree are the statuses from which a loaner may be lent.
var loanerFree = []Status{ReturnedAvailable, RefurbReady, AvailableForResale}

// Device is one serialised unit or component.
type Device struct {
	ID           string            `json:"id"`
	Serial       string            `json:"serial"`
	Model        string            `json:"model"`
	Manufacturer string            `json:"manufacturer"`
	Status       Status            `json:"status"`
	Owner        Owner             `json:"owner"`
	Location     string            `json:"location,omitempty"`
	ParentID     string            `json:"parent_id,omitempty" doc:"The device this one is a component of"`
	Loaner       bool              `json:"loaner" doc:"Part of a loaner pool"`
	Resale       bool              `json:"resale" doc:"Resale stock"`
	Region       string            `json:"region,omitempty" doc:"The loaner pool's region code, e.g. DFW"`
	Attributes   map[string]string `json:"attributes" doc:"Configuration attributes (wavelength, firmware, ...)"`
	Loan         *Loan             `json:"loan,omitempty" doc:"A loaner's current or last loan"`
	Version      int64             `json:"version"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

// Owner is who a device belongs to.
type Owner struct {
	Kind string `json:"kind" enum:"customer,company"`
	Name string `json:"name,omitempty" maxLength:"200" doc:"The customer's name; empty for the company"`
}

// Loan is one lending of a loaner device to a customer under a work order.
type Loan struct {
	ID               string     `json:"id"`
	WorkOrderID      string     `json:"work_order_id"`
	Customer         string     `json:"customer,omitempty"`
	Region           string     `json:"region"`
	DueOn            string     `json:"due_on" doc:"The date the loaner is due back (YYYY-MM-DD): by the end of that day at the customer's site"`
	AssignedAt       time.Time  `json:"assigned_at"`
	ReturnedAt       *time.Time `json:"returned_at,omitempty"`
	InspectedAt      *time.Time `json:"inspected_at,omitempty"`
	InspectionPassed *bool      `json:"inspection_passed,omitempty"`
	Overdue          bool       `json:"overdue"`
	DaysOverdue      int        `json:"days_overdue,omitempty"`
	dueAt            time.Time
}

// Caller is who acts on devices. Staff only: the API refuses everyone else
// before calling.
type Caller struct {
	Actor event.Actor
}

// WorkOrders is what the device master needs to know of work orders: that
// one exists and whose it is, when a loaner is lent under it.
type WorkOrders interface {
	Get(ctx context.Context, c workorder.Caller, id string) (*workorder.WorkOrder, error)
}

// Service runs the device master.
type Service struct {
	store      *db.DB
	events     *event.Bus
	workOrders WorkOrders
	log        *slog.Logger
}

// Option configures a Service.
type Option func(*Service)

// WithWorkOrders lets loaner assignments check the work order they are for
// and take its customer's name.
func WithWorkOrders(w WorkOrders) Option { return func(s *Service) { s.workOrders = w } }

// WithLogger sets where the event handlers log what they skip.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// New returns a device service.
func New(store *db.DB, events *event.Bus, opts ...Option) *Service {
	s := &Service{store: store, events: events, log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// normSerial is the stored form of a serial: trimmed and upper case, so a
// scan and a typed entry of one unit agree.
func normSerial(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

func statusNames(list []Status) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = string(s)
	}
	return out
}
