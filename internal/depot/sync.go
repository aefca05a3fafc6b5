package depot

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/queue"
)

// TrackerSubscriber is the name of the subscriber that mirrors tickets in
// the issue tracker; failed deliveries show under it in the dead letters.
const TrackerSubscriber = "depot.tracker"

// TrackerAttempts is how often a tracker call is tried before its delivery
// becomes a dead letter.
const TrackerAttempts = 8

// The events that change what the tracker shows.
var trackerEvents = []string{EventTicketOpened, EventStageCompleted, EventDiagnosticComplete, EventQAPassed, EventQAFailed,
	EventReadyToShip, EventReleasedForResale, EventTrackerMoveIgnored}

// subscribe registers the tracker sync; with no tracker set, the predicate
// queues nothing.
func (s *Service) subscribe() {
	s.events.Subscribe(TrackerSubscriber, trackerEvents, s.syncTracker, event.MaxAttempts(TrackerAttempts),
		event.When(func(context.Context, *db.Tx, event.Event) (bool, error) { return s.Tracker() != nil, nil }))
}

// syncTracker mirrors one event: the issue is made when missing (the
// tracker finds an existing one by ticket id, so a retry never makes two),
// moved to the ticket's current stage on a stage change, and commented on
// milestones. It reads the ticket as it is now, so deliveries that arrive
// out of order still leave the issue at the right status.
//
// A refusal no retry can cure (bad credentials, a request the tracker will
// not take) makes the delivery a dead letter at once, to be replayed once
// the cause is fixed; an outage is retried with back-off.
func (s *Service) syncTracker(ctx context.Context, e event.Event) error {
	return queue.Outside(s.syncTrackerOnce(ctx, e))
}

func (s *Service) syncTrackerOnce(ctx context.Context, e event.Event) error {
	tr := s.Tracker()
	if tr == nil {
		return nil
	}
	t, err := load(ctx, s.store.Read, e.SubjectID, "")
	if fault.Is(err, fault.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	key, err := s.ensureIssue(ctx, tr, t)
	if err != nil {
		return err
	}
	switch e.Type {
	case EventTicketOpened:
		return nil
	case EventStageCompleted, EventTrackerMoveIgnored:
		return tr.Transition(ctx, key, title(t.Stage))
	}
	return tr.Comment(ctx, key, milestoneText(e, t))
}

func milestoneText(e event.Event, t *Ticket) string {
	var p struct {
		Reason string `json:"reason"`
		To     string `json:"to"`
	}
	_ = json.Unmarshal(e.Payload, &p)
	who := e.Actor.Name
	if who == "" {
		who = e.Actor.Kind
	}
	switch e.Type {
	case EventDiagnosticComplete:
		return fmt.Sprintf("%s: diagnostic complete (%s).", t.Number, who)
	case EventQAPassed:
		return fmt.Sprintf("%s: QA passed (%s).", t.Number, who)
	case EventQAFailed:
		return fmt.Sprintf("%s: QA failed (%s): %s. Back to %s.", t.Number, who, p.Reason, p.To)
	case EventReadyToShip:
		return fmt.Sprintf("%s: ready to ship (%s).", t.Number, who)
	case EventReleasedForResale:
		return fmt.Sprintf("%s: released for resale (%s).", t.Number, who)
	}
	return t.Number + ": " + e.Type
}

// ensureIssue returns the ticket's issue key, creating the issue first when
// the ticket has none yet.
func (s *Service) ensureIssue(ctx context.Context, tr Tracker, t *Ticket) (string, error) {
	if t.IssueKey != "" {
		return t.IssueKey, nil
	}
	key, err := tr.CreateIssue(ctx, TrackerTicket{TicketID: t.ID, Number: t.Number,
		Summary:      fmt.Sprintf("%s %s %s (%s)", t.Number, t.Model, t.Serial, t.Template),
		Description:  fmt.Sprintf("Depot ticket %s for work order %s: %s %s, serial %s. Stages: %s.", t.Number, t.WorkOrderNumber, t.Manufacturer, t.Model, t.Serial, strings.Join(t.Stages, " → ")),
		DeviceSerial: t.Serial, DeviceModel: t.Model, WorkOrder: t.WorkOrderNumber, Stage: title(t.Stage)})
	if err != nil {
		return "", err
	}
	err = s.store.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE depot_tickets SET issue_key = $1 WHERE id = $2 AND issue_key = ''`, key, t.ID)
		if err != nil {
			return db.Translate(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // linked by a delivery running beside this one
		}
		t.IssueKey = key
		return s.record(ctx, tx, event.System, t, EventIssueLinked, map[string]any{"tracker": tr.Name(), "issue_key": key})
	})
	return key, err
}

// ApplyTrackerUpdate applies one change made in the tracker, once per
// EventID. A move of the issue to the next stage's status completes the
// current stage (from qa: to the stage after qa passes it, to the rework
// stage fails it); any other move is noted on the ticket and the issue is
// moved back. A comment becomes a note. The tracker's user is the actor.
// Updates about issues no ticket has are ignored.
func (s *Service) ApplyTrackerUpdate(ctx context.Context, u TrackerUpdate) error {
	tr := s.Tracker()
	if tr == nil {
		return fault.Errorf(fault.NotFound, "no issue tracker is configured")
	}
	if u.EventID == "" || u.IssueKey == "" {
		return fault.Errorf(fault.Invalid, "a tracker update needs an event id and an issue key")
	}
	by := event.Actor{Kind: event.ActorSystem, ID: tr.Name(), Name: u.Author}
	if by.Name == "" {
		by.Name = tr.Name()
	}
	return s.store.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO depot_tracker_updates (tracker, event_id, at) VALUES ($1, $2, $3)
			ON CONFLICT (tracker, event_id) DO NOTHING`, tr.Name(), u.EventID, db.T(tx.Now))
		if err != nil {
			return db.Translate(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // applied before
		}
		t, err := scan(tx.QueryRowContext(ctx, `SELECT `+columns+` FROM depot_tickets WHERE issue_key = $1`+tx.ForUpdate(), u.IssueKey))
		if fault.Is(err, fault.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if u.Comment != "" {
			if err := s.noteTx(ctx, tx, by, t, u.Comment, tr.Name()); err != nil {
				return err
			}
		}
		if u.ToStatus == "" {
			return nil
		}
		return s.trackerMove(ctx, tx, by, t, u.ToStatus)
	})
}

