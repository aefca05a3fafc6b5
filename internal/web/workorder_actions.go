package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/fault"
	wo "github.com/fieldhub/fieldhub/internal/workorder"
)

// woAction is one lifecycle action the detail page offers as a form.
type woAction struct {
	Name, Label, Done string
	roles             []auth.Role
	// allowed says whether the work order's state permits the action, the
	// same rules the service enforces, so the page offers only what works.
	allowed func(o *wo.WorkOrder) bool
	do      func(ctx context.Context, s *wo.Service, c wo.Caller, id string, f *actionForm) (*wo.WorkOrder, error)
}

func scheduledish(o *wo.WorkOrder) bool {
	return o.Status == wo.Scheduled || o.Status == wo.Assigned || o.Status == wo.InProgress
}

// woActions are the actions in the order the page lists them; names are the
// API's, so /work-orders/{id}/actions/{name} mirrors /v1/work-orders/{id}/{name}.
var woActions = []woAction{
	{Name: "appointment", Label: "Confirm appointment", Done: "Appointment confirmed.", roles: woWrite,
		allowed: func(o *wo.WorkOrder) bool {
			return o.Appointment == nil && (o.Status == wo.Assigned || o.Status.CanMove(wo.Scheduled))
		},
		do: func(ctx context.Context, s *wo.Service, c wo.Caller, id string, f *actionForm) (*wo.WorkOrder, error) {
			win, note := f.window(), f.text("note", 2000)
			if err := f.err(); err != nil {
				return nil, err
			}
			return s.ConfirmAppointment(ctx, c, id, win, note)
		}},
	{Name: "reschedule", Label: "Reschedule", Done: "Appointment rescheduled.", roles: woWrite,
		allowed: func(o *wo.WorkOrder) bool { return o.Appointment != nil && o.Status.Open() && o.Status != wo.OnHold },
		do: func(ctx context.Context, s *wo.Service, c wo.Caller, id string, f *actionForm) (*wo.WorkOrder, error) {
			win, code, note := f.window(), f.text("reason_code", 60), f.text("note", 2000)
			if err := f.err(); err != nil {
				return nil, err
			}
			return s.Reschedule(ctx, c, id, win, code, note)
		}},
	{Name: "requested-window", Label: "Set requested window", Done: "Requested window saved.", roles: woWrite,
		allowed: func(o *wo.WorkOrder) bool { return o.Status.Open() },
		do: func(ctx context.Context, s *wo.Service, c wo.Caller, id string, f *actionForm) (*wo.WorkOrder, error) {
			win := f.window()
			if err := f.err(); err != nil {
				return nil, err
			}
			return s.SetRequestedWindow(ctx, c, id, win)
		}},
	{Name: "no-show", Label: "Record no-show", Done: "No-show recorded.", roles: woWrite,
		allowed: func(o *wo.WorkOrder) bool { return o.Appointment != nil && scheduledish(o) },
		do: func(ctx context.Context, s *wo.Service, c wo.Caller, id string, f *actionForm) (*wo.WorkOrder, error) {
			code, outcome, note := f.text("reason_code", 60), f.text("outcome", 20), f.text("note", 2000)
			if err := f.err(); err != nil {
				return nil, err
			}
			return s.NoShow(ctx, c, id, code, note, outcome)
		}},
	{Name: "complete", Label: "Complete", Done: "Completed.", roles: woWrite,
		allowed: func(o *wo.WorkOrder) bool { return o.Status.CanMove(wo.Completed) },
		do: func(ctx context.Context, s *wo.Service, c wo.Caller, id string, f *actionForm) (*wo.WorkOrder, error) {
			code, notes := f.text("result_code", 60), f.text("notes", 4000)
			if err := f.err(); err != nil {
				return nil, err
			}
			return s.Complete(ctx, c, id, code, notes)
		}},
	{Name: "hold", Label: "Put on hold", Done: "Put on hold.", roles: woWrite,
		allowed: func(o *wo.WorkOrder) bool { return o.Status.CanMove(wo.OnHold) },
		do: func(ctx context.Context, s *wo.Service, c wo.Caller, id string, f *actionForm) (*wo.WorkOrder, error) {
			code, note := f.text("reason_code", 60), f.text("note", 2000)
			if err := f.err(); err != nil {
				return nil, err
			}
			return s.Hold(ctx, c, id, code, note)
		}},
	{Name: "resume", Label: "Resume", Done: "Resumed.", roles: woWrite,
		allowed: func(o *wo.WorkOrder) bool { return o.Status == wo.OnHold },
		do: func(ctx context.Context, s *wo.Service, c wo.Caller, id string, f *actionForm) (*wo.WorkOrder, error) {
			note := f.text("note", 2000)
			if err := f.err(); err != nil {
				return nil, err
			}
			return s.Resume(ctx, c, id, note)
		}},
	{Name: "close", Label: "Close", Done: "Closed.", roles: woClose,
		allowed: func(o *wo.WorkOrder) bool { return o.Status.CanMove(wo.Closed) },
		do: func(ctx context.Context, s *wo.Service, c wo.Caller, id string, f *actionForm) (*wo.WorkOrder, error) {
			note := f.text("note", 2000)
			if err := f.err(); err != nil {
				return nil, err
			}
			return s.Close(ctx, c, id, note)
		}},
	{Name: "reopen", Label: "Reopen as second repair", Done: "Second repair opened.", roles: woWrite,
		allowed: func(o *wo.WorkOrder) bool { return o.Status == wo.Completed || o.Status == wo.Closed },
		do: func(ctx context.Context, s *wo.Service, c wo.Caller, id string, f *actionForm) (*wo.WorkOrder, error) {
			problem, note := f.text("problem", 4000), f.text("note", 2000)
			if err := f.err(); err != nil {
				return nil, err
			}
			return s.Reopen(ctx, c, id, problem, note)
		}},
	{Name: "cancel", Label: "Cancel work order", Done: "Cancelled.", roles: woWrite,
		allowed: func(o *wo.WorkOrder) bool { return o.Status.CanMove(wo.Cancelled) },
		do: func(ctx context.Context, s *wo.Service, c wo.Caller, id string, f *actionForm) (*wo.WorkOrder, error) {
			code, note := f.text("reason_code", 60), f.text("note", 2000)
			if err := f.err(); err != nil {
				return nil, err
			}
			return s.Cancel(ctx, c, id, code, note)
		}},
}

