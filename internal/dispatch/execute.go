package dispatch

import (
	"context"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/workorder"
)

// holder refuses anyone but the contractor holding the job. A contractor
// who only saw the offer is refused; staff act for the contractor.
func holder(c Caller, st *stored) error {
	if c.Staff || (c.ContractorID != "" && c.ContractorID == st.ContractorID) {
		return nil
	}
	return fault.Errorf(fault.Forbidden, "job %s is not yours", st.Number)
}

// step is one execution action: the caller must hold the job, the move
// must be legal, and the event records when.
func (s *Service) step(ctx context.Context, c Caller, id string, to Status, typ, action string,
	fn func(tx *db.Tx, st *stored) (map[string]any, error)) (*Job, error) {
	return s.act(ctx, c, id, func(tx *db.Tx, st *stored) ([]change, error) {
		if err := holder(c, st); err != nil {
			return nil, err
		}
		if err := move(st.Job, to, action); err != nil {
			return nil, err
		}
		extra := map[string]any{"at": tx.Now}
		if fn != nil {
			more, err := fn(tx, st)
			if err != nil {
				return nil, err
			}
			for k, v := range more {
				extra[k] = v
			}
		}
		return []change{{typ, extra}}, nil
	})
}

// Confirm records the appointment the contractor agreed with the customer.
func (s *Service) Confirm(ctx context.Context, c Caller, id string, appt TimeWindow) (*Job, error) {
	if appt.Start.IsZero() || !appt.End.After(appt.Start) {
		return nil, fieldErr("appointment", "needs a start and an end after it")
	}
	return s.step(ctx, c, id, Scheduled, "Job.Scheduled", "confirm the schedule of", func(tx *db.Tx, st *stored) (map[string]any, error) {
		a := TimeWindow{appt.Start.UTC(), appt.End.UTC()}
		now := tx.Now
		st.Appointment, st.Times.ScheduledAt = &a, &now
		return map[string]any{"appointment": a}, nil
	})
}

// EnRoute records that the contractor is on the way.
func (s *Service) EnRoute(ctx context.Context, c Caller, id string) (*Job, error) {
	return s.step(ctx, c, id, EnRoute, "Job.EnRoute", "set en route", func(tx *db.Tx, st *stored) (map[string]any, error) {
		now := tx.Now
		st.Times.EnRouteAt = &now
		return nil, nil
	})
}

// OnSite records arrival; the work order moves to in progress.
func (s *Service) OnSite(ctx context.Context, c Caller, id string) (*Job, error) {
	return s.step(ctx, c, id, OnSite, "Job.OnSite", "set on site", func(tx *db.Tx, st *stored) (map[string]any, error) {
		now := tx.Now
		st.Times.OnSiteAt = &now
		_, _, err := s.workOrders.AdvanceTx(ctx, tx, woCaller(c), st.WorkOrderID, workorder.InProgress, "", nil)
		return map[string]any{"on_time": !now.After(st.Window.End)}, err
	})
}

// Tick marks checklist items done (or not) on a job under way.
func (s *Service) Tick(ctx context.Context, c Caller, id string, itemIDs []string, done bool) (*Job, error) {
	return s.act(ctx, c, id, func(tx *db.Tx, st *stored) ([]change, error) {
		if err := holder(c, st); err != nil {
			return nil, err
		}
		if !st.Status.Active() {
			return nil, illegal(st.Job, "tick the checklist of")
		}
		now := tx.Now
		for _, want := range itemIDs {
			found := false
			for i := range st.Checklist.Items {
				it := &st.Checklist.Items[i]
				if it.ID != want {
					continue
				}
				found = true
				it.Done, it.DoneAt, it.DoneBy = done, nil, ""
				if done {
					it.DoneAt, it.DoneBy = &now, actorName(c)
				}
			}
			if !found {
				return nil, fieldErr("items", "no checklist item "+want)
			}
		}
		return []change{{"Job.ChecklistTicked", map[string]any{"items": itemIDs, "done": done}}}, nil
	})
}

func actorName(c Caller) string {
	if c.Actor.Name != "" {
		return c.Actor.Name
	}
	return c.Actor.Kind + ":" + c.Actor.ID
}

// SerialScan is one link in a unit's chain of custody.
type SerialScan struct {
	ID                  string    `json:"id"`
	JobID               string    `json:"job_id"`
	Serial              string    `json:"serial" minLength:"1" maxLength:"100"`
	Kind                string    `json:"kind" enum:"pickup,delivery,install"`
	At                  time.Time `json:"at"`
	By                  string    `json:"by"`
	SignatureArtifactID string    `json:"signature_artifact_id,omitempty"`
}

// ScanSerial records a serial scan on a job under way (event
// Job.SerialScanned on the work order, for the device's history).
func (s *Service) ScanSerial(ctx context.Context, c Caller, id, serial, kind, signatureID string) (*SerialScan, error) {
	var f fault.Fields
	f.Check(serial != "" && len(serial) <= 100, "serial", "is required, at most 100 characters")
	f.Check(kind == "pickup" || kind == "delivery" || kind == "install", "kind", "must be pickup, delivery or install")
	if err := f.Err(); err != nil {
		return nil, err
	}
	var out *SerialScan
	_, err := s.act(ctx, c, id, func(tx *db.Tx, st *stored) ([]change, error) {
		if err := holder(c, st); err != nil {
			return nil, err
		}
		if !st.Status.Active() {
			return nil, illegal(st.Job, "scan serials on")
		}
		if signatureID != "" {
			if err := s.checkArtifact(ctx, tx, st.ID, signatureID, "signature"); err != nil {
				return nil, err
			}
		}
		sc := &SerialScan{ID: newID(), JobID: st.ID, Serial: serial, Kind: kind, At: tx.Now,
			By: actorName(c), SignatureArtifactID: signatureID}
		if _, err := tx.ExecContext(ctx, `INSERT INTO job_serial_scans (id, job_id, serial, kind, at, by_actor, signature_artifact_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, sc.ID, sc.JobID, sc.Serial, sc.Kind, db.T(sc.At), sc.By, nullable(signatureID)); err != nil {
			return nil, db.Translate(err)
		}
		out = sc
		return []change{{"Job.SerialScanned", map[string]any{"scan_id": sc.ID, "serial": serial, "scan_kind": kind, "at": sc.At,
			"by": sc.By, "work_order_id": st.WorkOrderID, "signature_artifact_id": signatureID}}}, nil
	})
	return out, err
}

// checkArtifact refuses an artifact id that is not one of the job's, of kind.
func (s *Service) checkArtifact(ctx context.Context, q db.Querier, jobID, id, kind string) error {
	var k string
	err := q.QueryRowContext(ctx, `SELECT kind FROM job_artifacts WHERE id = $1 AND job_id = $2`, id, jobID).Scan(&k)
	if err != nil || k != kind {
		return fieldErr("signature_artifact_id", "must be a "+kind+" artifact uploaded to this job")
	}
	return nil
}
