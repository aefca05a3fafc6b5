package device

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// Edit changes a device's details; fields left out stay. Serial, model and
// manufacturer are its identity and do not change; status moves through
// SetStatus.
type Edit struct {
	Owner      *Owner            `json:"owner,omitempty"`
	Location   *string           `json:"location,omitempty" maxLength:"200"`
	ParentID   *string           `json:"parent_id,omitempty" maxLength:"100" doc:"Empty detaches the component"`
	Loaner     *bool             `json:"loaner,omitempty"`
	Resale     *bool             `json:"resale,omitempty"`
	Region     *string           `json:"region,omitempty" maxLength:"20"`
	Attributes map[string]string `json:"attributes,omitempty" doc:"Attributes to set; an empty value removes one"`
	Note       string            `json:"note,omitempty" maxLength:"2000"`
}

// change is one field's value before and after an edit.
type change struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

// Patch applies an edit. Configuration and ownership changes go on the
// history with their before and after, and a Device.Updated event lists
// every change. ifVersion, when set, must match (412 otherwise).
func (s *Service) Patch(ctx context.Context, c Caller, id string, in Edit, ifVersion *int64) (*Device, error) {
	var out *Device
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		d, err := s.lockedTx(ctx, tx, id, ifVersion)
		if err != nil {
			return err
		}
		out = d
		return s.patchTx(ctx, tx, c.Actor, d, in)
	})
	return out, err
}

func (s *Service) patchTx(ctx context.Context, tx *db.Tx, by event.Actor, d *Device, in Edit) error {
	if err := loanPins(d, in); err != nil {
		return err
	}
	before := *d
	before.Attributes = maps.Clone(d.Attributes)
	if err := s.apply(ctx, tx, d, in); err != nil {
		return err
	}
	changes := map[string]change{}
	attrChanges := map[string]change{}
	for _, k := range sortedKeys(before.Attributes, d.Attributes) {
		if b, a := before.Attributes[k], d.Attributes[k]; a != b {
			attrChanges[k] = change{nonEmpty(b), nonEmpty(a)}
		}
	}
	if len(attrChanges) > 0 {
		changes["attributes"] = change{before.Attributes, d.Attributes}
	}
	if before.Owner != d.Owner {
		changes["owner"] = change{before.Owner, d.Owner}
	}
	for name, pair := range map[string][2]any{"location": {before.Location, d.Location}, "parent_id": {before.ParentID, d.ParentID},
		"loaner": {before.Loaner, d.Loaner}, "resale": {before.Resale, d.Resale}, "region": {before.Region, d.Region}} {
		if pair[0] != pair[1] {
			changes[name] = change{pair[0], pair[1]}
		}
	}
	if len(changes) == 0 {
		return nil // nothing changed: no new version, no event
	}
	if err := update(ctx, tx, d); err != nil {
		return err
	}
	ev, err := s.record(ctx, tx, by, d, "Device.Updated", "", map[string]any{"changes": changes, "note": in.Note})
	if err != nil {
		return err
	}
	return s.historyOfEdit(ctx, tx, by, d, ev.ID, in.Note, changes, attrChanges)
}

