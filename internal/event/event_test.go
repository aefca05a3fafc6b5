package event_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/queue"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// fastRetry retries after 10ms*attempt²: small, but growing like real backoff.
type fastRetry struct{}

func (fastRetry) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(10 * time.Millisecond * time.Duration(job.Attempt*job.Attempt))
}

func newQueue(store *db.DB) *queue.Queue {
	return queue.New(store, queue.Config{
		Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
		FetchPollInterval: 50 * time.Millisecond,
		RetryPolicy:       fastRetry{},
	})
}

func open(t *testing.T, q *queue.Queue) {
	t.Helper()
	if err := q.Open(); err != nil {
		t.Fatal(err)
	}
}

func start(t *testing.T, q *queue.Queue) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
}

func record(t *testing.T, store *db.DB, bus *event.Bus, e event.Event) event.Event {
	t.Helper()
	var got event.Event
	err := store.InTx(context.Background(), func(tx *db.Tx) (err error) {
		got, err = bus.Record(context.Background(), tx, e)
		return err
	})
	if err != nil {
		t.Fatalf("record %s: %v", e.Type, err)
	}
	return got
}

func workOrderEvent(typ, id string) event.Event {
	return event.Event{
		Type: typ, SubjectType: "WorkOrder", SubjectID: id, ProviderID: "prov-1",
		Actor:   event.Actor{Kind: event.ActorStaff, ID: "u-1", Name: "Dana"},
		Payload: json.RawMessage(`{ "status": "new" }`),
	}
}

// deliveryJob is a queued delivery as River stores it.
type deliveryJob struct {
	ID          int64
	State       rivertype.JobState
	MaxAttempts int
	EventID     string `json:"event_id"`
	Subscriber  string `json:"subscriber"`
}

