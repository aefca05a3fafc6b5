package queue_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/queue"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// testArgs is the one job kind these tests use; Mode picks what the worker does.
type testArgs struct {
	Mode string `json:"mode"`
	N    int    `json:"n"`
}

func (testArgs) Kind() string { return "test.job" }

// testWorker blocks on "block" jobs until release is closed (or its context
// ends), fails "fail" jobs until fixed is set, and completes everything else.
type testWorker struct {
	river.WorkerDefaults[testArgs]
	started chan int64
	release chan struct{}
	fixed   atomic.Bool
	done    atomic.Int32
	// refusals counts the attempts that failed as an outside system's
	// answer.
	refusals atomic.Int32
}

func (w *testWorker) Work(ctx context.Context, job *river.Job[testArgs]) error {
	switch job.Args.Mode {
	case "block":
		w.started <- job.ID
		select {
		case <-w.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	case "fail":
		if !w.fixed.Load() {
			return fmt.Errorf("broken on purpose (job %d)", job.Args.N)
		}
	case "refused", "outage":
		if !w.fixed.Load() {
			w.refusals.Add(1)
			code := fault.Forbidden
			if job.Args.Mode == "outage" {
				code = fault.Unavailable
			}
			return queue.Outside(fault.Errorf(code, "outside system said no (job %d)", job.Args.N))
		}
	}
	w.done.Add(1)
	return nil
}

func newWorker() *testWorker {
	return &testWorker{started: make(chan int64, 10), release: make(chan struct{})}
}

// fastRetry retries after 10ms*attempt², small but growing.
type fastRetry struct{}

func (fastRetry) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(10 * time.Millisecond * time.Duration(job.Attempt*job.Attempt))
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openQueue(t *testing.T, store *db.DB, w *testWorker) *queue.Queue {
	t.Helper()
	q := queue.New(store, queue.Config{
		Logger:            quietLogger(),
		FetchPollInterval: 50 * time.Millisecond,
		RetryPolicy:       fastRetry{},
	})
	queue.AddWorker(q, w)
	if err := q.Open(); err != nil {
		t.Fatal(err)
	}
	return q
}

func start(t *testing.T, q *queue.Queue) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(ctx)
	})
}

func insert(t *testing.T, store *db.DB, q *queue.Queue, args testArgs, opts *river.InsertOpts) int64 {
	t.Helper()
	before := maxJobID(t, q)
	err := store.InTx(context.Background(), func(tx *db.Tx) error { return q.Insert(context.Background(), tx, args, opts) })
	if err != nil {
		t.Fatal(err)
	}
	id := maxJobID(t, q)
	if id <= before {
		t.Fatalf("no job inserted for %+v", args)
	}
	return id
}

func maxJobID(t *testing.T, q *queue.Queue) int64 {
	t.Helper()
	res, err := q.Client().JobList(context.Background(), river.NewJobListParams().OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Jobs) == 0 {
		return 0
	}
	return res.Jobs[0].ID
}

func jobState(t *testing.T, q *queue.Queue, id int64) rivertype.JobState {
	t.Helper()
	j, err := q.Client().JobGet(context.Background(), id)
	if err != nil {
		t.Fatalf("get job %d: %v", id, err)
	}
	return j.State
}

func TestInsertBelongsToTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		q := openQueue(t, store, newWorker())
		boom := errors.New("boom")
		err := store.InTx(ctx, func(tx *db.Tx) error {
			if err := q.Insert(ctx, tx, testArgs{Mode: "rolled back"}, nil); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		if id := maxJobID(t, q); id != 0 {
			t.Fatalf("rolled-back insert left job %d", id)
		}
		id := insert(t, store, q, testArgs{Mode: "committed"}, nil)
		if got := jobState(t, q, id); got != rivertype.JobStateAvailable {
			t.Fatalf("state = %s, want available", got)
		}
	})
}

func TestInsertBeforeOpen(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		q := queue.New(store, queue.Config{Logger: quietLogger()})
		err := store.InTx(ctx, func(tx *db.Tx) error { return q.Insert(ctx, tx, testArgs{}, nil) })
		if err == nil {
			t.Fatal("insert on an unopened queue succeeded")
		}
	})
}

