package depot

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/device"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// StageWork is the record of the work done at one stage.
type StageWork struct {
	Notes        string          `json:"notes,omitempty" maxLength:"4000"`
	Photos       []string        `json:"photos,omitempty" maxItems:"50" doc:"Artifact ids or URLs"`
	Parts        []PartUsed      `json:"parts,omitempty" maxItems:"100"`
	Measurements []MeasuredValue `json:"measurements,omitempty" maxItems:"100"`
	Passed       *bool           `json:"passed,omitempty" doc:"Required at qa: did the unit pass"`
	Reason       string          `json:"reason,omitempty" maxLength:"2000" doc:"Required when qa fails: why"`
}

func (c StageWork) validate(stage string) error {
	var f fault.Fields
	f.Check(len(c.Notes) <= 4000, "notes", "is at most 4000 characters")
	f.Check(len(c.Photos) <= 50, "photos", "is at most 50 photos")
	checkRefs(&f, "photos", c.Photos)
	f.Check(len(c.Parts) <= 100, "parts", "is at most 100 parts")
	for i, p := range c.Parts {
		f.Check(strings.TrimSpace(p.SKU) != "" && len(p.SKU) <= 60, fmt.Sprintf("parts[%d].sku", i), "is required, at most 60 characters")
		f.Check(p.Quantity >= 1 && p.Quantity <= 10000, fmt.Sprintf("parts[%d].quantity", i), "must be 1 to 10000")
	}
	f.Check(len(c.Measurements) <= 100, "measurements", "is at most 100 measurements")
	for i, m := range c.Measurements {
		f.Check(strings.TrimSpace(m.Name) != "" && len(m.Name) <= 100, fmt.Sprintf("measurements[%d].name", i), "is required, at most 100 characters")
		f.Check(len(m.Unit) <= 20, fmt.Sprintf("measurements[%d].unit", i), "is at most 20 characters")
		f.Check(!math.IsNaN(m.Value) && !math.IsInf(m.Value, 0), fmt.Sprintf("measurements[%d].value", i), "must be a number")
	}
	if stage == StageQA {
		f.Check(c.Passed != nil, "passed", "is required at qa")
		f.Check(c.Passed == nil || *c.Passed || strings.TrimSpace(c.Reason) != "", "reason", "is required when qa fails")
		f.Check(c.Passed == nil || !*c.Passed || c.Reason == "", "reason", "is only for a failed qa")
	} else {
		f.Check(c.Passed == nil, "passed", "is only for the qa stage")
		f.Check(c.Reason == "", "reason", "is only for a failed qa")
	}
	return f.Err()
}

// act loads the ticket for update, checks ifVersion (412 when stale) and
// lets fn change it, all in one transaction; fn saves.
func (s *Service) act(ctx context.Context, id string, ifVersion *int64, fn func(tx *db.Tx, t *Ticket) error) (*Ticket, error) {
	var out *Ticket
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		t, err := load(ctx, tx, id, tx.ForUpdate())
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != t.Version {
			return &fault.Error{Code: fault.Stale, Message: "the ticket has changed since you read it",
				Detail: map[string]any{"current_version": t.Version}}
		}
		if err := fn(tx, t); err != nil {
			return err
		}
		out = t
		return nil
	})
	return out, err
}

// CompleteStage records the work of the ticket's current stage and moves it
// on: to the next stage, or — when qa fails — back to the rework stage with
// the reason. Reaching ready makes the device refurb_ready.
func (s *Service) CompleteStage(ctx context.Context, by event.Actor, id, stage string, c StageWork, ifVersion *int64) (*Ticket, error) {
	return s.act(ctx, id, ifVersion, func(tx *db.Tx, t *Ticket) error {
		return s.completeTx(ctx, tx, by, t, stage, c)
	})
}

