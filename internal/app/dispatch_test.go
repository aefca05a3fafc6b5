package app_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/fieldhub/fieldhub/internal/app"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/event"
)

// dispatchWorld is a running installation with contractors around
// Dallas (Ann, Bob and Cat in range of the fixture's orders, Far in
// Houston), each with an account <name>@c.example.
type dispatchWorld struct {
	*install
	contractors map[string]string // name → contractor id
}

// addContractor creates an active contractor with a sign-in account.
func addContractor(t *testing.T, a *app.App, name, zip string, radius float64) string {
	t.Helper()
	ctx := context.Background()
	sys := event.Actor{Kind: event.ActorSystem, ID: "test"}
	k, err := a.Contractors.Create(ctx, sys, contractor.Profile{Kind: "person", Name: name, Trades: []string{"field_tech"},
		Skills: []string{"laser"}, ServiceArea: contractor.Area{HomeZIP: zip, RadiusMiles: radius}, CapacityPerDay: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Contractors.Activate(ctx, sys, k.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Auth.CreateUser(ctx, auth.NewUser{Kind: auth.KindContractor, Email: strings.ToLower(name) + "@c.example",
		Name: name, Password: testPassword, SubjectID: k.ID}, auth.System); err != nil {
		t.Fatal(err)
	}
	return k.ID
}

// startDispatch serves the dispatch world on engine e, its artifacts in a
// directory of the test's own; config, when not nil, changes the settings
// first (a field platform, say).
func startDispatch(t *testing.T, e db.Engine, config func(*app.Config)) dispatchWorld {
	t.Helper()
	w := dispatchWorld{contractors: map[string]string{}}
	w.install = startServerWith(t, e, setup{
		config: func(cfg *app.Config) {
			cfg.ArtifactDir = t.TempDir() // on PostgreSQL there is no data directory to default to
			if config != nil {
				config(cfg)
			}
		},
		seed: func(a *app.App) {
			for _, c := range []struct {
				name, zip string
			}{{"Ann", "75231"}, {"Bob", "75201"}, {"Cat", "75206"}, {"Far", "77002"}} {
				w.contractors[c.name] = addContractor(t, a, c.name, c.zip, 50)
			}
		}})
	return w
}

// newWorkOrder takes an order in through the provider's key and returns its id.
func newWorkOrder(t *testing.T, w world, external string) string {
	t.Helper()
	r := newClient(t, w.base, w.acmeKey).do("POST", "/v1/work-orders", strings.Replace(intakeBody, "PO-1001", external, 1))
	want(t, r, 201)
	return r.json(t)["id"].(string)
}

// jobBody is a repair job in the window of 1 December 2026, posted to
// the marketplace when post is true.
func jobBody(post bool) map[string]any {
	return map[string]any{"kind": "repair", "window": map[string]any{"start": "2026-12-01T15:00:00Z", "end": "2026-12-01T18:00:00Z"},
		"skills": []string{"laser"}, "instructions": "Bring the E47 kit", "budget_cents": 20000, "post": post}
}

func TestDispatchMarketplace(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDispatch(t, e, nil)
			ops := w.login(t, "ops@test.example")
			viewer := w.login(t, "viewer@test.example")
			ann, bob, cat, far := w.login(t, "ann@c.example"), w.login(t, "bob@c.example"),
				w.login(t, "cat@c.example"), w.login(t, "far@c.example")
			woID := newWorkOrder(t, w.world, "PO-DISPATCH")

			want(t, viewer.do("POST", "/v1/work-orders/"+woID+"/jobs", jobBody(true)), 403)
			r := ops.do("POST", "/v1/work-orders/"+woID+"/jobs", jobBody(true))
			want(t, r, 201)
			job := r.json(t)
			id := job["id"].(string)
			if job["status"] != "posted" {
				t.Fatalf("created: %s", r.body)
			}

			// The out-of-range contractor cannot see or bid on it.
			want(t, far.do("GET", "/v1/jobs/"+id, nil), 404)
			if n := len(list(t, far.do("GET", "/v1/jobs", nil))); n != 0 {
				t.Fatalf("far sees %d jobs", n)
			}
			want(t, far.do("POST", "/v1/jobs/"+id+"/bids", map[string]any{"price_cents": 100, "eta": "2026-12-01T15:00:00Z"}), 404)

			// Three in range bid; the reduced view hides the street and the provider.
			r = ann.do("GET", "/v1/jobs/"+id, nil)
			want(t, r, 200)
			for _, hidden := range []string{"5803 E Northwest Hwy", "ACME", "budget", "Lakeside"} {
				if strings.Contains(string(r.body), hidden) {
					t.Fatalf("contractor view shows %q: %s", hidden, r.body)
				}
			}
			bids := map[string]string{}
			for name, c := range map[string]*client{"Ann": ann, "Bob": bob, "Cat": cat} {
				price := map[string]int{"Ann": 22400, "Bob": 19000, "Cat": 21000}[name]
				r := c.do("POST", "/v1/jobs/"+id+"/bids", map[string]any{"price_cents": price, "eta": "2026-12-01T15:30:00Z", "notes": "can do"})
				want(t, r, 201)
				bids[name] = r.json(t)["id"].(string)
			}
			want(t, ann.do("POST", "/v1/jobs/"+id+"/bids", map[string]any{"price_cents": 1, "eta": "2026-12-01T15:30:00Z"}), 409)
			want(t, ann.do("PATCH", "/v1/jobs/"+id+"/bids/"+bids["Bob"], map[string]any{"price_cents": 1, "eta": "2026-12-01T15:30:00Z"}), 404)
			want(t, ann.do("PATCH", "/v1/jobs/"+id+"/bids/"+bids["Ann"], map[string]any{"price_cents": 22000, "eta": "2026-12-01T15:30:00Z"}), 200)
			if own := list(t, ann.do("GET", "/v1/jobs/"+id+"/bids", nil)); len(own) != 1 || own[0]["id"] != bids["Ann"] {
				t.Fatalf("ann's bids: %v", own)
			}

			// Staff read the ranking with explanations.
			ranked := list(t, ops.do("GET", "/v1/jobs/"+id+"/bids", nil))
			if len(ranked) != 3 {
				t.Fatalf("ranked: %v", ranked)
			}
			for _, rb := range ranked {
				if ex, _ := rb["explanation"].(string); !strings.Contains(ex, "budget") || !strings.Contains(ex, "arrives") {
					t.Fatalf("explanation %q", ex)
				}
			}
			if !strings.HasPrefix(ranked[0]["explanation"].(string), "1st: ") {
				t.Fatalf("first: %v", ranked[0])
			}

			// Award Bob's bid; the others are declined.
			want(t, viewer.do("POST", "/v1/jobs/"+id+"/award", map[string]any{"bid_id": bids["Bob"]}), 403)
			r = ops.do("POST", "/v1/jobs/"+id+"/award", map[string]any{"bid_id": bids["Bob"]})
			want(t, r, 200)
			if j := r.json(t); j["status"] != "awarded" || j["payout_cents"] != float64(19000) || j["contractor_id"] != w.contractors["Bob"] {
				t.Fatalf("awarded: %s", r.body)
			}
			if b := list(t, ann.do("GET", "/v1/jobs/"+id+"/bids", nil)); b[0]["status"] != "declined" {
				t.Fatalf("ann's bid after award: %v", b)
			}
			want(t, ann.do("POST", "/v1/jobs/"+id+"/en-route", nil), 403)
			r = bob.do("GET", "/v1/jobs/"+id, nil)
			if !strings.Contains(string(r.body), "5803 E Northwest Hwy") {
				t.Fatalf("the winner does not see the address: %s", r.body)
			}

			// The winner does the work.
			want(t, bob.do("POST", "/v1/jobs/"+id+"/en-route", nil), 200)
			want(t, bob.do("POST", "/v1/jobs/"+id+"/on-site", nil), 200)
			want(t, bob.do("POST", "/v1/jobs/"+id+"/checklist", map[string]any{"items": []string{"inspect", "repair"}}), 200)
			want(t, bob.do("POST", "/v1/jobs/"+id+"/serial-scans", map[string]any{"serial": "GMP-88123", "kind": "install"}), 201)
			// The photo and the customer's signature are uploaded as files by the winner.
			want(t, upload(ann, id, "kind=photo", "image/jpeg", sample(jpegMagic, 2000), false), 404)
			r = upload(bob, id, "kind=photo", "image/jpeg", sample(jpegMagic, 2000), false)
			want(t, r, 201)
			photo := r.json(t)["id"].(string)
			r = upload(bob, id, "kind=signature", "image/png", sample(pngMagic, 1000), false)
			want(t, r, 201)
			sig := r.json(t)["id"].(string)
			done := map[string]any{"result_code": "fixed_parts_replaced", "notes": "replaced the panel",
				"parts_used": []map[string]any{{"sku": "PNL-1", "quantity": 1}}, "signature_artifact_id": sig}
			want(t, bob.do("POST", "/v1/jobs/"+id+"/complete", map[string]any{"result_code": "fixed_parts_replaced", "notes": "x"}), 422)
			r = bob.do("POST", "/v1/jobs/"+id+"/complete", done)
			want(t, r, 200)
			again := bob.do("POST", "/v1/jobs/"+id+"/complete", done)
			want(t, again, 200)
			if string(again.body) != string(r.body) {
				t.Fatalf("a repeat answered differently:\n%s\n%s", r.body, again.body)
			}
			done["notes"] = "something else"
			want(t, bob.do("POST", "/v1/jobs/"+id+"/complete", done), 409)
			want(t, far.do("POST", "/v1/jobs/"+id+"/complete", done), 404)
			if r := string(bob.do("GET", "/v1/jobs/"+id+"/artifacts", nil).body); !strings.Contains(r, photo) || !strings.Contains(r, sig) {
				t.Fatalf("the job's artifacts: %s", r)
			}
			if c := bob.do("GET", "/v1/jobs/"+id, nil).json(t)["completion"].(map[string]any); c["signature_artifact_id"] != sig {
				t.Fatalf("completion: %v", c)
			}

			// The timeline shows every step, and the work order is completed.
			tl := string(ops.do("GET", "/v1/work-orders/"+woID+"/timeline", nil).body)
			for _, typ := range []string{"Job.Created", "Job.Posted", "Job.Offered", "Bid.Placed", "Bid.Revised", "Job.Awarded",
				"Bid.Declined", "Job.EnRoute", "Job.OnSite", "Job.ChecklistTicked", "Job.SerialScanned", "Job.ArtifactAdded",
				"Job.Completed", "WorkOrder.Completed"} {
				if !strings.Contains(tl, `"`+typ+`"`) {
					t.Errorf("timeline lacks %s", typ)
				}
			}
			if n := strings.Count(tl, `"Bid.Declined"`); n != 2 {
				t.Errorf("%d declines, want 2", n)
			}
			if s := ops.do("GET", "/v1/work-orders/"+woID, nil).json(t)["status"]; s != "completed" {
				t.Fatalf("work order is %v", s)
			}
		})
	}
}

