package dispatch

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/queue"
	"github.com/fieldhub/fieldhub/internal/workorder"
	"github.com/riverqueue/river"
)

const (
	opPush   = "push"
	opCancel = "cancel"
)

// PlatformJobKind is the queue kind of platform pushes and cancels, as it
// shows in the dead letters.
const PlatformJobKind = "dispatch.platform"

type platformArgs struct {
	JobID      string `json:"job_id"`
	Op         string `json:"op"`
	Platform   string `json:"platform"`
	ExternalID string `json:"external_id,omitempty"` // the posting to cancel (op cancel)
	// Previous is, on a re-push, the posting it replaces: the push cancels
	// it first, so the platform never finds it again as this job's live
	// posting and no separate cancel can void the new one.
	Previous string `json:"previous,omitempty"`
	Series   int64  `json:"series"` // the job's version when queued, so re-pushes are new jobs
}

func (platformArgs) Kind() string { return PlatformJobKind }

// requestPushTx routes a field-platform job by its rule and queues the push
// in the posting transaction.
func (s *Service) requestPushTx(ctx context.Context, tx *db.Tx, j *Job, rule Rule) ([]change, error) {
	if rule.Platform == "" || s.Platform(rule.Platform) == nil {
		return nil, fault.Errorf(fault.Conflict, "no field platform is routed for %s %s; set a dispatch rule", j.Provider, j.ServiceType)
	}
	j.Platform = rule.Platform
	if j.Pool == "" {
		j.Pool = rule.Pool
	}
	return []change{{"Job.PushRequested", map[string]any{"platform": j.Platform, "pool": j.Pool, "radius_miles": j.RadiusMiles}}},
		s.queuePlatform(ctx, tx, j, opPush)
}

// repushTx asks for the job on the platform again (wider radius, another
// pool). One queued push first cancels the old posting there, then pushes:
// in that order, the platform cannot hand back the old posting as the new.
func (s *Service) repushTx(ctx context.Context, tx *db.Tx, j *Job) ([]change, error) {
	prev := j.ExternalID
	j.ExternalID = ""
	return []change{{"Job.PushRequested", map[string]any{"platform": j.Platform, "pool": j.Pool, "radius_miles": j.RadiusMiles,
			"replaces": prev}}},
		s.insertPlatform(ctx, tx, platformArgs{JobID: j.ID, Op: opPush, Platform: j.Platform, Previous: prev, Series: j.Version})
}

func (s *Service) queuePlatform(ctx context.Context, tx *db.Tx, j *Job, op string) error {
	return s.insertPlatform(ctx, tx, platformArgs{JobID: j.ID, Op: op, Platform: j.Platform, ExternalID: j.ExternalID, Series: j.Version})
}

func (s *Service) insertPlatform(ctx context.Context, tx *db.Tx, a platformArgs) error {
	if s.queue == nil {
		return fault.Errorf(fault.Internal, "dispatch has no queue")
	}
	return s.queue.Insert(ctx, tx, a, &river.InsertOpts{MaxAttempts: 12, UniqueOpts: river.UniqueOpts{ByArgs: true}})
}

type platformWorker struct {
	river.WorkerDefaults[platformArgs]
	s *Service
}

// Work pushes or cancels one job on its platform. An outage is retried
// with River's backoff and becomes a dead letter after its attempts; a
// refusal no retry can cure (bad credentials, a posting the platform will
// not take) is a dead letter at once.
func (w *platformWorker) Work(ctx context.Context, job *river.Job[platformArgs]) error {
	return queue.Outside(w.work(ctx, job.Args))
}

