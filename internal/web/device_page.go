package web

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/device"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/page"
)

// deviceRead are the staff who read devices, as the API has it.
var deviceRead = device.ReadRoles

// maxSerial is the longest serial the lookup takes, as the API's.
const maxSerial = 100

// deviceCaller is the device master's caller for a staff member who has
// passed the role check.
func deviceCaller(p *auth.Principal) device.Caller { return device.Caller{Actor: callerOf(p).Actor} }

// deviceView is everything the device page shows. Times are in UTC, as on
// the depot board: a device moves between providers and sites, so no one
// zone is its own, and every time carries the zone's name.
type deviceView struct {
	P          *auth.Principal
	D          *device.Device
	Parent     *deviceLink
	Components []deviceLink
	Attributes []attribute
	// Loan is the loan the device is out on now, if any.
	Loan    *device.Loan
	LoanWO  woLink
	History []historyRow
}

// deviceLink points at another device by its serial and model.
type deviceLink struct{ ID, Label string }

func linkOf(d *device.Device) deviceLink {
	return deviceLink{ID: d.ID, Label: strings.TrimSpace(d.Serial + " · " + d.Manufacturer + " " + d.Model)}
}

type attribute struct{ Name, Value string }

// historyRow is one line of a device's history as a person reads it.
type historyRow struct {
	Seq                         int64
	What, Summary, Who, At, Ref string
	WorkOrder                   *woLink
}

func (v deviceView) time(t time.Time) string { return fmtTime(t, time.UTC) }

func devicePath(id string) string { return "/devices/" + url.PathEscape(id) }

func (w *Web) deviceDetail(rw http.ResponseWriter, r *http.Request) {
	p := w.staffWith(rw, r, r.URL.RequestURI(), "get-device", deviceRead)
	if p == nil {
		return
	}
	v, err := w.device(r.Context(), p, r.PathValue("id"))
	if err != nil {
		w.renderProblem(rw, r, p, err)
		return
	}
	w.render(rw, r, http.StatusOK, devicePage(v))
}

// device loads a device with its parent, components, open loan and whole
// history, newest first.
func (w *Web) device(ctx context.Context, p *auth.Principal, id string) (deviceView, error) {
	c := deviceCaller(p)
	d, err := w.Devices.Get(ctx, c, id)
	if err != nil {
		return deviceView{}, err
	}
	v := deviceView{P: p, D: d}
	if d.ParentID != "" {
		v.Parent = &deviceLink{ID: d.ParentID, Label: d.ParentID}
		if parent, err := w.Devices.Get(ctx, c, d.ParentID); err == nil {
			*v.Parent = linkOf(parent)
		}
	}
	parts, err := w.Devices.Components(ctx, c, id)
	if err != nil {
		return deviceView{}, err
	}
	for _, part := range parts {
		v.Components = append(v.Components, linkOf(part))
	}
	for _, k := range slices.Sorted(maps.Keys(d.Attributes)) {
		v.Attributes = append(v.Attributes, attribute{Name: k, Value: d.Attributes[k]})
	}
	numbers := w.woNumbers(p)
	if d.Loan != nil && d.Loan.ReturnedAt == nil {
		v.Loan, v.LoanWO = d.Loan, numbers(ctx, d.Loan.WorkOrderID)
	}
	hist, err := w.wholeHistory(ctx, c, id)
	if err != nil {
		return deviceView{}, err
	}
	// Newest first: what happened last is what a person asks about.
	for _, h := range slices.Backward(hist) {
		row := historyRow{Seq: h.Seq, What: historyName(h.Type), Summary: h.Summary, At: v.time(h.At), Ref: h.Ref,
			Who: actorName(event.Actor{Kind: h.Actor.Kind, ID: h.Actor.ID, Name: h.Actor.Name})}
		if h.WorkOrderID != "" {
			link := numbers(ctx, h.WorkOrderID)
			row.WorkOrder = &link
		}
		v.History = append(v.History, row)
	}
	return v, nil
}

// wholeHistory reads every page of a device's history, oldest first.
func (w *Web) wholeHistory(ctx context.Context, c device.Caller, id string) ([]device.HistoryEntry, error) {
	var all []device.HistoryEntry
	f := device.HistoryFilter{Limit: page.MaxLimit}
	for {
		items, next, err := w.Devices.History(ctx, c, id, f)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == "" {
			return all, nil
		}
		f.Cursor = next
	}
}

// woNumbers names work orders by number, asking for each once; one that
// cannot be read shows as "work order", so the link is never lost.
func (w *Web) woNumbers(p *auth.Principal) func(ctx context.Context, id string) woLink {
	seen := map[string]string{}
	return func(ctx context.Context, id string) woLink {
		number, ok := seen[id]
		if !ok {
			number = "work order"
			if o, err := w.WorkOrders.Get(ctx, callerOf(p), id); err == nil {
				number = o.Number
			}
			seen[id] = number
		}
		return woLink{ID: id, Number: number}
	}
}

// historyNames says in words the device master's own history types that
// the general rule would say badly.
var historyNames = map[string]string{
	device.HistStatusChanged:  "Status changed",
	device.HistConfigChanged:  "Configuration changed",
	device.HistOwnerChanged:   "Owner changed",
	device.HistUpdated:        "Details changed",
	device.HistLot:            "Trade-in lot intake",
	device.HistFieldWork:      "Field work",
	device.HistLoanerAssigned: "Loaner: lent out",
}

// historyName says a history type in words: by the table, or as area and
// change ("custody.pickup" → "Custody: pickup").
func historyName(typ string) string { return inWords(typ, historyNames, "") }

// deviceSearchView is the lookup by serial and what it found.
type deviceSearchView struct {
	P       *auth.Principal
	Serial  string
	Devices []*device.Device
	Err     *pageError
}

// deviceSearch finds devices by serial: the one device found opens its
// page; several (one serial under different makers or models) are listed
// to choose from.
func (w *Web) deviceSearch(rw http.ResponseWriter, r *http.Request) {
	p := w.staffWith(rw, r, r.URL.RequestURI(), "list-devices", deviceRead)
	if p == nil {
		return
	}
	ctx := r.Context()
	v := deviceSearchView{P: p, Serial: strings.TrimSpace(r.URL.Query().Get("serial"))}
	if v.Serial == "" {
		w.render(rw, r, http.StatusOK, deviceSearchPage(v))
		return
	}
	var bad fault.Fields
	bad.Check(len(v.Serial) <= maxSerial, "serial", "is at most "+strconv.Itoa(maxSerial)+" characters")
	err := bad.Err()
	if err == nil {
		v.Devices, _, err = w.Devices.List(ctx, deviceCaller(p), device.Filter{Serial: v.Serial, Limit: page.MaxLimit})
	}
	if err != nil {
		var status int
		status, v.Err = w.problem(ctx, err)
		w.render(rw, r, status, deviceSearchPage(v))
		return
	}
	if len(v.Devices) == 1 {
		http.Redirect(rw, r, devicePath(v.Devices[0].ID), http.StatusSeeOther)
		return
	}
	w.render(rw, r, http.StatusOK, deviceSearchPage(v))
}

// ownerText is whose a device is: the company's own, or a customer's by name.
func ownerText(o device.Owner) string {
	if o.Kind == device.OwnerCompany || o.Name == "" {
		return words(o.Kind)
	}
	return o.Name + " (" + o.Kind + ")"
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

func overdueText(days int) string {
	if days == 1 {
		return "1 day overdue"
	}
	return strconv.Itoa(days) + " days overdue"
}
