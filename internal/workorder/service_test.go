package workorder_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/provider"
	"github.com/fieldhub/fieldhub/internal/queue"
	wo "github.com/fieldhub/fieldhub/internal/workorder"
)

type fixture struct {
	svc   *wo.Service
	bus   *event.Bus
	acme  provider.Provider
	other provider.Provider
	staff wo.Caller
	key   wo.Caller
}

func setup(t *testing.T, store *db.DB) fixture {
	t.Helper()
	ctx := context.Background()
	q := queue.New(store, queue.Config{})
	bus := event.NewBus(q)
	if err := q.Open(); err != nil {
		t.Fatal(err)
	}
	provs := provider.New(store, bus)
	sys := event.Actor{Kind: event.ActorSystem, ID: "test"}
	acme, err := provs.Create(ctx, provider.Provider{Code: "ACME", Name: "Acme", Settings: provider.Settings{Contract: provider.Contract{
		WarrantyMonths: 12, LoanerIncluded: true, NoShowFeeCents: 4500}}}, sys)
	if err != nil {
		t.Fatal(err)
	}
	other, err := provs.Create(ctx, provider.Provider{Code: "OTHER", Name: "Other"}, sys)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{svc: wo.New(store, bus, provs), bus: bus, acme: acme, other: other,
		staff: wo.Caller{Actor: event.Actor{Kind: event.ActorStaff, ID: "u1", Name: "Nate Cole"}},
		key:   wo.Caller{Actor: event.Actor{Kind: event.ActorProvider, ID: "k1"}, ProviderID: acme.ID}}
}

func intake(ext string) wo.Intake {
	start := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	return wo.Intake{ExternalID: ext, ServiceType: "onsite_repair", Priority: "normal",
		Customer: wo.Customer{Name: "Lakeside Clinic", Email: "frontdesk@lakeside.example", Phone: "+12145550100", NotifyBy: "email"},
		Site:     wo.Site{Line1: "5803 E Northwest Hwy", City: "Dallas", State: "TX", ZIP: "75231"},
		Devices:  []wo.Device{{Model: "GentleMax Pro", Serial: "GMP-88123", PurchaseDate: time.Now().AddDate(0, -2, 0).Format(time.DateOnly)}},
		Problem:  "Device down", ErrorCodes: []string{"E47"},
		RequestedWindow: &wo.Window{Start: start, End: start.Add(3 * time.Hour)}}
}

func TestIntake(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		f := setup(t, store)

		w, created, err := f.svc.Create(ctx, f.key, f.acme.ID, intake("PO-1001"))
		if err != nil || !created {
			t.Fatalf("create: %v %v", created, err)
		}
		if w.Status != wo.Received || w.Provider != "ACME" || w.Number == "" || w.Entitlement.Coverage != "covered" || !w.Entitlement.Loaner {
			t.Fatalf("created %+v", w)
		}
		if w.SLADueAt == nil || w.SLADueAt.Sub(w.CreatedAt) != 72*time.Hour {
			t.Fatalf("sla due %v for created %v", w.SLADueAt, w.CreatedAt)
		}

		again, created, err := f.svc.Create(ctx, f.key, f.acme.ID, intake("PO-1001"))
		if err != nil || created || again.ID != w.ID {
			t.Fatalf("repeat: %v %v %v", again, created, err)
		}
		changed := intake("PO-1001")
		changed.Problem = "Something else"
		changed.Site.ZIP = "75001"
		_, _, err = f.svc.Create(ctx, f.key, f.acme.ID, changed)
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Code != fault.Conflict || fmt.Sprint(fe.Detail["differing_fields"]) != "[problem site]" {
			t.Fatalf("conflicting repeat err = %v (%v)", err, fe)
		}

		// The same external id under another provider is another order.
		if _, created, err := f.svc.Create(ctx, f.staff, f.other.ID, intake("PO-1001")); err != nil || !created {
			t.Fatalf("other provider: %v %v", created, err)
		}
		// A provider key cannot create for someone else.
		if _, _, err := f.svc.Create(ctx, f.key, f.other.ID, intake("PO-9")); !fault.Is(err, fault.Forbidden) {
			t.Fatalf("cross-provider create err = %v", err)
		}

		bad := intake("")
		bad.Site.ZIP, bad.Customer.Email, bad.ServiceType = "7523", "nope", "teleport"
		_, _, err = f.svc.Create(ctx, f.key, f.acme.ID, bad)
		if !errors.As(err, &fe) || fe.Code != fault.Invalid || len(fe.Fields) != 4 {
			t.Fatalf("invalid intake err = %v", err)
		}

		evs, err := f.bus.ForSubject(ctx, store.Read, wo.SubjectType, w.ID)
		if err != nil || len(evs) != 2 || evs[0].Type != "WorkOrder.Created" || evs[1].Type != "WorkOrder.EntitlementDecided" {
			t.Fatalf("timeline after intake = %v %v", evs, err)
		}
		// Another provider's key sees nothing of it.
		other := wo.Caller{Actor: f.key.Actor, ProviderID: f.other.ID}
		if _, err := f.svc.Get(ctx, other, w.ID); !fault.Is(err, fault.NotFound) {
			t.Fatalf("cross-provider read err = %v", err)
		}
	})
}

