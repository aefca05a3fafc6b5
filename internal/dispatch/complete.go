package dispatch

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/workorder"
)

// CompleteInput is what a contractor reports on completing a job.
type CompleteInput struct {
	ResultCode     string    `json:"result_code" doc:"e.g. fixed_parts_replaced, no_problem_found, delivered"`
	Notes          string    `json:"notes,omitempty" maxLength:"4000"`
	PartsUsed      []PartUse `json:"parts_used,omitempty" maxItems:"100"`
	PartsUnused    []PartUse `json:"parts_unused,omitempty" maxItems:"100"`
	ReturnTracking string    `json:"return_tracking,omitempty" maxLength:"100"`
	UnitCondition  string    `json:"unit_condition,omitempty" maxLength:"200"`
	SignatureID    string    `json:"signature_artifact_id,omitempty" doc:"A signature artifact uploaded to this job"`
}

// Complete records the outcome of a job. It is idempotent: the same report
// again answers with the job as the first left it; a different report on a
// completed job is a conflict. The contractor's reliability counts the job
// (on time when on site before the window's end), and the work order is
// completed when no other job of it is still open.
func (s *Service) Complete(ctx context.Context, c Caller, id string, in CompleteInput) (*Job, error) {
	var f fault.Fields
	f.Check(slices.Contains(ResultCodes, in.ResultCode), "result_code", "must be one of "+strings.Join(ResultCodes, ", "))
	for _, p := range append(slices.Clone(in.PartsUsed), in.PartsUnused...) {
		f.Check(p.SKU != "" && p.Quantity > 0, "parts", "every part needs a sku and a positive quantity")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	raw, _ := json.Marshal(in)
	key := string(raw)
	return s.actOnce(ctx, c, id, func(tx *db.Tx, st *stored) ([]change, error) {
		if err := holder(c, st); err != nil {
			return nil, err
		}
		if st.Status == Completed {
			if st.completionKey == key {
				return nil, errRepeat
			}
			return nil, fault.Errorf(fault.Conflict, "job %s was completed with a different report", st.Number)
		}
		if st.Checklist.RequireSignature && in.SignatureID == "" {
			return nil, fieldErr("signature_artifact_id", "this job's checklist needs the customer's signature")
		}
		if in.SignatureID != "" {
			if err := s.checkArtifact(ctx, tx, st.ID, in.SignatureID, "signature"); err != nil {
				return nil, err
			}
		}
		st.completionKey = key
		return s.completeTx(ctx, tx, c, st, JobCompletion{ResultCode: in.ResultCode, Notes: in.Notes, PartsUsed: nonNilParts(in.PartsUsed),
			PartsUnused: nonNilParts(in.PartsUnused), ReturnTracking: in.ReturnTracking, UnitCondition: in.UnitCondition, SignatureID: in.SignatureID})
	})
}

func nonNilParts(p []PartUse) []PartUse {
	if p == nil {
		return []PartUse{}
	}
	return p
}

// completeTx completes a job and, through it, the work order when it was
// the last open job.
func (s *Service) completeTx(ctx context.Context, tx *db.Tx, c Caller, st *stored, comp JobCompletion) ([]change, error) {
	if err := move(st.Job, Completed, "complete"); err != nil {
		return nil, err
	}
	now := tx.Now
	comp.CompletedAt = now
	comp.OnTime = st.Times.OnSiteAt != nil && !st.Times.OnSiteAt.After(st.Window.End)
	st.Completion, st.Times.EndedAt = &comp, &now
	if st.ContractorID != "" {
		onTime := comp.OnTime
		if err := s.contractors.RecordOutcomeTx(ctx, tx, st.ContractorID, contractor.Outcome{Kind: "completed", OnTime: &onTime}); err != nil {
			return nil, err
		}
	}
	changes := []change{{"Job.Completed", map[string]any{"result_code": comp.ResultCode, "notes": comp.Notes, "on_time": comp.OnTime,
		"parts_used": comp.PartsUsed, "parts_unused": comp.PartsUnused, "return_tracking": comp.ReturnTracking,
		"unit_condition": comp.UnitCondition, "signature_artifact_id": comp.SignatureID, "devices": st.Devices}}}
	return changes, s.finishWorkOrderTx(ctx, tx, c, st.Job)
}

// finishWorkOrderTx completes the work order when no other job of it is
// still open, some job of it was completed and it may move to completed;
// otherwise the job's events on its timeline say what happened. It runs
// whenever a job ends (completed, cancelled, expired). The work order is
// locked before the count, so two jobs ending at once cannot each see the
// other still open: the second waits and counts after the first commits.
func (s *Service) finishWorkOrderTx(ctx context.Context, tx *db.Tx, c Caller, j *Job) error {
	w, err := s.workOrders.GetTx(ctx, tx, woCaller(c), j.WorkOrderID)
	if err != nil {
		return err
	}
	var open int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE work_order_id = $1 AND id <> $2
		AND status IN ('draft', 'posted', 'awarded', 'scheduled', 'en_route', 'on_site')`, j.WorkOrderID, j.ID).Scan(&open); err != nil {
		return db.Translate(err)
	}
	if open > 0 || !w.Status.CanMove(workorder.Completed) {
		return nil
	}
	comp := j.Completion
	if j.Status != Completed {
		if comp, err = lastCompletionTx(ctx, tx, j); err != nil || comp == nil {
			return err // nothing of the work order was done: it stays for staff to decide
		}
	}
	// The technician's notes stay on the job, for staff: the work order,
	// which its provider reads, carries the result.
	_, err = s.workOrders.CompleteTx(ctx, tx, woCaller(c), j.WorkOrderID, workOrderResult(comp.ResultCode), "")
	return err
}

// lastCompletionTx is the completion of the work order's most recently
// completed job other than j, or nil when none was completed.
func lastCompletionTx(ctx context.Context, tx *db.Tx, j *Job) (*JobCompletion, error) {
	st, err := scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE work_order_id = $1 AND id <> $2
		AND status = 'completed' ORDER BY updated_at DESC, id DESC LIMIT 1`, j.WorkOrderID, j.ID))
	if fault.Is(err, fault.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return st.Completion, nil
}