// historyOfEdit writes one history entry per kind of change, all from the
// same event.
func (s *Service) historyOfEdit(ctx context.Context, tx *db.Tx, by event.Actor, d *Device, eventID, note string, changes, attrChanges map[string]change) error {
	var entries []Entry
	if len(attrChanges) > 0 {
		entries = append(entries, Entry{Type: HistConfigChanged, Summary: "Configuration changed: " + strings.Join(slices.Sorted(maps.Keys(attrChanges)), ", "),
			Detail: map[string]any{"changes": attrChanges, "note": note}})
	}
	if ch, ok := changes["owner"]; ok {
		entries = append(entries, Entry{Type: HistOwnerChanged, Summary: fmt.Sprintf("Owner changed to %s %s", d.Owner.Kind, d.Owner.Name),
			Detail: map[string]any{"before": ch.Before, "after": ch.After, "note": note}})
	}
	rest := map[string]change{}
	for k, v := range changes {
		if k != "owner" && k != "attributes" {
			rest[k] = v
		}
	}
	if len(rest) > 0 {
		entries = append(entries, Entry{Type: HistUpdated, Summary: "Changed " + strings.Join(slices.Sorted(maps.Keys(rest)), ", "),
			Detail: map[string]any{"changes": rest, "note": note}})
	}
	// The history keeps each event once per device, so only the first
	// entry carries the event id; the others are written in the same
	// transaction and cannot be repeated without it.
	for i, e := range entries {
		if i == 0 {
			e.EventID = eventID
		}
		if _, err := addHistory(ctx, tx, by, d.ID, e); err != nil {
			return err
		}
	}
	return nil
}

// loanPins refuses taking a loaner out of its pool (loaner false, or
// another region) while it is out on loan: the loan would be stranded, never
// returned through the pool and billed overdue every day.
func loanPins(d *Device, in Edit) error {
	if d.Loan == nil {
		return nil
	}
	var fields []string
	if in.Loaner != nil && !*in.Loaner {
		fields = append(fields, "loaner")
	}
	if in.Region != nil && strings.ToUpper(strings.TrimSpace(*in.Region)) != d.Region {
		fields = append(fields, "region")
	}
	if len(fields) == 0 {
		return nil
	}
	return &fault.Error{Code: fault.Conflict,
		Message: fmt.Sprintf("loaner %s is out on loan %s; return it before changing its %s", d.Serial, d.Loan.ID, strings.Join(fields, " or ")),
		Detail:  map[string]any{"status": d.Status, "loan_id": d.Loan.ID, "fields": fields}}
}

// apply validates an edit against d and applies it.
func (s *Service) apply(ctx context.Context, tx *db.Tx, d *Device, in Edit) error {
	var f fault.Fields
	if in.Owner != nil {
		o := Owner{Kind: in.Owner.Kind, Name: strings.TrimSpace(in.Owner.Name)}
		f.Check(o.Kind == OwnerCustomer || o.Kind == OwnerCompany, "body.owner.kind", "must be customer or company")
		f.Check(o.Kind != OwnerCustomer || o.Name != "", "body.owner.name", "is required for a customer")
		d.Owner = o
	}
	if in.Location != nil {
		d.Location = strings.TrimSpace(*in.Location)
	}
	if in.Loaner != nil {
		d.Loaner = *in.Loaner
	}
	if in.Resale != nil {
		d.Resale = *in.Resale
	}
	if in.Region != nil {
		d.Region = strings.ToUpper(strings.TrimSpace(*in.Region))
	}
	f.Check(!d.Loaner || d.Region != "", "body.region", "is required for a loaner: the pool it belongs to")
	for k, v := range in.Attributes {
		if v == "" {
			delete(d.Attributes, k)
		} else {
			d.Attributes[k] = v
		}
	}
	checkAttributes(&f, "body.attributes", d.Attributes)
	if in.ParentID != nil && *in.ParentID != d.ParentID {
		if err := s.checkParent(ctx, tx, d, *in.ParentID); err != nil {
			f.Add("body.parent_id", err.Error())
		}
		d.ParentID = *in.ParentID
	}
	return f.Err()
}

// checkParent refuses a parent that does not exist or would make a cycle.
func (s *Service) checkParent(ctx context.Context, tx *db.Tx, d *Device, parentID string) error {
	for id, depth := parentID, 0; id != ""; depth++ {
		if id == d.ID || depth > 10 {
			return fmt.Errorf("would make the device a component of itself")
		}
		p, err := s.load(ctx, tx, id, "")
		if err != nil {
			return fmt.Errorf("no device %s", parentID)
		}
		id = p.ParentID
	}
	return nil
}

func sortedKeys(a, b map[string]string) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func nonEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