func TestDispatchConcurrentAward(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDispatch(t, e, nil)
			ops := w.login(t, "ops@test.example")
			admin := w.login(t, w.adminEmail)
			woID := newWorkOrder(t, w.world, "PO-RACE")
			id := ops.do("POST", "/v1/work-orders/"+woID+"/jobs", jobBody(true)).json(t)["id"].(string)
			var bids []string
			for _, name := range []string{"ann", "bob"} {
				r := w.login(t, name+"@c.example").do("POST", "/v1/jobs/"+id+"/bids", map[string]any{"price_cents": 15000, "eta": "2026-12-01T15:30:00Z"})
				want(t, r, 201)
				bids = append(bids, r.json(t)["id"].(string))
			}
			statuses := make([]int, 2)
			var wg sync.WaitGroup
			for i, c := range []*client{ops, admin} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i] = c.do("POST", "/v1/jobs/"+id+"/award", map[string]any{"bid_id": bids[i]}).status
				}()
			}
			wg.Wait()
			if !(statuses[0] == 200 && statuses[1] == 409) && !(statuses[0] == 409 && statuses[1] == 200) {
				t.Fatalf("award statuses %v, want one 200 and one 409", statuses)
			}
			tl := string(ops.do("GET", "/v1/work-orders/"+woID+"/timeline", nil).body)
			if n := strings.Count(tl, `"Job.Awarded"`); n != 1 {
				t.Fatalf("%d awards on the timeline", n)
			}
		})
	}
}
