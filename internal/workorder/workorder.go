// Package workorder owns the work order: one service request for one
// customer from intake to close. It takes orders in (idempotently by
// provider and external id, from every channel), decides entitlement,
// enforces the lifecycle, keeps appointments and their history, and records
// an event for every change, which is the work order's timeline.
package workorder

import (
	"slices"
	"time"
)

// Status is where a work order stands. Not every service type passes every
// status; the transitions below say which moves are legal.
type Status string

// The statuses, in the order a work order usually passes them.
const (
	Received     Status = "received"
	PartsOrdered Status = "parts_ordered"
	PartsShipped Status = "parts_shipped"
	Scheduling   Status = "scheduling"
	Scheduled    Status = "scheduled"
	Assigned     Status = "assigned"
	InProgress   Status = "in_progress"
	Completed    Status = "completed"
	Closed       Status = "closed"
	OnHold       Status = "on_hold"
	Cancelled    Status = "cancelled"
)

// AllStatuses lists every status in lifecycle order.
var AllStatuses = []Status{Received, PartsOrdered, PartsShipped, Scheduling, Scheduled, Assigned, InProgress, Completed, Closed, OnHold, Cancelled}

// transitions are the legal moves other than hold (from any open status),
// resume (back to the status held from) and cancel (from any open status).
var transitions = map[Status][]Status{
	Received:     {PartsOrdered, PartsShipped, Scheduling, Scheduled, Assigned},
	PartsOrdered: {PartsShipped, Scheduling, Scheduled},
	PartsShipped: {Scheduling, Scheduled, Assigned},
	Scheduling:   {Scheduled, Assigned},
	Scheduled:    {Scheduling, Scheduled, Assigned, InProgress, Completed},
	Assigned:     {Scheduling, Scheduled, InProgress, Completed},
	InProgress:   {Scheduling, Completed},
	Completed:    {Closed},
}

// Open reports whether work can still happen on a work order in s.
func (s Status) Open() bool { return s != Completed && s != Closed && s != Cancelled }

// Allowed lists where a work order in s may go next, including on_hold and
// cancelled for open statuses.
func (s Status) Allowed() []Status {
	out := slices.Clone(transitions[s])
	if s.Open() && s != OnHold {
		out = append(out, OnHold, Cancelled)
	}
	if s == OnHold {
		out = append(out, Cancelled)
	}
	return out
}

// CanMove reports whether s → to is a legal transition (resume from hold is
// checked separately: it returns to the status held from).
func (s Status) CanMove(to Status) bool { return slices.Contains(s.Allowed(), to) }

// Service types: what kind of work a work order is.
var ServiceTypes = []string{
	"onsite_repair", "depot_repair", "depot_repair_loaner", "mail_in_rebuild", "delivery", "install",
	"inspection", "trade_in", "purchase_fulfilment", "training", "virtual_assist",
}

// Priorities, lowest first.
var Priorities = []string{"low", "normal", "high", "urgent"}

// Result codes a completion may carry.
var ResultCodes = []string{
	"fixed_parts_replaced", "fixed_no_parts", "no_problem_found", "defective_panel", "customer_unreachable",
	"cannot_complete", "delivered", "installed", "inspected", "trained", "picked_up", "other",
}

// Default reason codes, used when a provider's contract names none.
var (
	DefaultCancelReasons = []string{"customer_request", "provider_request", "duplicate", "customer_unreachable", "out_of_area", "parts_unavailable", "other"}
	DefaultNoShowReasons = []string{"customer_not_home", "customer_unreachable", "access_denied", "customer_refused", "wrong_address"}
	DefaultHoldReasons   = []string{"incomplete_package", "awaiting_customer", "awaiting_parts", "awaiting_approval", "address_issue", "other"}
)

