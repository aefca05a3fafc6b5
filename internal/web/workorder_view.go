package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/provider"
	wo "github.com/fieldhub/fieldhub/internal/workorder"
)

// listView is everything the triage list shows.
type listView struct {
	P         *auth.Principal
	Form      listForm
	Providers []string
	Counts    []statusCount
	Total     int
	Rows      []woRow
	Next      string
	Err       *pageError
	Now       time.Time
}

type statusCount struct {
	Status wo.Status
	N      int
}

// woRow is one work order in the list, its times in its provider's zone.
type woRow struct {
	ID, Number, Provider, ExternalID, Customer, City, ZIP, ServiceType string
	Status                                                             wo.Status
	WhenLabel, When, SLADue, SLA                                       string
}

func newRow(o *wo.WorkOrder, loc *time.Location, now time.Time) woRow {
	r := woRow{ID: o.ID, Number: o.Number, Provider: o.Provider, ExternalID: o.ExternalID, Customer: o.Customer.Name,
		City: o.Site.City, ZIP: o.Site.ZIP, ServiceType: words(o.ServiceType), Status: o.Status, SLA: slaOf(o, now)}
	switch {
	case o.Appointment != nil:
		r.WhenLabel, r.When = "Appointment", shortWindow(o.Appointment.Window, loc, now)
	case o.RequestedWindow != nil:
		r.WhenLabel, r.When = "Requested", shortWindow(*o.RequestedWindow, loc, now)
	}
	if o.SLADueAt != nil {
		r.SLADue = shortTime(*o.SLADueAt, loc, now)
	}
	return r
}

// shortDay is a day as the list shows it: the year only when it is not this one.
func shortDay(t, now time.Time) string {
	if t.Year() == now.In(t.Location()).Year() {
		return t.Format("Jan 2")
	}
	return t.Format("Jan 2 2006")
}

// shortTime and shortWindow keep the list's columns narrow.
func shortTime(t time.Time, loc *time.Location, now time.Time) string {
	t = t.In(loc)
	return shortDay(t, now) + " " + t.Format("15:04 MST")
}

func shortWindow(w wo.Window, loc *time.Location, now time.Time) string {
	s, e := w.Start.In(loc), w.End.In(loc)
	if s.Format(time.DateOnly) == e.Format(time.DateOnly) {
		return shortDay(s, now) + " " + s.Format("15:04") + "–" + e.Format("15:04 MST")
	}
	return shortDay(s, now) + " " + s.Format("15:04") + " – " + shortTime(e, loc, now)
}

// slaOf says whether an open work order is past its SLA deadline or within
// the at-risk window of it, by the same rule as the "SLA at risk" filter.
// Held work orders are not: their clock is paused.
func slaOf(o *wo.WorkOrder, now time.Time) string {
	if o.SLADueAt == nil || !o.Status.Open() || o.Status == wo.OnHold {
		return ""
	}
	switch {
	case o.SLADueAt.Before(now):
		return "overdue"
	case !o.SLADueAt.After(now.Add(wo.AtRiskWindow)):
		return "at risk"
	}
	return ""
}

// zoneCache finds each provider's time zone once per request. Times show
// in the provider's zone, where the work happens; a provider with no zone
// set (or one that cannot be found) gets UTC, and every time carries its
// zone's abbreviation so nobody has to guess.
type zoneCache struct {
	w *Web
	m map[string]*time.Location
}

func (w *Web) zones() *zoneCache { return &zoneCache{w: w, m: map[string]*time.Location{}} }

func (z *zoneCache) of(ctx context.Context, providerID string) *time.Location {
	if loc, ok := z.m[providerID]; ok {
		return loc
	}
	loc := time.UTC
	if p, err := z.w.Providers.ByID(ctx, providerID); err == nil {
		loc = zoneOf(p)
	}
	z.m[providerID] = loc
	return loc
}

func zoneOf(p provider.Provider) *time.Location {
	if p.Settings.Timezone != "" {
		if loc, err := time.LoadLocation(p.Settings.Timezone); err == nil {
			return loc
		}
	}
	return time.UTC
}

