package event_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
)

func TestValidate(t *testing.T) {
	good := func() event.Event { return workOrderEvent("WorkOrder.Created", "wo-1") }
	cases := []struct {
		name  string
		edit  func(e *event.Event)
		field string // empty: valid
	}{
		{"valid", func(e *event.Event) {}, ""},
		{"empty payload becomes {}", func(e *event.Event) { e.Payload = nil }, ""},
		{"system actor", func(e *event.Event) { e.Actor = event.System }, ""},
		{"missing type", func(e *event.Event) { e.Type = "" }, "type"},
		{"type with a space", func(e *event.Event) { e.Type = "WorkOrder Created" }, "type"},
		{"missing subject type", func(e *event.Event) { e.SubjectType = "" }, "subject_type"},
		{"missing subject id", func(e *event.Event) { e.SubjectID = "" }, "subject_id"},
		{"no actor", func(e *event.Event) { e.Actor = event.Actor{} }, "actor.kind"},
		{"unknown actor", func(e *event.Event) { e.Actor.Kind = "robot" }, "actor.kind"},
		{"bad id", func(e *event.Event) { e.ID = "not-a-uuid" }, "id"},
		{"array payload", func(e *event.Event) { e.Payload = json.RawMessage(`[1]`) }, "payload"},
		{"broken payload", func(e *event.Event) { e.Payload = json.RawMessage(`{"a":`) }, "payload"},
		{"NUL in payload", func(e *event.Event) { e.Payload = json.RawMessage(`{"a":"x\u0000"}`) }, "payload"},
		{"escaped backslash is not NUL", func(e *event.Event) { e.Payload = json.RawMessage(`{"a":"x\\u0000"}`) }, ""},
		{"huge payload", func(e *event.Event) {
			e.Payload = json.RawMessage(`{"a":"` + strings.Repeat("x", event.MaxPayload) + `"}`)
		}, "payload"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := good()
			c.edit(&e)
			err := e.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if !json.Valid(e.Payload) || e.Payload[0] != '{' {
					t.Fatalf("payload after Validate = %q", e.Payload)
				}
				return
			}
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Code != fault.Invalid || len(fe.Fields) != 1 || fe.Fields[0].Field != c.field {
				t.Fatalf("Validate = %v, want invalid %s", err, c.field)
			}
		})
	}
}

func TestReadEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		bus := event.NewBus(newQueue(store)) // no subscribers: Record needs no open queue
		ev := func(typ, subject, provider string) event.Event {
			e := workOrderEvent(typ, subject)
			e.ProviderID = provider
			return e
		}
		var rec []event.Event
		for _, e := range []event.Event{
			ev("WorkOrder.Created", "wo-1", "p1"),
			ev("WorkOrder.Created", "wo-2", "p2"),
			ev("WorkOrder.Scheduled", "wo-1", "p1"),
			ev("Invoice.Paid", "inv-1", ""),
			ev("WorkOrder.Completed", "wo-1", "p1"),
		} {
			rec = append(rec, record(t, store, bus, e))
		}
		seqs := func(list []event.Event) []int64 {
			out := make([]int64, len(list))
			for i, e := range list {
				out[i] = e.Seq
			}
			return out
		}
		want := func(idx ...int) []int64 {
			out := make([]int64, len(idx))
			for i, k := range idx {
				out[i] = rec[k].Seq
			}
			return out
		}

		timeline, err := bus.ForSubject(ctx, store.Read, "WorkOrder", "wo-1")
		if err != nil || !slices.Equal(seqs(timeline), want(0, 2, 4)) {
			t.Fatalf("timeline = %v (%v), want %v", seqs(timeline), err, want(0, 2, 4))
		}
		if timeline[0].Seq >= timeline[1].Seq || timeline[1].Type != "WorkOrder.Scheduled" {
			t.Fatalf("timeline out of order: %+v", timeline)
		}

		for _, c := range []struct {
			name string
			f    event.ListFilter
			want []int64
		}{
			{"all", event.ListFilter{}, want(0, 1, 2, 3, 4)},
			{"after", event.ListFilter{AfterSeq: rec[1].Seq}, want(2, 3, 4)},
			{"types", event.ListFilter{Types: []string{"WorkOrder.Created", "Invoice.Paid"}}, want(0, 1, 3)},
			{"provider", event.ListFilter{ProviderID: "p1"}, want(0, 2, 4)},
			{"limit", event.ListFilter{Limit: 2}, want(0, 1)},
			{"page two", event.ListFilter{AfterSeq: rec[1].Seq, Limit: 2}, want(2, 3)},
			{"combined", event.ListFilter{AfterSeq: rec[0].Seq, Types: []string{"WorkOrder.Created"}, ProviderID: "p2"}, want(1)},
		} {
			got, err := bus.List(ctx, store.Read, c.f)
			if err != nil || !slices.Equal(seqs(got), c.want) {
				t.Errorf("%s: %v (%v), want %v", c.name, seqs(got), err, c.want)
			}
		}
		if _, err := bus.List(ctx, store.Read, event.ListFilter{Limit: event.MaxListLimit + 1}); !fault.Is(err, fault.Invalid) {
			t.Errorf("oversized limit: %v, want invalid", err)
		}
		if _, err := bus.Get(ctx, store.Read, "0190c3a0-0000-7000-8000-000000000000"); !fault.Is(err, fault.NotFound) {
			t.Errorf("missing event: %v, want not_found", err)
		}
		// Record stamps the transaction's time, not the caller's.
		e := workOrderEvent("WorkOrder.Created", "wo-3")
		e.At = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		if got := record(t, store, bus, e); got.At.Year() == 2000 {
			t.Errorf("Record kept the caller's time %v", got.At)
		}
	})
}

func TestSubscribeMisuse(t *testing.T) {
	store := dbtest.Open(t, db.SQLite, nil)
	mustPanic := func(name string, fn func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		fn()
	}
	q := newQueue(store)
	bus := event.NewBus(q)
	bus.Subscribe("a", []string{"*"}, noop)
	mustPanic("duplicate name", func() { bus.Subscribe("a", []string{"X.Y"}, noop) })
	mustPanic("no types", func() { bus.Subscribe("b", nil, noop) })
	open(t, q)
	mustPanic("subscribe after open", func() { bus.Subscribe("c", []string{"*"}, noop) })
}

// A work order's timeline holds the events of the things done for it, and
// the types named staff-only come back marked so.
func TestForWorkOrderAndStaffOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		q := newQueue(store)
		bus := event.NewBus(q)
		bus.StaffOnly("Bid.*", "Job.Offered")
		open(t, q)
		created := workOrderEvent("WorkOrder.Created", "wo-1")
		created.SubjectType = event.WorkOrderSubject // its own id becomes its work order
		record(t, store, bus, created)
		for _, typ := range []string{"Job.Posted", "Job.Offered", "Bid.Placed"} {
			record(t, store, bus, event.Event{Type: typ, SubjectType: "job", SubjectID: "job-1", WorkOrderID: "wo-1",
				Actor: event.Actor{Kind: event.ActorContractor, ID: "c-1", Name: "Zane"}})
		}
		record(t, store, bus, event.Event{Type: "Job.Posted", SubjectType: "job", SubjectID: "job-2", WorkOrderID: "wo-2",
			Actor: event.System})
		evs, err := bus.ForWorkOrder(context.Background(), store.Read, "wo-1")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range evs {
			got = append(got, e.Type+"/"+map[bool]string{true: "staff", false: "all"}[e.StaffOnly])
			if e.WorkOrderID != "wo-1" {
				t.Fatalf("%s has work order %q", e.Type, e.WorkOrderID)
			}
		}
		want := []string{"WorkOrder.Created/all", "Job.Posted/all", "Job.Offered/staff", "Bid.Placed/staff"}
		if !slices.Equal(got, want) {
			t.Fatalf("timeline = %v, want %v", got, want)
		}
	})
}
