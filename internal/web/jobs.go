package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/page"
	wo "github.com/fieldhub/fieldhub/internal/workorder"
)

// Who may do what with jobs, as the API has it: staff who read work orders
// read jobs, those who write them add, post and cancel jobs; awarding and
// assigning are a coordinator's call (ops; admins pass).
var (
	jobRead  = woRead
	jobWrite = woWrite
	jobAward = []auth.Role{auth.RoleOps}
)

// jobCaller is the dispatch caller for a staff member who has passed the
// role check: staff see every job and its bids.
func jobCaller(p *auth.Principal) dispatch.Caller {
	return dispatch.Caller{Actor: event.Actor{Kind: p.ActorKind(), ID: p.ActorID(), Name: p.Name}, Staff: true}
}

// jobRow is one job in a list of jobs: a work order's, or the job list.
type jobRow struct {
	ID, Number, Kind, Mode, Contractor, Window string
	WorkOrderID, WorkOrder                     string
	Status                                     dispatch.Status
}

// jobView is everything the job page shows.
type jobView struct {
	P               *auth.Principal
	J               *dispatch.Job
	Loc             *time.Location
	Zone            string
	WorkOrderNumber string
	Contractor      string
	Bids            []bidRow
	// CanAward says whether the award buttons show: the viewer holds the
	// role and the job is open to bids.
	CanAward bool
	// Actions are the job actions the viewer's roles and the job's status
	// allow; Candidates whom the assign form offers, nearest first.
	Actions    []string
	Candidates []candidate
	Done       string
	// refusal is a refused award or action, shown again as it was filled in.
	refusal
}

// bidRow is one ranked bid as a coordinator reads it.
type bidRow struct {
	Rank                                    int
	BidID, Name, Price, ETA, Distance, Text string
	Won                                     bool
}

func (v jobView) time(t time.Time) string { return fmtTime(t, v.Loc) }

func (v jobView) window(w dispatch.TimeWindow) string { return fmtWindow(wo.Window(w), v.Loc) }

func (v jobView) awardURL() string { return v.actionURL("award") }

// actionURL is where a job action's form posts: /jobs/{id}/{name} mirrors
// the API's /v1/jobs/{id}/{name}.
func (v jobView) actionURL(name string) string { return "/jobs/" + url.PathEscape(v.J.ID) + "/" + name }

func (v jobView) can(action string) bool { return slices.Contains(v.Actions, action) }

// marketplace says whether the job finds its contractor by bids.
func (v jobView) marketplace() bool { return v.J.Mode == dispatch.ModeMarketplace }

func jobMoney(cents int64, currency string) string {
	if currency == "" {
		currency = "USD"
	}
	return money(cents, currency)
}

// contractorName names a contractor by id; an unknown one shows its id, so
// the page never hides who holds a job.
func (w *Web) contractorName(ctx context.Context, id string) string {
	if id == "" || w.Contractors == nil {
		return id
	}
	k, err := w.Contractors.Get(ctx, id)
	if err != nil {
		return id
	}
	return k.Name
}

// holder is who does the job: the contractor it went to, or the field
// platform's technician.
func (w *Web) holder(ctx context.Context, j *dispatch.Job) string {
	switch {
	case j.ContractorID != "":
		return w.contractorName(ctx, j.ContractorID)
	case j.Technician != nil && j.Technician.Name != "":
		return j.Technician.Name + " (" + j.Platform + ")"
	}
	return ""
}

// workOrderJobs lists a work order's jobs, newest first, for its page.
func (w *Web) workOrderJobs(ctx context.Context, p *auth.Principal, workOrderID string, loc *time.Location) ([]jobRow, error) {
	if w.Dispatch == nil {
		return nil, nil
	}
	jobs, _, err := w.Dispatch.List(ctx, jobCaller(p), dispatch.Filter{WorkOrderID: workOrderID, Limit: page.MaxLimit})
	if err != nil {
		return nil, err
	}
	return w.jobRows(ctx, jobs, func(*dispatch.Job) *time.Location { return loc }), nil
}

// jobRows turns jobs into rows, each window in zone(job), asking who holds
// a job once per contractor.
func (w *Web) jobRows(ctx context.Context, jobs []*dispatch.Job, zone func(*dispatch.Job) *time.Location) []jobRow {
	names := map[string]string{}
	rows := make([]jobRow, 0, len(jobs))
	for _, j := range jobs {
		who, ok := names[j.ContractorID]
		if !ok || j.ContractorID == "" {
			who = w.holder(ctx, j)
			names[j.ContractorID] = who
		}
		rows = append(rows, jobRow{ID: j.ID, Number: j.Number, Kind: words(j.Kind), Mode: words(j.Mode), Contractor: who,
			Window: fmtWindow(wo.Window(j.Window), zone(j)), WorkOrderID: j.WorkOrderID, Status: j.Status})
	}
	return rows
}

