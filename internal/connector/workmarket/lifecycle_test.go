package workmarket_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/connector/workmarket/wmfake"
	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/fault"
)

var tech = wmfake.Resource{ID: "8823578", FirstName: "Dana", LastName: "Ortiz", Email: "dana@example.com", Phone: "5125550100"}

func TestCancelVoidsUnassigned(t *testing.T) {
	fake, c := setup(t, wmfake.Options{})
	ctx := context.Background()
	id, err := c.Push(ctx, job())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Cancel(ctx, id, "customer withdrew"); err != nil {
		t.Fatal(err)
	}
	if s := fake.Assignments()[0].Status; s != "void" {
		t.Fatalf("status = %s, want void", s)
	}
	if err := c.Cancel(ctx, id, "again"); err != nil {
		t.Fatalf("cancelling a voided assignment: %v", err)
	}
	if n := fake.Calls("/assignments/void"); n != 1 {
		t.Fatalf("%d void calls, want 1", n)
	}
	u, err := c.Poll(ctx, id)
	if err != nil || u.State != dispatch.PlatformCancelled || u.Reason != "customer withdrew" {
		t.Fatalf("poll = %+v, %v; want cancelled with the reason", u, err)
	}
}

func TestCancelAssigned(t *testing.T) {
	fake, c := setup(t, wmfake.Options{})
	ctx := context.Background()
	id, _ := c.Push(ctx, job())
	if err := fake.Accept(id, tech); err != nil {
		t.Fatal(err)
	}
	if err := c.Cancel(ctx, id, "duplicate"); err != nil {
		t.Fatal(err)
	}
	if s := fake.Assignments()[0].Status; s != "cancelled" {
		t.Fatalf("status = %s, want cancelled", s)
	}
}

func TestCancelCompletedConflicts(t *testing.T) {
	fake, c := setup(t, wmfake.Options{})
	ctx := context.Background()
	id, _ := c.Push(ctx, job())
	_ = fake.Accept(id, tech)
	_ = fake.Complete(id, wmfake.Completion{Resolution: "done"})
	if err := c.Cancel(ctx, id, "too late"); !fault.Is(err, fault.Conflict) {
		t.Fatalf("err = %v, want conflict", err)
	}
}

func TestPollFollowsTheAssignment(t *testing.T) {
	fake, c := setup(t, wmfake.Options{})
	ctx := context.Background()
	id, err := c.Push(ctx, job())
	if err != nil {
		t.Fatal(err)
	}
	poll := func(want string) dispatch.PlatformUpdate {
		t.Helper()
		u, err := c.Poll(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if u.State != want || u.ExternalID != id || u.EventID == "" || u.At.IsZero() {
			t.Fatalf("poll = %+v, want state %s", u, want)
		}
		return u
	}
	sent := poll(dispatch.PlatformSent)
	if again := poll(dispatch.PlatformSent); again.EventID != sent.EventID {
		t.Fatal("two polls of an unchanged assignment have different event ids")
	}

	if err := fake.Accept(id, tech); err != nil {
		t.Fatal(err)
	}
	acc := poll(dispatch.PlatformAccepted)
	want := dispatch.PlatformTechnician{ExternalID: "8823578", Name: "Dana Ortiz", Email: "dana@example.com", Phone: "5125550100"}
	if acc.Technician != want || acc.EventID == sent.EventID {
		t.Fatalf("accepted: technician %+v, event %s", acc.Technician, acc.EventID)
	}

	appt := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	if err := fake.Confirm(id, appt); err != nil {
		t.Fatal(err)
	}
	if u := poll(dispatch.PlatformScheduled); u.Appointment == nil || !u.Appointment.Start.Equal(appt) {
		t.Fatalf("scheduled: appointment %+v, want %v", u.Appointment, appt)
	}
	if err := fake.CheckIn(id); err != nil {
		t.Fatal(err)
	}
	poll(dispatch.PlatformOnSite)

	if err := fake.Complete(id, wmfake.Completion{
		Resolution: "Panel replaced, tested", ResultCode: "FIXED", PartsUsed: "PNL-55:1:SN123; SCR-4:6",
		ReturnTracking: "1Z999AA10123456784", UnitCondition: "good",
	}); err != nil {
		t.Fatal(err)
	}
	done := poll(dispatch.PlatformCompleted)
	if done.Notes != "Panel replaced, tested" || done.ResultCode != "FIXED" || done.ReturnTracking != "1Z999AA10123456784" ||
		done.UnitCondition != "good" || done.Technician.ExternalID != "8823578" {
		t.Fatalf("completed = %+v", done)
	}
	wantParts := []dispatch.PartUse{{SKU: "PNL-55", Quantity: 1, Serial: "SN123"}, {SKU: "SCR-4", Quantity: 6}}
	if !reflect.DeepEqual(done.PartsUsed, wantParts) {
		t.Fatalf("parts = %+v, want %+v", done.PartsUsed, wantParts)
	}
}

func TestPollIncomplete(t *testing.T) {
	fake, c := setup(t, wmfake.Options{})
	ctx := context.Background()
	id, _ := c.Push(ctx, job())
	_ = fake.Accept(id, tech)
	if err := fake.Complete(id, wmfake.Completion{Resolution: "Wrong part shipped", ResultCode: "INCOMPLETE_PARTS"}); err != nil {
		t.Fatal(err)
	}
	u, err := c.Poll(ctx, id)
	if err != nil || u.State != dispatch.PlatformIncomplete || u.Reason != "Wrong part shipped" {
		t.Fatalf("poll = %+v, %v; want incomplete with the reason", u, err)
	}
}

// TestUnknownAssignment: WorkMarket's 403 for an assignment the account
// cannot see reads as not found, so that cancelling one counts as done.
func TestUnknownAssignment(t *testing.T) {
	_, c := setup(t, wmfake.Options{})
	if _, err := c.Poll(context.Background(), "999"); !fault.Is(err, fault.NotFound) {
		t.Fatalf("poll: err = %v, want not found", err)
	}
	if err := c.Cancel(context.Background(), "999", "withdrawn"); !fault.Is(err, fault.NotFound) || !strings.Contains(err.Error(), "403") {
		t.Fatalf("cancel: err = %v, want not found from WorkMarket's 403", err)
	}
}
