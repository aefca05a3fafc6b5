package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/api"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/page"
	wo "github.com/fieldhub/fieldhub/internal/workorder"
)

// Who may do what with work orders: see workorder.ReadRoles and friends.
var (
	woRead  = wo.ReadRoles
	woWrite = wo.WriteRoles
	woClose = wo.CloseRoles
)

// staffWith returns the signed-in staff member holding one of roles. A
// visitor who is not signed in is sent to sign in and brought back to next;
// anyone else without the role gets the 403 page, and the refusal is audited
// as the API audits it. A nil principal means the answer has been written.
func (w *Web) staffWith(rw http.ResponseWriter, r *http.Request, next, action string, roles []auth.Role) *auth.Principal {
	p := w.principal(r)
	if p == nil {
		login := "/login?next=" + url.QueryEscape(next)
		if r.Header.Get("HX-Request") == "true" {
			// A session that ended under an open page: htmx would follow a
			// redirect and put the sign-in page inside the results, so it is
			// told to load the sign-in page whole instead.
			rw.Header().Set("HX-Redirect", login)
			rw.WriteHeader(http.StatusNoContent)
			return nil
		}
		http.Redirect(rw, r, login, http.StatusSeeOther)
		return nil
	}
	if !p.HasRole(roles...) {
		if err := w.Auth.RecordAudit(r.Context(), auth.Denied(p, action)); err != nil {
			w.Logger.ErrorContext(r.Context(), "audit a refusal", "err", err)
		}
		w.render(rw, r, http.StatusForbidden, forbiddenPage(p))
		return nil
	}
	return p
}

// callerOf is the work order caller for a staff member: staff see every
// provider's work orders, and their name goes on the timeline.
func callerOf(p *auth.Principal) wo.Caller {
	return wo.Caller{Actor: event.Actor{Kind: p.ActorKind(), ID: p.ActorID(), Name: p.Name}}
}

// listForm is the triage filter as the visitor typed it, kept as text so
// the form shows it again and the paging links carry it.
type listForm struct {
	Statuses                   []string
	ServiceType, Provider      string
	ZIP, State, Q              string
	CreatedFrom, CreatedTo     string
	RequestedFrom, RequestedTo string
	AtRisk                     bool
	Limit                      int
	Cursor                     string
	providerUnknown            bool
}

func readListForm(q url.Values) listForm {
	f := listForm{ServiceType: q.Get("service_type"), Provider: strings.TrimSpace(q.Get("provider")),
		ZIP: strings.TrimSpace(q.Get("zip")), State: strings.ToUpper(strings.TrimSpace(q.Get("state"))),
		Q: strings.TrimSpace(q.Get("q")), CreatedFrom: q.Get("created_from"), CreatedTo: q.Get("created_to"),
		RequestedFrom: q.Get("requested_from"), RequestedTo: q.Get("requested_to"),
		AtRisk: q.Get("sla_at_risk") != "", Cursor: q.Get("cursor"), Statuses: statusesOf(q)}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil {
		f.Limit = page.Limit(n)
	}
	return f
}

// values is the filter as a query string, leaving out what is empty and the
// cursor, so links stay short and always start from the filter itself.
func (f listForm) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	for _, s := range f.Statuses {
		v.Add("status", s)
	}
	set("service_type", f.ServiceType)
	set("provider", f.Provider)
	set("zip", f.ZIP)
	set("state", f.State)
	set("created_from", f.CreatedFrom)
	set("created_to", f.CreatedTo)
	set("requested_from", f.RequestedFrom)
	set("requested_to", f.RequestedTo)
	if f.AtRisk {
		v.Set("sla_at_risk", "1")
	}
	set("q", f.Q)
	setLimit(v, f.Limit)
	return v
}

// href is the list's address for this filter, with a cursor when given.
func (f listForm) href(cursor string) string { return listHref("/work-orders", f.values(), cursor) }

// withStatus is the same filter narrowed to one status, or to every status
// when s is empty: the status tabs.
func (f listForm) withStatus(s string) string {
	f.Statuses = nil
	if s != "" {
		f.Statuses = []string{s}
	}
	return f.href("")
}

func (f listForm) has(s wo.Status) bool { return slices.Contains(f.Statuses, string(s)) }

// moreOpen says whether the less used filters start unfolded: when any is set.
func (f listForm) moreOpen() bool {
	return f.Provider != "" || f.State != "" || f.CreatedFrom != "" || f.CreatedTo != "" || f.RequestedFrom != "" || f.RequestedTo != ""
}

