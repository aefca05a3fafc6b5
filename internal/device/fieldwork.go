package device

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// jobCompleted is what the device history reads of dispatch's Job.Completed
// event.
type jobCompleted struct {
	JobID         string               `json:"job_id"`
	JobNumber     string               `json:"job_number"`
	Kind          string               `json:"kind"`
	ResultCode    string               `json:"result_code"`
	UnitCondition string               `json:"unit_condition"`
	PartsUsed     []dispatch.PartUse   `json:"parts_used"`
	PartsUnused   []dispatch.PartUse   `json:"parts_unused"`
	Devices       []dispatch.JobDevice `json:"devices"`
}

// onJobCompleted puts field work on the history of each unit the job was
// for: what kind of job, its result, the unit's condition and the parts
// used (SKU, quantity, the part's serial) with the job they went into. A
// unit the registry does not know is logged and skipped: intake registers
// the units of a work order, so one missing here was never given a model.
// The entry carries the event's id, so a repeated delivery adds nothing.
func (s *Service) onJobCompleted(ctx context.Context, e event.Event) error {
	var p jobCompleted
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		s.log.Warn("device field work: unreadable Job.Completed", "event", e.ID, "err", err)
		return nil
	}
	entry := Entry{Type: HistFieldWork, WorkOrderID: e.WorkOrderID, Ref: p.JobNumber, EventID: e.ID,
		Summary: p.summary(e.Actor),
		Detail: map[string]any{"job_id": p.JobID, "job_number": p.JobNumber, "kind": p.Kind, "result_code": p.ResultCode,
			"unit_condition": p.UnitCondition, "parts_used": orNone(p.PartsUsed), "parts_unused": orNone(p.PartsUnused)}}
	for _, u := range p.Devices {
		if strings.TrimSpace(u.Serial) == "" {
			continue
		}
		err := s.store.InTx(ctx, func(tx *db.Tx) error {
			d, err := s.FindSerialTx(ctx, tx, "", u.Model, u.Serial)
			if err != nil {
				return err
			}
			_, err = addHistory(ctx, tx, e.Actor, d.ID, entry)
			return err
		})
		if fault.Is(err, fault.NotFound) || fault.Is(err, fault.Conflict) {
			s.log.Info("device field work: unit not linked", "event", e.ID, "serial", u.Serial, "reason", err.Error())
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// summary reads like a line of a service record: "Repair JOB-000042 by Zane
// Ortiz: fixed_parts_replaced; parts used: LSR-7 ×1".
func (p jobCompleted) summary(by event.Actor) string {
	kind := strings.ReplaceAll(p.Kind, "_", " ")
	if kind != "" {
		kind = strings.ToUpper(kind[:1]) + kind[1:]
	}
	out := strings.TrimSpace(kind + " " + p.JobNumber)
	if by.Name != "" {
		out += " by " + by.Name
	}
	out += ": " + orDash(p.ResultCode)
	if len(p.PartsUsed) > 0 {
		parts := make([]string, len(p.PartsUsed))
		for i, pu := range p.PartsUsed {
			parts[i] = fmt.Sprintf("%s ×%d", pu.SKU, pu.Quantity)
		}
		out += "; parts used: " + strings.Join(parts, ", ")
	}
	return out
}

// orNone keeps an empty list a list in the stored detail.
func orNone(ps []dispatch.PartUse) []dispatch.PartUse {
	if ps == nil {
		return []dispatch.PartUse{}
	}
	return ps
}
