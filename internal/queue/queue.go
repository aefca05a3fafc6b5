// Package queue runs fieldhub's background work on River, over the same
// store as the business data on both engines. Jobs are inserted inside the
// caller's business transaction, so a rolled-back change leaves no job and a
// committed one always has its job (the outbox). Jobs that exhaust their
// attempts are discarded by River, and those that fail Permanent are
// cancelled at once; both are our dead letters, kept for DeadRetention,
// listed by ListDead and replayed by Retry.
//
// Both engines run in poll-only mode: SQLite has one writer connection, which
// River's notification poller would keep busy, and the database/sql driver for
// PostgreSQL cannot LISTEN. New work is therefore picked up within
// FetchPollInterval of its commit.
package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// Defaults chosen per engine: SQLite has a single writer, so more workers only
// queue up on its connection; PostgreSQL shares a pool of 24 connections with
// request handlers.
const (
	DefaultMaxWorkersSQLite   = 4
	DefaultMaxWorkersPostgres = 10
	DefaultPollSQLite         = 200 * time.Millisecond
	DefaultPollPostgres       = time.Second
	// DeadRetention is how long dead letters (discarded or cancelled jobs) stay listable
	// and replayable before River's cleaner deletes them.
	DeadRetention = 30 * 24 * time.Hour
	// StopCancelGrace bounds how long Stop waits, once its own deadline has
	// passed, for cancelled jobs to return.
	StopCancelGrace = 5 * time.Second
)

// Config tunes the queue. The zero value gives sensible defaults for the
// store's engine.
type Config struct {
	// Logger receives River's logs; nil means slog.Default().
	Logger *slog.Logger
	// MaxWorkers is how many jobs this instance works at once.
	MaxWorkers int
	// FetchPollInterval is the longest a committed job waits before this
	// instance looks for it (there is no LISTEN on either engine).
	FetchPollInterval time.Duration
	// RetryPolicy decides when a failed job runs again; nil means River's
	// default (attempt^4 seconds, with jitter).
	RetryPolicy river.ClientRetryPolicy
	// JobTimeout cancels a job's context after this long; 0 means River's
	// default (one minute), -1 means no timeout.
	JobTimeout time.Duration
	// MaxAttempts is the default number of attempts before a job is
	// discarded; 0 means River's default (25). Job kinds may override it.
	MaxAttempts int
	// ID names this instance among those sharing the database; empty means
	// River generates one from the host name and time.
	ID string
}

// Queue is the job queue of one fieldhub instance. Register workers and
// periodic jobs, then Open; after Open the queue inserts jobs, and after
// Start it also works them.
type Queue struct {
	store    *db.DB
	cfg      Config
	workers  *river.Workers
	nWorkers int
	periodic []*river.PeriodicJob

	mu     sync.Mutex
	client *river.Client[*sql.Tx]
}

// New returns an unopened queue over store.
func New(store *db.DB, cfg Config) *Queue {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxWorkers <= 0 {
		cfg.MaxWorkers = DefaultMaxWorkersPostgres
		if store.Engine == db.SQLite {
			cfg.MaxWorkers = DefaultMaxWorkersSQLite
		}
	}
	if cfg.FetchPollInterval <= 0 {
		cfg.FetchPollInterval = DefaultPollPostgres
		if store.Engine == db.SQLite {
			cfg.FetchPollInterval = DefaultPollSQLite
		}
	}
	return &Queue{store: store, cfg: cfg, workers: river.NewWorkers()}
}

// Store is the store the queue's jobs live in, for workers that need it.
func (q *Queue) Store() *db.DB { return q.store }

// AddWorker registers the worker for one job kind. It must be called before
// Open; registering after Open, or a kind twice, is a programming error and
// panics.
func AddWorker[T river.JobArgs](q *Queue, w river.Worker[T]) {
	q.mustNotBeOpen("AddWorker")
	river.AddWorker(q.workers, w)
	q.nWorkers++
}

// AddPeriodic registers a job inserted on a schedule. It must be called
// before Open. River inserts periodic jobs only on the elected leader, so
// several instances sharing a database do not multiply them.
func (q *Queue) AddPeriodic(p *river.PeriodicJob) {
	q.mustNotBeOpen("AddPeriodic")
	q.periodic = append(q.periodic, p)
}

func (q *Queue) mustNotBeOpen(what string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.client != nil {
		panic("queue: " + what + " after Open")
	}
}

