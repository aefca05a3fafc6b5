package device

import (
	"context"
	"fmt"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// MaxLot bounds the devices of one trade-in lot.
const MaxLot = 500

// Lot is many devices registered at once (a trade-in pickup).
type Lot struct {
	WorkOrderID string    `json:"work_order_id,omitempty" maxLength:"100"`
	Owner       Owner     `json:"owner"`
	Location    string    `json:"location,omitempty" maxLength:"200"`
	Status      Status    `json:"status,omitempty" enum:"pending_prep,active_at_customer,in_transit_to_depot,in_depot,refurb_ready,available_for_resale,assigned_loaner,returned_available,retired" doc:"Status of devices the lot creates; default in_transit_to_depot"`
	Devices     []LotUnit `json:"devices" minItems:"1" maxItems:"500"`
}

// LotUnit is one device of a lot.
type LotUnit struct {
	Serial       string `json:"serial" maxLength:"100"`
	Model        string `json:"model" maxLength:"100"`
	Manufacturer string `json:"manufacturer,omitempty" maxLength:"100"`
}

// RegisterLot creates or updates every device of the lot in one
// transaction. It is idempotent: a device already registered keeps its
// status and changes only where the lot's owner or location differ, so the
// same lot again changes nothing and answers the same devices. One bad row
// refuses the whole lot, naming the row's field. created counts new devices.
func (s *Service) RegisterLot(ctx context.Context, c Caller, lot Lot) (out []*Device, created int, err error) {
	regs, err := lot.registrations()
	if err != nil {
		return nil, 0, err
	}
	// The same lot sent twice at once: the loser's insert meets the
	// winner's serial; one more run finds the winner's devices.
	for attempt := 0; ; attempt++ {
		err = s.store.InTx(ctx, func(tx *db.Tx) error {
			out, created = make([]*Device, 0, len(regs)), 0
			for _, r := range regs {
				d, isNew, err := s.lotUnitTx(ctx, tx, c, lot, r)
				if err != nil {
					return err
				}
				if isNew {
					created++
				}
				out = append(out, d)
			}
			return nil
		})
		if err == nil {
			return out, created, nil
		}
		if !fault.Is(err, fault.Conflict) || attempt == 2 {
			return nil, 0, err
		}
	}
}

// registrations validates every row, naming body.devices[i].field, and
// refuses a serial twice in one lot.
func (lot Lot) registrations() ([]Registration, error) {
	var f fault.Fields
	if len(lot.Devices) == 0 || len(lot.Devices) > MaxLot {
		f.Add("body.devices", fmt.Sprintf("needs 1 to %d devices", MaxLot))
	}
	status := lot.Status
	if status == "" {
		status = InTransitToDepot
	}
	seen := map[[3]string]int{}
	regs := make([]Registration, 0, len(lot.Devices))
	for i, u := range lot.Devices {
		prefix := fmt.Sprintf("body.devices[%d].", i)
		r := Registration{Serial: u.Serial, Model: u.Model, Manufacturer: u.Manufacturer, OwnerKind: lot.Owner.Kind,
			OwnerName: lot.Owner.Name, Location: lot.Location, Status: status}
		r.normalize()
		if err := r.validate(prefix); err != nil {
			for _, fe := range err.(*fault.Error).Fields {
				f.Add(fe.Field, fe.Reason)
			}
			continue
		}
		key := [3]string{lowerASCII(r.Manufacturer), lowerASCII(r.Model), r.Serial}
		if j, dup := seen[key]; dup {
			f.Add(prefix+"serial", fmt.Sprintf("repeats body.devices[%d]", j))
			continue
		}
		seen[key] = i
		regs = append(regs, r)
	}
	return regs, f.Err()
}

// lotUnitTx registers one validated unit, or brings an existing one's owner
// and location in line with the lot.
func (s *Service) lotUnitTx(ctx context.Context, tx *db.Tx, c Caller, lot Lot, r Registration) (*Device, bool, error) {
	e := Entry{Type: HistLot, Summary: "Registered from a trade-in lot", WorkOrderID: lot.WorkOrderID}
	d, created, err := s.findOrCreateTx(ctx, tx, c.Actor, r, e)
	if err != nil || created {
		return d, created, err
	}
	owner := Owner{Kind: r.OwnerKind, Name: r.OwnerName}
	edit := Edit{Note: "trade-in lot"}
	if d.Owner != owner {
		edit.Owner = &owner
	}
	if r.Location != "" && d.Location != r.Location {
		edit.Location = &r.Location
	}
	if edit.Owner == nil && edit.Location == nil {
		return d, false, nil
	}
	return d, false, s.patchTx(ctx, tx, c.Actor, d, edit)
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if 'A' <= ch && ch <= 'Z' {
			b[i] = ch + 'a' - 'A'
		}
	}
	return string(b)
}
