package app_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/event"
)

// multi is a work order of several jobs on a dispatch world.
type multi struct {
	w    dispatchWorld
	ops  *client
	woID string
}

// direct is a direct job on the work order given to the named contractor.
func (m multi) direct(t *testing.T, name string) string {
	t.Helper()
	b := jobBody(false)
	b["mode"], b["checklist_template"] = "direct", "none"
	r := m.ops.do("POST", "/v1/work-orders/"+m.woID+"/jobs", b)
	want(t, r, 201)
	id := r.json(t)["id"].(string)
	want(t, m.ops.do("POST", "/v1/jobs/"+id+"/assign", map[string]any{"contractor_id": m.w.contractors[name]}), 200)
	return id
}

// onSite moves a job to on site as its contractor.
func (m multi) onSite(t *testing.T, c *client, id string) {
	t.Helper()
	want(t, c.do("POST", "/v1/jobs/"+id+"/en-route", nil), 200)
	want(t, c.do("POST", "/v1/jobs/"+id+"/on-site", nil), 200)
}

func (m multi) status(t *testing.T) any {
	t.Helper()
	return m.ops.do("GET", "/v1/work-orders/"+m.woID, nil).json(t)["status"]
}

var doneBody = map[string]any{"result_code": "fixed_no_parts", "notes": "done"}

// TestDispatchWorkOrderOfSeveralJobs follows work orders with more than one
// job: two jobs completed at once complete the order; cancelling the last
// open job after a sibling was completed completes it too (and tells the
// cancelled job's bidders); a backout while a sibling is still held leaves
// the order assigned.
func TestDispatchWorkOrderOfSeveralJobs(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDispatch(t, e, nil)
			ops := w.login(t, "ops@test.example")
			ann, bob, cat := w.login(t, "ann@c.example"), w.login(t, "bob@c.example"), w.login(t, "cat@c.example")

			t.Run("completed at once", func(t *testing.T) {
				for round := range 3 {
					m := multi{w: w, ops: ops, woID: newWorkOrder(t, w.world, "PO-BOTH-"+string(rune('A'+round)))}
					a, b := m.direct(t, "Ann"), m.direct(t, "Bob")
					m.onSite(t, ann, a)
					m.onSite(t, bob, b)
					var wg sync.WaitGroup
					statuses := make([]int, 2)
					for i, x := range []struct {
						c  *client
						id string
					}{{ann, a}, {bob, b}} {
						wg.Add(1)
						go func() {
							defer wg.Done()
							statuses[i] = x.c.do("POST", "/v1/jobs/"+x.id+"/complete", doneBody).status
						}()
					}
					wg.Wait()
					if statuses[0] != 200 || statuses[1] != 200 {
						t.Fatalf("completions answered %v", statuses)
					}
					if s := m.status(t); s != "completed" {
						t.Fatalf("round %d: both jobs completed, the work order is %v", round, s)
					}
				}
			})

			t.Run("last one cancelled", func(t *testing.T) {
				m := multi{w: w, ops: ops, woID: newWorkOrder(t, w.world, "PO-CANCEL-LAST")}
				a := m.direct(t, "Ann")
				r := ops.do("POST", "/v1/work-orders/"+m.woID+"/jobs", jobBody(true))
				want(t, r, 201)
				b := r.json(t)["id"].(string)
				want(t, cat.do("POST", "/v1/jobs/"+b+"/bids", map[string]any{"price_cents": 15000, "eta": "2026-12-01T15:30:00Z"}), 201)
				m.onSite(t, ann, a)
				want(t, ann.do("POST", "/v1/jobs/"+a+"/complete", doneBody), 200)
				if s := m.status(t); s == "completed" {
					t.Fatalf("completed with a job still open")
				}
				want(t, ops.do("POST", "/v1/jobs/"+b+"/cancel", map[string]any{"reason": "not needed"}), 200)
				if s := m.status(t); s != "completed" {
					t.Fatalf("the last open job was cancelled after the other was completed; the work order is %v", s)
				}
				if types := timelineTypes(t, ops, m.woID); count(types, "Bid.Declined") != 1 {
					t.Fatalf("the cancelled job's bid was not declined on the timeline: %v", types)
				}
				if b := list(t, cat.do("GET", "/v1/jobs/"+b+"/bids", nil)); len(b) != 1 || b[0]["status"] != "declined" {
					t.Fatalf("cat's bid: %v", b)
				}
			})

			t.Run("cancelled alone", func(t *testing.T) {
				m := multi{w: w, ops: ops, woID: newWorkOrder(t, w.world, "PO-CANCEL-ONLY")}
				a := m.direct(t, "Ann")
				want(t, ops.do("POST", "/v1/jobs/"+a+"/cancel", map[string]any{"reason": "not needed"}), 200)
				if s := m.status(t); s == "completed" {
					t.Fatalf("nothing was done, yet the work order is completed")
				}
			})

			t.Run("backout beside a held job", func(t *testing.T) {
				m := multi{w: w, ops: ops, woID: newWorkOrder(t, w.world, "PO-BACKOUT-SIBLING")}
				a, _ := m.direct(t, "Ann"), m.direct(t, "Bob")
				if s := m.status(t); s != "assigned" {
					t.Fatalf("work order %v", s)
				}
				want(t, ann.do("POST", "/v1/jobs/"+a+"/backout", map[string]any{"reason": "sick"}), 200)
				if s := m.status(t); s != "assigned" {
					t.Fatalf("Bob still holds a job, yet the work order is %v", s)
				}
			})

			t.Run("rule defaults are validated", func(t *testing.T) {
				r := ops.do("PUT", "/v1/dispatch-rules/ACME/*", map[string]any{"radius_miles": 0, "max_radius_miles": 10})
				wantRefusal(t, r, 422, "max_radius_miles")
			})

			t.Run("platform hook problems", func(t *testing.T) {
				r := newClient(t, w.base, "").do("POST", "/v1/hooks/nowhere", map[string]any{})
				wantRefusal(t, r, http.StatusNotFound, `"code":"not_found"`)
			})
		})
	}
}