// checkCurrent refuses stage work on a ticket that is not at stage.
func checkCurrent(t *Ticket, stage string) error {
	switch {
	case t.Status.Closed():
		return &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("ticket %s is %s: every stage is done", t.Number, t.Status),
			Detail: map[string]any{"status": t.Status, "stage": t.Stage, "allowed": []string{}}}
	case !slices.Contains(t.Stages, stage):
		return fieldError("path.stage", fmt.Sprintf("is not a stage of template %s (%s)", t.Template, strings.Join(t.Stages, ", ")))
	case t.Status == OnHold:
		return &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("ticket %s is on hold for missing package items: %s", t.Number, strings.Join(t.Missing, ", ")),
			Detail: map[string]any{"status": t.Status, "missing": t.Missing, "allowed": []string{}}}
	case stage != t.Stage:
		return &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("ticket %s is at stage %s; only %s can be completed", t.Number, t.Stage, t.Stage),
			Detail: map[string]any{"stage": t.Stage, "allowed": []string{t.Stage}}}
	}
	return nil
}

func (s *Service) completeTx(ctx context.Context, tx *db.Tx, by event.Actor, t *Ticket, stage string, c StageWork) error {
	stage = strings.TrimSpace(strings.ToLower(stage))
	if err := checkCurrent(t, stage); err != nil {
		return err
	}
	if err := c.validate(stage); err != nil {
		return err
	}
	failed := stage == StageQA && !*c.Passed
	next := t.Stages[slices.Index(t.Stages, stage)+1]
	outcome := "completed"
	if stage == StageQA {
		outcome = "passed"
	}
	if failed {
		next, outcome = t.Rework, "failed"
		t.QAFailures++
	}
	t.Stage, t.StageSince = next, tx.Now
	if next == StageReady {
		at := tx.Now
		t.Status, t.ReadyAt = Ready, &at
	}
	if err := update(ctx, tx, t); err != nil {
		return err
	}
	e := LogEntry{Stage: stage, Outcome: outcome, To: next, Actor: actorOf(by), Notes: c.Notes, Reason: strings.TrimSpace(c.Reason),
		Photos: c.Photos, Parts: c.Parts, Measurements: c.Measurements}
	if err := appendLog(ctx, tx, t.ID, &e); err != nil {
		return err
	}
	if err := s.stageEvents(ctx, tx, by, t, e); err != nil {
		return err
	}
	return s.stageHistory(ctx, tx, by, t, e)
}

// stageEvents records StageCompleted and the milestone the completion
// reached, if any.
func (s *Service) stageEvents(ctx context.Context, tx *db.Tx, by event.Actor, t *Ticket, e LogEntry) error {
	extra := map[string]any{"stage": e.Stage, "to": e.To, "entry": e}
	if e.Stage == StageQA {
		extra["passed"] = e.Outcome == "passed"
		extra["reason"] = e.Reason
	}
	if err := s.record(ctx, tx, by, t, EventStageCompleted, extra); err != nil {
		return err
	}
	var milestones []string
	switch {
	case e.Stage == StageDiagnostic:
		milestones = append(milestones, EventDiagnosticComplete)
	case e.Outcome == "passed":
		milestones = append(milestones, EventQAPassed)
	case e.Outcome == "failed":
		milestones = append(milestones, EventQAFailed)
	}
	if e.To == StageReady {
		milestones = append(milestones, EventReadyToShip)
		extra["door_to_door_seconds"] = int64(t.ReadyAt.Sub(t.ReceivedAt).Seconds())
	}
	for _, m := range milestones {
		if err := s.record(ctx, tx, by, t, m, extra); err != nil {
			return err
		}
	}
	return nil
}

