package workorder

import (
	"context"
	"fmt"
	"slices"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// Edit names the fields triage may fix; nil means unchanged. Status,
// appointments and outcomes change only through actions.
type Edit struct {
	Priority   *string   `json:"priority,omitempty" enum:"low,normal,high,urgent"`
	PONumber   *string   `json:"po_number,omitempty" maxLength:"100"`
	RMANumber  *string   `json:"rma_number,omitempty" maxLength:"100"`
	Customer   *Customer `json:"customer,omitempty"`
	Site       *Site     `json:"site,omitempty"`
	Devices    *[]Device `json:"devices,omitempty" maxItems:"50"`
	Problem    *string   `json:"problem,omitempty" maxLength:"4000"`
	ErrorCodes *[]string `json:"error_codes,omitempty" maxItems:"50"`
}

// Patch applies triage fixes (address, product, problem). A closed or
// cancelled work order does not change. When devices or priority change,
// entitlement is decided again and the new reasoning goes on the timeline.
func (s *Service) Patch(ctx context.Context, c Caller, id string, u Edit, ifVersion *int64) (*WorkOrder, error) {
	return s.act(ctx, c, id, ifVersion, func(tx *db.Tx, w *WorkOrder) ([]change, error) {
		if w.Status == Closed || w.Status == Cancelled {
			return nil, &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("a %s work order cannot change", w.Status)}
		}
		in := Intake{ExternalID: w.ExternalID, ServiceType: w.ServiceType, Priority: w.Priority, PONumber: w.PONumber,
			RMANumber: w.RMANumber, Customer: w.Customer, Site: w.Site, Devices: slices.Clone(w.Devices), Problem: w.Problem,
			ErrorCodes: slices.Clone(w.ErrorCodes)}
		var changed []string
		set := func(name string, apply func()) {
			changed = append(changed, name)
			apply()
		}
		if u.Priority != nil {
			set("priority", func() { in.Priority = *u.Priority })
		}
		if u.PONumber != nil {
			set("po_number", func() { in.PONumber = *u.PONumber })
		}
		if u.RMANumber != nil {
			set("rma_number", func() { in.RMANumber = *u.RMANumber })
		}
		if u.Customer != nil {
			set("customer", func() { in.Customer = *u.Customer })
		}
		if u.Site != nil {
			set("site", func() { in.Site = *u.Site })
		}
		if u.Devices != nil {
			set("devices", func() { in.Devices = *u.Devices })
		}
		if u.Problem != nil {
			set("problem", func() { in.Problem = *u.Problem })
		}
		if u.ErrorCodes != nil {
			set("error_codes", func() { in.ErrorCodes = *u.ErrorCodes })
		}
		if len(changed) == 0 {
			return nil, &fault.Error{Code: fault.Invalid, Message: "nothing to change: send at least one field"}
		}
		in.Normalize()
		if err := in.Validate(); err != nil {
			return nil, err
		}
		redecide := u.Devices != nil || (u.Priority != nil && *u.Priority != w.Priority)
		w.Priority, w.PONumber, w.RMANumber = in.Priority, in.PONumber, in.RMANumber
		w.Customer, w.Site, w.Problem = in.Customer, in.Site, in.Problem
		w.Devices, w.ErrorCodes = in.Devices, in.ErrorCodes
		w.setBody(w.body())
		changes := []change{{"WorkOrder.Updated", map[string]any{"changed": changed}}}
		if u.Devices != nil {
			if err := insertDevices(ctx, tx, w); err != nil {
				return nil, err
			}
		}
		if redecide {
			p, err := s.providers.ByID(ctx, w.providerID)
			if err != nil {
				return nil, err
			}
			e := Decide(p.Settings.Contract, w.Devices, w.Priority, tx.Now)
			if e.SLATier != w.Entitlement.SLATier && w.SLADueAt != nil {
				due := w.CreatedAt.Add(SLADuration(e.SLATier))
				w.SLADueAt = &due
			}
			w.Entitlement = e
			changes = append(changes, change{"WorkOrder.EntitlementDecided", map[string]any{"entitlement": e}})
		}
		return changes, nil
	})
}

// Reopen opens a second repair of the same unit (2TR): a new work order,
// linked to this completed or closed one, with the same customer, site and
// devices. Its external id is this one's with a -2TR suffix (-2TR-2, ... for
// later repeats).
func (s *Service) Reopen(ctx context.Context, c Caller, id, problem, note string) (*WorkOrder, error) {
	var out *WorkOrder
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		orig, err := s.load(ctx, tx, c, id, tx.ForUpdate())
		if err != nil {
			return err
		}
		if orig.Status != Completed && orig.Status != Closed {
			return &fault.Error{Code: fault.Conflict, Message: "only a completed or closed work order can be reopened as a second repair",
				Detail: map[string]any{"status": orig.Status}}
		}
		prov, err := s.providers.ByID(ctx, orig.providerID)
		if err != nil {
			return err
		}
		if problem == "" {
			problem = orig.Problem
		}
		in := Intake{ServiceType: orig.ServiceType, Priority: orig.Priority, PONumber: orig.PONumber, RMANumber: orig.RMANumber,
			Customer: orig.Customer, Site: orig.Site, Devices: orig.Devices, Problem: problem, ErrorCodes: orig.ErrorCodes}
		for n := 1; ; n++ {
			in.ExternalID = orig.ExternalID + "-2TR"
			if n > 1 {
				in.ExternalID = fmt.Sprintf("%s-2TR-%d", orig.ExternalID, n)
			}
			var exists int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM work_orders WHERE provider_id = $1 AND external_id = $2`,
				orig.providerID, in.ExternalID).Scan(&exists); err != nil {
				return db.Translate(err)
			}
			if exists == 0 {
				break
			}
		}
		in.Normalize()
		canonical, err := canonicalIntake(in)
		if err != nil {
			return err
		}
		w, _, err := s.createTx(ctx, tx, c, prov, in, canonical, orig.ID)
		if err != nil {
			return err
		}
		out = w
		return s.record(ctx, tx, c, orig, "WorkOrder.Reopened", map[string]any{"second_repair": w.ID, "number": w.Number, "note": note})
	})
	return out, err
}