// goneStub is a field platform whose polls answer for a job id nobody has
// any more, as after a re-push under a new id.
type goneStub struct{ stubPlatform }

func (p *goneStub) Name() string { return "gone" }

func (p *goneStub) Poll(context.Context, string) (dispatch.PlatformUpdate, error) {
	return dispatch.PlatformUpdate{ExternalID: "gone-elsewhere", State: dispatch.PlatformOnSite}, nil
}

// TestDispatchFieldPlatformDeclineAndTimes checks what a platform says:
// arrival times are the platform's, a decline of an accepted job undoes
// the award, and a poll about a job re-pushed meanwhile does not stop the
// poll.
func TestDispatchFieldPlatformDeclineAndTimes(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			a, _, w := stubWorld(t, e, "PO-FP-AT")
			sys := event.Actor{Kind: event.ActorSystem, ID: "test"}
			staff := dispatch.Caller{Actor: sys, Staff: true}
			start := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
			newJob := func() (string, string) {
				j, err := a.Dispatch.Create(ctx, staff, w.ID, dispatch.JobInput{Kind: "repair", Mode: dispatch.ModeFieldPlatform,
					BudgetCents: 10000, Window: dispatch.TimeWindow{Start: start, End: start.Add(3 * time.Hour)}}, true)
				if err != nil {
					t.Fatal(err)
				}
				var ext string
				dbtest.Eventually(t, "the push", func() bool {
					got, _ := a.Dispatch.Get(ctx, staff, j.ID)
					ext = got.ExternalID
					return ext != ""
				})
				return j.ID, ext
			}
			apply := func(ext string, u dispatch.PlatformUpdate) {
				t.Helper()
				u.ExternalID = ext
				if err := a.Dispatch.ApplyPlatformUpdate(ctx, "stub", u); err != nil {
					t.Fatalf("update %s: %v", u.State, err)
				}
			}

			id, ext := newJob()
			arrived := start.Add(30 * time.Minute)
			apply(ext, dispatch.PlatformUpdate{EventID: "t1", State: dispatch.PlatformAccepted, Technician: dispatch.PlatformTechnician{Name: "Tess"}})
			apply(ext, dispatch.PlatformUpdate{EventID: "t2", State: dispatch.PlatformEnRoute, At: start})
			apply(ext, dispatch.PlatformUpdate{EventID: "t3", State: dispatch.PlatformOnSite, At: arrived})
			got, _ := a.Dispatch.Get(ctx, staff, id)
			if got.Times.EnRouteAt == nil || !got.Times.EnRouteAt.Equal(start) || got.Times.OnSiteAt == nil || !got.Times.OnSiteAt.Equal(arrived) {
				t.Fatalf("times are not the platform's: %+v", got.Times)
			}

			id2, ext2 := newJob()
			apply(ext2, dispatch.PlatformUpdate{EventID: "d1", State: dispatch.PlatformScheduled, Technician: dispatch.PlatformTechnician{Name: "Ted"},
				Appointment: &dispatch.TimeWindow{Start: start, End: start.Add(time.Hour)}})
			apply(ext2, dispatch.PlatformUpdate{EventID: "d2", State: dispatch.PlatformDeclined, Reason: "no one"})
			got, _ = a.Dispatch.Get(ctx, staff, id2)
			if got.Status != dispatch.Posted || got.Times.AwardedAt != nil || got.Times.ScheduledAt != nil || got.Appointment != nil || got.Technician != nil {
				t.Fatalf("declined job keeps its award: %s %+v %+v", got.Status, got.Times, got.Appointment)
			}

			gone := &goneStub{}
			a.Dispatch.AddPlatform(gone)
			if _, err := a.Store.Write.ExecContext(ctx, `UPDATE jobs SET platform = 'gone', external_id = 'old-id' WHERE id = $1`, id2); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Dispatch.PollPlatforms(ctx); err != nil {
				t.Fatalf("a poll about a job re-pushed meanwhile stopped the poll: %v", err)
			}
		})
	}
}
