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
		Skills: j.Skills, Instructions: j.Instructions, Checklist: j.Checklist, BidDeadline: j.BidDeadline, Yours: mine,
		Currency: j.Currency}
	if !mine {
		if j.Status != dispatch.Posted {
			v.Status = "closed" // awarded to someone else, or ended: no more is theirs to know
		}
		return v
	}
	v.Site = j.Site
	c := j.Contact
	v.Contact = &c
	v.PayoutCents, v.Appointment, v.Times, v.Completion, v.Incomplete = j.PayoutCents, j.Appointment, j.Times, j.Completion, j.Incomplete
	return v
}

// jobBody is a job as the caller may see it.
func jobBody(c dispatch.Caller, j *dispatch.Job) any {
	if c.Staff {
		return j
	}
	return contractorView(j, c.ContractorID)
}