func (w *platformWorker) work(ctx context.Context, a platformArgs) error {
	s := w.s
	p := s.Platform(a.Platform)
	if p == nil {
		return fmt.Errorf("no platform %q in this instance", a.Platform)
	}
	if a.Op == opCancel {
		return gone(p.Cancel(ctx, a.ExternalID, "withdrawn by fieldhub"))
	}
	if a.Previous != "" {
		// Cancelled even when the job has moved on meanwhile: nothing else
		// knows the old posting any more.
		if err := gone(p.Cancel(ctx, a.Previous, "re-posted by fieldhub")); err != nil {
			return err
		}
	}
	sys := Caller{Actor: event.Actor{Kind: event.ActorSystem, ID: a.Platform}, Staff: true}
	j, err := s.Get(ctx, sys, a.JobID)
	if fault.Is(err, fault.NotFound) {
		return nil // the job is gone: nothing to push
	}
	if err != nil || j.Status != Posted || j.ExternalID != "" {
		return err // moved on or already pushed: nothing to do
	}
	ext, err := p.Push(ctx, platformJob(j))
	if err != nil {
		return err
	}
	_, err = s.act(ctx, sys, a.JobID, func(tx *db.Tx, st *stored) ([]change, error) {
		if st.ExternalID == ext {
			return nil, nil
		}
		if st.ExternalID != "" || st.Status != Posted {
			// Pushed twice, or the job moved on while the push was out: the
			// new posting must not stay live on the platform.
			return nil, s.insertPlatform(ctx, tx, platformArgs{JobID: st.ID, Op: opCancel, Platform: a.Platform, ExternalID: ext, Series: st.Version})
		}
		st.ExternalID = ext
		return []change{{"Job.Pushed", map[string]any{"platform": a.Platform, "external_id": ext}}}, nil
	})
	return err
}

// gone treats a posting the platform no longer has as cancelled: that is
// what the cancel wanted.
func gone(err error) error {
	if fault.Is(err, fault.NotFound) {
		return nil
	}
	return err
}

func platformJob(j *Job) PlatformJob {
	return PlatformJob{JobID: j.ID, Number: j.Number, Title: jobTitle(j), Description: j.Instructions,
		Instructions: j.Instructions, Kind: j.Kind, Site: PlatformSite{Line1: j.Site.Line1, Line2: j.Site.Line2, City: j.Site.City,
			State: j.Site.State, ZIP: j.Site.ZIP}, Window: j.Window, BudgetCents: j.BudgetCents, Currency: j.Currency,
		Skills: j.Skills, Pool: j.Pool, RadiusMiles: j.RadiusMiles}
}

// jobTitle says what the job is, for people browsing a platform: the kind,
// the unit and the town ("Repair: GentleMax Pro at Dallas, TX"). Platforms
// put the job number in front themselves.
func jobTitle(j *Job) string {
	t := strings.ReplaceAll(j.Kind, "_", " ")
	if t != "" {
		t = strings.ToUpper(t[:1]) + t[1:]
	}
	if len(j.Devices) > 0 && j.Devices[0].Model != "" {
		t += ": " + j.Devices[0].Model
	}
	if place := strings.Trim(j.Site.City+", "+j.Site.State, ", "); place != "" {
		t += " at " + place
	}
	return t
}

// RegisterWorkers adds the platform push/cancel worker. Call before the queue opens.
func (s *Service) RegisterWorkers(q *queue.Queue) {
	s.queue = q
	queue.AddWorker(q, &platformWorker{s: s})
}