// Open builds the River client for the store's engine. After Open the queue
// can insert jobs (a command-line run inserts without ever starting workers);
// Start begins working them.
func (q *Queue) Open() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.client != nil {
		return errors.New("queue: already open")
	}
	rc := &river.Config{
		Logger:                      q.cfg.Logger,
		ID:                          q.cfg.ID,
		FetchPollInterval:           q.cfg.FetchPollInterval,
		FetchCooldown:               min(river.FetchCooldownDefault, q.cfg.FetchPollInterval),
		PollOnly:                    true,
		RetryPolicy:                 q.cfg.RetryPolicy,
		JobTimeout:                  q.cfg.JobTimeout,
		MaxAttempts:                 q.cfg.MaxAttempts,
		DiscardedJobRetentionPeriod: DeadRetention,
		CancelledJobRetentionPeriod: DeadRetention,
		PeriodicJobs:                q.periodic,
		Workers:                     q.workers,
	}
	if q.nWorkers > 0 {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: q.cfg.MaxWorkers}}
	}
	var (
		client *river.Client[*sql.Tx]
		err    error
	)
	switch q.store.Engine {
	case db.SQLite:
		// The driver gets the single writer connection: River's own queries
		// then queue behind business transactions instead of failing with
		// SQLITE_BUSY.
		client, err = river.NewClient(riversqlite.New(q.store.Write), rc)
	case db.Postgres:
		client, err = river.NewClient(riverdatabasesql.New(q.store.Write), rc)
	default:
		err = fmt.Errorf("unknown engine %q", q.store.Engine)
	}
	if err != nil {
		return fmt.Errorf("open job queue: %w", err)
	}
	q.client = client
	return nil
}

// Client is the underlying River client, for needs this package does not
// cover (listing jobs, cancelling one). It is nil before Open.
func (q *Queue) Client() *river.Client[*sql.Tx] {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.client
}

func (q *Queue) open() (*river.Client[*sql.Tx], error) {
	c := q.Client()
	if c == nil {
		return nil, errors.New("queue: not open")
	}
	return c, nil
}

// Insert enqueues one job inside the caller's business transaction: the job
// exists exactly when the transaction commits. tx must belong to the queue's
// store (on SQLite it holds the one connection River would otherwise wait for).
func (q *Queue) Insert(ctx context.Context, tx *db.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	c, err := q.open()
	if err != nil {
		return err
	}
	if _, err := c.InsertTx(ctx, tx.Tx, args, opts); err != nil {
		return db.Translate(fmt.Errorf("enqueue %s: %w", args.Kind(), err))
	}
	return nil
}

// InsertMany enqueues several jobs inside the caller's business transaction.
// It reports how many were inserted; unique jobs that already existed are
// skipped and not counted.
func (q *Queue) InsertMany(ctx context.Context, tx *db.Tx, params []river.InsertManyParams) (int, error) {
	if len(params) == 0 {
		return 0, nil
	}
	c, err := q.open()
	if err != nil {
		return 0, err
	}
	res, err := c.InsertManyTx(ctx, tx.Tx, params)
	if err != nil {
		return 0, db.Translate(fmt.Errorf("enqueue %d jobs: %w", len(params), err))
	}
	n := 0
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			n++
		}
	}
	return n, nil
}

// Start begins fetching and working jobs, and, on the elected leader,
// River's maintenance (scheduling retries, rescuing stuck jobs, deleting old
// ones, inserting periodic jobs). The queue runs until Stop: cancelling ctx
// does not stop it, so that shutdown is always the graceful path of Stop.
func (q *Queue) Start(ctx context.Context) error {
	c, err := q.open()
	if err != nil {
		return err
	}
	if q.nWorkers == 0 {
		return errors.New("queue: no workers registered")
	}
	if err := c.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	return nil
}

// Stop shuts the queue down without losing work. It stops fetching and waits
// for the jobs in flight to finish. If ctx ends first, the jobs still running
// have their contexts cancelled; River puts a job that then returns back in
// the queue without counting the attempt, and one that ignores cancellation
// stays "running" until River's rescuer retries it on a later start (after
// RescueStuckJobsAfter, an hour by default). A committed job is never lost,
// which is why workers must be idempotent. Stop on a queue that was never
// started returns nil.
func (q *Queue) Stop(ctx context.Context) error {
	c := q.Client()
	if c == nil {
		return nil
	}
	err := c.Stop(ctx)
	if err == nil {
		return nil
	}
	if ctx.Err() == nil {
		return fmt.Errorf("stop job queue: %w", err)
	}
	q.cfg.Logger.Warn("job queue: jobs still running at shutdown deadline; cancelling them")
	hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), StopCancelGrace)
	defer cancel()
	if err := c.StopAndCancel(hard); err != nil {
		return fmt.Errorf("stop job queue: jobs ignored cancellation, left for rescue: %w", err)
	}
	return nil
}
