package dispatch

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/page"
	"github.com/fieldhub/fieldhub/internal/workorder"
	"github.com/google/uuid"
)

// change is an event an action wants recorded once the job is saved.
type change struct {
	typ   string
	extra map[string]any
}

// fieldErr is a 422 naming one field.
func fieldErr(field, reason string) error {
	var f fault.Fields
	f.Add(field, reason)
	return f.Err()
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func jobNumber(n int64) string { return fmt.Sprintf("JOB-%06d", n) }

func notFound(id string) error { return fault.Errorf(fault.NotFound, "no job %q", id) }

// load reads a job the caller may see: staff any; a contractor one offered
// or awarded to them. Anything else is not found, so ids cannot be probed.
func (s *Service) load(ctx context.Context, q db.Querier, c Caller, id, suffix string) (*stored, error) {
	st, err := scanJob(q.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1`+suffix, id))
	if fault.Is(err, fault.NotFound) {
		return nil, notFound(id)
	}
	if err != nil || c.Staff {
		return st, err
	}
	if c.ContractorID == "" {
		return nil, notFound(id)
	}
	if st.ContractorID == c.ContractorID {
		return st, nil
	}
	var one int
	err = q.QueryRowContext(ctx, `SELECT 1 FROM job_offers WHERE job_id = $1 AND contractor_id = $2`, id, c.ContractorID).Scan(&one)
	if err != nil {
		if err == sql.ErrNoRows {
			return nil, notFound(id)
		}
		return nil, db.Translate(err)
	}
	return st, nil
}

// Get returns a job the caller may see.
func (s *Service) Get(ctx context.Context, c Caller, id string) (*Job, error) {
	st, err := s.load(ctx, s.store.Read, c, id, "")
	if err != nil {
		return nil, err
	}
	return st.Job, nil
}

// act loads the job for update, lets fn change it, saves it with a version
// guard and records fn's events, all in one transaction.
func (s *Service) act(ctx context.Context, c Caller, id string, fn func(tx *db.Tx, st *stored) ([]change, error)) (*Job, error) {
	var out *Job
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		st, err := s.actTx(ctx, tx, c, id, fn)
		if st != nil {
			out = st.Job
		}
		return err
	})
	return out, err
}

// errRepeat is what an idempotent action's fn returns when the job already
// carries the same request: actOnce then answers with the job as it is.
var errRepeat = errors.New("dispatch: the same request again")

// actOnce is act for idempotent actions (completing, rating): a repeat of
// the same request changes nothing and answers with the job as the first
// left it.
func (s *Service) actOnce(ctx context.Context, c Caller, id string, fn func(tx *db.Tx, st *stored) ([]change, error)) (*Job, error) {
	j, err := s.act(ctx, c, id, fn)
	if errors.Is(err, errRepeat) {
		return s.Get(ctx, c, id)
	}
	return j, err
}

func (s *Service) actTx(ctx context.Context, tx *db.Tx, c Caller, id string, fn func(tx *db.Tx, st *stored) ([]change, error)) (*stored, error) {
	st, err := s.load(ctx, tx, c, id, tx.ForUpdate())
	if err != nil {
		return nil, err
	}
	before := st.Status
	changes, err := fn(tx, st)
	if err != nil {
		return nil, err
	}
	if err := saveJob(ctx, tx, st); err != nil {
		return nil, err
	}
	for _, ch := range changes {
		if ch.extra == nil {
			ch.extra = map[string]any{}
		}
		if st.Status != before {
			ch.extra["from"] = before
		}
		if err := s.record(ctx, tx, c.Actor, st.Job, ch.typ, ch.extra); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// record writes one event about j on its work order's timeline. The payload
// names the job and its status; money and bids' prices stay out, because
// providers read the timeline.
func (s *Service) record(ctx context.Context, tx *db.Tx, a event.Actor, j *Job, typ string, extra map[string]any) error {
	payload := map[string]any{"job_id": j.ID, "job_number": j.Number, "kind": j.Kind, "status": j.Status, "mode": j.Mode}
	for k, v := range extra {
		payload[k] = v
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	_, err = s.events.Record(ctx, tx, event.Event{Type: typ, SubjectType: SubjectType, SubjectID: j.ID,
		ProviderID: j.providerID, WorkOrderID: j.WorkOrderID, Actor: a, Payload: raw})
	return err
}

// illegal is the 409 for a move the job's status forbids.
func illegal(j *Job, action string) error {
	names := []string{}
	for _, st := range j.Status.Allowed() {
		names = append(names, string(st))
	}
	msg := fmt.Sprintf("cannot %s a job that is %s", action, j.Status)
	if len(names) > 0 {
		msg += "; from " + string(j.Status) + " it may go to " + strings.Join(names, ", ")
	}
	return &fault.Error{Code: fault.Conflict, Message: msg, Detail: map[string]any{"status": j.Status, "allowed": names}}
}

func move(j *Job, to Status, action string) error {
	if !j.Status.CanMove(to) {
		return illegal(j, action)
	}
	j.Status = to
	return nil
}

func woCaller(c Caller) workorder.Caller { return workorder.Caller{Actor: c.Actor} }

// Create adds a job to an open work order, as a draft or posted at once.
// Site, customer contact and devices come from the work order.
func (s *Service) Create(ctx context.Context, c Caller, workOrderID string, d JobInput, post bool) (*Job, error) {
	if !c.Staff {
		return nil, fault.Errorf(fault.NotFound, "no work order %q", workOrderID)
	}
	if err := d.validate(); err != nil {
		return nil, err
	}
	var out *Job
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		w, err := s.workOrders.GetTx(ctx, tx, woCaller(c), workOrderID)
		if err != nil {
			return err
		}
		if !w.Status.Open() {
			return fault.Errorf(fault.Conflict, "work order %s is %s; jobs are added to open work orders only", w.Number, w.Status)
		}
		st, err := s.newJob(ctx, tx, w, d)
		if err != nil {
			return err
		}
		if err := insertJob(ctx, tx, st); err != nil {
			return err
		}
		if err := s.record(ctx, tx, c.Actor, st.Job, "Job.Created", nil); err != nil {
			return err
		}
		if post {
			if st, err = s.actTx(ctx, tx, c, st.ID, func(tx *db.Tx, st *stored) ([]change, error) { return s.postTx(ctx, tx, st) }); err != nil {
				return err
			}
		}
		out = st.Job
		return nil
	})
	return out, err
}

func (s *Service) newJob(ctx context.Context, tx *db.Tx, w *workorder.WorkOrder, d JobInput) (*stored, error) {
	n, err := db.NextNumber(ctx, tx, "job_number")
	if err != nil {
		return nil, err
	}
	j := &Job{ID: newID(), Number: jobNumber(n), WorkOrderID: w.ID, Provider: w.Provider,
		providerID: w.ProviderID(), ServiceType: w.ServiceType, Status: Draft, Version: 1, CreatedAt: tx.Now, UpdatedAt: tx.Now,
		Site:    JobSite{w.Site.Line1, w.Site.Line2, w.Site.City, w.Site.State, w.Site.ZIP},
		Contact: JobContact{w.Customer.Name, w.Customer.Phone, w.Customer.Email}, Devices: []JobDevice{}}
	for _, dv := range w.Devices {
		j.Devices = append(j.Devices, JobDevice{Model: dv.Model, Serial: dv.Serial})
	}
	if err := s.applyDraftTx(ctx, tx, j, d); err != nil {
		return nil, err
	}
	return &stored{Job: j}, nil
}

// applyDraftTx gives j the draft's details; a radius left out comes from
// the dispatch rule for the job's provider and service type.
func (s *Service) applyDraftTx(ctx context.Context, tx *db.Tx, j *Job, d JobInput) error {
	j.Kind, j.Mode, j.Window, j.Trade, j.Pool, j.Instructions = d.Kind, d.Mode, d.Window, d.Trade, d.Pool, d.Instructions
	j.Skills, j.Certifications = nonNil(d.Skills), nonNil(d.Certifications)
	j.Checklist, j.BudgetCents, j.Currency, j.RadiusMiles = newChecklist(d.Checklist), d.BudgetCents, d.Currency, d.RadiusMiles
	j.BidDeadline = d.BidDeadline
	if j.RadiusMiles != 0 {
		return nil
	}
	r, err := s.ruleTx(ctx, tx, j.providerID, j.ServiceType)
	j.RadiusMiles = r.RadiusMiles
	return err
}

// Update replaces a draft job's details. ifVersion, when set, must match.
func (s *Service) Update(ctx context.Context, c Caller, id string, d JobInput, ifVersion *int64) (*Job, error) {
	if err := d.validate(); err != nil {
		return nil, err
	}
	return s.act(ctx, c, id, func(tx *db.Tx, st *stored) ([]change, error) {
		if ifVersion != nil && *ifVersion != st.Version {
			return nil, &fault.Error{Code: fault.Stale, Message: "the job has changed since you read it",
				Detail: map[string]any{"current_version": st.Version}}
		}
		if st.Status != Draft {
			return nil, fault.Errorf(fault.Conflict, "only a draft job can be changed; this one is %s", st.Status)
		}
		return []change{{"Job.Updated", nil}}, s.applyDraftTx(ctx, tx, st.Job, d)
	})
}

// Filter selects jobs for a list.
type Filter struct {
	WorkOrderID  string
	Statuses     []Status
	ContractorID string
	Mode         string
	Cursor       string
	Limit        int
}

// List returns jobs newest first: staff all that match; a contractor only
// those offered or awarded to them.
func (s *Service) List(ctx context.Context, c Caller, f Filter) ([]*Job, string, error) {
	var after string
	if _, err := page.Decode(f.Cursor, &after); err != nil {
		return nil, "", err
	}
	limit := page.Limit(f.Limit)
	var where db.Where
	if !c.Staff {
		if c.ContractorID == "" {
			return []*Job{}, "", nil
		}
		where.Add("(contractor_id = ? OR id IN (SELECT job_id FROM job_offers WHERE contractor_id = ?))", c.ContractorID, c.ContractorID)
	}
	if f.WorkOrderID != "" {
		where.Add("work_order_id = ?", f.WorkOrderID)
	}
	if f.ContractorID != "" {
		where.Add("contractor_id = ?", f.ContractorID)
	}
	if f.Mode != "" {
		where.Add("mode = ?", f.Mode)
	}
	if len(f.Statuses) > 0 {
		args := make([]any, len(f.Statuses))
		for i, st := range f.Statuses {
			args[i] = string(st)
		}
		where.In("status", args...)
	}
	if after != "" {
		where.Add("id < ?", after)
	}
	where.Args = append(where.Args, limit+1)
	rows, err := s.store.Read.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs`+where.SQL()+
		" ORDER BY id DESC LIMIT $"+strconv.Itoa(len(where.Args)), where.Args...)
	out, err := db.Collect(rows, err, func(r *sql.Rows) (*Job, error) {
		st, err := scanJob(r)
		if err != nil {
			return nil, err
		}
		return st.Job, nil
	})
	if err != nil {
		return nil, "", err
	}
	out, next := page.Cut(out, limit, func(j *Job) any { return j.ID })
	return out, next, nil
}
