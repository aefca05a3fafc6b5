package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/page"
)

// jobStatuses are the statuses the job list filters by, in the order a job
// usually passes them.
var jobStatuses = []dispatch.Status{dispatch.Draft, dispatch.Posted, dispatch.Awarded, dispatch.Scheduled,
	dispatch.EnRoute, dispatch.OnSite, dispatch.Completed, dispatch.Incomplete, dispatch.Cancelled, dispatch.Expired}

// jobListForm is the job list's filter as the visitor typed it, kept as
// text so the form shows it again and the paging links carry it.
type jobListForm struct {
	Statuses []string
	Mode     string
	Limit    int
	Cursor   string
}

func readJobListForm(q url.Values) jobListForm {
	f := jobListForm{Statuses: statusesOf(q), Mode: strings.TrimSpace(q.Get("mode")), Cursor: q.Get("cursor")}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil {
		f.Limit = page.Limit(n)
	}
	return f
}

// values is the filter as a query string, without the cursor.
func (f jobListForm) values() url.Values {
	v := url.Values{}
	for _, s := range f.Statuses {
		v.Add("status", s)
	}
	if f.Mode != "" {
		v.Set("mode", f.Mode)
	}
	setLimit(v, f.Limit)
	return v
}

// href is the list's address for this filter, with a cursor when given.
func (f jobListForm) href(cursor string) string { return listHref("/jobs", f.values(), cursor) }

func (f jobListForm) has(s dispatch.Status) bool { return slices.Contains(f.Statuses, string(s)) }

// filter turns the form into the service's filter. The service matches
// whatever it is given, so a status or mode nobody has is refused here,
// by name, rather than shown as an empty list.
func (f jobListForm) filter() (dispatch.Filter, error) {
	out := dispatch.Filter{Mode: f.Mode, Cursor: f.Cursor, Limit: f.Limit}
	var bad fault.Fields
	for _, s := range f.Statuses {
		if !slices.Contains(jobStatuses, dispatch.Status(s)) {
			bad.Add("status", "unknown status "+s)
			continue
		}
		out.Statuses = append(out.Statuses, dispatch.Status(s))
	}
	bad.Check(f.Mode == "" || slices.Contains(dispatch.Modes, f.Mode), "mode", "unknown dispatch mode "+f.Mode)
	return out, bad.Err()
}

// jobListView is everything the job list shows.
type jobListView struct {
	P    *auth.Principal
	Form jobListForm
	Rows []jobRow
	Next string
	Err  *pageError
}

// jobList is the staff job list, newest first. As on the work order list,
// a request from the page's own filter form (htmx) gets only the results.
func (w *Web) jobList(rw http.ResponseWriter, r *http.Request) {
	p := w.staffWith(rw, r, r.URL.RequestURI(), "list-jobs", jobRead)
	if p == nil {
		return
	}
	ctx := r.Context()
	v := jobListView{P: p, Form: readJobListForm(r.URL.Query())}
	status := http.StatusOK
	f, err := v.Form.filter()
	if err == nil {
		err = w.loadJobs(ctx, p, f, &v)
	}
	if err != nil {
		status, v.Err = w.problem(ctx, err)
	}
	w.renderList(rw, r, status, jobResults(v), jobListPage(v))
}

// loadJobs reads one page of jobs, each window in its provider's zone and
// with its work order's number, each work order read once.
func (w *Web) loadJobs(ctx context.Context, p *auth.Principal, f dispatch.Filter, v *jobListView) error {
	jobs, next, err := w.Dispatch.List(ctx, jobCaller(p), f)
	if err != nil {
		return err
	}
	zones := w.zones()
	v.Rows = w.jobRows(ctx, jobs, func(j *dispatch.Job) *time.Location { return zones.of(ctx, j.ProviderID()) })
	numbers := map[string]string{}
	for i := range v.Rows {
		row := &v.Rows[i]
		n, ok := numbers[row.WorkOrderID]
		if !ok {
			n = row.WorkOrderID
			if o, err := w.WorkOrders.Get(ctx, callerOf(p), row.WorkOrderID); err == nil {
				n = o.Number
			}
			numbers[row.WorkOrderID] = n
		}
		row.WorkOrder = n
	}
	if next != "" {
		v.Next = v.Form.href(next)
	}
	return nil
}
