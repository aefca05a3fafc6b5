package webhook

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/page"
	"github.com/google/uuid"
)

// Limits on endpoints.
const (
	// MaxEndpoints bounds one provider's endpoints, and so the fan-out of
	// one event.
	MaxEndpoints   = 20
	MaxEventTypes  = 50
	MaxDescription = 500
)

// typePattern is the loose shape of an event type selector: "*", a prefix
// such as "WorkOrder.*", or a type such as "WorkOrder.Created". Types are
// not checked against a list, so an endpoint can subscribe to events of an
// area that ships later.
var typePattern = regexp.MustCompile(`^(\*|[A-Z][A-Za-z0-9]{0,63}\.(\*|[A-Z][A-Za-z0-9]{0,63}))$`)

func (e Endpoint) wants(typ string) bool {
	return slices.ContainsFunc(e.EventTypes, func(p string) bool { return event.Matches(p, typ) })
}

// checkTypes validates selectors and returns them without duplicates, in
// the order given.
func checkTypes(types []string) ([]string, string) {
	if len(types) == 0 {
		return nil, `needs at least one event type, e.g. "WorkOrder.*" or "*"`
	}
	if len(types) > MaxEventTypes {
		return nil, fmt.Sprintf("has more than %d entries", MaxEventTypes)
	}
	out := make([]string, 0, len(types))
	for _, t := range types {
		t = strings.TrimSpace(t)
		if !typePattern.MatchString(t) {
			return nil, fmt.Sprintf(`has %q, which is not an event type: use "*", "Area.*" or "Area.Event" like "WorkOrder.Created"`, t)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, ""
}

// check validates the fields of e that changed and normalises them.
func (s *Service) check(e *Endpoint, urlChanged bool) error {
	var f fault.Fields
	if urlChanged {
		u, reason := checkURL(e.URL, s.allowPrivate.Load())
		if reason != "" {
			f.Add("url", reason)
		}
		e.URL = u
	}
	types, reason := checkTypes(e.EventTypes)
	if reason != "" {
		f.Add("event_types", reason)
	}
	e.EventTypes = types
	e.Description = strings.TrimSpace(e.Description)
	f.Check(len(e.Description) <= MaxDescription, "description", fmt.Sprintf("is longer than %d characters", MaxDescription))
	return f.Err()
}

// Create registers an endpoint and returns it with its signing secret. The
// secret is shown this once; fieldhub keeps it only sealed.
func (s *Service) Create(ctx context.Context, n NewEndpoint) (Endpoint, string, error) {
	if n.ProviderID == "" {
		return Endpoint{}, "", &fault.Error{Code: fault.Invalid, Message: "validation failed",
			Fields: []fault.FieldError{{Field: "provider", Reason: "is required"}}}
	}
	e := Endpoint{ProviderID: n.ProviderID, URL: n.URL, EventTypes: n.EventTypes, Description: n.Description, Enabled: true}
	if err := s.check(&e, true); err != nil {
		return Endpoint{}, "", err
	}
	secret := newSecret()
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		var count int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM webhook_endpoints WHERE provider_id = $1`, e.ProviderID).Scan(&count); err != nil {
			return db.Translate(err)
		}
		if count >= MaxEndpoints {
			return fault.Errorf(fault.Conflict, "a provider may have at most %d webhook endpoints; delete one first", MaxEndpoints)
		}
		e.ID = uuid.Must(uuid.NewV7()).String()
		e.Version = 1
		e.CreatedAt, e.UpdatedAt = tx.Now, tx.Now
		_, err := tx.ExecContext(ctx, `INSERT INTO webhook_endpoints
			(id, provider_id, url, event_types, description, enabled, secret, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8)`,
			e.ID, e.ProviderID, e.URL, typesJSON(e.EventTypes), e.Description, true, s.seal(e.ID, secret), db.T(tx.Now))
		return db.Translate(err)
	})
	if err != nil {
		return Endpoint{}, "", err
	}
	return e, secret, nil
}

const endpointColumns = `id, provider_id, url, event_types, description, enabled, disabled_reason, version, created_at, updated_at`

func scanEndpoint(row interface{ Scan(...any) error }) (Endpoint, error) {
	var (
		e                Endpoint
		types            []byte
		created, updated db.Time
	)
	err := row.Scan(&e.ID, &e.ProviderID, &e.URL, &types, &e.Description, &e.Enabled, &e.DisabledReason,
		&e.Version, &created, &updated)
	if err != nil {
		return Endpoint{}, db.Translate(err)
	}
	if err := json.Unmarshal(types, &e.EventTypes); err != nil {
		return Endpoint{}, fmt.Errorf("endpoint %s: event types: %w", e.ID, err)
	}
	e.CreatedAt, e.UpdatedAt = created.Time, updated.Time
	return e, nil
}

func typesJSON(types []string) string {
	b, _ := json.Marshal(types)
	return string(b)
}

func notFound(id string) error { return fault.Errorf(fault.NotFound, "no webhook endpoint %q", id) }

// endpoint reads one endpoint the owner may see; another provider's is not
// found, so ids cannot be probed.
func endpoint(ctx context.Context, q db.Querier, owner Owner, id string) (Endpoint, error) {
	e, err := scanEndpoint(q.QueryRowContext(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id = $1`, id))
	if fault.Is(err, fault.NotFound) || (err == nil && !owner.owns(e.ProviderID)) {
		return Endpoint{}, notFound(id)
	}
	return e, err
}

// Get returns one endpoint (never its secret).
func (s *Service) Get(ctx context.Context, owner Owner, id string) (Endpoint, error) {
	return endpoint(ctx, s.store.Read, owner, id)
}

