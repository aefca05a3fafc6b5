package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/depot"
	"github.com/fieldhub/fieldhub/internal/event"
)

// depotWrite are the staff who do the depot's stage work, as the API has
// it: the depot's own technicians (admins pass).
var depotWrite = depot.WorkRoles

// The ticket page's forms, as a refusal names them.
const (
	completeForm = "complete"
	itemsForm    = "items-received"
)

// ticketView is everything the ticket page shows. Times are in UTC, as on
// the depot board: the work happens at the depot, not at the provider's
// sites, and every time carries the zone's name.
type ticketView struct {
	P *auth.Principal
	T *depot.Ticket
	// CanWork says whether the viewer does stage work: the forms show only
	// to them, and only those the ticket's status allows.
	CanWork bool
	Done    string
	// refusal is a refused form, shown again as it was filled in.
	refusal
}

func (v ticketView) time(t time.Time) string { return fmtTime(t, time.UTC) }

// canComplete says whether the current stage can be completed now: the
// ticket is neither on hold for items nor past its last stage.
func (v ticketView) canComplete() bool { return v.CanWork && v.T.Status == depot.Open }

func (v ticketView) canReceiveItems() bool { return v.CanWork && v.T.Status == depot.OnHold }

func (v ticketView) atQA() bool { return v.T.Stage == depot.StageQA }

func (v ticketView) completeURL() string {
	return ticketPath(v.T.ID) + "/stages/" + url.PathEscape(v.T.Stage) + "/complete"
}

// posted says whether a refused form had value among a repeated field's
// (the items that arrived).
func (v ticketView) posted(form, field, value string) bool {
	return v.open(form) && slices.Contains(v.Posted[field], value)
}

func (v ticketView) itemsURL() string { return ticketPath(v.T.ID) + "/items-received" }

func ticketPath(id string) string { return "/depot/tickets/" + url.PathEscape(id) }

// stageName is a stage as people write it: "QA", "Diagnostic".
func stageName(stage string) string {
	if stage == depot.StageQA {
		return "QA"
	}
	return words(stage)
}

func (w *Web) ticketDetail(rw http.ResponseWriter, r *http.Request) {
	p := w.staffWith(rw, r, r.URL.RequestURI(), "get-depot-ticket", depotRead)
	if p == nil {
		return
	}
	t, err := w.Depot.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		w.renderProblem(rw, r, p, err)
		return
	}
	v := ticketView{P: p, T: t, CanWork: p.HasRole(depotWrite...)}
	v.Done = ticketDone(r.URL.Query().Get("done"), t)
	w.render(rw, r, http.StatusOK, ticketPage(v))
}

// completeStage records the work of a ticket's current stage from the
// ticket page's form. The stage is in the address, as in the API, so a form
// left open while someone else moved the ticket on is refused rather than
// completing the next stage; the version read with the page guards the
// rest. Success goes back to the ticket page (303, so a reload does not
// post again); a refusal shows the ticket as it now stands with the
// service's reason beside the form as it was filled in.
func (w *Web) completeStage(rw http.ResponseWriter, r *http.Request) {
	id, stage := r.PathValue("id"), r.PathValue("stage")
	p := w.staffWith(rw, r, ticketPath(id), "complete-depot-stage", depotWrite)
	if p == nil {
		return
	}
	form, err := readForm(rw, r, 64<<10)
	if err == nil {
		f := &actionForm{v: form}
		work, version := stageWork(f), f.version()
		if err = f.err(); err == nil {
			_, err = w.Depot.CompleteStage(r.Context(), callerOf(p).Actor, id, stage, work, version)
		}
	}
	if err == nil {
		http.Redirect(rw, r, ticketPath(id)+"?done="+url.QueryEscape(stage), http.StatusSeeOther)
		return
	}
	w.refuseTicket(rw, r, p, id, completeForm, err)
}

// itemsReceived records missing package items that arrived, from the
// ticket page's form, the way completeStage records stage work.
func (w *Web) itemsReceived(rw http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	p := w.staffWith(rw, r, ticketPath(id), "items-received-depot-ticket", depotWrite)
	if p == nil {
		return
	}
	form, err := readForm(rw, r, 16<<10)
	if err == nil {
		f := &actionForm{v: form}
		notes, version := f.text("notes", 4000), f.version()
		if err = f.err(); err == nil {
			_, err = w.Depot.ItemsReceived(r.Context(), callerOf(p).Actor, id, form["items"], notes, version)
		}
	}
	if err == nil {
		http.Redirect(rw, r, ticketPath(id)+"?done="+itemsForm, http.StatusSeeOther)
		return
	}
	w.refuseTicket(rw, r, p, id, itemsForm, err)
}

// refuseTicket answers a refused form with the ticket page as the ticket
// now stands, the reason beside the form and the form as it was filled in,
// under the refusal's status. When the ticket itself is the trouble (not
// found, say), that is what is shown.
func (w *Web) refuseTicket(rw http.ResponseWriter, r *http.Request, p *auth.Principal, id, form string, err error) {
	w.refuse(rw, r, p, form, err, func(f refusal, _ int) (templ.Component, error) {
		t, err := w.Depot.Get(r.Context(), id)
		return ticketPage(ticketView{P: p, T: t, CanWork: p.HasRole(depotWrite...), refusal: f}), err
	})
}