func actionNamed(name string) (woAction, bool) {
	i := slices.IndexFunc(woActions, func(a woAction) bool { return a.Name == name })
	if i < 0 {
		return woAction{}, false
	}
	return woActions[i], true
}

// allowedActions are the actions p's roles and o's state both permit.
func allowedActions(p *auth.Principal, o *wo.WorkOrder) []string {
	var out []string
	for _, a := range woActions {
		if p.HasRole(a.roles...) && a.allowed(o) {
			out = append(out, a.Name)
		}
	}
	return out
}

// actionForm reads an action's posted fields, collecting what is wrong with
// them the way the API reports it: field by field.
type actionForm struct {
	v   url.Values
	loc *time.Location
	bad fault.Fields
}

func (f *actionForm) text(name string, max int) string {
	s := strings.TrimSpace(f.v.Get(name))
	f.bad.Check(len([]rune(s)) <= max, name, "is too long")
	return s
}

// when reads a datetime-local field as a time in the work order's zone. An
// empty field stays zero for the service to call required.
func (f *actionForm) when(name string) time.Time {
	s := strings.TrimSpace(f.v.Get(name))
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, f.loc); err == nil {
			return t
		}
	}
	f.bad.Add(name, "must be a date and time")
	return time.Time{}
}

func (f *actionForm) window() wo.Window { return wo.Window{Start: f.when("start"), End: f.when("end")} }

func (f *actionForm) err() error { return f.bad.Err() }

// workOrderAction runs one lifecycle action from the detail page's forms.
// Success goes back to the detail page (303, so a reload does not post
// again) with a note of what was done; a refusal shows the page again with
// the reason and the form as it was filled in, under the matching status.
func (w *Web) workOrderAction(rw http.ResponseWriter, r *http.Request) {
	id, name := r.PathValue("id"), r.PathValue("name")
	detailURL := "/work-orders/" + url.PathEscape(id)
	a, ok := actionNamed(name)
	if !ok {
		p := w.principal(r)
		w.render(rw, r, http.StatusNotFound, errorPage(p, http.StatusNotFound, &pageError{Message: "There is no such action."}))
		return
	}
	p := w.staffWith(rw, r, detailURL, name+"-work-order", a.roles)
	if p == nil {
		return
	}
	ctx := r.Context()
	var out *wo.WorkOrder
	form, err := readForm(rw, r, 64<<10)
	if err == nil {
		c := callerOf(p)
		var cur *wo.WorkOrder
		if cur, err = w.WorkOrders.Get(ctx, c, id); err == nil {
			f := &actionForm{v: form, loc: w.zones().of(ctx, cur.ProviderID())}
			out, err = a.do(ctx, w.WorkOrders, c, id, f)
		}
	}
	if err == nil {
		http.Redirect(rw, r, "/work-orders/"+url.PathEscape(out.ID)+"?done="+url.QueryEscape(name), http.StatusSeeOther)
		return
	}
	w.refuseDetail(rw, r, p, id, name, err)
}

// refuseDetail answers a refused form of the work order page (an action,
// or adding a job) with the page again: the reason, and that form unfolded
// as it was filled in, under the refusal's status.
func (w *Web) refuseDetail(rw http.ResponseWriter, r *http.Request, p *auth.Principal, id, form string, err error) {
	w.refuse(rw, r, p, form, err, func(f refusal, _ int) (templ.Component, error) {
		v, err := w.detail(r.Context(), p, id)
		v.refusal = f
		return woDetailPage(v), err
	})
}