func TestStopWaitsForRunningJob(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		w := newWorker()
		q := openQueue(t, store, w)
		id := insert(t, store, q, testArgs{Mode: "block"}, nil)
		start(t, q)
		select {
		case <-w.started:
		case <-time.After(20 * time.Second):
			t.Fatal("job never started")
		}
		stopped := make(chan error, 1)
		go func() {
			sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			stopped <- q.Stop(sctx)
		}()
		select {
		case err := <-stopped:
			t.Fatalf("Stop returned (%v) while a job was still running", err)
		case <-time.After(300 * time.Millisecond):
		}
		close(w.release)
		if err := <-stopped; err != nil {
			t.Fatalf("Stop: %v", err)
		}
		if got := jobState(t, q, id); got != rivertype.JobStateCompleted {
			t.Fatalf("state after graceful stop = %s, want completed", got)
		}
	})
}

func TestStopPastDeadlineRequeues(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		w := newWorker()
		q := openQueue(t, store, w)
		id := insert(t, store, q, testArgs{Mode: "block"}, nil)
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		<-w.started
		sctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		if err := q.Stop(sctx); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		j, err := q.Client().JobGet(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State != rivertype.JobStateAvailable || j.Attempt != 0 {
			t.Fatalf("interrupted job: state %s attempt %d, want available with the attempt not counted", j.State, j.Attempt)
		}

		// The next instance picks it up.
		w2 := newWorker()
		close(w2.release)
		q2 := openQueue(t, store, w2)
		start(t, q2)
		dbtest.Eventually(t, "requeued job to complete", func() bool { return jobState(t, q2, id) == rivertype.JobStateCompleted })
	})
}

// TestPermanentFailure: a job an outside system refused for good stops at
// its first attempt and is a dead letter at once, listed and replayable like
// any other; an outage of the same system is retried instead.
func TestPermanentFailure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		w := newWorker()
		q := openQueue(t, store, w)
		refused := insert(t, store, q, testArgs{Mode: "refused", N: 1}, &river.InsertOpts{MaxAttempts: 5})
		start(t, q)
		var dead []queue.DeadJob
		dbtest.Eventually(t, "the refused job to be dead", func() bool {
			var err error
			dead, err = q.ListDead(ctx, 0, 0)
			return err == nil && len(dead) == 1
		})
		if got := gaugeValues(t, q); got["cancelled"] != 1 || got["dead letters"] != 1 {
			t.Fatalf("a refused job in the metrics: %v", got)
		}
		d := dead[0]
		if d.ID != refused || d.Attempts != 1 || w.refusals.Load() != 1 || d.FinalizedAt == nil ||
			!strings.Contains(d.LastError, "outside system said no (job 1)") {
			t.Fatalf("dead job = %+v after %d refusals; want one attempt and the refusal", d, w.refusals.Load())
		}

		outage := insert(t, store, q, testArgs{Mode: "outage", N: 2}, &river.InsertOpts{MaxAttempts: 5})
		dbtest.Eventually(t, "the outage to be retried", func() bool { return w.refusals.Load() >= 3 })
		if st := jobState(t, q, outage); st == rivertype.JobStateCancelled || st == rivertype.JobStateDiscarded {
			t.Fatalf("an outage made the job %s; want it retried", st)
		}
		if dead, err := q.ListDead(ctx, 0, 0); err != nil || len(dead) != 1 {
			t.Fatalf("after an outage the dead letters are %+v (%v); want only the refused job", dead, err)
		}

		w.fixed.Store(true)
		if err := q.Retry(ctx, refused); err != nil {
			t.Fatal(err)
		}
		dbtest.Eventually(t, "the replayed job", func() bool { return jobState(t, q, refused) == rivertype.JobStateCompleted })
		if dead, err := q.ListDead(ctx, 0, 0); err != nil || len(dead) != 0 {
			t.Fatalf("after the replay the dead letters are %+v (%v)", dead, err)
		}
	})
}