func TestConcurrentIntakeMakesOne(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		f := setup(t, store)
		const clients = 8
		ids := make([]string, clients)
		errs := make([]error, clients)
		var wg sync.WaitGroup
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w, _, err := f.svc.Create(ctx, f.key, f.acme.ID, intake("PO-RACE"))
				errs[i] = err
				if w != nil {
					ids[i] = w.ID
				}
			}()
		}
		wg.Wait()
		for i := range clients {
			if errs[i] != nil || ids[i] != ids[0] {
				t.Fatalf("client %d: id %s err %v; first id %s", i, ids[i], errs[i], ids[0])
			}
		}
		var n int
		if err := store.Read.QueryRowContext(ctx, `SELECT count(*) FROM work_orders WHERE external_id = 'PO-RACE'`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d work orders, err %v", n, err)
		}
	})
}

func TestLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		f := setup(t, store)
		w, _, err := f.svc.Create(ctx, f.key, f.acme.ID, intake("PO-2001"))
		if err != nil {
			t.Fatal(err)
		}
		id := w.ID
		slot := wo.Window{Start: time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)}

		if _, err := f.svc.Complete(ctx, f.staff, id, "fixed_parts_replaced", ""); !fault.Is(err, fault.Conflict) {
			t.Fatalf("complete from received err = %v", err)
		}
		if _, err := f.svc.Hold(ctx, f.staff, id, "not_a_reason", ""); !fault.Is(err, fault.Invalid) {
			t.Fatalf("bad hold reason err = %v", err)
		}
		held, err := f.svc.Hold(ctx, f.staff, id, "incomplete_package", "missing cord")
		if err != nil || held.Status != wo.OnHold || held.Hold.From != wo.Received {
			t.Fatalf("hold: %+v %v", held, err)
		}
		resumed, err := f.svc.Resume(ctx, f.staff, id, "cord arrived")
		if err != nil || resumed.Status != wo.Received || !resumed.SLADueAt.After(*w.SLADueAt) && !resumed.SLADueAt.Equal(*w.SLADueAt) {
			t.Fatalf("resume: %+v %v", resumed, err)
		}
		sched, err := f.svc.ConfirmAppointment(ctx, f.staff, id, slot, "confirmed by phone")
		if err != nil || sched.Status != wo.Scheduled || sched.Appointment.ConfirmedBy != "Nate Cole" {
			t.Fatalf("appointment: %+v %v", sched, err)
		}
		later := wo.Window{Start: slot.Start.Add(24 * time.Hour), End: slot.End.Add(24 * time.Hour)}
		res, err := f.svc.Reschedule(ctx, f.staff, id, later, "customer_request", "")
		if err != nil || !res.Appointment.Start.Equal(later.Start) || len(res.Appointment.History) != 1 || !res.Appointment.History[0].Start.Equal(slot.Start) {
			t.Fatalf("reschedule: %+v %v", res.Appointment, err)
		}
		ns, err := f.svc.NoShow(ctx, f.staff, id, "customer_not_home", "", "reschedule")
		if err != nil || ns.Status != wo.Scheduling || ns.Appointment != nil || len(ns.Fees) != 1 || ns.Fees[0].AmountCents != 4500 {
			t.Fatalf("no-show: %+v %v", ns, err)
		}
		if _, err := f.svc.ConfirmAppointment(ctx, f.staff, id, later, ""); err != nil {
			t.Fatal(err)
		}
		done, err := f.svc.Complete(ctx, f.staff, id, "fixed_parts_replaced", "replaced board")
		if err != nil || done.Status != wo.Completed || done.Completion.ResultCode != "fixed_parts_replaced" {
			t.Fatalf("complete: %+v %v", done, err)
		}
		again, err := f.svc.Reopen(ctx, f.staff, id, "same fault again", "2TR")
		if err != nil || again.ReopenedFrom != id || again.ExternalID != "PO-2001-2TR" || again.Status != wo.Received {
			t.Fatalf("reopen: %+v %v", again, err)
		}
		closed, err := f.svc.Close(ctx, f.staff, id, "billed")
		if err != nil || closed.Status != wo.Closed || closed.ClosedAt == nil {
			t.Fatalf("close: %+v %v", closed, err)
		}
		name := "x"
		if _, err := f.svc.Patch(ctx, f.staff, id, wo.Edit{Problem: &name}, nil); !fault.Is(err, fault.Conflict) {
			t.Fatalf("patch after close err = %v", err)
		}
		if _, err := f.svc.Cancel(ctx, f.staff, id, "customer_request", ""); !fault.Is(err, fault.Conflict) {
			t.Fatalf("cancel after close err = %v", err)
		}
		var fe *fault.Error
		if _, err := f.svc.Hold(ctx, f.staff, id, "other", ""); !errors.As(err, &fe) || fe.Detail["status"] != wo.Closed {
			t.Fatalf("hold closed: %v", err)
		}

		evs, err := f.bus.ForSubject(ctx, store.Read, wo.SubjectType, id)
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, e := range evs {
			types = append(types, e.Type)
		}
		want := "[WorkOrder.Created WorkOrder.EntitlementDecided WorkOrder.Held WorkOrder.StatusChanged WorkOrder.Resumed WorkOrder.StatusChanged " +
			"WorkOrder.AppointmentSet WorkOrder.StatusChanged WorkOrder.AppointmentSet WorkOrder.NoShow WorkOrder.StatusChanged " +
			"WorkOrder.AppointmentSet WorkOrder.StatusChanged WorkOrder.Completed WorkOrder.StatusChanged WorkOrder.Reopened " +
			"WorkOrder.Closed WorkOrder.StatusChanged]"
		if fmt.Sprint(types) != want {
			t.Fatalf("timeline\n got %v\nwant %s", types, want)
		}
	})
}

func TestSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		f := setup(t, store)
		for i := range 7 {
			in := intake(fmt.Sprintf("PO-%d", 3000+i))
			if i%2 == 1 {
				in.Site.ZIP, in.Site.State, in.Customer.Name = "10001", "NY", "Hudson Dental"
			}
			in.Devices[0].Serial = fmt.Sprintf("SN-%d", i)
			if _, _, err := f.svc.Create(ctx, f.key, f.acme.ID, in); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := f.svc.Create(ctx, f.staff, f.other.ID, intake("PO-3000")); err != nil {
			t.Fatal(err)
		}
		count := func(c wo.Caller, fl wo.Filter) int {
			t.Helper()
			n, cursor := 0, ""
			for {
				fl.Cursor, fl.Limit = cursor, 2
				items, next, err := f.svc.List(ctx, c, fl)
				if err != nil {
					t.Fatal(err)
				}
				n += len(items)
				if next == "" {
					return n
				}
				cursor = next
			}
		}
		for _, c := range []struct {
			name   string
			caller wo.Caller
			filter wo.Filter
			want   int
		}{
			{"staff sees all", f.staff, wo.Filter{}, 8},
			{"a key sees its own", f.key, wo.Filter{}, 7},
			{"by provider", f.staff, wo.Filter{ProviderID: f.other.ID}, 1},
			{"by external id", f.staff, wo.Filter{ExternalID: "PO-3000"}, 2},
			{"key by external id", f.key, wo.Filter{ExternalID: "PO-3000"}, 1},
			{"by state", f.staff, wo.Filter{State: "ny"}, 3},
			{"by zip prefix", f.staff, wo.Filter{ZIP: "752"}, 5},
			{"text: customer name", f.staff, wo.Filter{Query: "hudson"}, 3},
			{"text: serial", f.staff, wo.Filter{Query: "sn-4"}, 1},
			{"text: PO fragment", f.staff, wo.Filter{Query: "300"}, 8},
			{"text: wildcard is literal", f.staff, wo.Filter{Query: "%"}, 0},
			{"status received", f.staff, wo.Filter{Statuses: []wo.Status{wo.Received}}, 8},
			{"status closed", f.staff, wo.Filter{Statuses: []wo.Status{wo.Closed, wo.Cancelled}}, 0},
			{"service type", f.staff, wo.Filter{ServiceType: "delivery"}, 0},
			{"created range", f.staff, wo.Filter{CreatedFrom: time.Now().Add(-time.Hour), CreatedTo: time.Now().Add(time.Hour)}, 8},
			{"requested range", f.staff, wo.Filter{RequestedFrom: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), RequestedTo: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}, 8},
			{"none at risk yet", f.staff, wo.Filter{SLAAtRisk: true}, 0},
		} {
			if got := count(c.caller, c.filter); got != c.want {
				t.Errorf("%s: %d, want %d", c.name, got, c.want)
			}
		}
		counts, err := f.svc.StatusCounts(ctx, f.key, wo.Filter{})
		if err != nil || counts[wo.Received] != 7 || counts[wo.Closed] != 0 {
			t.Fatalf("counts = %v %v", counts, err)
		}
	})
}