// workOrderResult maps a job's result code onto the work order's.
func workOrderResult(code string) string {
	switch code {
	case "remote_resolved":
		return "fixed_no_parts"
	}
	if slices.Contains(workorder.ResultCodes, code) {
		return code
	}
	return "other"
}

// IncompleteInput says why a job could not be completed and what next.
type IncompleteInput struct {
	Reason   string `json:"reason" enum:"cannot_complete,unsafe_site,access_denied,wrong_parts,customer_unreachable"`
	NextStep string `json:"next_step" enum:"revisit,fork_to_depot,escalate"`
	Notes    string `json:"notes,omitempty" maxLength:"4000"`
}

// MarkIncomplete ends a job without completing it. The next step: revisit
// makes a new draft job for a second visit; fork_to_depot and escalate are
// events for the depot and for ops. The work order stays open.
func (s *Service) MarkIncomplete(ctx context.Context, c Caller, id string, in IncompleteInput) (*Job, error) {
	var f fault.Fields
	f.Check(slices.Contains(IncompleteReasons, in.Reason), "reason", "must be one of "+strings.Join(IncompleteReasons, ", "))
	f.Check(slices.Contains(NextSteps, in.NextStep), "next_step", "must be one of "+strings.Join(NextSteps, ", "))
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.act(ctx, c, id, func(tx *db.Tx, st *stored) ([]change, error) {
		if err := holder(c, st); err != nil {
			return nil, err
		}
		return s.incompleteTx(ctx, tx, c, st, in)
	})
}

func (s *Service) incompleteTx(ctx context.Context, tx *db.Tx, c Caller, st *stored, in IncompleteInput) ([]change, error) {
	if err := move(st.Job, Incomplete, "mark incomplete"); err != nil {
		return nil, err
	}
	now := tx.Now
	st.Incomplete = &Failure{Reason: in.Reason, NextStep: in.NextStep, Notes: in.Notes, At: now}
	st.Times.EndedAt = &now
	changes := []change{{"Job.Incomplete", map[string]any{"reason": in.Reason, "next_step": in.NextStep, "notes": in.Notes}}}
	switch in.NextStep {
	case "revisit":
		rv, err := s.revisitTx(ctx, tx, c, st.Job)
		if err != nil {
			return nil, err
		}
		st.Incomplete.RevisitID = rv.ID
		changes = append(changes, change{"Job.RevisitCreated", map[string]any{"revisit_job_id": rv.ID, "revisit_job_number": rv.Number}})
	case "fork_to_depot":
		changes = append(changes, change{"Job.ForkedToDepot", map[string]any{"reason": in.Reason}})
	case "escalate":
		changes = append(changes, change{"Job.Escalated", map[string]any{"reason": in.Reason, "alert": "ops"}})
	}
	return changes, nil
}

// revisitTx clones a job as a new draft for a second visit.
func (s *Service) revisitTx(ctx context.Context, tx *db.Tx, c Caller, j *Job) (*Job, error) {
	n, err := db.NextNumber(ctx, tx, "job_number")
	if err != nil {
		return nil, err
	}
	cp := *j
	cp.ID, cp.Number = newID(), jobNumber(n)
	cp.Status, cp.Version, cp.CreatedAt, cp.UpdatedAt, cp.RevisitOf = Draft, 1, tx.Now, tx.Now, j.ID
	cp.ContractorID, cp.AwardedBidID, cp.PayoutCents, cp.Appointment, cp.Times = "", "", 0, nil, Times{}
	cp.Completion, cp.Incomplete, cp.Technician, cp.ExternalID, cp.BidDeadline, cp.RadiusStep = nil, nil, nil, "", nil, 0
	cp.Checklist = newChecklist(j.Checklist.Template)
	st := &stored{Job: &cp}
	if err := insertJob(ctx, tx, st); err != nil {
		return nil, err
	}
	return &cp, s.record(ctx, tx, c.Actor, &cp, "Job.Created", map[string]any{"revisit_of": j.ID})
}