func (w *Web) jobDetail(rw http.ResponseWriter, r *http.Request) {
	p := w.staffWith(rw, r, r.URL.RequestURI(), "get-job", jobRead)
	if p == nil {
		return
	}
	v, err := w.job(r.Context(), p, r.PathValue("id"))
	if err != nil {
		w.renderProblem(rw, r, p, err)
		return
	}
	v.Done = jobDone(r.URL.Query().Get("done"), v)
	w.render(rw, r, http.StatusOK, jobPage(v))
}

// job loads a job, its work order's number, who holds it and, for a
// marketplace job, its bids ranked.
func (w *Web) job(ctx context.Context, p *auth.Principal, id string) (jobView, error) {
	c := jobCaller(p)
	j, err := w.Dispatch.Get(ctx, c, id)
	if err != nil {
		return jobView{}, err
	}
	loc := w.zones().of(ctx, j.ProviderID())
	v := jobView{P: p, J: j, Loc: loc, Zone: loc.String(), WorkOrderNumber: "the work order", Contractor: w.holder(ctx, j)}
	if o, err := w.WorkOrders.Get(ctx, callerOf(p), j.WorkOrderID); err == nil {
		v.WorkOrderNumber = o.Number
	}
	v.Actions = allowedJobActions(p, j)
	if v.can("assign") {
		if v.Candidates, err = w.candidates(ctx, j); err != nil {
			return jobView{}, err
		}
	}
	if !v.marketplace() {
		return v, nil
	}
	ranked, err := w.Dispatch.RankedBids(ctx, c, id)
	if err != nil {
		return jobView{}, err
	}
	for _, b := range ranked {
		row := bidRow{Rank: b.Rank, BidID: b.Bid.BidID, Name: b.Bid.Name, Price: jobMoney(b.Bid.PriceCents, j.Currency),
			ETA: fmtTime(b.Bid.ETA, loc), Distance: fmt.Sprintf("%.1f mi", b.Factors.DistanceMiles), Text: b.Explanation,
			Won: b.Bid.BidID == j.AwardedBidID}
		if row.Name == "" {
			row.Name = w.contractorName(ctx, b.Bid.ContractorID)
		}
		v.Bids = append(v.Bids, row)
	}
	v.CanAward = j.Status == dispatch.Posted && p.HasRole(jobAward...)
	return v, nil
}

// jobAward awards a posted job to one bid from the ranking's form. Success
// goes back to the job page (303, so a reload does not post again); a
// refusal shows the job as it now stands with the reason. When someone
// else awarded first, that is said plainly: nothing was changed.
func (w *Web) jobAward(rw http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	jobURL := "/jobs/" + url.PathEscape(id)
	p := w.staffWith(rw, r, jobURL, "award-job", jobAward)
	if p == nil {
		return
	}
	ctx := r.Context()
	form, err := readForm(rw, r, 16<<10)
	if err == nil {
		if bid := strings.TrimSpace(form.Get("bid_id")); bid == "" {
			err = fault.Errorf(fault.Invalid, "choose a bid to award")
		} else {
			_, err = w.Dispatch.Award(ctx, jobCaller(p), id, bid)
		}
	}
	if err == nil {
		http.Redirect(rw, r, jobURL+"?done=awarded", http.StatusSeeOther)
		return
	}
	w.refuseJob(rw, r, p, id, "award", err)
}

// refuseJob answers a refused award or job action with the job page as the
// job now stands, the reason on it and the form as it was filled in, under
// the refusal's status. When the job itself is the trouble (not found,
// say), that is what is shown.
func (w *Web) refuseJob(rw http.ResponseWriter, r *http.Request, p *auth.Principal, id, form string, err error) {
	w.refuse(rw, r, p, form, err, func(f refusal, status int) (templ.Component, error) {
		v, err := w.job(r.Context(), p, id)
		if err != nil {
			return nil, err
		}
		if form == "award" && status == http.StatusConflict {
			f.Err = &pageError{Message: conflictMessage(v)}
		}
		v.refusal = f
		return jobPage(v), nil
	})
}

// conflictMessage explains an award that lost: the job moved on while the
// coordinator looked at it.
func conflictMessage(v jobView) string {
	msg := "This job could not be awarded: it changed while you were looking at it"
	switch {
	case v.J.Status == dispatch.Posted:
		msg += " (that bid is no longer open)"
	case v.Contractor != "":
		msg += fmt.Sprintf(" and is now %s to %s", strings.ToLower(words(string(v.J.Status))), v.Contractor)
	default:
		msg += " and is now " + strings.ToLower(words(string(v.J.Status)))
	}
	return msg + ". Nothing was changed; below is the job as it stands now."
}
