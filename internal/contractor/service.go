package contractor

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/google/uuid"
)

// Service runs contractor profiles.
type Service struct {
	store  *db.DB
	events *event.Bus
}

// New returns a contractor service.
func New(store *db.DB, events *event.Bus) *Service {
	return &Service{store: store, events: events}
}

// change is an event an action wants recorded after the contractor is saved.
type change struct {
	typ     string
	payload any
}

// record writes one event about contractor id.
func (s *Service) record(ctx context.Context, tx *db.Tx, by event.Actor, id string, ch change) error {
	raw, err := json.Marshal(ch.payload)
	if err != nil {
		return err
	}
	_, err = s.events.Record(ctx, tx, event.Event{Type: ch.typ, SubjectType: SubjectType, SubjectID: id, Actor: by, Payload: raw})
	return err
}

// Create adds a contractor as an applicant; Activate lets them work.
func (s *Service) Create(ctx context.Context, by event.Actor, p Profile) (*Contractor, error) {
	return s.CreateWith(ctx, by, p, nil)
}

// CreateWith is Create with more work in the same transaction: then runs
// after the profile is written (to create the contractor's sign-in, say),
// and its error rolls the profile back too.
func (s *Service) CreateWith(ctx context.Context, by event.Actor, p Profile, then func(tx *db.Tx, c *Contractor) error) (*Contractor, error) {
	p.Normalize()
	home, err := p.Validate()
	if err != nil {
		return nil, err
	}
	var out *Contractor
	err = s.store.InTx(ctx, func(tx *db.Tx) error {
		c := &Contractor{ID: uuid.Must(uuid.NewV7()).String(), Status: Applicant, Holds: []HoldPeriod{},
			Reliability: counts{}.reliability(), Version: 1, CreatedAt: tx.Now, UpdatedAt: tx.Now}
		c.setProfile(p, home)
		if err := insert(ctx, tx, c); err != nil {
			return err
		}
		if err := s.record(ctx, tx, by, c.ID, change{EventCreated, map[string]any{"contractor": c}}); err != nil {
			return err
		}
		out = c
		if then != nil {
			return then(tx, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Get returns a contractor with the holds that are not yet over.
func (s *Service) Get(ctx context.Context, id string) (*Contractor, error) {
	return load(ctx, s.store.Read, id, "", s.store.Now())
}

// GetTx reads a contractor inside the caller's transaction, without
// locking it (a bid reads the bidder; it does not change them).
func (s *Service) GetTx(ctx context.Context, tx *db.Tx, id string) (*Contractor, error) {
	return load(ctx, tx, id, "", tx.Now)
}

// LockTx reads a contractor inside the caller's transaction and locks the
// row on PostgreSQL until it ends: whoever gives the contractor work holds
// it, so two awards at once count each other against the capacity.
func (s *Service) LockTx(ctx context.Context, tx *db.Tx, id string) (*Contractor, error) {
	return load(ctx, tx, id, tx.ForUpdate(), tx.Now)
}

// Available reports whether the contractor may take new work at on: nil
// when active and not on hold, else a conflict saying why.
func (c *Contractor) Available(on time.Time) error {
	if c.Status != Active {
		return &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("contractor %s is %s, not active", c.Name, c.Status),
			Detail: map[string]any{"status": c.Status}}
	}
	if h := c.HoldOn(on); h != nil {
		return &fault.Error{Code: fault.Conflict,
			Message: fmt.Sprintf("contractor %s is on hold from %s to %s", c.Name, h.From.Format(time.RFC3339), h.To.Format(time.RFC3339)),
			Detail:  map[string]any{"hold": h}}
	}
	return nil
}

// act loads the contractor, lets fn change it, saves it guarded by its
// version and records fn's events, all in one transaction. ifVersion, when
// set, must match (412 otherwise).
func (s *Service) act(ctx context.Context, by event.Actor, id string, ifVersion *int64, fn func(tx *db.Tx, c *Contractor) ([]change, error)) (*Contractor, error) {
	var out *Contractor
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		c, err := load(ctx, tx, id, tx.ForUpdate(), tx.Now)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != c.Version {
			return &fault.Error{Code: fault.Stale, Message: "the contractor has changed since you read it",
				Detail: map[string]any{"current_version": c.Version}}
		}
		changes, err := fn(tx, c)
		if err != nil {
			return err
		}
		if err := update(ctx, tx, c); err != nil {
			return err
		}
		for _, ch := range changes {
			if err := s.record(ctx, tx, by, c.ID, ch); err != nil {
				return err
			}
		}
		out = c
		return nil
	})
	return out, err
}

// Patch changes profile fields. Status, holds and reliability change only
// through their own actions.
func (s *Service) Patch(ctx context.Context, by event.Actor, id string, e ProfileEdit, ifVersion *int64) (*Contractor, error) {
	return s.act(ctx, by, id, ifVersion, func(tx *db.Tx, c *Contractor) ([]change, error) {
		p := c.profile()
		changed := e.apply(&p)
		if len(changed) == 0 {
			return nil, &fault.Error{Code: fault.Invalid, Message: "nothing to change: send at least one field"}
		}
		p.Normalize()
		home, err := p.Validate()
		if err != nil {
			return nil, err
		}
		before := c.ServiceArea.ExtraZIPs
		c.setProfile(p, home)
		if err := saveZIPs(ctx, tx, c.ID, before, c.ServiceArea.ExtraZIPs); err != nil {
			return nil, err
		}
		return []change{{EventUpdated, map[string]any{"contractor": c, "changed": changed}}}, nil
	})
}

// Activate lets an applicant or a suspended contractor take work.
func (s *Service) Activate(ctx context.Context, by event.Actor, id, note string) (*Contractor, error) {
	return s.move(ctx, by, id, Active, "activate", note)
}

// Suspend stops an active contractor seeing or bidding on new work.
func (s *Service) Suspend(ctx context.Context, by event.Actor, id, reason string) (*Contractor, error) {
	return s.move(ctx, by, id, Suspended, "suspend", reason)
}

func (s *Service) move(ctx context.Context, by event.Actor, id string, to Status, action, note string) (*Contractor, error) {
	return s.act(ctx, by, id, nil, func(tx *db.Tx, c *Contractor) ([]change, error) {
		if !c.Status.CanMove(to) {
			return nil, illegal(c, action)
		}
		from := c.Status
		c.Status = to
		return []change{{EventStatusChanged, map[string]any{"contractor": c, "from": from, "to": to, "note": note}}}, nil
	})
}

// illegal is the 409 for a move the contractor's status forbids, naming the
// statuses it may move to.
func illegal(c *Contractor, action string) error {
	allowed := c.Status.Allowed()
	names := make([]string, len(allowed))
	for i, st := range allowed {
		names[i] = string(st)
	}
	msg := fmt.Sprintf("cannot %s a contractor who is %s", action, c.Status)
	if len(names) > 0 {
		msg += "; from " + string(c.Status) + " they may go to " + strings.Join(names, ", ")
	}
	return &fault.Error{Code: fault.Conflict, Message: msg, Detail: map[string]any{"status": c.Status, "allowed": names}}
}
