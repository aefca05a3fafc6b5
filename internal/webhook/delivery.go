package webhook

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/page"
)

const deliveryColumns = `id, endpoint_id, event_id, event_type, state, series, attempts, next_attempt_at,
	last_status, last_error, created_at, updated_at, finished_at`

func scanDelivery(row interface{ Scan(...any) error }) (Delivery, error) {
	var (
		d                             Delivery
		next, created, updated, ended db.Time
	)
	err := row.Scan(&d.ID, &d.EndpointID, &d.EventID, &d.EventType, &d.State, &d.Series, &d.Attempts, &next,
		&d.LastStatus, &d.LastError, &created, &updated, &ended)
	if err != nil {
		return Delivery{}, db.Translate(err)
	}
	d.NextAttemptAt, d.CreatedAt, d.UpdatedAt, d.FinishedAt = next.Time, created.Time, updated.Time, ended.Time
	return d, nil
}

func deliveryNotFound(id string) error {
	return fault.Errorf(fault.NotFound, "no webhook delivery %q", id)
}

// target reads a delivery and its endpoint, whoever owns them (the worker's view).
func (s *Service) target(ctx context.Context, id string) (Delivery, Endpoint, error) {
	d, err := scanDelivery(s.store.Read.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = $1`, id))
	if err != nil {
		return Delivery{}, Endpoint{}, err
	}
	e, err := endpoint(ctx, s.store.Read, AnyProvider, d.EndpointID)
	return d, e, err
}

// delivery reads one delivery the owner may see, without its attempts.
func delivery(ctx context.Context, q db.Querier, owner Owner, id string) (Delivery, Endpoint, error) {
	d, err := scanDelivery(q.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = $1`, id))
	if fault.Is(err, fault.NotFound) {
		return Delivery{}, Endpoint{}, deliveryNotFound(id)
	}
	if err != nil {
		return Delivery{}, Endpoint{}, err
	}
	e, err := endpoint(ctx, q, owner, d.EndpointID)
	if fault.Is(err, fault.NotFound) {
		return Delivery{}, Endpoint{}, deliveryNotFound(id)
	}
	return d, e, err
}

// Delivery returns one delivery with its attempts.
func (s *Service) Delivery(ctx context.Context, owner Owner, id string) (Delivery, error) {
	d, _, err := delivery(ctx, s.store.Read, owner, id)
	if err != nil {
		return Delivery{}, err
	}
	list := []Delivery{d}
	if err := attachAttempts(ctx, s.store.Read, list); err != nil {
		return Delivery{}, err
	}
	return list[0], nil
}

// Deliveries lists an endpoint's deliveries newest first, each with its
// attempts, a page at a time.
func (s *Service) Deliveries(ctx context.Context, owner Owner, endpointID, cursor string, limit int) ([]Delivery, string, error) {
	if _, err := endpoint(ctx, s.store.Read, owner, endpointID); err != nil {
		return nil, "", err
	}
	var before string
	ok, err := page.Decode(cursor, &before)
	if err != nil {
		return nil, "", err
	}
	limit = page.Limit(limit)
	query := `SELECT ` + deliveryColumns + ` FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY id DESC LIMIT $2`
	args := []any{endpointID, limit + 1}
	if ok {
		query = `SELECT ` + deliveryColumns + ` FROM webhook_deliveries WHERE endpoint_id = $1 AND id < $3 ORDER BY id DESC LIMIT $2`
		args = append(args, before)
	}
	rows, err := s.store.Read.QueryContext(ctx, query, args...)
	out, err := db.Collect(rows, err, func(r *sql.Rows) (Delivery, error) { return scanDelivery(r) })
	if err != nil {
		return nil, "", err
	}
	out, next := page.Cut(out, limit, func(d Delivery) any { return d.ID })
	if err := attachAttempts(ctx, s.store.Read, out); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// attachAttempts fills the Log of each delivery with one query.
func attachAttempts(ctx context.Context, q db.Querier, list []Delivery) error {
	if len(list) == 0 {
		return nil
	}
	index := make(map[string]int, len(list))
	ph := make([]string, len(list))
	args := make([]any, len(list))
	for i, d := range list {
		index[d.ID] = i
		ph[i] = fmt.Sprintf("$%d", i+1)
		args[i] = d.ID
	}
	rows, err := q.QueryContext(ctx, `SELECT delivery_id, series, attempt, at, status_code, error, duration_ms, next_attempt_at
		FROM webhook_attempts WHERE delivery_id IN (`+strings.Join(ph, ", ")+`) ORDER BY id`, args...)
	if err != nil {
		return db.Translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id       string
			a        Attempt
			at, next db.Time
			ms       int64
		)
		if err := rows.Scan(&id, &a.Series, &a.Attempt, &at, &a.StatusCode, &a.Error, &ms, &next); err != nil {
			return db.Translate(err)
		}
		a.At, a.NextAttemptAt, a.Duration = at.Time, next.Time, time.Duration(ms)*time.Millisecond
		i := index[id]
		list[i].Log = append(list[i].Log, a)
	}
	return db.Translate(rows.Err())
}

// Replay delivers a finished delivery again as a new series of attempts,
// with the same message id (a receiver that already has the message can
// drop it). A delivery still pending is a conflict, and so is one whose
// endpoint is disabled: enable it first.
func (s *Service) Replay(ctx context.Context, owner Owner, id string) (Delivery, error) {
	var out Delivery
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		d, e, err := delivery(ctx, tx, owner, id)
		if err != nil {
			return err
		}
		if d.State == StatePending {
			return fault.Errorf(fault.Conflict, "the delivery is still pending; it will be tried again at %s",
				d.NextAttemptAt.UTC().Format(time.RFC3339))
		}
		if !e.Enabled {
			return fault.Errorf(fault.Conflict, "the webhook endpoint is disabled; enable it before replaying")
		}
		d.Series++
		d.State, d.Attempts, d.NextAttemptAt, d.FinishedAt, d.UpdatedAt = StatePending, 0, tx.Now, time.Time{}, tx.Now
		// The old series in the condition makes two replays at once one
		// replay and one conflict.
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'pending', series = $1, attempts = 0,
			next_attempt_at = $2, updated_at = $2, finished_at = NULL WHERE id = $3 AND series = $4 AND state <> 'pending'`,
			d.Series, db.T(tx.Now), d.ID, d.Series-1)
		if err != nil {
			return db.Translate(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fault.Errorf(fault.Conflict, "the delivery is being replayed already")
		}
		out = d
		return s.q.Insert(ctx, tx, deliverArgs{DeliveryID: d.ID, Series: d.Series}, jobOpts())
	})
	if err != nil {
		return Delivery{}, err
	}
	// The delivery as the replay left it: re-reading it here would race
	// with the worker, which may already be running the new series.
	return out, nil
}
