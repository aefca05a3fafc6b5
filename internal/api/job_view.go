package api

import (
	"time"

	"github.com/fieldhub/fieldhub/internal/dispatch"
)

// ContractorJob is what a contractor sees of a job: what the work needs.
// Never the provider, PO/RMA, entitlement, fees, budget or other bids; the
// street address and the customer's contact only once the job is theirs.
type ContractorJob struct {
	ID           string                  `json:"id"`
	Number       string                  `json:"number"`
	Kind         string                  `json:"kind"`
	Status       dispatch.Status         `json:"status"`
	Site         dispatch.JobSite        `json:"site"`
	Contact      *dispatch.JobContact    `json:"contact,omitempty" doc:"Only once the job is yours"`
	Devices      []dispatch.JobDevice    `json:"devices"`
	Window       dispatch.TimeWindow     `json:"window"`
	Skills       []string                `json:"skills"`
	Instructions string                  `json:"instructions,omitempty"`
	Checklist    dispatch.Checklist      `json:"checklist"`
	BidDeadline  *time.Time              `json:"bid_deadline,omitempty"`
	Yours        bool                    `json:"yours" doc:"The job is awarded to you"`
	PayoutCents  int64                   `json:"payout_cents,omitempty" doc:"What you are paid, fixed at award"`
	Currency     string                  `json:"currency"`
	Appointment  *dispatch.TimeWindow    `json:"appointment,omitempty"`
	Times        dispatch.Times          `json:"times"`
	Completion   *dispatch.JobCompletion `json:"completion,omitempty"`
	Incomplete   *dispatch.Failure       `json:"incomplete,omitempty"`
}

// contractorView cuts a job down to what contractor id may see.
func contractorView(j *dispatch.Job, contractorID string) ContractorJob {
	mine := j.ContractorID != "" && j.ContractorID == contractorID
	v := ContractorJob{ID: j.ID, Number: j.Number, Kind: j.Kind, Status: j.Status,
		Site: dispatch.JobSite{City: j.Site.City, State: j.Site.State, ZIP: j.Site.ZIP}, Devices: j.Devices, Window: j.Window,
		Skills: j.Skills, Instructions: j.Instructions, Checklist: blankChecklist(j.Checklist), BidDeadline: j.BidDeadline, Yours: mine,
		Currency: j.Currency}
	if !mine {
		if j.Status != dispatch.Posted {
			v.Status = "closed" // awarded to someone else, or ended: no more is theirs to know
		}
		return v
	}
	v.Site, v.Checklist = j.Site, j.Checklist
	c := j.Contact
	v.Contact = &c
	v.PayoutCents, v.Appointment, v.Times, v.Completion, v.Incomplete = j.PayoutCents, j.Appointment, j.Times, j.Completion, j.Incomplete
	return v
}

// ProviderJob is what the provider who sent the work order sees of one of
// its jobs: what is done and when, never who does it, what they are paid,
// the budget or the bids.
type ProviderJob struct {
	ID          string               `json:"id"`
	Number      string               `json:"number"`
	Kind        string               `json:"kind"`
	Status      dispatch.Status      `json:"status"`
	Window      dispatch.TimeWindow  `json:"window"`
	Appointment *dispatch.TimeWindow `json:"appointment,omitempty"`
	Times       dispatch.Times       `json:"times"`
	Completion  *ProviderCompletion  `json:"completion,omitempty"`
	Incomplete  *ProviderFailure     `json:"incomplete,omitempty"`
}

// ProviderCompletion is the result of a completed job as its provider
// reads it: the technician's notes and the signature stay with staff.
type ProviderCompletion struct {
	ResultCode     string             `json:"result_code"`
	PartsUsed      []dispatch.PartUse `json:"parts_used"`
	ReturnTracking string             `json:"return_tracking,omitempty"`
	UnitCondition  string             `json:"unit_condition,omitempty"`
	CompletedAt    time.Time          `json:"completed_at"`
}

// ProviderFailure is why a job could not be completed and what happens
// next.
type ProviderFailure struct {
	Reason   string    `json:"reason"`
	NextStep string    `json:"next_step"`
	At       time.Time `json:"at"`
}

// providerView cuts a job down to what its work order's provider may see.
func providerView(j *dispatch.Job) ProviderJob {
	v := ProviderJob{ID: j.ID, Number: j.Number, Kind: j.Kind, Status: j.Status, Window: j.Window,
		Appointment: j.Appointment, Times: j.Times}
	if c := j.Completion; c != nil {
		v.Completion = &ProviderCompletion{ResultCode: c.ResultCode, PartsUsed: c.PartsUsed,
			ReturnTracking: c.ReturnTracking, UnitCondition: c.UnitCondition, CompletedAt: c.CompletedAt}
	}
	if f := j.Incomplete; f != nil {
		v.Incomplete = &ProviderFailure{Reason: f.Reason, NextStep: f.NextStep, At: f.At}
	}
	return v
}

// blankChecklist is the work a job asks for, without who ticked what: what
// the holder has done is not for the contractors who bid against them.
func blankChecklist(c dispatch.Checklist) dispatch.Checklist {
	items := make([]dispatch.ChecklistItem, len(c.Items))
	for i, it := range c.Items {
		items[i] = dispatch.ChecklistItem{ID: it.ID, Text: it.Text}
	}
	c.Items = items
	return c
}

// jobBody is a job as the caller may see it.
func jobBody(c dispatch.Caller, j *dispatch.Job) any {
	if c.Staff {
		return j
	}
	return contractorView(j, c.ContractorID)
}