// ApplyPlatformUpdate applies what a platform says happened to one of its
// jobs. It is idempotent by u.EventID: a repeat changes nothing.
func (s *Service) ApplyPlatformUpdate(ctx context.Context, platform string, u PlatformUpdate) error {
	var f fault.Fields
	f.Check(u.EventID != "", "event_id", "is required")
	f.Check(u.ExternalID != "", "external_id", "is required")
	if err := f.Err(); err != nil {
		return err
	}
	// The platform is the actor, not its technician: actors reach providers'
	// timelines and webhooks, and who does the work stays with staff (the
	// job's technician, and Job.Awarded's "technician", which providers
	// never see).
	sys := Caller{Actor: event.Actor{Kind: event.ActorSystem, ID: platform}, Staff: true}
	return s.store.InTx(ctx, func(tx *db.Tx) error {
		if first, err := seenTx(ctx, tx, "platform:"+platform+":"+u.EventID, tx.Now); err != nil || !first {
			return err
		}
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM jobs WHERE platform = $1 AND external_id = $2`, platform, u.ExternalID).Scan(&id)
		if err == sql.ErrNoRows {
			return fault.Errorf(fault.NotFound, "no job on %s with id %q", platform, u.ExternalID)
		}
		if err != nil {
			return db.Translate(err)
		}
		_, err = s.actTx(ctx, tx, sys, id, func(tx *db.Tx, st *stored) ([]change, error) { return s.platformTx(ctx, tx, sys, st, u) })
		return err
	})
}

var platformStatus = map[string]Status{PlatformScheduled: Scheduled, PlatformEnRoute: EnRoute, PlatformOnSite: OnSite,
	PlatformCompleted: Completed, PlatformIncomplete: Incomplete}

func (s *Service) platformTx(ctx context.Context, tx *db.Tx, c Caller, st *stored, u PlatformUpdate) ([]change, error) {
	var changes []change
	if u.State == PlatformCancelled || u.State == PlatformDeclined {
		if !st.Status.Open() || st.Status == EnRoute || st.Status == OnSite {
			return nil, nil
		}
		if err := s.unassignTx(ctx, tx, c, st); err != nil {
			return nil, err
		}
		now := tx.Now
		st.BidDeadline = &now
		more, err := s.noBidTx(ctx, tx, c, st)
		return append([]change{{"Job.PlatformDeclined", map[string]any{"platform": st.Platform, "reason": u.Reason}}}, more...), err
	}
	if st.Status == Posted && u.State != PlatformSent {
		tech := u.Technician
		st.Technician = &tech
		ch, err := s.giveTx(ctx, tx, c, st, "")
		if err != nil {
			return nil, err
		}
		changes = append(append(changes, change{"Job.Awarded", map[string]any{"platform": st.Platform, "technician": tech.Name}}), ch...)
	}
	to, ok := platformStatus[u.State]
	if !ok || st.Status == to || !st.Status.CanMove(to) {
		return changes, nil // accepted, sent, or old news
	}
	switch to {
	case Scheduled:
		st.Appointment = u.Appointment
		return append(changes, change{"Job.Scheduled", map[string]any{"appointment": u.Appointment}}), move(st.Job, to, "")
	case EnRoute:
		at := updateTime(tx, u)
		st.Times.EnRouteAt = &at
		return append(changes, change{"Job.EnRoute", nil}), move(st.Job, to, "")
	case OnSite:
		at := updateTime(tx, u) // on-time reliability is judged by when the technician arrived, not when we heard
		st.Times.OnSiteAt = &at
		if _, _, err := s.workOrders.AdvanceTx(ctx, tx, woCaller(c), st.WorkOrderID, workorder.InProgress, "", nil); err != nil {
			return nil, err
		}
		return append(changes, change{"Job.OnSite", nil}), move(st.Job, to, "")
	case Completed:
		code := u.ResultCode
		if code == "" {
			code = "other"
		}
		more, err := s.completeTx(ctx, tx, c, st, JobCompletion{ResultCode: code, Notes: u.Notes, PartsUsed: nonNilParts(u.PartsUsed),
			PartsUnused: []PartUse{}, ReturnTracking: u.ReturnTracking, UnitCondition: u.UnitCondition})
		return append(changes, more...), err
	}
	more, err := s.incompleteTx(ctx, tx, c, st, platformFailure(u))
	return append(changes, more...), err
}

// platformFailure is a platform's incomplete report as a job's: the reason
// is one of IncompleteReasons, as from any other channel, because
// providers read it; a platform's own words for it (the worker's
// resolution) go to the notes, which stay with staff.
func platformFailure(u PlatformUpdate) IncompleteInput {
	in := IncompleteInput{Reason: u.Reason, NextStep: "escalate", Notes: u.Notes}
	if !slices.Contains(IncompleteReasons, in.Reason) {
		if in.Notes == "" {
			in.Notes = in.Reason
		}
		in.Reason = "cannot_complete"
	}
	return in
}

// updateTime is when an update happened: the platform's time when it
// gives one, else now.
func updateTime(tx *db.Tx, u PlatformUpdate) time.Time {
	if u.At.IsZero() {
		return tx.Now
	}
	return u.At.UTC()
}
