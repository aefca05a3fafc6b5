package event

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/queue"
	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// DeliverKind is the job kind of every event delivery, as it shows in the
// dead letters.
const DeliverKind = "event.deliver"

// DefaultMaxAttempts is how often a delivery is tried before it becomes a
// dead letter. With River's default backoff (attempt^4 seconds) ten attempts
// span about four hours: long enough to ride out an outage of an outside
// system, short enough that staff hear about a broken subscriber the same day.
const DefaultMaxAttempts = 10

// Handler receives one event. It must be idempotent: the same event can
// arrive again after a crash, a timeout or a replay of a dead letter. Dedupe
// on Event.ID. Returning an error retries the delivery with backoff.
type Handler func(ctx context.Context, e Event) error

// Option tunes one subscriber.
type Option func(*subscriber)

// MaxAttempts overrides DefaultMaxAttempts for a subscriber.
func MaxAttempts(n int) Option {
	return func(s *subscriber) {
		if n > 0 {
			s.maxAttempts = n
		}
	}
}

// Timeout overrides the queue's job timeout for a subscriber's deliveries;
// -1 means none.
func Timeout(d time.Duration) Option {
	return func(s *subscriber) { s.timeout = d }
}

// When limits a subscriber to the events for which fn, run inside the
// recording transaction, says there is work to do. It spares queueing a
// delivery per event that would find nothing to do (a provider without
// webhook endpoints, say); fn must be cheap and must not write.
func When(fn func(ctx context.Context, tx *db.Tx, e Event) (bool, error)) Option {
	return func(s *subscriber) { s.when = fn }
}

type subscriber struct {
	name        string
	types       []string
	fn          Handler
	when        func(ctx context.Context, tx *db.Tx, e Event) (bool, error)
	maxAttempts int
	timeout     time.Duration
}

func (s *subscriber) wants(typ string) bool {
	for _, p := range s.types {
		if Matches(p, typ) {
			return true
		}
	}
	return false
}

// Bus records events and fans them out to subscribers through the queue.
type Bus struct {
	q         *queue.Queue
	mu        sync.RWMutex
	subs      []*subscriber // in subscription order, so fan-out is deterministic
	staffOnly []string      // type patterns of events kept from providers
}

// StaffOnly names event types (exact, "Prefix.*" or "*") that providers
// never see: bids and offers name other contractors, ops alerts and
// internal notes are the company's own. The composition root names them
// once for every area; like Subscribe, it must be called before the queue
// opens.
func (b *Bus) StaffOnly(patterns ...string) {
	if b.q.Client() != nil {
		panic("event: StaffOnly after the queue opened")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.staffOnly = append(b.staffOnly, patterns...)
}

// isStaffOnly reports whether events of type typ are kept from providers.
func (b *Bus) isStaffOnly(typ string) bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, p := range b.staffOnly {
		if Matches(p, typ) {
			return true
		}
	}
	return false
}

// NewBus returns a bus whose deliveries run on q. It registers the delivery
// worker, so it must be called before q.Open.
func NewBus(q *queue.Queue) *Bus {
	b := &Bus{q: q}
	queue.AddWorker(q, &deliverWorker{bus: b})
	return b
}