// WorkOrder is one service request for one customer.
type WorkOrder struct {
	ID              string       `json:"id"`
	Number          string       `json:"number" doc:"fieldhub's order number, e.g. WO-000123"`
	Provider        string       `json:"provider" doc:"Provider code"`
	ExternalID      string       `json:"external_id" doc:"The provider's own id (PO, claim or ticket number); unique per provider"`
	ServiceType     string       `json:"service_type"`
	Priority        string       `json:"priority"`
	Status          Status       `json:"status"`
	PONumber        string       `json:"po_number,omitempty"`
	RMANumber       string       `json:"rma_number,omitempty"`
	Customer        Customer     `json:"customer"`
	Site            Site         `json:"site"`
	Devices         []Device     `json:"devices"`
	Problem         string       `json:"problem,omitempty"`
	ErrorCodes      []string     `json:"error_codes"`
	RequestedWindow *Window      `json:"requested_window,omitempty" doc:"Tentative: what the provider or customer asked for"`
	Appointment     *Appointment `json:"appointment,omitempty" doc:"Binding: confirmed by staff or the customer"`
	Entitlement     Entitlement  `json:"entitlement"`
	SLADueAt        *time.Time   `json:"sla_due_at,omitempty"`
	Hold            *Hold        `json:"hold,omitempty"`
	Cancellation    *Reason      `json:"cancellation,omitempty"`
	Completion      *Completion  `json:"completion,omitempty"`
	NoShows         []Reason     `json:"no_shows,omitempty"`
	Fees            []Fee        `json:"fees,omitempty"`
	ReopenedFrom    string       `json:"reopened_from,omitempty" doc:"The work order this one repeats (second repair of the same unit)"`
	Version         int64        `json:"version"`
	CreatedAt       time.Time    `json:"created_at"`
	UpdatedAt       time.Time    `json:"updated_at"`
	ClosedAt        *time.Time   `json:"closed_at,omitempty"`
	providerID      string
}

// ProviderID is the id of the provider the work order belongs to.
func (w *WorkOrder) ProviderID() string { return w.providerID }

// Customer is the end customer at the site.
type Customer struct {
	Name     string `json:"name" maxLength:"200"`
	Email    string `json:"email,omitempty" maxLength:"254"`
	Phone    string `json:"phone,omitempty" maxLength:"32" doc:"E.164, e.g. +12145550100"`
	NotifyBy string `json:"notify_by,omitempty" enum:"email,sms,phone" doc:"The customer's preferred channel"`
}

// Site is where the work happens.
type Site struct {
	Line1 string `json:"line1" maxLength:"200"`
	Line2 string `json:"line2,omitempty" maxLength:"200"`
	City  string `json:"city" maxLength:"100"`
	State string `json:"state" maxLength:"2" doc:"Two-letter US state code"`
	ZIP   string `json:"zip" doc:"US ZIP code, 5 digits or ZIP+4"`
}

// Device is a unit the work order is about.
type Device struct {
	Model        string `json:"model,omitempty" maxLength:"100"`
	Serial       string `json:"serial,omitempty" maxLength:"100"`
	Manufacturer string `json:"manufacturer,omitempty" maxLength:"100"`
	PurchaseDate string `json:"purchase_date,omitempty" format:"date" doc:"YYYY-MM-DD"`
	WarrantyEnd  string `json:"warranty_end,omitempty" format:"date" doc:"YYYY-MM-DD"`
}

// Window is a time range.
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Appointment is the binding slot, with who confirmed it and the slots it replaced.
type Appointment struct {
	Window
	ConfirmedAt time.Time `json:"confirmed_at"`
	ConfirmedBy string    `json:"confirmed_by,omitempty"`
	History     []Window  `json:"history,omitempty" doc:"Earlier confirmed appointments, oldest first"`
}

// Hold says why a work order is paused and where it resumes.
type Hold struct {
	ReasonCode string    `json:"reason_code"`
	Note       string    `json:"note,omitempty"`
	From       Status    `json:"from" doc:"The status the work order resumes to"`
	Since      time.Time `json:"since"`
}

// Reason records a cancellation or a no-show.
type Reason struct {
	ReasonCode string    `json:"reason_code"`
	Note       string    `json:"note,omitempty"`
	At         time.Time `json:"at"`
	By         string    `json:"by,omitempty"`
}

// Completion is the outcome of the work.
type Completion struct {
	ResultCode  string    `json:"result_code"`
	Notes       string    `json:"notes,omitempty"`
	CompletedAt time.Time `json:"completed_at"`
}

// Fee is a charge recorded on the work order per the provider's contract.
type Fee struct {
	Kind        string    `json:"kind" doc:"e.g. no_show"`
	AmountCents int64     `json:"amount_cents"`
	Currency    string    `json:"currency"`
	At          time.Time `json:"at"`
}
