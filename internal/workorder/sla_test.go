package workorder_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	wo "github.com/fieldhub/fieldhub/internal/workorder"
)

// clock is a settable fake clock for the store.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestSLAClock: the deadline follows the tier, the work order becomes at
// risk as the deadline nears, and a hold pauses the clock.
func TestSLAClock(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			clk := &clock{now: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
			store := dbtest.Open(t, e, clk.Now)
			f := setup(t, store)
			in := intake("PO-SLA")
			in.Priority = "urgent" // critical tier: 8 hours
			w, _, err := f.svc.Create(ctx, f.staff, f.acme.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			if want := clk.Now().Add(8 * time.Hour); !w.SLADueAt.Equal(want) {
				t.Fatalf("due %v, want %v", w.SLADueAt, want)
			}
			atRisk := func() int {
				items, _, err := f.svc.List(ctx, f.staff, wo.Filter{SLAAtRisk: true})
				if err != nil {
					t.Fatal(err)
				}
				return len(items)
			}
			if n := atRisk(); n != 0 {
				t.Fatalf("at risk right after intake: %d", n)
			}
			clk.Add(5 * time.Hour) // 3 hours left: inside the 4-hour window
			if n := atRisk(); n != 1 {
				t.Fatalf("at risk with 3 h left: %d, want 1", n)
			}
			if _, err := f.svc.Hold(ctx, f.staff, w.ID, "awaiting_customer", ""); err != nil {
				t.Fatal(err)
			}
			if n := atRisk(); n != 0 {
				t.Fatalf("a held work order counts as at risk: %d", n)
			}
			clk.Add(2 * time.Hour)
			resumed, err := f.svc.Resume(ctx, f.staff, w.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			if want := w.SLADueAt.Add(2 * time.Hour); !resumed.SLADueAt.Equal(want) {
				t.Fatalf("after a 2 h hold due %v, want %v", resumed.SLADueAt, want)
			}
			clk.Add(4 * time.Hour) // past the moved deadline: overdue is at risk too
			if n := atRisk(); n != 1 {
				t.Fatalf("overdue not at risk: %d", n)
			}
			if _, err := f.svc.ConfirmAppointment(ctx, f.staff, w.ID, wo.Window{Start: clk.Now(), End: clk.Now().Add(time.Hour)}, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Complete(ctx, f.staff, w.ID, "fixed_no_parts", ""); err != nil {
				t.Fatal(err)
			}
			if n := atRisk(); n != 0 {
				t.Fatalf("a completed work order counts as at risk: %d", n)
			}
		})
	}
}
