package dispatch

import (
	"slices"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/fault"
)

// Status is where a job stands.
type Status string

// The statuses, in the order a job usually passes them.
const (
	Draft      Status = "draft"
	Posted     Status = "posted"
	Awarded    Status = "awarded"
	Scheduled  Status = "scheduled"
	EnRoute    Status = "en_route"
	OnSite     Status = "on_site"
	Completed  Status = "completed"
	Incomplete Status = "incomplete"
	Cancelled  Status = "cancelled"
	Expired    Status = "expired"
)

// transitions are the legal moves. Posted → posted is a re-post (wider
// radius, after a backout); awarded → posted is a backout.
var transitions = map[Status][]Status{
	Draft:     {Posted, Awarded, Cancelled},
	Posted:    {Posted, Awarded, Cancelled, Expired},
	Awarded:   {Posted, Scheduled, EnRoute, OnSite, Completed, Incomplete, Cancelled},
	Scheduled: {Posted, EnRoute, OnSite, Completed, Incomplete, Cancelled},
	EnRoute:   {Posted, OnSite, Completed, Incomplete, Cancelled},
	OnSite:    {Completed, Incomplete, Cancelled},
	Expired:   {Posted, Cancelled},
}

// Allowed lists where a job in s may go next.
func (s Status) Allowed() []Status { return slices.Clone(transitions[s]) }

// CanMove reports whether s → to is legal.
func (s Status) CanMove(to Status) bool { return slices.Contains(transitions[s], to) }

// Active reports whether a contractor holds the job and work is under way.
func (s Status) Active() bool { return s == Awarded || s == Scheduled || s == EnRoute || s == OnSite }

// Open reports whether the job may still change.
func (s Status) Open() bool {
	return s != Completed && s != Incomplete && s != Cancelled && s != Expired
}

// Kinds of job.
var Kinds = []string{"pickup", "delivery", "loaner_delivery", "loaner_pickup", "repair", "install", "electrical_prep",
	"training", "inspection", "remote_assist", "medical_director_review"}

// Dispatch modes: how a job finds its contractor.
const (
	ModeMarketplace   = "marketplace"
	ModeFieldPlatform = "field_platform"
	ModeDirect        = "direct"
)

// Modes lists the dispatch modes.
var Modes = []string{ModeMarketplace, ModeFieldPlatform, ModeDirect}

// ResultCodes a completion may carry.
var ResultCodes = []string{"fixed_parts_replaced", "fixed_no_parts", "no_problem_found", "defective_panel", "customer_unreachable",
	"delivered", "installed", "trained", "picked_up", "inspected", "remote_resolved", "reviewed", "other"}

// IncompleteReasons say why a job could not be completed.
var IncompleteReasons = []string{"cannot_complete", "unsafe_site", "access_denied", "wrong_parts", "customer_unreachable"}

// NextSteps say what happens after an incomplete job.
var NextSteps = []string{"revisit", "fork_to_depot", "escalate"}

// Job is one visit or task done for a work order by someone outside.
type Job struct {
	ID             string              `json:"id"`
	Number         string              `json:"number" doc:"e.g. JOB-000123"`
	WorkOrderID    string              `json:"work_order_id"`
	Provider       string              `json:"provider" doc:"Provider code"`
	ServiceType    string              `json:"service_type"`
	Kind           string              `json:"kind"`
	Mode           string              `json:"mode"`
	Status         Status              `json:"status"`
	Site           JobSite             `json:"site"`
	Contact        JobContact          `json:"contact"`
	Devices        []JobDevice         `json:"devices"`
	Window         TimeWindow          `json:"window"`
	Trade          string              `json:"trade,omitempty"`
	Skills         []string            `json:"skills"`
	Certifications []string            `json:"certifications"`
	Pool           string              `json:"pool,omitempty"`
	Instructions   string              `json:"instructions,omitempty"`
	Checklist      Checklist           `json:"checklist"`
	BudgetCents    int64               `json:"budget_cents"`
	Currency       string              `json:"currency"`
	RadiusMiles    float64             `json:"radius_miles"`
	RadiusStep     int                 `json:"radius_step" doc:"How often the radius has widened"`
	BidDeadline    *time.Time          `json:"bid_deadline,omitempty"`
	ContractorID   string              `json:"contractor_id,omitempty"`
	AwardedBidID   string              `json:"awarded_bid_id,omitempty"`
	PayoutCents    int64               `json:"payout_cents,omitempty" doc:"Fixed at award: the winning bid's price"`
	Appointment    *TimeWindow         `json:"appointment,omitempty"`
	Times          Times               `json:"times"`
	Completion     *JobCompletion      `json:"completion,omitempty"`
	Incomplete     *Failure            `json:"incomplete,omitempty"`
	Platform       string              `json:"platform,omitempty"`
	ExternalID     string              `json:"external_id,omitempty" doc:"The platform's id for the job"`
	Technician     *PlatformTechnician `json:"technician,omitempty"`
	Excluded       []string            `json:"excluded,omitempty" doc:"Contractors who backed out"`
	RevisitOf      string              `json:"revisit_of,omitempty"`
	Rating         *JobRating          `json:"rating,omitempty" doc:"The customer's rating of the work, once given"`
	Version        int64               `json:"version"`
	CreatedAt      time.Time           `json:"created_at"`
	UpdatedAt      time.Time           `json:"updated_at"`
	providerID     string
}

