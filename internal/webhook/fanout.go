package webhook

import (
	"context"
	"fmt"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// FanOutSubscriber is the name the service subscribes to the bus under; it
// shows in queued jobs and dead letters.
const FanOutSubscriber = "webhook.fanout"

// DeliverKind is the job kind of one delivery's attempts.
const DeliverKind = "webhook.deliver"

// deliverArgs names the delivery and the series of attempts the job runs;
// a replay starts a new series with a new job, and a job whose series is
// over (replayed, skipped, finished) ends without posting.
type deliverArgs struct {
	DeliveryID string `json:"delivery_id"`
	Series     int    `json:"series"`
}

func (deliverArgs) Kind() string { return DeliverKind }

// jobOpts makes a (delivery, series) job unique in every state, so neither a
// repeated fan-out nor a repeated replay can queue it twice.
func jobOpts() *river.InsertOpts {
	return &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: rivertype.JobStates()}}
}

// fanOut turns an event into deliveries: one per enabled endpoint of the
// event's provider that wants its type and existed when it happened, each
// with its job, all in one transaction. A delivery is unique per endpoint
// and event, so running fanOut again for the same event adds nothing.
// hasEndpoints decides, inside the transaction that records e, whether a
// fan-out is worth queueing: only when e's provider has an enabled endpoint.
// Most providers poll rather than take webhooks, and for them an event then
// costs no job at all.
func (s *Service) hasEndpoints(ctx context.Context, tx *db.Tx, e event.Event) (bool, error) {
	if e.ProviderID == "" || e.StaffOnly {
		return false, nil
	}
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM webhook_endpoints WHERE provider_id = $1 AND enabled`, e.ProviderID).Scan(&n)
	return n > 0, db.Translate(err)
}

func (s *Service) fanOut(ctx context.Context, e event.Event) error {
	if e.ProviderID == "" || e.StaffOnly {
		return nil
	}
	return s.store.InTx(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints
			WHERE provider_id = $1 AND enabled AND created_at <= $2 ORDER BY id`, e.ProviderID, db.T(e.At))
		if err != nil {
			return db.Translate(fmt.Errorf("endpoints of provider %s: %w", e.ProviderID, err))
		}
		var targets []string
		for rows.Next() {
			ep, err := scanEndpoint(rows)
			if err != nil {
				rows.Close()
				return err
			}
			if ep.wants(e.Type) {
				targets = append(targets, ep.ID)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return db.Translate(err)
		}
		var jobs []river.InsertManyParams
		for _, endpointID := range targets {
			id := uuid.Must(uuid.NewV7()).String()
			res, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries
				(id, endpoint_id, event_id, event_type, state, series, attempts, next_attempt_at, created_at, updated_at)
				VALUES ($1, $2, $3, $4, 'pending', 1, 0, $5, $5, $5)
				ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
				id, endpointID, e.ID, e.Type, db.T(tx.Now))
			if err != nil {
				return db.Translate(fmt.Errorf("delivery of %s to %s: %w", e.ID, endpointID, err))
			}
			if n, _ := res.RowsAffected(); n == 1 {
				jobs = append(jobs, river.InsertManyParams{Args: deliverArgs{DeliveryID: id, Series: 1}, InsertOpts: jobOpts()})
			}
		}
		_, err = s.q.InsertMany(ctx, tx, jobs)
		return err
	})
}