// filter turns the form into the service's filter. Dates are whole days in
// UTC; a "to" date includes its day. A provider code nobody has matches
// nothing rather than everything.
func (w *Web) filter(ctx context.Context, f *listForm) (wo.Filter, error) {
	out := wo.Filter{ServiceType: f.ServiceType, ZIP: f.ZIP, State: f.State, SLAAtRisk: f.AtRisk, Query: f.Q,
		Cursor: f.Cursor, Limit: f.Limit}
	var bad fault.Fields
	for _, s := range f.Statuses {
		if !slices.Contains(wo.AllStatuses, wo.Status(s)) {
			bad.Add("status", "unknown status "+s)
			continue
		}
		out.Statuses = append(out.Statuses, wo.Status(s))
	}
	if f.ServiceType != "" && !slices.Contains(wo.ServiceTypes, f.ServiceType) {
		bad.Add("service_type", "unknown service type "+f.ServiceType)
	}
	bad.Check(len(f.Q) <= 100, "q", "must be at most 100 characters")
	day := func(field, s string, next bool) time.Time {
		if s == "" {
			return time.Time{}
		}
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			bad.Add(field, "must be a date, YYYY-MM-DD")
			return time.Time{}
		}
		if next {
			d = d.AddDate(0, 0, 1)
		}
		return d
	}
	out.CreatedFrom = day("created_from", f.CreatedFrom, false)
	out.CreatedTo = day("created_to", f.CreatedTo, true)
	out.RequestedFrom = day("requested_from", f.RequestedFrom, false)
	out.RequestedTo = day("requested_to", f.RequestedTo, true)
	if err := bad.Err(); err != nil {
		return out, err
	}
	if f.Provider != "" {
		p, err := w.Providers.Get(ctx, f.Provider)
		switch {
		case fault.Is(err, fault.NotFound):
			f.providerUnknown = true
		case err != nil:
			return out, err
		default:
			out.ProviderID = p.ID
		}
	}
	return out, nil
}

// workOrderList is the triage list. A request from the page's own filter
// form (htmx) gets only the results, which replace the old ones in place;
// every other request, a history restore included, gets the whole page.
func (w *Web) workOrderList(rw http.ResponseWriter, r *http.Request) {
	p := w.staffWith(rw, r, r.URL.RequestURI(), "list-work-orders", woRead)
	if p == nil {
		return
	}
	ctx := r.Context()
	v := listView{P: p, Form: readListForm(r.URL.Query()), Now: time.Now()}
	status := http.StatusOK
	if provs, _, err := w.Providers.List(ctx, "", page.MaxLimit); err == nil {
		for _, pr := range provs {
			v.Providers = append(v.Providers, pr.Code)
		}
	} else {
		w.Logger.ErrorContext(ctx, "list providers", "err", err)
	}
	f, err := w.filter(ctx, &v.Form)
	if err == nil {
		err = w.loadList(ctx, p, f, &v)
	}
	if err != nil {
		status, v.Err = w.problem(ctx, err)
	}
	w.renderList(rw, r, status, woResults(v), woListPage(v))
}

func (w *Web) loadList(ctx context.Context, p *auth.Principal, f wo.Filter, v *listView) error {
	if v.Form.providerUnknown {
		for _, s := range wo.AllStatuses {
			v.Counts = append(v.Counts, statusCount{Status: s})
		}
		return nil
	}
	c := callerOf(p)
	counts, err := w.WorkOrders.StatusCounts(ctx, c, f)
	if err != nil {
		return err
	}
	for _, s := range wo.AllStatuses {
		v.Counts = append(v.Counts, statusCount{Status: s, N: counts[s]})
		v.Total += counts[s]
	}
	list, next, err := w.WorkOrders.List(ctx, c, f)
	if err != nil {
		return err
	}
	zones := w.zones()
	for _, o := range list {
		v.Rows = append(v.Rows, newRow(o, zones.of(ctx, o.ProviderID()), v.Now))
	}
	if next != "" {
		v.Next = v.Form.href(next)
	}
	return nil
}

// problem turns an error into the status and message a page shows. Faults
// speak for themselves; anything else is logged and shown only as an
// internal error.
func (w *Web) problem(ctx context.Context, err error) (int, *pageError) {
	var fe *fault.Error
	if !asFault(err, &fe) || fe.Code == fault.Internal {
		w.Logger.ErrorContext(ctx, "page", "err", err)
		return http.StatusInternalServerError, &pageError{Message: "Something went wrong on our side. Try again shortly."}
	}
	msg := fe.Message
	switch {
	case len(fe.Fields) > 0 && (msg == "" || msg == "validation failed"):
		msg = "Some fields need fixing:"
	case msg == "":
		msg = http.StatusText(api.StatusOf(fe.Code))
	}
	// Messages are written for API clients, in lower case; a page shows
	// them as sentences.
	msg = strings.ToUpper(msg[:1]) + msg[1:]
	return api.StatusOf(fe.Code), &pageError{Message: msg, Fields: fe.Fields}
}

// pageError is a refused request as a page shows it.
type pageError struct {
	Message string
	Fields  []fault.FieldError
}

// field returns the reason given for one field, if any.
func (e *pageError) field(name string) string {
	if e == nil {
		return ""
	}
	for _, f := range e.Fields {
		if f.Field == name {
			return f.Reason
		}
	}
	return ""
}
