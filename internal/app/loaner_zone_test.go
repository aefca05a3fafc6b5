package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// TestLoanerDueBySiteZone: a loaner "due on" a date is due by the end of
// that date where the customer is. For a Dallas clinic that is local
// midnight going into the next day — 05:00 or 06:00 UTC, not 00:00 UTC,
// which is 6 or 7 pm in Dallas — and the overdue sweep keeps to it.
func TestLoanerDueBySiteZone(t *testing.T) {
	dallas, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDevices(t, e)
			ctx := context.Background()
			want(t, w.depot.do("POST", "/v1/devices", map[string]any{"serial": "LN-TZ", "model": "PicoWay", "manufacturer": "Acme",
				"owner": map[string]any{"kind": "company"}, "loaner": true, "region": "DFW", "status": "returned_available"}), 201)
			woID := w.order(t, "PO-TZ", "pw-tz") // its site is in Dallas

			// Due tomorrow by the Dallas calendar.
			y, m, d := w.clock.Now().In(dallas).Date()
			dueOn := time.Date(y, m, d+1, 0, 0, 0, 0, dallas)
			endOfDue := time.Date(y, m, d+2, 0, 0, 0, 0, dallas)
			r := w.depot.do("POST", "/v1/loaners/assign", map[string]any{"work_order_id": woID, "region": "DFW",
				"due_on": dueOn.Format(time.DateOnly)})
			want(t, r, 201)
			loaner := r.json(t)
			loanerID := loaner["id"].(string)
			if loan := loaner["loan"].(map[string]any); loan["due_on"] != dueOn.Format(time.DateOnly) {
				t.Fatalf("due_on changed: %s", r.body)
			}
			var dueAt db.Time
			if err := w.app.Store.Read.QueryRowContext(ctx, `SELECT due_at FROM device_loans WHERE device_id = $1`, loanerID).
				Scan(&dueAt); err != nil {
				t.Fatal(err)
			}
			if !dueAt.Time.Equal(endOfDue) {
				t.Fatalf("due at %s (%s in Dallas), want local midnight after %s: %s", dueAt.Time.UTC(), dueAt.Time.In(dallas),
					dueOn.Format(time.DateOnly), endOfDue.UTC())
			}

			sweep := func(at time.Time) {
				t.Helper()
				w.clock.Set(at.UTC())
				if _, err := w.app.Devices.Sweep(ctx); err != nil {
					t.Fatal(err)
				}
			}
			overdueEvents := func() int { return count(timelineTypes(t, w.viewer, woID), "Loaner.Overdue") }

			// Not late on the due date in Dallas: at 18:30 (after midnight UTC
			// in winter) nor at 23:30 (after midnight UTC all year).
			for _, hm := range [][2]int{{18, 30}, {23, 30}} {
				sweep(time.Date(y, m, d+1, hm[0], hm[1], 0, 0, dallas))
				if n := overdueEvents(); n != 0 {
					t.Fatalf("overdue at %02d:%02d in Dallas on the due date: %d event(s)", hm[0], hm[1], n)
				}
				if got := list(t, w.finance.do("GET", "/v1/loaners?overdue=true", nil)); len(got) != 0 {
					t.Fatalf("listed overdue at %02d:%02d in Dallas on the due date: %v", hm[0], hm[1], got)
				}
			}

			// Late from midnight in Dallas.
			sweep(endOfDue.Add(30 * time.Minute))
			if n := overdueEvents(); n != 1 {
				t.Fatalf("%d Loaner.Overdue event(s) after midnight in Dallas, want 1", n)
			}
			over := list(t, w.finance.do("GET", "/v1/loaners?overdue=true&region=DFW", nil))
			if len(over) != 1 || over[0]["id"] != loanerID || over[0]["loan"].(map[string]any)["days_overdue"] != float64(1) {
				t.Fatalf("overdue loaners: %v", over)
			}
		})
	}
}