// Subscribe registers fn for events whose type matches one of types: an
// exact type, "Prefix.*" for every type under Prefix, or "*" for all. The
// name identifies the subscriber in queued deliveries and dead letters, so it
// must stay stable across releases. Subscribe must be called before the
// queue opens; an empty or duplicate name, no types or a late call is a
// programming error and panics.
func (b *Bus) Subscribe(name string, types []string, fn Handler, opts ...Option) {
	if name == "" || len(types) == 0 || fn == nil {
		panic("event: Subscribe needs a name, types and a handler")
	}
	if b.q.Client() != nil {
		panic("event: Subscribe(" + name + ") after the queue opened")
	}
	s := &subscriber{name: name, types: append([]string(nil), types...), fn: fn, maxAttempts: DefaultMaxAttempts}
	for _, o := range opts {
		o(s)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, o := range b.subs {
		if o.name == name {
			panic("event: duplicate subscriber " + name)
		}
	}
	b.subs = append(b.subs, s)
}

func (b *Bus) subscriber(name string) *subscriber {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, s := range b.subs {
		if s.name == name {
			return s
		}
	}
	return nil
}

// Record stores e in tx and, in the same transaction, queues one delivery per
// matching subscriber. It fills ID (unless set), At (the transaction's time)
// and Seq, and returns the stored event. A delivery is unique per event and
// subscriber, so it can never be queued twice.
func (b *Bus) Record(ctx context.Context, tx *db.Tx, e Event) (Event, error) {
	if err := e.Validate(); err != nil {
		return Event{}, err
	}
	if e.ID == "" {
		e.ID = uuid.Must(uuid.NewV7()).String()
	}
	e.At = tx.Now
	if e.WorkOrderID == "" && e.SubjectType == WorkOrderSubject {
		e.WorkOrderID = e.SubjectID
	}
	e.StaffOnly = e.StaffOnly || b.isStaffOnly(e.Type)
	err := tx.QueryRowContext(ctx, `INSERT INTO events
		(id, type, subject_type, subject_id, provider_id, actor_kind, actor_id, actor_name, payload, at, work_order_id, staff_only)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING seq`,
		e.ID, e.Type, e.SubjectType, e.SubjectID, sql.NullString{String: e.ProviderID, Valid: e.ProviderID != ""},
		e.Actor.Kind, e.Actor.ID, e.Actor.Name, string(e.Payload), db.T(e.At),
		sql.NullString{String: e.WorkOrderID, Valid: e.WorkOrderID != ""}, e.StaffOnly).Scan(&e.Seq)
	if err != nil {
		return Event{}, db.Translate(fmt.Errorf("record event %s: %w", e.Type, err))
	}
	var jobs []river.InsertManyParams
	b.mu.RLock()
	subs := b.subs
	b.mu.RUnlock()
	for _, s := range subs {
		if !s.wants(e.Type) {
			continue
		}
		if s.when != nil {
			ok, err := s.when(ctx, tx, e)
			if err != nil {
				return Event{}, fmt.Errorf("subscriber %s on %s: %w", s.name, e.Type, err)
			}
			if !ok {
				continue
			}
		}
		jobs = append(jobs, river.InsertManyParams{
			Args: deliverArgs{EventID: e.ID, Subscriber: s.name},
			InsertOpts: &river.InsertOpts{
				MaxAttempts: s.maxAttempts,
				// Every state, so that not even a finished or dead
				// delivery can be queued again beside it.
				UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: rivertype.JobStates()},
			},
		})
	}
	if len(jobs) == 0 {
		return e, nil
	}
	if _, err := b.q.InsertMany(ctx, tx, jobs); err != nil {
		return Event{}, fmt.Errorf("queue deliveries of %s: %w", e.Type, err)
	}
	return e, nil
}

// Delivery describes the delivery a handler is running, for logs and for
// handlers that act differently on a last attempt.
type Delivery struct {
	JobID       int64
	Subscriber  string
	Attempt     int
	MaxAttempts int
}

type deliveryKey struct{}

// DeliveryFrom returns the delivery running in ctx, if any.
func DeliveryFrom(ctx context.Context) (Delivery, bool) {
	d, ok := ctx.Value(deliveryKey{}).(Delivery)
	return d, ok
}

type deliverArgs struct {
	EventID    string `json:"event_id"`
	Subscriber string `json:"subscriber"`
}

func (deliverArgs) Kind() string { return DeliverKind }

type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	bus *Bus
}

func (w *deliverWorker) Timeout(job *river.Job[deliverArgs]) time.Duration {
	if s := w.bus.subscriber(job.Args.Subscriber); s != nil {
		return s.timeout
	}
	return 0
}

// Work loads the event and hands it to the subscriber. An unknown subscriber
// is an error, not a cancellation: during a rolling upgrade an older instance
// may pick up a delivery for a subscriber only the newer one has, and the
// retry lets the newer one run it.
func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	s := w.bus.subscriber(job.Args.Subscriber)
	if s == nil {
		return fmt.Errorf("no subscriber %q in this instance", job.Args.Subscriber)
	}
	e, err := w.bus.Get(ctx, w.bus.q.Store().Read, job.Args.EventID)
	if err != nil {
		return fmt.Errorf("load event %s: %w", job.Args.EventID, err)
	}
	ctx = context.WithValue(ctx, deliveryKey{}, Delivery{
		JobID: job.ID, Subscriber: s.name, Attempt: job.Attempt, MaxAttempts: job.MaxAttempts,
	})
	return s.fn(ctx, e)
}
