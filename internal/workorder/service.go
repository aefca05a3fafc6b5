package workorder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/provider"
	"github.com/google/uuid"
)

// SubjectType names work orders on events.
const SubjectType = event.WorkOrderSubject

var (
	errDuplicate = errors.New("work order: duplicate external id")
	errChanged   = &fault.Error{Code: fault.Stale, Message: "the work order has changed since you read it"}
)

// Recorder records domain events inside a business transaction.
type Recorder interface {
	Record(ctx context.Context, tx *db.Tx, e event.Event) (event.Event, error)
	ForWorkOrder(ctx context.Context, q db.Querier, workOrderID string) ([]event.Event, error)
}

// Providers is what work orders need to know of providers.
type Providers interface {
	ByID(ctx context.Context, id string) (provider.Provider, error)
}

// Caller is who acts and what they may see: a caller with a ProviderID sees
// only that provider's work orders; others not at all (not found).
type Caller struct {
	Actor      event.Actor
	ProviderID string
}

// Service runs work orders.
type Service struct {
	store     *db.DB
	events    Recorder
	providers Providers
}

// New returns a work order service.
func New(store *db.DB, events Recorder, providers Providers) *Service {
	return &Service{store: store, events: events, providers: providers}
}

// Create takes a work order in. It is idempotent by provider and external
// id: the same order again returns the stored work order and created=false;
// a different order under the same external id is a conflict naming the
// fields that differ, never an overwrite.
func (s *Service) Create(ctx context.Context, c Caller, providerID string, in Intake) (*WorkOrder, bool, error) {
	if c.ProviderID != "" && c.ProviderID != providerID {
		return nil, false, fault.Errorf(fault.Forbidden, "a provider's key creates work orders only for that provider")
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, false, err
	}
	prov, err := s.providers.ByID(ctx, providerID)
	if err != nil {
		return nil, false, err
	}
	if !prov.Active {
		return nil, false, fault.Errorf(fault.Conflict, "provider %s is inactive", prov.Code)
	}
	canonical, err := canonicalIntake(in)
	if err != nil {
		return nil, false, err
	}
	for attempt := 0; ; attempt++ {
		var (
			out     *WorkOrder
			created bool
		)
		err := s.store.InTx(ctx, func(tx *db.Tx) error {
			var err error
			out, created, err = s.createTx(ctx, tx, c, prov, in, canonical, "")
			return err
		})
		// Two requests with one external id at once: the loser's insert
		// fails on the unique key; run again to find the winner's order.
		if errors.Is(err, errDuplicate) && attempt < 2 {
			continue
		}
		if errors.Is(err, errDuplicate) {
			err = fault.Errorf(fault.Conflict, "work order %q is being created by another request", in.ExternalID)
		}
		return out, created, err
	}
}

func (s *Service) createTx(ctx context.Context, tx *db.Tx, c Caller, prov provider.Provider, in Intake, canonical map[string]any, reopenedFrom string) (*WorkOrder, bool, error) {
	var stored []byte
	existing, err := scan(tx.QueryRowContext(ctx, `SELECT `+columns+`, intake FROM work_orders WHERE provider_id = $1 AND external_id = $2`+tx.ForUpdate(),
		prov.ID, in.ExternalID), &stored)
	if err == nil {
		var prev map[string]any
		if err := json.Unmarshal(stored, &prev); err != nil {
			return nil, false, err
		}
		if diff := differences(canonical, prev); len(diff) > 0 {
			return nil, false, &fault.Error{Code: fault.Conflict,
				Message: fmt.Sprintf("work order %q exists with different %s; change it with PATCH", in.ExternalID, strings.Join(diff, ", ")),
				Detail:  map[string]any{"id": existing.ID, "differing_fields": diff}}
		}
		return existing, false, nil
	}
	if !fault.Is(err, fault.NotFound) {
		return nil, false, err
	}
	n, err := db.NextNumber(ctx, tx, "work_order_number")
	if err != nil {
		return nil, false, err
	}
	w := &WorkOrder{
		ID: uuid.Must(uuid.NewV7()).String(), Number: fmt.Sprintf("WO-%06d", n), Provider: prov.Code, providerID: prov.ID,
		ExternalID: in.ExternalID, ServiceType: in.ServiceType, Priority: in.Priority, Status: Received,
		PONumber: in.PONumber, RMANumber: in.RMANumber, Customer: in.Customer, Site: in.Site, Devices: in.Devices,
		Problem: in.Problem, ErrorCodes: in.ErrorCodes, RequestedWindow: in.RequestedWindow, ReopenedFrom: reopenedFrom,
		Version: 1, CreatedAt: tx.Now, UpdatedAt: tx.Now,
	}
	w.setBody(w.body())
	w.Entitlement = Decide(prov.Settings.Contract, w.Devices, w.Priority, tx.Now)
	due := tx.Now.Add(SLADuration(w.Entitlement.SLATier))
	w.SLADueAt = &due
	raw, err := json.Marshal(canonical)
	if err != nil {
		return nil, false, err
	}
	if err := insert(ctx, tx, w, string(raw)); err != nil {
		return nil, false, err
	}
	extra := map[string]any{}
	if reopenedFrom != "" {
		extra["reopened_from"] = reopenedFrom
	}
	if err := s.record(ctx, tx, c, w, "WorkOrder.Created", extra); err != nil {
		return nil, false, err
	}
	if err := s.record(ctx, tx, c, w, "WorkOrder.EntitlementDecided", map[string]any{"entitlement": w.Entitlement}); err != nil {
		return nil, false, err
	}
	return w, true, nil
}

// canonicalIntake is the intake as a JSON object with sorted keys, so that
// repeats compare field by field.
func canonicalIntake(in Intake) (map[string]any, error) {
	raw, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(raw, &m)
}

func equalJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// record writes one event about w, with the work order as it now is.
func (s *Service) record(ctx context.Context, tx *db.Tx, c Caller, w *WorkOrder, typ string, extra map[string]any) error {
	payload := map[string]any{"work_order": w}
	for k, v := range extra {
		payload[k] = v
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	_, err = s.events.Record(ctx, tx, event.Event{Type: typ, SubjectType: SubjectType, SubjectID: w.ID,
		ProviderID: w.providerID, Actor: c.Actor, Payload: raw})
	return err
}

// Get returns a work order the caller may see.
func (s *Service) Get(ctx context.Context, c Caller, id string) (*WorkOrder, error) {
	return s.load(ctx, s.store.Read, c, id, "")
}

func (s *Service) load(ctx context.Context, q db.Querier, c Caller, id, suffix string) (*WorkOrder, error) {
	w, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM work_orders WHERE id = $1`+suffix, id))
	if err == nil && c.ProviderID != "" && w.providerID != c.ProviderID {
		err = &fault.Error{Code: fault.NotFound}
	}
	if fault.Is(err, fault.NotFound) {
		return nil, fault.Errorf(fault.NotFound, "no work order %q", id)
	}
	return w, err
}

// Timeline returns every event of a work order and of what was done for it,
// in order. A provider's caller sees what providers may: no staff-only
// events, and contractors as "contractor" without their name or id.
func (s *Service) Timeline(ctx context.Context, c Caller, id string) ([]event.Event, error) {
	if _, err := s.Get(ctx, c, id); err != nil {
		return nil, err
	}
	evs, err := s.events.ForWorkOrder(ctx, s.store.Read, id)
	if err != nil || c.ProviderID == "" {
		return evs, err
	}
	out := evs[:0]
	for _, e := range evs {
		if e, ok := event.ForProvider(e); ok {
			out = append(out, e)
		}
	}
	return out, nil
}
