package device

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// custodyTypes maps a scan kind to its history entry type.
var custodyTypes = map[string]string{"pickup": HistCustodyPickup, "delivery": HistCustodyDeliver, "install": HistCustodyInstall}

// onSerialScanned moves a scanned device along its chain of custody:
// pickup → in_transit_to_depot; delivery or install → active_at_customer
// (a loaner out on loan stays assigned_loaner). A scan whose move the
// device's status forbids still goes on its history, marked unmoved, and is
// logged: retrying could never make it legal.
func (s *Service) onSerialScanned(ctx context.Context, e event.Event) error {
	var p scanPayload
	if err := json.Unmarshal(e.Payload, &p); err != nil || strings.TrimSpace(p.Serial) == "" {
		s.log.Warn("device custody: scan without a serial", "event", e.ID)
		return nil
	}
	kind := p.kind()
	typ, ok := custodyTypes[kind]
	if !ok {
		s.log.Warn("device custody: unknown scan kind", "event", e.ID, "kind", kind)
		return nil
	}
	if p.WorkOrderID == "" {
		p.WorkOrderID = e.WorkOrderID
	}
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		return s.custodyTx(ctx, tx, e, p, kind, typ)
	})
	if fault.Is(err, fault.NotFound) {
		// An unknown serial without a model cannot be registered, and no
		// retry will make it known: drop it as an unappliable scan.
		s.log.Warn("device custody: unknown serial and no model to register it", "event", e.ID, "serial", p.Serial, "err", err)
		return nil
	}
	if fault.Is(err, fault.Invalid) || fault.Is(err, fault.Conflict) {
		s.log.Warn("device custody: scan not applied", "event", e.ID, "serial", p.Serial, "err", err)
		return nil
	}
	return err
}

func (s *Service) custodyTx(ctx context.Context, tx *db.Tx, e event.Event, p scanPayload, kind, typ string) error {
	cid, cname := p.contractor()
	sig := p.Signature
	entry := Entry{Type: typ, WorkOrderID: p.WorkOrderID, Ref: p.JobID, EventID: e.ID,
		Summary: fmt.Sprintf("%s scan by %s", strings.ToUpper(kind[:1])+kind[1:], orDash(cname)),
		Detail: map[string]any{"scan": kind, "job_id": p.JobID, "contractor_id": cid, "contractor": cname, "at": p.At,
			"signature_artifact_id": sig, "location": p.Location}}
	target := ActiveAtCustomer
	if kind == "pickup" {
		target = InTransitToDepot
	}
	d, err := s.FindSerialTx(ctx, tx, p.Manufacturer, p.Model, p.Serial)
	if fault.Is(err, fault.NotFound) && strings.TrimSpace(p.Model) != "" {
		_, _, err = s.RegisterTx(ctx, tx, e.Actor, Registration{Serial: p.Serial, Model: p.Model, Manufacturer: p.Manufacturer,
			OwnerKind: OwnerCustomer, OwnerName: "unknown (registered from a scan)", Location: p.Location, Status: target}, entry)
		return err
	}
	if err != nil {
		return err
	}
	if done, err := seen(ctx, tx, d.ID, e.ID); done || err != nil {
		return err
	}
	if d.Loaner && kind != "pickup" {
		target = AssignedLoaner
	}
	switch {
	case target == AssignedLoaner && d.Loan == nil:
		entry.Detail["status_unchanged"] = "the loaner has no loan; assign it first"
	case d.Status == target || d.Status.CanMove(target):
		return s.moveTx(ctx, tx, e.Actor, d, target, entry) // d is locked already: FindSerialTx read it for update
	default:
		entry.Detail["status_unchanged"] = fmt.Sprintf("a device that is %s cannot become %s", d.Status, target)
		s.log.Warn("device custody: status not moved", "device", d.ID, "from", d.Status, "to", target, "event", e.ID)
	}
	_, err = addHistory(ctx, tx, e.Actor, d.ID, entry)
	return err
}