func fmtTime(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02 15:04 MST") }

func fmtWindow(win wo.Window, loc *time.Location) string {
	s, e := win.Start.In(loc), win.End.In(loc)
	if s.Format(time.DateOnly) == e.Format(time.DateOnly) {
		return s.Format("2006-01-02 15:04") + "–" + e.Format("15:04 MST")
	}
	return s.Format("2006-01-02 15:04") + " – " + e.Format("2006-01-02 15:04 MST")
}

// localInput is a time as a datetime-local input shows it, in loc.
func localInput(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02T15:04") }

// words turns a code such as parts_ordered into "Parts ordered".
func words(code string) string {
	s := strings.ReplaceAll(code, "_", " ")
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func money(cents int64, currency string) string {
	return fmt.Sprintf("%d.%02d %s", cents/100, cents%100, currency)
}

func asFault(err error, fe **fault.Error) bool { return errors.As(err, fe) }

// timelineRow is one event as a person reads it.
type timelineRow struct {
	What, Who, At string
	Details       []string
	Link          *woLink
}

// woLink points at another work order by its number.
type woLink struct{ ID, Number string }

// eventDetail is what the work order events carry besides the work order;
// each event type fills some of it.
type eventDetail struct {
	From         wo.Status       `json:"from"`
	To           wo.Status       `json:"to"`
	ReasonCode   string          `json:"reason_code"`
	Note         string          `json:"note"`
	Notes        string          `json:"notes"`
	Outcome      string          `json:"outcome"`
	ResultCode   string          `json:"result_code"`
	HeldSeconds  int64           `json:"held_seconds"`
	Window       *wo.Window      `json:"window"`
	Appointment  *wo.Window      `json:"appointment"`
	Previous     *wo.Window      `json:"previous"`
	Rescheduled  bool            `json:"rescheduled"`
	Fee          *wo.Fee         `json:"fee"`
	SecondRepair string          `json:"second_repair"`
	Number       string          `json:"number"`
	ReopenedFrom string          `json:"reopened_from"`
	Changed      []string        `json:"changed"`
	Entitlement  *wo.Entitlement `json:"entitlement"`
}

// eventNames says each event type in words.
var eventNames = map[string]string{
	"WorkOrder.Created":            "Created",
	"WorkOrder.EntitlementDecided": "Entitlement decided",
	"WorkOrder.StatusChanged":      "Status changed",
	"WorkOrder.Held":               "Put on hold",
	"WorkOrder.Resumed":            "Resumed",
	"WorkOrder.RequestedWindowSet": "Requested window set",
	"WorkOrder.AppointmentSet":     "Appointment confirmed",
	"WorkOrder.Cancelled":          "Cancelled",
	"WorkOrder.NoShow":             "No-show",
	"WorkOrder.Completed":          "Completed",
	"WorkOrder.Closed":             "Closed",
	"WorkOrder.Reopened":           "Reopened as a second repair",
	"WorkOrder.Updated":            "Details updated",
}

// eventName says an event type in words: the work order's own by the
// table, the others' as area and change ("Job.NoBids" → "Job: no bids").
func eventName(typ string) string { return inWords(typ, eventNames, "WorkOrder") }

// inWords says an event or history type in words: by names, else as area
// and change ("Depot.StageCompleted" and "depot.stage_completed" both →
// "Depot: stage completed"), the area left out when it is own.
func inWords(typ string, names map[string]string, own string) string {
	if n, ok := names[typ]; ok {
		return n
	}
	area, change, ok := strings.Cut(typ, ".")
	if !ok {
		return words(typ)
	}
	change = strings.ToLower(strings.ReplaceAll(spaced(change), "_", " "))
	if area == own {
		return words(change)
	}
	return words(area) + ": " + change
}

// spaced puts a space before each capital after the first: "NoBids" →
// "No Bids".
func spaced(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func newTimelineRow(e event.Event, loc *time.Location) timelineRow {
	r := timelineRow{What: eventName(e.Type), Who: actorName(e.Actor), At: fmtTime(e.At, loc)}
	var d eventDetail
	_ = json.Unmarshal(e.Payload, &d) // an event that does not fit shows without details
	add := func(ok bool, format string, args ...any) {
		if ok {
			r.Details = append(r.Details, fmt.Sprintf(format, args...))
		}
	}
	add(d.From != "" && d.To != "", "%s → %s", words(string(d.From)), words(string(d.To)))
	if d.Rescheduled {
		r.What = "Appointment rescheduled"
	}
	// Arguments are evaluated before add looks at ok, so optional parts
	// go through helpers that take the pointer.
	add(d.Appointment != nil, "Slot: %s", windowText(d.Appointment, loc))
	add(d.Previous != nil, "Was: %s", windowText(d.Previous, loc))
	add(d.Window != nil, "Window: %s", windowText(d.Window, loc))
	add(d.ReasonCode != "", "Reason: %s", words(d.ReasonCode))
	add(d.Outcome != "", "Outcome: %s", d.Outcome)
	add(d.ResultCode != "", "Result: %s", words(d.ResultCode))
	add(d.HeldSeconds > 0, "Held for %s", (time.Duration(d.HeldSeconds) * time.Second).String())
	add(d.Fee != nil, "Fee: %s", feeText(d.Fee))
	add(len(d.Changed) > 0, "Changed: %s", strings.Join(d.Changed, ", "))
	if en := d.Entitlement; en != nil && e.Type == "WorkOrder.EntitlementDecided" {
		add(true, "%s, SLA tier %s", words(en.Coverage), en.SLATier)
	}
	add(d.Note != "", "Note: %s", d.Note)
	add(d.Notes != "", "Notes: %s", d.Notes)
	if d.SecondRepair != "" {
		r.Link = &woLink{ID: d.SecondRepair, Number: d.Number}
	}
	if d.ReopenedFrom != "" {
		r.Link = &woLink{ID: d.ReopenedFrom, Number: "the original"}
	}
	return r
}

func windowText(w *wo.Window, loc *time.Location) string {
	if w == nil {
		return ""
	}
	return fmtWindow(*w, loc)
}

func feeText(f *wo.Fee) string {
	if f == nil {
		return ""
	}
	return money(f.AmountCents, f.Currency)
}

// actorName is who acted; people outside the staff carry their kind, so a
// provider's system is not taken for a colleague.
func actorName(a event.Actor) string {
	switch {
	case a.Kind == event.ActorSystem:
		return "fieldhub"
	case a.Name == "":
		return a.Kind
	case a.Kind == event.ActorStaff:
		return a.Name
	}
	return a.Name + " (" + a.Kind + ")"
}