// trackerMove completes the current stage when the tracker moved the issue
// to where that leads; anything else is recorded and undone in the tracker.
func (s *Service) trackerMove(ctx context.Context, tx *db.Tx, by event.Actor, t *Ticket, toStatus string) error {
	to := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(toStatus)), " ", "_")
	if to == t.Stage {
		return nil // our own transition coming back
	}
	var c StageWork
	if i := slices.Index(t.Stages, t.Stage); i >= 0 && i+1 < len(t.Stages) && t.Stages[i+1] == to {
		if t.Stage == StageQA {
			passed := true
			c.Passed = &passed
		}
	} else if t.Stage == StageQA && to == t.Rework {
		failed := false
		c.Passed, c.Reason = &failed, "failed in "+by.ID+" by "+by.Name
	} else {
		return s.ignoreMove(ctx, tx, by, t, toStatus, fmt.Sprintf("ticket is at %s; the tracker may only move it to the next stage", t.Stage))
	}
	c.Notes = "Moved to " + toStatus + " in " + by.ID
	// Only a stage that cannot be completed now (the ticket on hold or
	// closed) makes the move one to ignore. Once completeTx starts it writes
	// the ticket and its events, so any error it returns rolls the whole
	// update back rather than being recorded as ignored.
	if err := checkCurrent(t, t.Stage); err != nil {
		if fault.Is(err, fault.Conflict) {
			return s.ignoreMove(ctx, tx, by, t, toStatus, err.Error())
		}
		return err
	}
	return s.completeTx(ctx, tx, by, t, t.Stage, c)
}

func (s *Service) ignoreMove(ctx context.Context, tx *db.Tx, by event.Actor, t *Ticket, toStatus, reason string) error {
	return s.record(ctx, tx, by, t, EventTrackerMoveIgnored, map[string]any{"to_status": toStatus, "reason": reason})
}