// ticketDone is the note for ?done= on the ticket page: what was just
// done, said only while the log's last line still says it.
func ticketDone(done string, t *depot.Ticket) string {
	if done == "" || len(t.Log) == 0 {
		return ""
	}
	last := t.Log[len(t.Log)-1]
	switch {
	case done == itemsForm && last.Outcome == "items_received" && t.Status == depot.OnHold:
		return "Items received; still missing: " + strings.Join(t.Missing, ", ") + "."
	case done == itemsForm && last.Outcome == "items_received":
		return "Items received; the ticket is back at work."
	case done != last.Stage:
		return ""
	case last.Outcome == "failed":
		return "QA failed; the ticket is back at " + stageName(last.To) + "."
	case last.Outcome == "passed":
		return "QA passed; the ticket is now at " + stageName(last.To) + "."
	case last.Outcome == "completed" && last.To == depot.StageReady:
		return stageName(last.Stage) + " completed; the ticket is ready."
	case last.Outcome == "completed":
		return stageName(last.Stage) + " completed; the ticket is now at " + stageName(last.To) + "."
	}
	return ""
}

// stageWork reads the complete-a-stage form: notes, photos one reference a
// line, parts as "SKU x qty" lines, measured values as "name value unit"
// lines, and at QA whether the unit passed and why not. What the form
// cannot read is reported field by field; the rest is the service's to
// judge.
func stageWork(f *actionForm) depot.StageWork {
	work := depot.StageWork{Notes: f.text("notes", 4000), Reason: f.text("reason", 2000), Photos: lines(f.v.Get("photos"))}
	for _, l := range numbered(f.v.Get("parts")) {
		p, ok := partLine(l.text)
		if !ok {
			f.bad.Add("parts", fmt.Sprintf("line %d: write SKU x quantity, e.g. HP-100 x 2", l.n))
			continue
		}
		work.Parts = append(work.Parts, p)
	}
	for _, l := range numbered(f.v.Get("measurements")) {
		m, ok := measurementLine(l.text)
		if !ok {
			f.bad.Add("measurements", fmt.Sprintf("line %d: write name value unit, e.g. output_power 49.8 W", l.n))
			continue
		}
		work.Measurements = append(work.Measurements, m)
	}
	switch f.v.Get("passed") {
	case "":
	case "true", "false":
		passed := f.v.Get("passed") == "true"
		work.Passed = &passed
	default:
		f.bad.Add("passed", "choose passed or failed")
	}
	return work
}

// version reads the ticket version the form was filled in against; a
// ticket that changed since is refused by the service (nothing changes).
func (f *actionForm) version() *int64 {
	s := strings.TrimSpace(f.v.Get("version"))
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f.bad.Add("version", "must be a whole number")
		return nil
	}
	return &n
}

// line is one non-blank line of a text area, trimmed, with its number as
// a person counts lines, so a refusal can point at it.
type line struct {
	n    int
	text string
}

func numbered(s string) []line {
	var out []line
	n := 0
	for l := range strings.Lines(s) {
		n++
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, line{n, l})
		}
	}
	return out
}

// lines are a text area's non-blank lines, trimmed.
func lines(s string) []string {
	var out []string
	for _, l := range numbered(s) {
		out = append(out, l.text)
	}
	return out
}

var partRE = regexp.MustCompile(`^(\S+)\s+[xX×]\s*(\d{1,9})$`)

// partLine reads "HP-100 x 2".
func partLine(line string) (depot.PartUsed, bool) {
	m := partRE.FindStringSubmatch(line)
	if m == nil {
		return depot.PartUsed{}, false
	}
	qty, _ := strconv.Atoi(m[2])
	return depot.PartUsed{SKU: m[1], Quantity: qty}, true
}

// measurementLine reads "name value unit" or "name value"; the name may
// have spaces ("battery capacity 98.5 %").
func measurementLine(s string) (depot.MeasuredValue, bool) {
	f := strings.Fields(s)
	// The value is the last word, or the one before the unit.
	for at := len(f) - 1; at >= max(1, len(f)-2); at-- {
		if v, err := strconv.ParseFloat(f[at], 64); err == nil {
			return depot.MeasuredValue{Name: strings.Join(f[:at], " "), Value: v, Unit: strings.Join(f[at+1:], "")}, true
		}
	}
	return depot.MeasuredValue{}, false
}

// measurements are measured values as the log shows them:
// "output_power 49.8 W, cycles 1200".
func measurements(list []depot.MeasuredValue) string {
	out := make([]string, len(list))
	for i, m := range list {
		out[i] = strings.TrimSpace(m.Name + " " + strconv.FormatFloat(m.Value, 'f', -1, 64) + " " + m.Unit)
	}
	return strings.Join(out, ", ")
}

// sep is what goes before the i-th item of a list on one line.
func sep(i int) string {
	if i == 0 {
		return ""
	}
	return ", "
}

// logWhat is a log line's headline: the stage and what happened at it.
func logWhat(e depot.LogEntry) string {
	what := stageName(e.Stage) + ": " + strings.ToLower(words(e.Outcome))
	if e.To != "" && e.To != e.Stage {
		what += " → " + stageName(e.To)
	}
	return what
}

// stageDone says whether a stage of the ticket's template lies behind it.
func stageDone(t *depot.Ticket, stage string) bool {
	return t.Status.Closed() || slices.Index(t.Stages, stage) < slices.Index(t.Stages, t.Stage)
}

// ticketWho is who made a log line, as the work order timeline names actors.
func ticketWho(a depot.LogActor) string {
	return actorName(event.Actor{Kind: a.Kind, ID: a.ID, Name: a.Name})
}