// stageHistory adds the completion to the device's history; reaching ready
// moves the device to refurb_ready.
func (s *Service) stageHistory(ctx context.Context, tx *db.Tx, by event.Actor, t *Ticket, e LogEntry) error {
	summary := fmt.Sprintf("%s completed on %s; next %s", title(e.Stage), t.Number, e.To)
	switch e.Outcome {
	case "passed":
		summary = fmt.Sprintf("QA passed on %s; next %s", t.Number, e.To)
	case "failed":
		summary = fmt.Sprintf("QA failed on %s (%s); back to %s", t.Number, e.Reason, e.To)
	}
	de := device.Entry{Type: "depot.stage_completed", Summary: summary, WorkOrderID: t.WorkOrderID, Ref: t.Number,
		Detail: map[string]any{"ticket_id": t.ID, "stage": e.Stage, "outcome": e.Outcome, "to": e.To, "notes": e.Notes,
			"reason": e.Reason, "photos": e.Photos, "parts": e.Parts, "measurements": e.Measurements}}
	if e.To == StageReady {
		_, err := s.devices.MoveTx(ctx, tx, by, t.DeviceID, device.RefurbReady, de)
		return err
	}
	return s.devices.RecordTx(ctx, tx, by, t.DeviceID, de)
}

// ReleaseForResale makes the device of a ready resale ticket (trade-in, or
// received with resale) available for resale. It is a deliberate step, not
// automatic at ready, so that a person confirms the unit is fit to sell.
func (s *Service) ReleaseForResale(ctx context.Context, by event.Actor, id, notes string, ifVersion *int64) (*Ticket, error) {
	if len(notes) > 4000 {
		return nil, fieldError("notes", "is at most 4000 characters")
	}
	return s.act(ctx, id, ifVersion, func(tx *db.Tx, t *Ticket) error {
		if t.Status != Ready || !t.Resale {
			msg := fmt.Sprintf("ticket %s is %s at stage %s; only a ready ticket can be released for resale", t.Number, t.Status, t.Stage)
			if !t.Resale {
				msg = fmt.Sprintf("ticket %s is not resale work (not a trade-in, not received with resale)", t.Number)
			}
			return &fault.Error{Code: fault.Conflict, Message: msg, Detail: map[string]any{"status": t.Status, "resale": t.Resale}}
		}
		at := tx.Now
		t.Status, t.ReleasedAt = Released, &at
		if err := update(ctx, tx, t); err != nil {
			return err
		}
		if err := appendLog(ctx, tx, t.ID, &LogEntry{Stage: t.Stage, Outcome: "released", Actor: actorOf(by), Notes: notes}); err != nil {
			return err
		}
		if err := s.record(ctx, tx, by, t, EventReleasedForResale, map[string]any{"notes": notes}); err != nil {
			return err
		}
		_, err := s.devices.MoveTx(ctx, tx, by, t.DeviceID, device.AvailableForResale, device.Entry{Type: "depot.released_for_resale",
			Summary: "Released for resale from " + t.Number, WorkOrderID: t.WorkOrderID, Ref: t.Number,
			Detail: map[string]any{"ticket_id": t.ID, "notes": notes}})
		return err
	})
}

// AddNote adds a note to a ticket's log, whatever its status; source says
// where it came from ("staff", or a tracker's name).
func (s *Service) AddNote(ctx context.Context, by event.Actor, id, note, source string) (*Ticket, error) {
	note = strings.TrimSpace(note)
	if note == "" || len(note) > 4000 {
		return nil, fieldError("note", "is required, at most 4000 characters")
	}
	return s.act(ctx, id, nil, func(tx *db.Tx, t *Ticket) error { return s.noteTx(ctx, tx, by, t, note, source) })
}

func (s *Service) noteTx(ctx context.Context, tx *db.Tx, by event.Actor, t *Ticket, note, source string) error {
	if err := appendLog(ctx, tx, t.ID, &LogEntry{Stage: t.Stage, Outcome: "note", Actor: actorOf(by), Notes: note}); err != nil {
		return err
	}
	return s.record(ctx, tx, by, t, EventNoteAdded, map[string]any{"note": note, "source": source})
}

// title is a stage's name as people (and the tracker's statuses) write it.
func title(stage string) string {
	if stage == StageQA {
		return "QA"
	}
	words := strings.Split(stage, "_")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}
