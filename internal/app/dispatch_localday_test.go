package app_test

import (
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// localDay is a dispatch world whose contractor Ann takes one job a day,
// with jobs at the fixture's Dallas site.
type localDay struct {
	w             dispatchWorld
	ops, ann, bob *client
	woID          string
	dallas        *time.Location
}

// TestDispatchCapacityBySiteDay: "jobs a day" counts the site's calendar
// day. A 7 pm job in Dallas on 3 December is at 01:00 UTC on the 4th, yet
// it fills Ann's 3rd there — she is not offered, cannot be awarded and
// cannot be assigned another job that morning — and leaves her 4th free.
// Days when the clocks change are 25 and 23 hours long.
func TestDispatchCapacityBySiteDay(t *testing.T) {
	dallas, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDispatch(t, e, nil)
			d := localDay{w: w, ops: w.login(t, "ops@test.example"), ann: w.login(t, "ann@c.example"),
				bob: w.login(t, "bob@c.example"), woID: newWorkOrder(t, w.world, "PO-LOCALDAY"), dallas: dallas}
			d.oneJobADay(t)
			t.Run("evening fills the site's day", d.eveningFillsTheDay)
			t.Run("clocks go back", d.clocksGoBack)
			t.Run("clocks go forward", d.clocksGoForward)
		})
	}
}

// at is a time at the site, on a day of month in year.
func (d localDay) at(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, d.dallas)
}

// oneJobADay sets Ann's capacity to one job a day.
func (d localDay) oneJobADay(t *testing.T) {
	t.Helper()
	id := d.w.contractors["Ann"]
	r := d.ops.do("GET", "/v1/contractors/"+id, nil)
	want(t, r, 200)
	r = d.ops.do("PATCH", "/v1/contractors/"+id, map[string]any{"capacity_per_day": 1}, "If-Match", r.header.Get("ETag"))
	want(t, r, 200)
	if r.json(t)["capacity_per_day"] != float64(1) {
		t.Fatalf("patched: %s", r.body)
	}
}

// job creates a two-hour job starting at start: posted to the marketplace,
// or a direct job when post is false. It returns the job's id.
func (d localDay) job(t *testing.T, start time.Time, post bool) string {
	t.Helper()
	b := jobBody(post)
	b["window"] = map[string]any{"start": start.UTC().Format(time.RFC3339), "end": start.Add(2 * time.Hour).UTC().Format(time.RFC3339)}
	if !post {
		b["mode"] = "direct"
	}
	r := d.ops.do("POST", "/v1/work-orders/"+d.woID+"/jobs", b)
	want(t, r, 201)
	return r.json(t)["id"].(string)
}

// give assigns a direct job at start to Ann.
func (d localDay) give(t *testing.T, start time.Time) {
	t.Helper()
	id := d.job(t, start, false)
	want(t, d.ops.do("POST", "/v1/jobs/"+id+"/assign", map[string]any{"contractor_id": d.w.contractors["Ann"]}), 200)
}

// offered reports whether a job posted now at start is offered to Ann
// (Bob, with room to spare, always is).
func (d localDay) offered(t *testing.T, start time.Time) bool {
	t.Helper()
	id := d.job(t, start, true)
	want(t, d.bob.do("GET", "/v1/jobs/"+id, nil), 200)
	switch r := d.ann.do("GET", "/v1/jobs/"+id, nil); r.status {
	case 200:
		return true
	case 404:
		return false
	default:
		t.Fatalf("ann reads job %s: %d %s", id, r.status, r.body)
		return false
	}
}

// bid places Ann's bid on job id and returns the bid's id.
func (d localDay) bid(t *testing.T, id string, eta time.Time) string {
	t.Helper()
	r := d.ann.do("POST", "/v1/jobs/"+id+"/bids", map[string]any{"price_cents": 18000, "eta": eta.UTC().Format(time.RFC3339)})
	want(t, r, 201)
	return r.json(t)["id"].(string)
}

func (d localDay) eveningFillsTheDay(t *testing.T) {
	morning3 := d.at(2026, time.December, 3, 9, 0)
	morning4 := d.at(2026, time.December, 4, 9, 0)
	evening3 := d.at(2026, time.December, 3, 19, 0)
	if evening3.UTC().Day() != 4 {
		t.Fatalf("the evening job is not on the next UTC day: %s", evening3.UTC())
	}

	// Ann bids on the morning of the 3rd while her day is free.
	early := d.job(t, morning3, true)
	annBid := d.bid(t, early, morning3)

	// She is given the evening of the 3rd, and that day is full.
	d.give(t, evening3)
	wantRefusal(t, d.ops.do("POST", "/v1/jobs/"+early+"/award", map[string]any{"bid_id": annBid}), 409, "capacity", "2026-12-03")
	wantRefusal(t, d.ops.do("POST", "/v1/jobs/"+early+"/assign", map[string]any{"contractor_id": d.w.contractors["Ann"]}), 409,
		"capacity", "2026-12-03")
	if j := d.ops.do("GET", "/v1/jobs/"+early, nil).json(t); j["status"] != "posted" || j["contractor_id"] != nil {
		t.Fatalf("a refused award changed the job: %v", j)
	}
	if d.offered(t, morning3.Add(time.Hour)) {
		t.Error("ann was offered a second job on 3 December")
	}

	// The 4th at the site is free, though the evening job is on the 4th
	// by UTC: she is offered a morning job then and it can go to her.
	next := d.job(t, morning4, true)
	want(t, d.ann.do("GET", "/v1/jobs/"+next, nil), 200)
	r := d.ops.do("POST", "/v1/jobs/"+next+"/award", map[string]any{"bid_id": d.bid(t, next, morning4)})
	want(t, r, 200)
	if j := r.json(t); j["status"] != "awarded" || j["contractor_id"] != d.w.contractors["Ann"] {
		t.Fatalf("awarded: %s", r.body)
	}
}

// clocksGoBack: on 7 November 2027 Dallas has a 25-hour day, so a job at
// 23:30 is still on the 7th (midnight plus 24 hours would end the day at
// 23:00).
func (d localDay) clocksGoBack(t *testing.T) {
	start, end := d.at(2027, time.November, 7, 0, 0), d.at(2027, time.November, 8, 0, 0)
	if h := end.Sub(start); h != 25*time.Hour {
		t.Fatalf("7 November 2027 in Dallas is %s long", h)
	}
	d.give(t, d.at(2027, time.November, 7, 23, 30))
	if d.offered(t, d.at(2027, time.November, 7, 9, 0)) {
		t.Error("ann was offered a second job on 7 November")
	}
}

// clocksGoForward: on 14 March 2027 Dallas has a 23-hour day, so a job at
// 00:30 on the 15th is on the next day (midnight plus 24 hours would take
// it in).
func (d localDay) clocksGoForward(t *testing.T) {
	start, end := d.at(2027, time.March, 14, 0, 0), d.at(2027, time.March, 15, 0, 0)
	if h := end.Sub(start); h != 23*time.Hour {
		t.Fatalf("14 March 2027 in Dallas is %s long", h)
	}
	d.give(t, d.at(2027, time.March, 15, 0, 30))
	if !d.offered(t, d.at(2027, time.March, 14, 9, 0)) {
		t.Error("ann was not offered a job on 14 March, a day she is free")
	}
}