func TestDeadLetters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		w := newWorker()
		q := openQueue(t, store, w)
		var ids []int64
		for i := 1; i <= 3; i++ {
			ids = append(ids, insert(t, store, q, testArgs{Mode: "fail", N: i}, &river.InsertOpts{MaxAttempts: 2}))
		}
		okID := insert(t, store, q, testArgs{Mode: "ok"}, nil)
		start(t, q)
		dbtest.Eventually(t, "three dead jobs", func() bool {
			dead, err := q.ListDead(ctx, 0, 0)
			return err == nil && len(dead) == 3
		})
		dbtest.Eventually(t, "the good job", func() bool { return jobState(t, q, okID) == rivertype.JobStateCompleted })

		page, err := q.ListDead(ctx, 0, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != 2 || page[0].ID != ids[2] || page[1].ID != ids[1] {
			t.Fatalf("first page = %+v, want jobs %d, %d (newest first)", page, ids[2], ids[1])
		}
		d := page[1]
		if d.Kind != "test.job" || d.Attempts != 2 || len(d.Errors) != 2 || d.FinalizedAt == nil ||
			!strings.Contains(d.LastError, "broken on purpose (job 2)") || !strings.Contains(string(d.Args), `"mode":"fail"`) {
			t.Fatalf("dead job = %+v", d)
		}
		rest, err := q.ListDead(ctx, page[1].ID, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(rest) != 1 || rest[0].ID != ids[0] {
			t.Fatalf("second page = %+v, want job %d", rest, ids[0])
		}

		st, err := q.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st[rivertype.JobStateDiscarded] != 3 || st[rivertype.JobStateCompleted] != 1 || st[rivertype.JobStateRunning] != 0 {
			t.Fatalf("stats = %v", st)
		}

		if got := gaugeValues(t, q); got["discarded"] != 3 || got["completed"] != 1 || got["available"] != 0 || got["dead letters"] != 3 {
			t.Fatalf("fieldhub_jobs = %v", got)
		}

		if err := q.Retry(ctx, okID); !fault.Is(err, fault.Conflict) {
			t.Fatalf("retry of a completed job: %v, want conflict", err)
		}
		if err := q.Retry(ctx, 1<<40); !fault.Is(err, fault.NotFound) {
			t.Fatalf("retry of a missing job: %v, want not_found", err)
		}
		w.fixed.Store(true)
		if err := q.Retry(ctx, ids[1]); err != nil {
			t.Fatal(err)
		}
		dbtest.Eventually(t, "the retried job", func() bool { return jobState(t, q, ids[1]) == rivertype.JobStateCompleted })
		dead, err := q.ListDead(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(dead) != 2 || dead[0].ID != ids[2] || dead[1].ID != ids[0] {
			t.Fatalf("dead after retry = %+v", dead)
		}
		if got := jobState(t, q, ids[0]); got != rivertype.JobStateDiscarded {
			t.Fatalf("untouched dead job is %s", got)
		}
	})
}

// gaugeValues scrapes the queue's collector the way /metrics does.
func gaugeValues(t *testing.T, q *queue.Queue) map[string]float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(q.Collector())
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	dead := -1.0
	for _, f := range families {
		switch f.GetName() {
		case "fieldhub_jobs":
			for _, m := range f.GetMetric() {
				out[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
			}
		case "fieldhub_dead_jobs":
			dead = f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	if len(out) != len(rivertype.JobStates()) {
		t.Fatalf("fieldhub_jobs has %d states: %v", len(out), out)
	}
	if dead < 0 {
		t.Fatal("no fieldhub_dead_jobs gauge")
	}
	out["dead letters"] = dead
	return out
}

func TestRegistrationAfterOpenPanics(t *testing.T) {
	store := dbtest.Open(t, db.SQLite, nil)
	q := openQueue(t, store, newWorker())
	defer func() {
		if recover() == nil {
			t.Fatal("AddWorker after Open did not panic")
		}
	}()
	queue.AddWorker(q, river.WorkFunc(func(context.Context, *river.Job[otherArgs]) error { return nil }))
}

type otherArgs struct{}

func (otherArgs) Kind() string { return "test.other" }