// ProviderID is the id of the provider the job's work order belongs to.
func (j *Job) ProviderID() string { return j.providerID }

// JobSite is where the job happens.
type JobSite struct {
	Line1 string `json:"line1,omitempty"`
	Line2 string `json:"line2,omitempty"`
	City  string `json:"city"`
	State string `json:"state"`
	ZIP   string `json:"zip"`
}

// JobContact is the customer at the site.
type JobContact struct {
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

// JobDevice is a unit the job is about.
type JobDevice struct {
	Model  string `json:"model,omitempty"`
	Serial string `json:"serial,omitempty"`
}

// Times are when the job passed its milestones.
type Times struct {
	PostedAt    *time.Time `json:"posted_at,omitempty"`
	AwardedAt   *time.Time `json:"awarded_at,omitempty"`
	ScheduledAt *time.Time `json:"scheduled_at,omitempty"`
	EnRouteAt   *time.Time `json:"en_route_at,omitempty"`
	OnSiteAt    *time.Time `json:"on_site_at,omitempty"`
	EndedAt     *time.Time `json:"ended_at,omitempty"`
}

// JobCompletion is what the contractor reported on completing a job.
type JobCompletion struct {
	ResultCode     string    `json:"result_code"`
	Notes          string    `json:"notes,omitempty"`
	PartsUsed      []PartUse `json:"parts_used"`
	PartsUnused    []PartUse `json:"parts_unused"`
	ReturnTracking string    `json:"return_tracking,omitempty"`
	UnitCondition  string    `json:"unit_condition,omitempty"`
	SignatureID    string    `json:"signature_artifact_id,omitempty"`
	CompletedAt    time.Time `json:"completed_at"`
	OnTime         bool      `json:"on_time"`
}

// Failure is why a job could not be completed and what happens next.
type Failure struct {
	Reason    string    `json:"reason"`
	NextStep  string    `json:"next_step"`
	Notes     string    `json:"notes,omitempty"`
	RevisitID string    `json:"revisit_job_id,omitempty"`
	At        time.Time `json:"at"`
}

// JobInput is what staff give to create or change a job. Site, contact and
// devices come from the work order.
type JobInput struct {
	Kind           string     `json:"kind" enum:"pickup,delivery,loaner_delivery,loaner_pickup,repair,install,electrical_prep,training,inspection,remote_assist,medical_director_review"`
	Mode           string     `json:"mode,omitempty" enum:"marketplace,field_platform,direct" doc:"Default marketplace"`
	Window         TimeWindow `json:"window"`
	Trade          string     `json:"trade,omitempty" maxLength:"60"`
	Skills         []string   `json:"skills,omitempty" maxItems:"20"`
	Certifications []string   `json:"certifications,omitempty" maxItems:"20"`
	Pool           string     `json:"pool,omitempty" maxLength:"60"`
	Instructions   string     `json:"instructions,omitempty" maxLength:"4000"`
	Checklist      string     `json:"checklist_template,omitempty" maxLength:"60" doc:"A checklist template: repair, delivery, pickup, install, training, inspection, none"`
	BudgetCents    int64      `json:"budget_cents" minimum:"0"`
	Currency       string     `json:"currency,omitempty" doc:"ISO 4217; default USD"`
	RadiusMiles    float64    `json:"radius_miles,omitempty" minimum:"0" maximum:"500" doc:"Default from the dispatch rule"`
	BidDeadline    *time.Time `json:"bid_deadline,omitempty" doc:"Default: posting time plus the rule's no-bid wait"`
}

// validate checks a draft and fills defaults.
func (d *JobInput) validate() error {
	var f fault.Fields
	f.Check(slices.Contains(Kinds, d.Kind), "kind", "must be one of "+strings.Join(Kinds, ", "))
	if d.Mode == "" {
		d.Mode = ModeMarketplace
	}
	f.Check(slices.Contains(Modes, d.Mode), "mode", "must be one of "+strings.Join(Modes, ", "))
	f.Check(!d.Window.Start.IsZero() && d.Window.End.After(d.Window.Start), "window", "needs a start and an end after it")
	f.Check(d.BudgetCents >= 0, "budget_cents", "must not be negative")
	if d.Currency == "" {
		d.Currency = "USD"
	}
	f.Check(len(d.Currency) == 3 && strings.ToUpper(d.Currency) == d.Currency, "currency", "must be a three-letter ISO 4217 code")
	f.Check(d.RadiusMiles >= 0 && d.RadiusMiles <= 500, "radius_miles", "must be between 0 and 500")
	if d.Checklist == "" {
		d.Checklist = defaultTemplate(d.Kind)
	}
	_, ok := templates[d.Checklist]
	f.Check(ok, "checklist_template", "unknown template")
	d.Window = TimeWindow{d.Window.Start.UTC(), d.Window.End.UTC()}
	return f.Err()
}