func deliveries(t *testing.T, q *queue.Queue) []deliveryJob {
	t.Helper()
	res, err := q.Client().JobList(context.Background(), river.NewJobListParams().Kinds(event.DeliverKind).First(1000))
	if err != nil {
		t.Fatal(err)
	}
	var out []deliveryJob
	for _, j := range res.Jobs {
		d := deliveryJob{ID: j.ID, State: j.State, MaxAttempts: j.MaxAttempts}
		if err := json.Unmarshal(j.EncodedArgs, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func noop(context.Context, event.Event) error { return nil }

func TestRecordFollowsTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		q := newQueue(store)
		bus := event.NewBus(q)
		bus.Subscribe("exact", []string{"WorkOrder.Created"}, noop)
		bus.Subscribe("all", []string{"*"}, noop)
		bus.Subscribe("prefix", []string{"WorkOrder.*"}, noop, event.MaxAttempts(3))
		bus.Subscribe("invoices", []string{"Invoice.Paid"}, noop)
		open(t, q)

		boom := errors.New("boom")
		err := store.InTx(ctx, func(tx *db.Tx) error {
			if _, err := bus.Record(ctx, tx, workOrderEvent("WorkOrder.Created", "wo-1")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		if got, err := bus.ForSubject(ctx, store.Read, "WorkOrder", "wo-1"); err != nil || len(got) != 0 {
			t.Fatalf("rolled back: events %v, %v", got, err)
		}
		if got := deliveries(t, q); len(got) != 0 {
			t.Fatalf("rolled back: jobs %+v", got)
		}

		e := record(t, store, bus, workOrderEvent("WorkOrder.Created", "wo-1"))
		if e.Seq == 0 || len(e.ID) != 36 || e.At.IsZero() || string(e.Payload) != `{"status":"new"}` {
			t.Fatalf("recorded = %+v", e)
		}
		stored, err := bus.ForSubject(ctx, store.Read, "WorkOrder", "wo-1")
		if err != nil || len(stored) != 1 {
			t.Fatalf("stored = %v, %v", stored, err)
		}
		s := stored[0]
		if s.ID != e.ID || s.Seq != e.Seq || !s.At.Equal(e.At) || s.Type != e.Type || s.ProviderID != "prov-1" ||
			s.Actor != e.Actor || string(s.Payload) != `{"status":"new"}` {
			t.Fatalf("read back %+v, recorded %+v", s, e)
		}

		jobs := deliveries(t, q)
		subs := map[string]deliveryJob{}
		for _, j := range jobs {
			if j.EventID != e.ID {
				t.Errorf("job %d for event %s, want %s", j.ID, j.EventID, e.ID)
			}
			if _, dup := subs[j.Subscriber]; dup {
				t.Errorf("two jobs for %s", j.Subscriber)
			}
			subs[j.Subscriber] = j
		}
		if len(jobs) != 3 || subs["exact"].ID == 0 || subs["all"].ID == 0 || subs["prefix"].ID == 0 {
			t.Fatalf("jobs = %+v, want one each for exact, all, prefix", jobs)
		}
		if subs["exact"].MaxAttempts != event.DefaultMaxAttempts || subs["prefix"].MaxAttempts != 3 {
			t.Fatalf("max attempts: exact %d, prefix %d", subs["exact"].MaxAttempts, subs["prefix"].MaxAttempts)
		}

		// Recording the same event again is refused and queues nothing.
		again := workOrderEvent("WorkOrder.Created", "wo-1")
		again.ID = e.ID
		err = store.InTx(ctx, func(tx *db.Tx) error { _, err := bus.Record(ctx, tx, again); return err })
		if !fault.Is(err, fault.Conflict) {
			t.Fatalf("second record of %s: %v, want conflict", e.ID, err)
		}
		if got := deliveries(t, q); len(got) != 3 {
			t.Fatalf("jobs after replay = %d, want 3", len(got))
		}
	})
}

// calls records what a subscriber saw.
type calls struct {
	mu   sync.Mutex
	list []call
}

type call struct {
	eventID string
	attempt int
	at      time.Time
}

func (c *calls) add(ctx context.Context, e event.Event) {
	d, _ := event.DeliveryFrom(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = append(c.list, call{e.ID, d.Attempt, time.Now()})
}

func (c *calls) get() []call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.list)
}

func TestDelivery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		q := newQueue(store)
		bus := event.NewBus(q)
		var got, other calls
		var seen sync.Map
		bus.Subscribe("timeline", []string{"WorkOrder.Created"}, func(ctx context.Context, e event.Event) error {
			if e.Actor.Name != "Dana" || string(e.Payload) != `{"status":"new"}` {
				t.Errorf("delivered %+v", e)
			}
			seen.Store(e.ID, e.Seq)
			got.add(ctx, e)
			return nil
		})
		bus.Subscribe("billing", []string{"Invoice.Paid"}, func(ctx context.Context, e event.Event) error {
			other.add(ctx, e)
			return nil
		})
		open(t, q)
		start(t, q)

		allDone := func() bool {
			for _, j := range deliveries(t, q) {
				if j.State != rivertype.JobStateCompleted {
					return false
				}
			}
			return true
		}
		e1 := record(t, store, bus, workOrderEvent("WorkOrder.Created", "wo-1"))
		dbtest.Eventually(t, "first delivery", func() bool { return len(got.get()) == 1 && allDone() })
		e2 := record(t, store, bus, workOrderEvent("WorkOrder.Created", "wo-2"))
		dbtest.Eventually(t, "second delivery", func() bool { return len(got.get()) == 2 && allDone() })

		list := got.get()
		if len(list) != 2 || list[0].eventID != e1.ID || list[1].eventID != e2.ID || list[0].attempt != 1 {
			t.Fatalf("timeline calls = %+v, want %s then %s", list, e1.ID, e2.ID)
		}
		if seq, _ := seen.Load(e2.ID); seq != e2.Seq {
			t.Fatalf("delivered seq %v, recorded %d", seq, e2.Seq)
		}
		if n := len(other.get()); n != 0 {
			t.Fatalf("billing subscriber got %d work-order events", n)
		}
	})
}

