package contractor

import (
	"context"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/google/uuid"
)

// Limits on holds: a hold is a vacation or a sick week, not a resignation.
const (
	MaxHoldSpan  = 366 * 24 * time.Hour
	maxOpenHolds = 20
)

// NewHold is a request to stop new offers for a span.
type NewHold struct {
	From   time.Time `json:"from" doc:"RFC 3339; inclusive"`
	To     time.Time `json:"to" doc:"RFC 3339; exclusive"`
	Reason string    `json:"reason,omitempty" maxLength:"500" doc:"e.g. vacation"`
}

func (h NewHold) validate(now time.Time) error {
	var f fault.Fields
	f.Check(!h.From.IsZero(), "from", "is required")
	f.Check(!h.To.IsZero(), "to", "is required")
	if !h.From.IsZero() && !h.To.IsZero() {
		f.Check(h.To.After(h.From), "to", "must be after from")
		f.Check(h.To.Sub(h.From) <= MaxHoldSpan, "to", "a hold lasts at most 366 days")
		f.Check(h.To.After(now), "to", "must be in the future: a hold that is over changes nothing")
	}
	f.Check(len(h.Reason) <= 500, "reason", "is at most 500 characters")
	return f.Err()
}

// AddHold stops new offers to a contractor from h.From to h.To. Jobs they
// already hold in that span stay theirs; Contractor.HoldAdded carries the
// span so that dispatch can flag them.
func (s *Service) AddHold(ctx context.Context, by event.Actor, id string, h NewHold) (*Contractor, HoldPeriod, error) {
	h.Reason = strings.TrimSpace(h.Reason)
	h.From, h.To = h.From.UTC().Truncate(time.Microsecond), h.To.UTC().Truncate(time.Microsecond)
	if err := h.validate(s.store.Now()); err != nil {
		return nil, HoldPeriod{}, err
	}
	var added HoldPeriod
	c, err := s.act(ctx, by, id, nil, func(tx *db.Tx, c *Contractor) ([]change, error) {
		if len(c.Holds) >= maxOpenHolds {
			return nil, fault.Errorf(fault.Conflict, "a contractor has at most %d holds that are not over; remove one first", maxOpenHolds)
		}
		added = HoldPeriod{ID: uuid.Must(uuid.NewV7()).String(), From: h.From, To: h.To, Reason: h.Reason, CreatedAt: tx.Now,
			CreatedBy: actorName(by), SetBy: setBy(by)}
		if _, err := tx.ExecContext(ctx, `INSERT INTO contractor_holds (id, contractor_id, starts_at, ends_at, reason, created_at, created_by, set_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, added.ID, c.ID, db.T(added.From), db.T(added.To), added.Reason,
			db.T(added.CreatedAt), added.CreatedBy, added.SetBy); err != nil {
			return nil, db.Translate(err)
		}
		c.Holds = insertHold(c.Holds, added)
		return []change{{EventHoldAdded, HoldEvent{ContractorID: c.ID, Hold: added}}}, nil
	})
	return c, added, err
}

// setBy is who a hold belongs to: the contractor's own time off, or a hold
// staff (or the system) put on them.
func setBy(by event.Actor) string {
	if by.Kind == event.ActorContractor {
		return "contractor"
	}
	return "staff"
}

// RemoveHold ends a hold early (or cancels one that has not begun). A hold
// of another contractor is not found; a contractor may lift only the holds
// they set themselves (time off), not one staff put on them.
func (s *Service) RemoveHold(ctx context.Context, by event.Actor, id, holdID string) (*Contractor, error) {
	return s.act(ctx, by, id, nil, func(tx *db.Tx, c *Contractor) ([]change, error) {
		i := -1
		for j, h := range c.Holds {
			if h.ID == holdID {
				i = j
			}
		}
		if i < 0 {
			return nil, fault.Errorf(fault.NotFound, "no hold %q that is not over on this contractor", holdID)
		}
		gone := c.Holds[i]
		if setBy(by) == "contractor" && gone.SetBy != "contractor" {
			return nil, fault.Errorf(fault.Forbidden, "hold %s was set by staff; only staff can lift it", holdID)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM contractor_holds WHERE id = $1 AND contractor_id = $2`, gone.ID, c.ID); err != nil {
			return nil, db.Translate(err)
		}
		c.Holds = append(c.Holds[:i:i], c.Holds[i+1:]...)
		return []change{{EventHoldRemoved, HoldEvent{ContractorID: c.ID, Hold: gone}}}, nil
	})
}

// insertHold keeps holds ordered by start.
func insertHold(hs []HoldPeriod, h HoldPeriod) []HoldPeriod {
	i := 0
	for i < len(hs) && !hs[i].From.After(h.From) {
		i++
	}
	out := append(hs[:i:i], h)
	return append(out, hs[i:]...)
}

func actorName(a event.Actor) string {
	if a.Name != "" {
		return a.Name
	}
	if a.ID == "" {
		return a.Kind
	}
	return a.Kind + ":" + a.ID
}