// List returns the endpoints owner may see, oldest first, a page at a time.
func (s *Service) List(ctx context.Context, owner Owner, cursor string, limit int) ([]Endpoint, string, error) {
	var after string
	if _, err := page.Decode(cursor, &after); err != nil {
		return nil, "", err
	}
	limit = page.Limit(limit)
	query := `SELECT ` + endpointColumns + ` FROM webhook_endpoints WHERE id > $1 ORDER BY id LIMIT $2`
	args := []any{after, limit + 1}
	if !owner.any {
		query = `SELECT ` + endpointColumns + ` FROM webhook_endpoints WHERE id > $1 AND provider_id = $3 ORDER BY id LIMIT $2`
		args = append(args, owner.providerID)
	}
	rows, err := s.store.Read.QueryContext(ctx, query, args...)
	out, err := db.Collect(rows, err, func(r *sql.Rows) (Endpoint, error) { return scanEndpoint(r) })
	if err != nil {
		return nil, "", err
	}
	out, next := page.Cut(out, limit, func(e Endpoint) any { return e.ID })
	return out, next, nil
}

// Update applies u. When ifVersion is not nil and the stored version
// differs, nothing changes and the error is Stale. Disabling an endpoint
// skips its pending deliveries; enabling it clears the reason fieldhub
// disabled it for.
func (s *Service) Update(ctx context.Context, owner Owner, id string, u Update, ifVersion *int64) (Endpoint, error) {
	var out Endpoint
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		e, err := endpoint(ctx, tx, owner, id)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != e.Version {
			return &fault.Error{Code: fault.Stale, Message: "the webhook endpoint has changed since you read it",
				Detail: map[string]any{"current_version": e.Version}}
		}
		before := e
		if u.URL != nil {
			e.URL = *u.URL
		}
		if u.EventTypes != nil {
			e.EventTypes = *u.EventTypes
		}
		if u.Description != nil {
			e.Description = *u.Description
		}
		if u.Enabled != nil {
			e.Enabled = *u.Enabled
		}
		if e.Enabled {
			e.DisabledReason = ""
		}
		// The URL is checked only when it changes, so that an endpoint
		// registered under laxer rules can still be disabled or deleted.
		if err := s.check(&e, u.URL != nil); err != nil {
			return err
		}
		e.Version++
		e.UpdatedAt = tx.Now
		res, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET url = $1, event_types = $2, description = $3,
			enabled = $4, disabled_reason = $5, version = $6, updated_at = $7 WHERE id = $8 AND version = $9`,
			e.URL, typesJSON(e.EventTypes), e.Description, e.Enabled, e.DisabledReason, e.Version, db.T(tx.Now), e.ID, before.Version)
		if err != nil {
			return db.Translate(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return &fault.Error{Code: fault.Stale, Message: "the webhook endpoint has changed since you read it"}
		}
		if before.Enabled && !e.Enabled {
			if err := skipPending(ctx, tx, e.ID, ""); err != nil {
				return err
			}
		}
		out = e
		return nil
	})
	return out, err
}

// RotateSecret gives the endpoint a new signing secret and returns it, shown
// this once. For RotationOverlap the old secret signs too (a second
// signature in the header), so a receiver can switch without a gap.
func (s *Service) RotateSecret(ctx context.Context, owner Owner, id string) (Endpoint, string, error) {
	var out Endpoint
	secret := newSecret()
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		e, err := endpoint(ctx, tx, owner, id)
		if err != nil {
			return err
		}
		var sealed string
		if err := tx.QueryRowContext(ctx, `SELECT secret FROM webhook_endpoints WHERE id = $1`, id).Scan(&sealed); err != nil {
			return db.Translate(err)
		}
		e.Version++
		e.UpdatedAt = tx.Now
		_, err = tx.ExecContext(ctx, `UPDATE webhook_endpoints SET secret = $1, previous_secret = $2,
			previous_secret_until = $3, version = $4, updated_at = $5 WHERE id = $6`,
			s.seal(id, secret), sealed, db.T(tx.Now.Add(RotationOverlap)), e.Version, db.T(tx.Now), id)
		out = e
		return db.Translate(err)
	})
	if err != nil {
		return Endpoint{}, "", err
	}
	return out, secret, nil
}

// Delete removes an endpoint with its deliveries and their attempts. Jobs
// still queued for them find nothing and end.
func (s *Service) Delete(ctx context.Context, owner Owner, id string) error {
	return s.store.InTx(ctx, func(tx *db.Tx) error {
		if _, err := endpoint(ctx, tx, owner, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM webhook_endpoints WHERE id = $1`, id)
		return db.Translate(err)
	})
}

// signingSecrets returns the secrets that sign a message sent now: the
// current one, and the previous one while the rotation overlap lasts.
func (s *Service) signingSecrets(ctx context.Context, e Endpoint) ([]string, error) {
	var (
		current, previous string
		until             db.Time
	)
	err := s.store.Read.QueryRowContext(ctx, `SELECT secret, previous_secret, previous_secret_until
		FROM webhook_endpoints WHERE id = $1`, e.ID).Scan(&current, &previous, &until)
	if err != nil {
		return nil, db.Translate(err)
	}
	secret, err := s.unseal(e.ID, current)
	if err != nil {
		return nil, err
	}
	out := []string{secret}
	if previous != "" && s.store.Now().Before(until.Time) {
		if old, err := s.unseal(e.ID, previous); err == nil {
			out = append(out, old)
		}
	}
	return out, nil
}