func TestDeadLetterAndReplay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		q := newQueue(store)
		bus := event.NewBus(q)
		var (
			fixed atomic.Bool
			got   calls
		)
		bus.Subscribe("webhook", []string{"WorkOrder.*"}, func(ctx context.Context, e event.Event) error {
			got.add(ctx, e)
			if !fixed.Load() {
				return errors.New("receiver answered 502")
			}
			return nil
		}, event.MaxAttempts(3))
		open(t, q)
		start(t, q)

		e := record(t, store, bus, workOrderEvent("WorkOrder.Cancelled", "wo-9"))
		var dead []queue.DeadJob
		dbtest.Eventually(t, "the delivery to be discarded", func() bool {
			var err error
			dead, err = q.ListDead(ctx, 0, 10)
			return err == nil && len(dead) == 1
		})

		list := got.get()
		if len(list) != 3 {
			t.Fatalf("calls before discard = %+v, want 3", list)
		}
		for i, c := range list {
			if c.eventID != e.ID || c.attempt != i+1 {
				t.Errorf("call %d = %+v, want attempt %d of %s", i, c, i+1, e.ID)
			}
			if i > 0 && c.at.Before(list[i-1].at) {
				t.Errorf("call %d at %v before call %d at %v", i, c.at, i-1, list[i-1].at)
			}
		}
		d := dead[0]
		if d.Kind != event.DeliverKind || d.Attempts != 3 || len(d.Errors) != 3 || d.LastError != "receiver answered 502" ||
			!strings.Contains(string(d.Args), e.ID) || !strings.Contains(string(d.Args), `"webhook"`) {
			t.Fatalf("dead letter = %+v", d)
		}

		fixed.Store(true)
		if err := q.Retry(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		dbtest.Eventually(t, "the replayed delivery", func() bool {
			j, err := q.Client().JobGet(ctx, d.ID)
			return err == nil && j.State == rivertype.JobStateCompleted
		})
		if list := got.get(); len(list) != 4 || list[3].eventID != e.ID || list[3].attempt != 4 {
			t.Fatalf("calls after replay = %+v", list)
		}
		if dead, err := q.ListDead(ctx, 0, 10); err != nil || len(dead) != 0 {
			t.Fatalf("dead after replay = %+v, %v", dead, err)
		}
		if err := q.Retry(ctx, d.ID); !fault.Is(err, fault.Conflict) {
			t.Fatalf("retry of a delivered job: %v, want conflict", err)
		}
	})
}

// TestWhenSparesUselessDeliveries: a subscriber with When gets a delivery
// only for events its predicate accepts, judged inside the recording
// transaction; a failing predicate fails the recording.
func TestWhenSparesUselessDeliveries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		q := newQueue(store)
		bus := event.NewBus(q)
		bus.Subscribe("only-wo-2", []string{"*"}, noop, event.When(func(_ context.Context, tx *db.Tx, e event.Event) (bool, error) {
			if tx == nil {
				return false, errors.New("no transaction")
			}
			if e.SubjectID == "wo-bad" {
				return false, errors.New("predicate failed")
			}
			return e.SubjectID == "wo-2", nil
		}))
		open(t, q)
		record(t, store, bus, workOrderEvent("WorkOrder.Created", "wo-1"))
		if got := deliveries(t, q); len(got) != 0 {
			t.Fatalf("a refused event was queued: %+v", got)
		}
		e := record(t, store, bus, workOrderEvent("WorkOrder.Created", "wo-2"))
		if got := deliveries(t, q); len(got) != 1 || got[0].EventID != e.ID {
			t.Fatalf("accepted event: %+v", got)
		}
		err := store.InTx(ctx, func(tx *db.Tx) error {
			_, err := bus.Record(ctx, tx, workOrderEvent("WorkOrder.Created", "wo-bad"))
			return err
		})
		if err == nil {
			t.Fatal("a failing predicate did not fail the recording")
		}
		if got, _ := bus.ForSubject(ctx, store.Read, "WorkOrder", "wo-bad"); len(got) != 0 {
			t.Fatal("the event stayed after its recording failed")
		}
	})
}

func TestForProvider(t *testing.T) {
	e := event.Event{Type: "Job.Awarded", Actor: event.Actor{Kind: event.ActorContractor, ID: "u-9", Name: "Zane"},
		Payload: json.RawMessage(`{"job_id":"j-1","contractor_id":"c-1","bid_id":"b-1","technician":{"name":"Zane"},"status":"awarded"}`)}
	got, ok := event.ForProvider(e)
	if !ok || got.Actor != (event.Actor{Kind: event.ActorContractor}) {
		t.Fatalf("ForProvider = %+v, %v", got, ok)
	}
	var m map[string]any
	if err := json.Unmarshal(got.Payload, &m); err != nil || len(m) != 2 || m["job_id"] != "j-1" || m["status"] != "awarded" {
		t.Fatalf("payload %s (%v)", got.Payload, err)
	}
	e.StaffOnly = true
	if _, ok := event.ForProvider(e); ok {
		t.Fatal("a staff-only event reached a provider")
	}
}
