// Package depot runs depot tickets: the refurb or rebuild of one device
// through stages, from the inbound receipt to ready.
//
// A ticket is opened by the receipt scan (one per device per work order),
// walks the stages of its template (diagnostic → repair → qa → pack → ready
// for a refurb), records who did what at each stage, and moves the device
// through the device master as it goes. Milestones land on the work order's
// timeline as events; an outside issue tracker may mirror tickets.
package depot

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/device"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/workorder"
)

// SubjectType names depot tickets on events.
const SubjectType = "depot_ticket"

// Event types a ticket records. Every one carries the work order, so each
// shows on the work order's timeline, and a "ticket" payload key with the
// ticket as it then was (without its log).
const (
	EventTicketOpened       = "Depot.TicketOpened"       // + "missing" when the package was incomplete
	EventTicketHeld         = "Depot.TicketHeld"         // + "missing"
	EventItemsReceived      = "Depot.ItemsReceived"      // + "items", "missing"
	EventTicketResumed      = "Depot.TicketResumed"      // the missing items arrived
	EventStageCompleted     = "Depot.StageCompleted"     // + "stage", "to", "passed", "reason", "entry"
	EventDiagnosticComplete = "Depot.DiagnosticComplete" // milestone
	EventQAPassed           = "Depot.QAPassed"           // milestone
	EventQAFailed           = "Depot.QAFailed"           // milestone + "reason", "to"
	EventReadyToShip        = "Depot.ReadyToShip"        // milestone + "door_to_door_seconds"
	EventReleasedForResale  = "Depot.ReleasedForResale"  // the device is available for resale
	EventNoteAdded          = "Depot.NoteAdded"          // + "note", "source"
	EventIssueLinked        = "Depot.IssueLinked"        // + "tracker", "issue_key"
	EventTrackerMoveIgnored = "Depot.TrackerMoveIgnored" // + "to_status", "reason"
	EventTemplateSet        = "Depot.TemplateSet"        // subject depot_template; + "template"
)

// Status is where a ticket stands as a whole; Stage says where in its
// template it is.
type Status string

// The ticket statuses.
const (
	Open     Status = "open"     // stage work goes on
	OnHold   Status = "on_hold"  // waiting for missing package items
	Ready    Status = "ready"    // every stage done: the device is refurb_ready
	Released Status = "released" // released for resale: the device is available_for_resale
)

// Closed reports whether no more stage work can happen on a ticket in s.
func (s Status) Closed() bool { return s == Ready || s == Released }

// Valid reports whether s is one of the ticket statuses.
func (s Status) Valid() bool { return s == Open || s == OnHold || s.Closed() }

