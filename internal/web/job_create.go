package web

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/fault"
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
	ctx := r.Context()
	r.Body = http.MaxBytesReader(rw, r.Body, 64<<10)
	var (
		err error
		j   *dispatch.Job
	)
	if perr := r.ParseForm(); perr != nil {
		err = fault.Errorf(fault.Invalid, "the form could not be read")
	} else if o, gerr := w.WorkOrders.Get(ctx, callerOf(p), id); gerr != nil {
		err = gerr
	} else {
		f := &actionForm{v: r.PostForm, loc: w.zones().of(ctx, o.ProviderID())}
		in, post := jobInput(f)
		if err = f.err(); err == nil {
			j, err = w.Dispatch.Create(ctx, jobCaller(p), id, in, post)
		}
	}
	if err != nil {
		w.refuseDetail(rw, r, p, id, addJobForm, err)
		return
	}
	http.Redirect(rw, r, "/jobs/"+url.PathEscape(j.ID)+"?done=created", http.StatusSeeOther)
}
