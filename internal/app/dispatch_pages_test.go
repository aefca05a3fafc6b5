package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// TestDispatchPages covers the console's job pages without a browser: the
// work order lists its jobs, the job page ranks the bids with their
// reasons, only a coordinator is offered and may use the award, a second
// award shows the conflict on the page, and contractors get no console.
func TestDispatchPages(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDispatch(t, e, nil)
			ops, viewer := w.login(t, "ops@test.example"), w.login(t, "viewer@test.example")
			woID := newWorkOrder(t, w.world, "PO-PAGES")
			r := ops.do("POST", "/v1/work-orders/"+woID+"/jobs", jobBody(true))
			want(t, r, http.StatusCreated)
			job := r.json(t)
			id, number := job["id"].(string), job["number"].(string)
			bids := map[string]string{}
			for name, price := range map[string]int{"Ann": 22400, "Bob": 19000, "Cat": 21000} {
				r := w.login(t, strings.ToLower(name)+"@c.example").do("POST", "/v1/jobs/"+id+"/bids",
					map[string]any{"price_cents": price, "eta": "2026-12-01T15:30:00Z"})
				want(t, r, http.StatusCreated)
				bids[name] = r.json(t)["id"].(string)
			}
			jobPath, awardPath := "/jobs/"+id, "/jobs/"+id+"/award"

			t.Run("the work order lists its jobs", func(t *testing.T) {
				r := viewer.page("/work-orders/" + woID)
				want(t, r, http.StatusOK)
				wantBody(t, r, `data-testid="jobs"`, `href="`+jobPath+`"`, number, "Repair", "Marketplace", "Posted",
					"2026-12-01 15:00–18:00 UTC", "Job: posted", "Bid: placed")
			})

			t.Run("a viewer reads the ranking but may not award", func(t *testing.T) {
				r := viewer.page(jobPath)
				want(t, r, http.StatusOK)
				wantBody(t, r, number, "Posted", "Ann", "Bob", "Cat", "1st: ", "2nd: ", "3rd: ", "under budget",
					"arrives in the window", "190.00 USD", "200.00 USD", "Times are in UTC", "read-only")
				if strings.Contains(string(r.body), awardPath) {
					t.Error("a viewer is offered the award")
				}
				r = viewer.post(awardPath, url.Values{"bid_id": {bids["Bob"]}})
				want(t, r, http.StatusForbidden)
				wantBody(t, r, "Not allowed")
				wantJob(t, ops, id, "posted", "")
			})

			t.Run("contractors get no console page", func(t *testing.T) {
				for _, c := range []*client{w.login(t, "ann@c.example"), w.login(t, "zane@test.example")} {
					for _, path := range []string{jobPath, "/work-orders/" + woID, "/depot"} {
						r := c.page(path)
						want(t, r, http.StatusForbidden)
						if strings.Contains(string(r.body), "1st: ") || strings.Contains(string(r.body), "Lakeside") {
							t.Errorf("the refusal of %s shows the job", path)
						}
					}
					want(t, c.post(awardPath, url.Values{"bid_id": {bids["Ann"]}}), http.StatusForbidden)
				}
				wantJob(t, ops, id, "posted", "")
			})

			t.Run("ops awards, and a second award shows the conflict", func(t *testing.T) {
				r := ops.page(jobPath)
				want(t, r, http.StatusOK)
				if n := strings.Count(string(r.body), `action="`+awardPath+`"`); n != 3 {
					t.Fatalf("ops is offered %d award forms, want one per bid", n)
				}
				r = ops.post(awardPath, url.Values{"bid_id": {""}})
				want(t, r, http.StatusUnprocessableEntity)
				wantBody(t, r, "Choose a bid to award")
				wantJob(t, ops, id, "posted", "")
				r = ops.post(awardPath, url.Values{"bid_id": {bids["Bob"]}})
				want(t, r, http.StatusSeeOther)
				if loc := r.header.Get("Location"); loc != jobPath+"?done=awarded" {
					t.Fatalf("after the award, redirected to %q", loc)
				}
				wantJob(t, ops, id, "awarded", w.contractors["Bob"])
				r = ops.page(jobPath + "?done=awarded")
				want(t, r, http.StatusOK)
				wantBody(t, r, "Awarded to Bob.", `data-status="awarded"`, "winner", "190.00 USD")
				if strings.Contains(string(r.body), awardPath) {
					t.Error("an awarded job still offers the award")
				}

				r = ops.post(awardPath, url.Values{"bid_id": {bids["Ann"]}})
				want(t, r, http.StatusConflict)
				wantBody(t, r, "could not be awarded", "now awarded to Bob", "Nothing was changed")
				wantJob(t, ops, id, "awarded", w.contractors["Bob"])
				// The work order shows who holds its job.
				wantBody(t, ops.page("/work-orders/"+woID), "Bob", "Awarded")
			})

			t.Run("an unknown job is not found", func(t *testing.T) {
				r := ops.post("/jobs/no-such-job/award", url.Values{"bid_id": {bids["Ann"]}})
				want(t, r, http.StatusNotFound)
				r = ops.page("/jobs/no-such-job")
				want(t, r, http.StatusNotFound)
			})

			t.Run("an empty depot board", func(t *testing.T) {
				r := viewer.page("/depot")
				want(t, r, http.StatusOK)
				wantBody(t, r, "Depot board", "0 tickets in the depot", "No tickets in the depot")
			})
		})
	}
}

// wantJob checks through the API that a job is in status, held by
// contractorID ("" for nobody).
func wantJob(t *testing.T, api *client, id, status, contractorID string) {
	t.Helper()
	got := api.do("GET", "/v1/jobs/"+id, nil).json(t)
	if got["status"] != status || (got["contractor_id"] == nil) != (contractorID == "") ||
		(contractorID != "" && got["contractor_id"] != contractorID) {
		t.Fatalf("job: status %v contractor %v, want %s and %q", got["status"], got["contractor_id"], status, contractorID)
	}
}

// TestDepotBoardPage shows a received unit on the board in its first
// stage, to staff who read, with its age in stage.
func TestDepotBoardPage(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDepot(t, e, nil)
			woID := w.workOrder(t, "DR-PAGE", "depot_repair")
			r := w.depot.do("POST", "/v1/depot/receipts", receipt(woID, "SN-PAGE-1", nil))
			want(t, r, http.StatusCreated)
			tk := asTicket(t, r)
			w.clock.Advance(90 * time.Minute)
			for _, c := range []*client{w.viewer, w.depot, w.admin} {
				r := c.page("/depot")
				want(t, r, http.StatusOK)
				wantBody(t, r, "1 tickets in the depot", `data-stage="`+tk.Stage+`"`, tk.Number, "SN-PAGE-1",
					`href="/work-orders/`+woID+`"`, "1 h 30 min", "Ages as of")
			}
			want(t, w.contract.page("/depot"), http.StatusForbidden)
		})
	}
}
