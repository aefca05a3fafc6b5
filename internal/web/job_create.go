package web

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/dispatch"
)

// addJobForm names the add-a-job form among the work order page's forms.
const addJobForm = "add-job"

// Limits on the skills a job asks for: the API's 20 names, each no longer
// than a contractor's skill may be.
const (
	maxSkills    = 20
	maxSkillName = 100
)

// jobInput reads the add-a-job form into what the service takes: the
// window in the work order's zone, skills comma-separated, the budget in
// dollars. What the form cannot read is reported field by field; the rest
// (kind, mode, the window's order) is the service's to judge.
func jobInput(f *actionForm) (dispatch.JobInput, bool) {
	in := dispatch.JobInput{Kind: f.text("kind", 60), Mode: f.text("mode", 60), Window: dispatch.TimeWindow(f.window()),
		Instructions: f.text("instructions", 4000), Skills: f.names("skills", maxSkills, maxSkillName),
		BudgetCents: f.dollars("budget")}
	return in, f.v.Get("post") != ""
}

// names reads a comma-separated list, each name trimmed and kept once.
func (f *actionForm) names(field string, most, longest int) []string {
	var out []string
	for part := range strings.SplitSeq(f.v.Get(field), ",") {
		if part = strings.TrimSpace(part); part != "" && !slices.Contains(out, part) {
			f.bad.Check(len([]rune(part)) <= longest, field, "each name must be at most "+strconv.Itoa(longest)+" characters")
			out = append(out, part)
		}
	}
	f.bad.Check(len(out) <= most, field, "at most "+strconv.Itoa(most)+" names")
	return out
}

// dollars reads an amount of dollars ("150", "149.5", "$1,250.00") as
// cents, without going through floating point. Empty is zero.
func (f *actionForm) dollars(field string) int64 {
	s := strings.ReplaceAll(strings.TrimPrefix(strings.TrimSpace(f.v.Get(field)), "$"), ",", "")
	if s == "" {
		return 0
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	frac = (frac + "00")[:max(2, len(frac))]
	d, derr := strconv.ParseUint(whole, 10, 64)
	c, cerr := strconv.ParseUint(frac, 10, 64)
	if derr != nil || cerr != nil || len(frac) != 2 || d > (math.MaxInt64-99)/100 {
		f.bad.Add(field, "must be an amount in dollars, such as 150 or 149.50")
		return 0
	}
	return int64(d*100 + c)
}

// addJob creates a job on a work order from its page's form, as the API's
// create-job does. Success goes to the new job's page (303); a refusal
// shows the work order page again with the reasons beside the form, and no
// job is created.
func (w *Web) addJob(rw http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	p := w.staffWith(rw, r, "/work-orders/"+url.PathEscape(id), "create-job", jobWrite)
	if p == nil {
		return
	}
	j, err := w.createJob(rw, r, p, id)
	if err != nil {
		w.refuseDetail(rw, r, p, id, addJobForm, err)
		return
	}
	http.Redirect(rw, r, "/jobs/"+url.PathEscape(j.ID)+"?done=created", http.StatusSeeOther)
}

// createJob reads the add-a-job form, its times in the zone of the work
// order's provider, and creates the job through the service.
func (w *Web) createJob(rw http.ResponseWriter, r *http.Request, p *auth.Principal, id string) (*dispatch.Job, error) {
	form, err := readForm(rw, r, 64<<10)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	o, err := w.WorkOrders.Get(ctx, callerOf(p), id)
	if err != nil {
		return nil, err
	}
	f := &actionForm{v: form, loc: w.zones().of(ctx, o.ProviderID())}
	in, post := jobInput(f)
	if err := f.err(); err != nil {
		return nil, err
	}
	return w.Dispatch.Create(ctx, jobCaller(p), id, in, post)
}
