package dispatch

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// Rule is how jobs of one provider and service type find their contractor:
// the first radius, how long to wait for a bid or an acceptance, how far to
// widen, and for field platforms which platform and pool, with the pool to
// fall back to when nobody accepts even at the widest radius.
type Rule struct {
	NoBidMinutes    int     `json:"no_bid_minutes" required:"false" minimum:"0" maximum:"10080" doc:"How long to wait for a bid before widening; default 120"`
	RadiusMiles     float64 `json:"radius_miles" required:"false" minimum:"0" maximum:"500" doc:"First search radius; default 25"`
	RadiusStepMiles float64 `json:"radius_step_miles" required:"false" minimum:"0" maximum:"500" doc:"Widening per step; default 15"`
	MaxRadiusMiles  float64 `json:"max_radius_miles" required:"false" minimum:"0" maximum:"500" doc:"Widest radius; default 100"`
	Platform        string  `json:"platform,omitempty" maxLength:"60" doc:"Field platform for field_platform jobs"`
	Pool            string  `json:"pool,omitempty" maxLength:"100" doc:"The platform's talent pool"`
	FallbackPool    string  `json:"fallback_pool,omitempty" maxLength:"100" doc:"The pool tried when nobody in Pool accepts at the widest radius"`
}

// DefaultRule applies where no rule is set.
var DefaultRule = Rule{NoBidMinutes: 120, RadiusMiles: 25, RadiusStepMiles: 15, MaxRadiusMiles: 100}

// AnyServiceType is the service type of a provider's catch-all rule.
const AnyServiceType = "*"

// NoBidWait is how long a job waits for a bid before the rule acts.
func (r Rule) NoBidWait() time.Duration { return time.Duration(r.NoBidMinutes) * time.Minute }

func (r *Rule) fill() {
	if r.NoBidMinutes == 0 {
		r.NoBidMinutes = DefaultRule.NoBidMinutes
	}
	if r.RadiusMiles == 0 {
		r.RadiusMiles = DefaultRule.RadiusMiles
	}
	if r.RadiusStepMiles == 0 {
		r.RadiusStepMiles = DefaultRule.RadiusStepMiles
	}
	if r.MaxRadiusMiles == 0 {
		r.MaxRadiusMiles = max(DefaultRule.MaxRadiusMiles, r.RadiusMiles)
	}
}

// ruleTx returns the rule for a provider and service type: the exact one,
// else the provider's catch-all, else the default.
func (s *Service) ruleTx(ctx context.Context, q db.Querier, providerID, serviceType string) (Rule, error) {
	var raw []byte
	err := q.QueryRowContext(ctx, `SELECT body FROM dispatch_rules WHERE provider_id = $1 AND service_type IN ($2, '*')
		ORDER BY CASE WHEN service_type = '*' THEN 1 ELSE 0 END LIMIT 1`, providerID, serviceType).Scan(&raw)
	r := Rule{}
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return r, db.Translate(err)
	default:
		if err := json.Unmarshal(raw, &r); err != nil {
			return r, err
		}
	}
	r.fill()
	return r, nil
}

// Rule returns the rule in force for a provider (by id) and service type.
func (s *Service) Rule(ctx context.Context, providerID, serviceType string) (Rule, error) {
	return s.ruleTx(ctx, s.store.Read, providerID, serviceType)
}

// SetRule stores the rule for a provider (by id) and service type ("*" for
// the provider's catch-all). Zero values take the defaults.
func (s *Service) SetRule(ctx context.Context, a event.Actor, providerID, serviceType string, r Rule) (Rule, error) {
	r.fill() // validate what will be stored: a zero radius becomes the default, which must fit under the maximum
	var f fault.Fields
	f.Check(r.NoBidMinutes >= 0 && r.NoBidMinutes <= 10080, "no_bid_minutes", "must be between 0 and 10080")
	f.Check(r.RadiusMiles >= 0 && r.RadiusStepMiles >= 0 && r.MaxRadiusMiles >= 0, "radius_miles", "must not be negative")
	f.Check(r.MaxRadiusMiles >= r.RadiusMiles, "max_radius_miles", "must be at least radius_miles (default 25)")
	f.Check(r.Platform == "" || s.Platform(r.Platform) != nil, "platform", "no such field platform in this installation")
	f.Check(serviceType != "", "service_type", "is required")
	if err := f.Err(); err != nil {
		return r, err
	}
	raw, _ := json.Marshal(r)
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO dispatch_rules (provider_id, service_type, body, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (provider_id, service_type) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
			providerID, serviceType, string(raw), db.T(tx.Now)); err != nil {
			return db.Translate(err)
		}
		_, err := s.events.Record(ctx, tx, event.Event{Type: "DispatchRule.Set", SubjectType: "dispatch_rule",
			SubjectID: providerID + "/" + serviceType, Actor: a, Payload: raw})
		return err
	})
	return r, err
}
