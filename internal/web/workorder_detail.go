package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/fieldhub/fieldhub/internal/auth"
	wo "github.com/fieldhub/fieldhub/internal/workorder"
)

// detailView is everything the work order page shows.
type detailView struct {
	P   *auth.Principal
	W   *wo.WorkOrder
	Loc *time.Location
	// Zone names the time zone the page's times and time inputs are in.
	Zone          string
	SLA           string
	Timeline      []timelineRow
	Original      *woLink
	SecondRepairs []woLink
	Jobs          []jobRow
	Actions       []string
	HoldReasons   []string
	CancelReasons []string
	NoShowReasons []string
	Done          string
	// CanAddJob says whether the jobs section offers the add-a-job form:
	// the viewer may write jobs and the work order is open to them.
	CanAddJob bool
	// refusal is a refused action or job form, shown again as it was filled in.
	refusal
}

func (v detailView) can(action string) bool { return slices.Contains(v.Actions, action) }

func (v detailView) actionURL(action string) string {
	return "/work-orders/" + url.PathEscape(v.W.ID) + "/actions/" + action
}

func (v detailView) time(t time.Time) string { return fmtTime(t, v.Loc) }

func (v detailView) window(w wo.Window) string { return fmtWindow(w, v.Loc) }

// input is a window's start or end as a datetime-local input's default.
func (v detailView) input(w *wo.Window, end bool) string {
	switch {
	case w == nil:
		return ""
	case end:
		return localInput(w.End, v.Loc)
	}
	return localInput(w.Start, v.Loc)
}

// jobWindow is the window a new job starts from: the confirmed appointment,
// else what the customer asked for.
func (v detailView) jobWindow() *wo.Window {
	if v.W.Appointment != nil {
		return &v.W.Appointment.Window
	}
	return v.W.RequestedWindow
}

func (w *Web) workOrderDetail(rw http.ResponseWriter, r *http.Request) {
	p := w.staffWith(rw, r, r.URL.RequestURI(), "get-work-order", woRead)
	if p == nil {
		return
	}
	v, err := w.detail(r.Context(), p, r.PathValue("id"))
	if err != nil {
		w.renderProblem(rw, r, p, err)
		return
	}
	if a, ok := actionNamed(r.URL.Query().Get("done")); ok {
		v.Done = a.Done
	}
	w.render(rw, r, http.StatusOK, woDetailPage(v))
}

// detail loads a work order with its timeline, its provider's zone and
// reason codes, and the work orders it is linked to.
func (w *Web) detail(ctx context.Context, p *auth.Principal, id string) (detailView, error) {
	c := callerOf(p)
	o, err := w.WorkOrders.Get(ctx, c, id)
	if err != nil {
		return detailView{}, err
	}
	evs, err := w.WorkOrders.Timeline(ctx, c, id)
	if err != nil {
		return detailView{}, err
	}
	prov, err := w.Providers.ByID(ctx, o.ProviderID())
	if err != nil {
		w.Logger.ErrorContext(ctx, "provider of a work order", "err", err)
	}
	loc := zoneOf(prov)
	rc := prov.Settings.Contract.ReasonCodes
	v := detailView{P: p, W: o, Loc: loc, Zone: loc.String(), SLA: slaOf(o, time.Now()),
		Actions:       allowedActions(p, o),
		CanAddJob:     w.Dispatch != nil && p.HasRole(jobWrite...) && o.Status.Open(),
		HoldReasons:   codesOr(rc.Hold, wo.DefaultHoldReasons),
		CancelReasons: codesOr(rc.Cancel, wo.DefaultCancelReasons),
		NoShowReasons: codesOr(rc.NoShow, wo.DefaultNoShowReasons)}
	// Newest first: triage reads what happened last.
	for _, e := range slices.Backward(evs) {
		row := newTimelineRow(e, loc)
		if e.Type == "WorkOrder.Reopened" && row.Link != nil {
			v.SecondRepairs = append(v.SecondRepairs, *row.Link)
		}
		v.Timeline = append(v.Timeline, row)
	}
	if v.Jobs, err = w.workOrderJobs(ctx, p, id, loc); err != nil {
		return detailView{}, err
	}
	if o.ReopenedFrom != "" {
		v.Original = &woLink{ID: o.ReopenedFrom, Number: "the original"}
		if orig, err := w.WorkOrders.Get(ctx, c, o.ReopenedFrom); err == nil {
			v.Original.Number = orig.Number
		}
	}
	return v, nil
}

func codesOr(codes, defaults []string) []string {
	if len(codes) > 0 {
		return codes
	}
	return defaults
}