// Ticket is the depot's record of one device under one work order.
type Ticket struct {
	ID              string          `json:"id"`
	Number          string          `json:"number" doc:"e.g. DT-000123"`
	WorkOrderID     string          `json:"work_order_id"`
	WorkOrderNumber string          `json:"work_order_number"`
	ServiceType     string          `json:"service_type" doc:"The work order's service type"`
	DeviceID        string          `json:"device_id"`
	Serial          string          `json:"serial"`
	Model           string          `json:"model"`
	Manufacturer    string          `json:"manufacturer,omitempty"`
	Template        string          `json:"template" doc:"The stage template's name, e.g. refurb"`
	Stages          []string        `json:"stages" doc:"The template's stages in order; the last is ready"`
	Rework          string          `json:"rework" doc:"The stage a QA failure returns to"`
	Stage           string          `json:"stage" doc:"The current stage"`
	Status          Status          `json:"status" enum:"open,on_hold,ready,released"`
	Resale          bool            `json:"resale" doc:"Trade-in or resale work: released for resale once ready"`
	Missing         []string        `json:"missing" doc:"Package items expected but not yet received"`
	Contents        PackageContents `json:"contents"`
	Photos          []string        `json:"photos" doc:"Receipt photos of pre-existing damage (artifact ids or URLs)"`
	QAFailures      int             `json:"qa_failures"`
	IssueKey        string          `json:"issue_key,omitempty" doc:"The issue in the outside tracker, when sync is on"`
	ReceivedAt      time.Time       `json:"received_at"`
	StageSince      time.Time       `json:"stage_since" doc:"When the ticket entered its current stage"`
	ReadyAt         *time.Time      `json:"ready_at,omitempty"`
	ReleasedAt      *time.Time      `json:"released_at,omitempty"`
	Version         int64           `json:"version"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	Log             []LogEntry      `json:"log,omitempty" doc:"The stage log, oldest first (on a single ticket only)"`
	providerID      string
}

// PackageContents is what the package was expected to hold and what arrived.
type PackageContents struct {
	Expected []string `json:"expected"`
	Received []string `json:"received"`
}

// LogEntry is one line of a ticket's stage log.
type LogEntry struct {
	Seq          int             `json:"seq"`
	Stage        string          `json:"stage" doc:"The stage the ticket was in"`
	Outcome      string          `json:"outcome" enum:"received,completed,passed,failed,items_received,resumed,note,released" doc:"What happened"`
	To           string          `json:"to,omitempty" doc:"The stage the ticket moved to"`
	At           time.Time       `json:"at"`
	Actor        LogActor        `json:"actor"`
	Notes        string          `json:"notes,omitempty"`
	Reason       string          `json:"reason,omitempty" doc:"Why QA failed"`
	Photos       []string        `json:"photos,omitempty"`
	Parts        []PartUsed      `json:"parts,omitempty"`
	Measurements []MeasuredValue `json:"measurements,omitempty"`
	Items        []string        `json:"items,omitempty" doc:"Package items received or missing"`
}

// LogActor is who made a log entry, as named at the time.
type LogActor struct {
	Kind string `json:"kind"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// PartUsed is a part used at a stage.
type PartUsed struct {
	SKU      string `json:"sku" minLength:"1" maxLength:"60"`
	Quantity int    `json:"quantity" minimum:"1" maximum:"10000"`
}

// MeasuredValue is a value measured at a stage (a calibration reading, a
// battery's capacity).
type MeasuredValue struct {
	Name  string  `json:"name" minLength:"1" maxLength:"100"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty" maxLength:"20"`
}

// Devices is what tickets need of the device master: changes inside the
// ticket's transaction.
type Devices interface {
	RegisterTx(ctx context.Context, tx *db.Tx, by event.Actor, r device.Registration, e device.Entry) (*device.Device, bool, error)
	MoveTx(ctx context.Context, tx *db.Tx, by event.Actor, id string, to device.Status, e device.Entry) (*device.Device, error)
	RecordTx(ctx context.Context, tx *db.Tx, by event.Actor, id string, e device.Entry) error
	FindSerialTx(ctx context.Context, tx *db.Tx, manufacturer, model, serial string) (*device.Device, error)
	ReturnTx(ctx context.Context, tx *db.Tx, by event.Actor, id, note string) (*device.Device, error)
}

// WorkOrders is what tickets need of work orders.
type WorkOrders interface {
	GetTx(ctx context.Context, tx *db.Tx, c workorder.Caller, id string) (*workorder.WorkOrder, error)
	HoldTx(ctx context.Context, tx *db.Tx, c workorder.Caller, id, reasonCode, note string) (*workorder.WorkOrder, error)
	ResumeTx(ctx context.Context, tx *db.Tx, c workorder.Caller, id, note string) (*workorder.WorkOrder, error)
}

// Service runs depot tickets.
type Service struct {
	store      *db.DB
	events     *event.Bus
	devices    Devices
	workOrders WorkOrders
	tracker    atomic.Pointer[trackerBox]
}

type trackerBox struct{ t Tracker }

// New returns a depot service and subscribes its issue-tracker sync to the
// bus (it does nothing until SetTracker), so it must run before the queue
// opens.
func New(store *db.DB, events *event.Bus, devices Devices, workOrders WorkOrders) *Service {
	s := &Service{store: store, events: events, devices: devices, workOrders: workOrders}
	s.subscribe()
	return s
}

// SetTracker turns issue-tracker sync on (nil turns it off). Events
// recorded while it is off queue nothing for the tracker.
func (s *Service) SetTracker(t Tracker) {
	if t == nil {
		s.tracker.Store(nil)
		return
	}
	s.tracker.Store(&trackerBox{t})
}

// Tracker returns the configured issue tracker, or nil.
func (s *Service) Tracker() Tracker {
	if b := s.tracker.Load(); b != nil {
		return b.t
	}
	return nil
}

func actorOf(a event.Actor) LogActor { return LogActor{Kind: a.Kind, ID: a.ID, Name: a.Name} }

func caller(by event.Actor) workorder.Caller { return workorder.Caller{Actor: by} }
