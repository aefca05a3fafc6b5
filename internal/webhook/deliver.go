package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/riverqueue/river"
)

// maxErrorText bounds the error kept per attempt.
const maxErrorText = 500

// maxDrain is how much of a response body is read (and thrown away) so the
// connection can be reused; a receiver's body carries no meaning here.
const maxDrain = 64 << 10

// message is the body posted, as Standard Webhooks lays it out.
type message struct {
	Type      string          `json:"type"`
	Timestamp string          `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	s *Service
}

// Timeout leaves room beyond the POST's own deadline for the database work
// around it.
func (w *deliverWorker) Timeout(*river.Job[deliverArgs]) time.Duration {
	return w.s.cfg.Timeout + 30*time.Second
}

// Work makes one attempt at a delivery. Waiting for the next attempt is a
// snooze, not a River retry: the schedule (and a receiver's Retry-After)
// lives in the delivery row, and River's own retries are left for failures
// of fieldhub itself, such as a database that is away.
func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	s := w.s
	d, ep, err := s.target(ctx, job.Args.DeliveryID)
	if fault.Is(err, fault.NotFound) {
		return nil // the endpoint was deleted, and its deliveries with it
	}
	if err != nil {
		return err
	}
	if d.Series != job.Args.Series || d.State != StatePending {
		return nil // replayed, skipped or finished since this job was queued
	}
	if !ep.Enabled {
		return s.skip(ctx, d)
	}
	ev, err := s.bus.Get(ctx, s.store.Read, d.EventID)
	if fault.Is(err, fault.NotFound) {
		return s.record(ctx, d, outcome{at: s.store.Now(), err: "the event is no longer stored", permanent: true})
	}
	if err != nil {
		return err
	}
	out, err := s.post(ctx, ep, d, ev)
	if err != nil {
		return err
	}
	return s.record(ctx, d, out)
}

// outcome is what one attempt came to.
type outcome struct {
	at         time.Time
	took       time.Duration
	status     int
	err        string
	retryAfter time.Duration
	// permanent marks a failure no retry can cure.
	permanent bool
}

func (o outcome) ok() bool { return o.status >= 200 && o.status < 300 }

// post sends the message once. Failures of the receiver come back in the
// outcome; an error means fieldhub itself could not try (the database is
// away, or the worker is shutting down) and the attempt does not count.
func (s *Service) post(ctx context.Context, ep Endpoint, d Delivery, ev event.Event) (outcome, error) {
	out := outcome{at: s.store.Now()}
	// What a provider may see of the event (staff-only events are never
	// fanned out in the first place).
	if pv, ok := event.ForProvider(ev); ok {
		ev = pv
	}
	body, err := json.Marshal(message{Type: ev.Type, Timestamp: ev.At.UTC().Format(time.RFC3339Nano), Data: ev.Payload})
	if err != nil {
		return out, fmt.Errorf("encode message for event %s: %w", ev.ID, err)
	}
	secrets, err := s.signingSecrets(ctx, ep)
	if errors.Is(err, errUnseal) {
		out.err = err.Error()
		return out, nil
	}
	if err != nil {
		return out, err
	}
	sig, err := sign(secrets, d.MessageID(), out.at, body)
	if err != nil {
		out.err = "the signing secret is malformed; rotate it"
		return out, nil
	}
	pctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(pctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		out.err = "the endpoint URL cannot be requested: " + err.Error()
		return out, nil
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "fieldhub-webhooks/1")
	req.Header.Set("webhook-id", d.MessageID())
	req.Header.Set("webhook-timestamp", strconv.FormatInt(out.at.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	start := time.Now()
	resp, err := s.client.Do(req)
	out.took = time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return out, ctx.Err() // shutting down: River puts the job back
		}
		out.err = describe(err, s.cfg.Timeout)
		return out, nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	resp.Body.Close()
	out.status = resp.StatusCode
	if out.ok() {
		return out, nil
	}
	out.err = fmt.Sprintf("the receiver answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		out.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return out, nil
}

// describe turns a transport error into a line a provider can act on.
func describe(err error, timeout time.Duration) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, ErrPrivateDestination):
		return ErrPrivateDestination.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer within %s", timeout)
	}
	return truncate(err.Error())
}

func truncate(s string) string {
	if len(s) <= maxErrorText {
		return s
	}
	s = s[:maxErrorText]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
// Anything else, or a time in the past, is no delay.
func parseRetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		return time.Duration(min(max(n, 0), 1<<20)) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// wait returns how long to wait after the attempt-th failed attempt, or
// false when the schedule is spent.
func (s *Service) wait(attempt int, retryAfter time.Duration) (time.Duration, bool) {
	if attempt > len(s.cfg.Schedule) {
		return 0, false
	}
	d := s.cfg.Schedule[attempt-1]
	if j := s.cfg.Jitter; j > 0 {
		d = time.Duration(float64(d) * (1 + j*(2*rand.Float64()-1)))
	}
	if retryAfter > 0 {
		d = max(d, min(retryAfter, s.cfg.MaxRetryAfter))
	}
	return max(d, 0), true
}

// record writes the attempt and moves the delivery on: succeeded, failed,
// dead, or pending until the next attempt, which the returned snooze
// schedules. A 410 Gone disables the endpoint and skips its other pending
// deliveries.
func (s *Service) record(ctx context.Context, d Delivery, out outcome) error {
	var (
		again  bool // pending: snooze until the next attempt
		snooze time.Duration
	)
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		attempt := d.Attempts + 1
		state, next := StatePending, time.Time{}
		gone := out.status == http.StatusGone
		switch {
		case out.ok():
			state = StateSucceeded
		case gone || out.permanent:
			state = StateFailed
		default:
			wait, ok := s.wait(attempt, out.retryAfter)
			if !ok {
				state = StateDead
				break
			}
			next, snooze, again = tx.Now.Add(wait), wait, true
		}
		var finished db.Time
		if !again {
			finished = db.T(tx.Now)
		}
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = $1, attempts = $2, next_attempt_at = $3,
			last_status = $4, last_error = $5, updated_at = $6, finished_at = $7
			WHERE id = $8 AND series = $9 AND state = 'pending'`,
			state, attempt, db.T(next), out.status, out.err, db.T(tx.Now), finished, d.ID, d.Series)
		if err != nil {
			return db.Translate(fmt.Errorf("record delivery %s: %w", d.ID, err))
		}
		updated := false
		if n, _ := res.RowsAffected(); n == 1 {
			updated = true
		} else {
			again = false // skipped or replayed meanwhile: this series is over
		}
		// The attempt is logged even then: the message did go out. A
		// delivery deleted with its endpoint has nowhere to log it.
		if !updated {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM webhook_deliveries WHERE id = $1`, d.ID).Scan(&n); err != nil || n == 0 {
				return db.Translate(err)
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO webhook_attempts
			(delivery_id, series, attempt, at, status_code, error, duration_ms, next_attempt_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			d.ID, d.Series, attempt, db.T(out.at), out.status, out.err, out.took.Milliseconds(), db.T(next))
		if err != nil {
			return db.Translate(fmt.Errorf("log attempt of delivery %s: %w", d.ID, err))
		}
		if gone && updated {
			return s.disable(ctx, tx, d.EndpointID, d.ID,
				"the receiver answered 410 Gone on "+tx.Now.UTC().Format(time.RFC3339))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if again {
		return river.JobSnooze(snooze)
	}
	return nil
}

// disable turns an endpoint off on fieldhub's own initiative and skips its
// other pending deliveries.
func (s *Service) disable(ctx context.Context, tx *db.Tx, endpointID, exceptDelivery, reason string) error {
	_, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET enabled = $1, disabled_reason = $2,
		version = version + 1, updated_at = $3 WHERE id = $4 AND enabled`, false, reason, db.T(tx.Now), endpointID)
	if err != nil {
		return db.Translate(fmt.Errorf("disable endpoint %s: %w", endpointID, err))
	}
	s.log.Warn("webhook endpoint disabled", "endpoint", endpointID, "reason", reason)
	return skipPending(ctx, tx, endpointID, exceptDelivery)
}

// skipPending marks an endpoint's pending deliveries skipped (but not
// except): their queued jobs will find them so and end without posting.
func skipPending(ctx context.Context, tx *db.Tx, endpointID, except string) error {
	_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'skipped', next_attempt_at = NULL,
		updated_at = $1, finished_at = $1 WHERE endpoint_id = $2 AND state = 'pending' AND id <> $3`,
		db.T(tx.Now), endpointID, except)
	return db.Translate(err)
}

// skip ends a delivery whose endpoint was disabled before it ran.
func (s *Service) skip(ctx context.Context, d Delivery) error {
	return s.store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'skipped', next_attempt_at = NULL,
			updated_at = $1, finished_at = $1 WHERE id = $2 AND series = $3 AND state = 'pending'`,
			db.T(tx.Now), d.ID, d.Series)
		return db.Translate(err)
	})
}
