package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/geo"
)

// jobAction is one thing the job page offers as a form besides the award.
// Names are the API's, so /jobs/{id}/{name} mirrors /v1/jobs/{id}/{name},
// and the roles are the API's for the same operation.
type jobAction struct {
	Name  string
	roles []auth.Role
	// allowed says whether the job's state permits the action, by the
	// service's own rules, so the page offers only what can work; the
	// service checks again when the form is posted.
	allowed func(j *dispatch.Job) bool
	do      func(ctx context.Context, s *dispatch.Service, c dispatch.Caller, id string, f *actionForm) (*dispatch.Job, error)
	// done is the note on the job page after the action went through.
	done func(v jobView) string
}

// assignable is where the service lets staff give a job straight to a
// contractor: not yet given to anyone, and not already on a field platform.
func assignable(j *dispatch.Job) bool {
	open := j.Status == dispatch.Draft || j.Status == dispatch.Posted || j.Status == dispatch.Expired
	return open && !(j.Mode == dispatch.ModeFieldPlatform && j.ExternalID != "")
}

// jobActions are the actions in the order the page lists them.
var jobActions = []jobAction{
	{Name: "post", roles: jobWrite,
		allowed: func(j *dispatch.Job) bool {
			return (j.Status == dispatch.Draft || j.Status == dispatch.Expired) && j.Mode != dispatch.ModeDirect
		},
		do: func(ctx context.Context, s *dispatch.Service, c dispatch.Caller, id string, _ *actionForm) (*dispatch.Job, error) {
			return s.Post(ctx, c, id)
		},
		done: func(jobView) string { return "Posted." }},
	{Name: "assign", roles: jobAward, allowed: assignable,
		do: func(ctx context.Context, s *dispatch.Service, c dispatch.Caller, id string, f *actionForm) (*dispatch.Job, error) {
			who := f.text("contractor_id", 100)
			f.bad.Check(who != "", "contractor_id", "choose a contractor")
			if err := f.err(); err != nil {
				return nil, err
			}
			return s.Assign(ctx, c, id, who)
		},
		done: func(v jobView) string { return "Assigned to " + v.Contractor + "." }},
	{Name: "contractor-no-show", roles: jobAward,
		allowed: func(j *dispatch.Job) bool {
			return j.ContractorID != "" && (j.Status == dispatch.Awarded || j.Status == dispatch.Scheduled || j.Status == dispatch.EnRoute)
		},
		do: func(ctx context.Context, s *dispatch.Service, c dispatch.Caller, id string, f *actionForm) (*dispatch.Job, error) {
			reason := f.text("reason", 2000)
			if err := f.err(); err != nil {
				return nil, err
			}
			return s.ContractorNoShow(ctx, c, id, reason)
		},
		done: func(jobView) string { return "Contractor no-show recorded; the job is open again." }},
	{Name: "cancel", roles: jobWrite,
		allowed: func(j *dispatch.Job) bool { return j.Status.CanMove(dispatch.Cancelled) },
		do: func(ctx context.Context, s *dispatch.Service, c dispatch.Caller, id string, f *actionForm) (*dispatch.Job, error) {
			// The API takes a cancellation without a reason; the console
			// asks for one, so the timeline says why the job ended.
			reason := f.text("reason", 2000)
			f.bad.Check(reason != "", "reason", "say why the job is cancelled")
			if err := f.err(); err != nil {
				return nil, err
			}
			return s.Cancel(ctx, c, id, reason)
		},
		done: func(jobView) string { return "Cancelled." }},
}

func jobActionNamed(name string) (jobAction, bool) {
	i := slices.IndexFunc(jobActions, func(a jobAction) bool { return a.Name == name })
	if i < 0 {
		return jobAction{}, false
	}
	return jobActions[i], true
}

// allowedJobActions are the actions p's roles and j's state both permit.
func allowedJobActions(p *auth.Principal, j *dispatch.Job) []string {
	var out []string
	for _, a := range jobActions {
		if p.HasRole(a.roles...) && a.allowed(j) {
			out = append(out, a.Name)
		}
	}
	return out
}

// jobDone is the note for ?done= on the job page: what was just done, said
// only while it is still true.
func jobDone(done string, v jobView) string {
	switch done {
	case "":
		return ""
	case "awarded":
		if v.J.Status != dispatch.Posted {
			return "Awarded to " + v.Contractor + "."
		}
		return ""
	case "created":
		if v.J.Status == dispatch.Posted {
			return "Job added and posted."
		}
		return "Job added as a " + strings.ToLower(words(string(v.J.Status))) + "."
	case "assign":
		if !v.J.Status.Active() {
			return ""
		}
	}
	if a, ok := jobActionNamed(done); ok {
		return a.done(v)
	}
	return ""
}

// runJobAction runs one job action from the job page's forms. Success goes
// back to the job page (303, so a reload does not post again) with a note
// of what was done; a refusal shows the job as it now stands with the
// service's reason and the form as it was filled in.
func (w *Web) runJobAction(rw http.ResponseWriter, r *http.Request) {
	id, name := r.PathValue("id"), r.PathValue("action")
	a, ok := jobActionNamed(name)
	if !ok {
		w.render(rw, r, http.StatusNotFound, errorPage(w.principal(r), http.StatusNotFound, &pageError{Message: "There is no such action."}))
		return
	}
	jobURL := "/jobs/" + url.PathEscape(id)
	p := w.staffWith(rw, r, jobURL, name+"-job", a.roles)
	if p == nil {
		return
	}
	ctx := r.Context()
	form, err := readForm(rw, r, 16<<10)
	if err == nil {
		_, err = a.do(ctx, w.Dispatch, jobCaller(p), id, &actionForm{v: form})
	}
	if err == nil {
		http.Redirect(rw, r, jobURL+"?done="+url.QueryEscape(name), http.StatusSeeOther)
		return
	}
	w.refuseJob(rw, r, p, id, name, err)
}

// candidate is a contractor the assign form offers.
type candidate struct{ ID, Label string }

// maxCandidates is how many contractors the assign form offers.
const maxCandidates = 50

// candidates are the contractors the service would let a coordinator hand
// j to: active, not on hold on the job's day and not among those who backed
// out, nearest the site first, each labelled with the distance and any of
// the job's skills they lack (an assignment may override the skills; the
// coordinator should see that it does). A site whose ZIP the map does not
// place offers none: the form then says so, and the API still assigns by id.
func (w *Web) candidates(ctx context.Context, j *dispatch.Job) ([]candidate, error) {
	site, _, err := geo.Locate(j.Site.ZIP)
	if err != nil {
		return nil, nil
	}
	near, err := w.Contractors.Nearest(ctx, site, j.Window.Start, maxCandidates+len(j.Excluded))
	if err != nil {
		return nil, err
	}
	out := make([]candidate, 0, len(near))
	for _, n := range near {
		if slices.Contains(j.Excluded, n.Contractor.ID) || len(out) == maxCandidates {
			continue
		}
		label := fmt.Sprintf("%s · %.1f mi", n.Contractor.Name, n.Miles)
		if lacks := missing(j.Skills, n.Contractor.Skills); len(lacks) > 0 {
			label += " · lacks " + strings.Join(lacks, ", ")
		}
		out = append(out, candidate{ID: n.Contractor.ID, Label: label})
	}
	return out, nil
}

// missing lists the skills asked for that have is without; contractors'
// skills are kept lower-case.
func missing(asked, has []string) []string {
	var out []string
	for _, s := range asked {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" && !slices.Contains(has, s) {
			out = append(out, s)
		}
	}
	return out
}
