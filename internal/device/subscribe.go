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

// Subscribe feeds the device master from other areas' events: every work
// order's devices are registered or linked at intake, and field scans move
// devices along their chain of custody. Both handlers are idempotent by
// event id (a device's history holds each event once).
func (s *Service) Subscribe(bus *event.Bus) {
	bus.Subscribe("device.intake", []string{"WorkOrder.Created"}, s.onWorkOrderCreated)
	bus.Subscribe("device.custody", []string{"Job.SerialScanned"}, s.onSerialScanned)
	bus.Subscribe("device.field_work", []string{"Job.Completed"}, s.onJobCompleted)
}

// intakePayload is the part of WorkOrder.Created the device master reads.
type intakePayload struct {
	WorkOrder struct {
		ID          string `json:"id"`
		Number      string `json:"number"`
		ServiceType string `json:"service_type"`
		Customer    struct {
			Name string `json:"name"`
		} `json:"customer"`
		Site struct {
			City  string `json:"city"`
			State string `json:"state"`
		} `json:"site"`
		Devices []struct {
			Serial       string `json:"serial"`
			Model        string `json:"model"`
			Manufacturer string `json:"manufacturer"`
		} `json:"devices"`
	} `json:"work_order"`
}

func (s *Service) onWorkOrderCreated(ctx context.Context, e event.Event) error {
	var p intakePayload
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		s.log.Warn("device intake: unreadable payload", "event", e.ID, "err", err)
		return nil
	}
	w := p.WorkOrder
	wid := e.WorkOrderID
	if wid == "" {
		wid = w.ID
	}
	location := strings.Trim(w.Site.City+", "+w.Site.State, ", ")
	return s.store.InTx(ctx, func(tx *db.Tx) error {
		for _, dev := range w.Devices {
			if strings.TrimSpace(dev.Serial) == "" {
				continue
			}
			entry := Entry{Type: HistIntake, Summary: fmt.Sprintf("On work order %s (%s)", w.Number, w.ServiceType), WorkOrderID: wid,
				EventID: e.ID, Detail: map[string]any{"work_order_number": w.Number, "service_type": w.ServiceType}}
			d, err := s.FindSerialTx(ctx, tx, dev.Manufacturer, dev.Model, dev.Serial)
			switch {
			case err == nil:
				_, err = addHistory(ctx, tx, e.Actor, d.ID, entry)
			case fault.Is(err, fault.NotFound) && strings.TrimSpace(dev.Model) != "":
				_, _, err = s.RegisterTx(ctx, tx, e.Actor, Registration{Serial: dev.Serial, Model: dev.Model, Manufacturer: dev.Manufacturer,
					OwnerKind: OwnerCustomer, OwnerName: orDash(w.Customer.Name), Location: location, Status: ActiveAtCustomer}, entry)
			case fault.Is(err, fault.NotFound), fault.Is(err, fault.Conflict):
				s.log.Info("device intake: serial not linked", "work_order", wid, "serial", dev.Serial, "reason", err.Error())
				err = nil
			}
			if fault.Is(err, fault.Invalid) {
				s.log.Warn("device intake: device not registered", "work_order", wid, "serial", dev.Serial, "err", err)
				err = nil
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// scanPayload is what the device master reads of Job.SerialScanned. Dispatch
// owns the event: scan_kind is the scan (pickup, delivery, install) and by
// names who scanned. The payload's kind is the job's kind (repair,
// loaner_delivery, ...), never the scan's, so it is not read: a scan
// without scan_kind is dropped rather than guessed from the job.
type scanPayload struct {
	Serial       string          `json:"serial"`
	Model        string          `json:"model"`
	Manufacturer string          `json:"manufacturer"`
	ScanKind     string          `json:"scan_kind"`
	JobID        string          `json:"job_id"`
	WorkOrderID  string          `json:"work_order_id"`
	By           string          `json:"by"`
	Contractor   json.RawMessage `json:"contractor"`
	ContractorID string          `json:"contractor_id"`
	At           string          `json:"at"`
	Signature    string          `json:"signature_artifact_id"`
	Location     string          `json:"location"`
}

func (p scanPayload) kind() string {
	return strings.ToLower(strings.TrimSpace(p.ScanKind))
}

// contractor reads "contractor" as a name or as {id, name}; without a
// name, who scanned is "by". The event's actor is the account that
// scanned, not the contractor's record, so it never stands in for the id.
func (p scanPayload) contractor() (id, name string) {
	var o struct{ ID, Name string }
	var s string
	if json.Unmarshal(p.Contractor, &s) == nil {
		o.Name = s
	} else {
		_ = json.Unmarshal(p.Contractor, &o)
	}
	if o.ID == "" {
		o.ID = p.ContractorID
	}
	if o.Name == "" {
		o.Name = p.By
	}
	return o.ID, strings.TrimSpace(o.Name)
}
