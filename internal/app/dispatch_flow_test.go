package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/fieldhub/fieldhub/internal/connector/workmarket/wmfake"
	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/event"
)

// TestDispatchFlows walks the paths beside the marketplace's main road on
// one server per engine, with a fake WorkMarket behind it: backing out,
// direct assignment, cancelling a field-platform job, changing a draft,
// confirming, each next step of an incomplete job, a hold over an awarded
// job, platform webhooks that are refused, and dispatch rules.
func TestDispatchFlows(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			fake, config := fakeWorkMarket(t, nil)
			w := startDispatch(t, e, config)
			f := flows{w: w, ops: w.login(t, "ops@test.example"), woID: newWorkOrder(t, w.world, "PO-FLOWS")}
			t.Run("rules", f.rules)
			t.Run("backout", f.backout)
			t.Run("direct assign", f.assign)
			t.Run("draft and confirm", f.draftAndConfirm)
			t.Run("incomplete", f.incomplete)
			t.Run("hold", f.hold)
			t.Run("platform", func(t *testing.T) { f.platform(t, fake) })
		})
	}
}

type flows struct {
	w    dispatchWorld
	ops  *client
	woID string
}

// job creates a job on the flows' work order and returns it.
func (f flows) job(t *testing.T, post bool, edit func(map[string]any)) map[string]any {
	t.Helper()
	b := jobBody(post)
	if edit != nil {
		edit(b)
	}
	r := f.ops.do("POST", "/v1/work-orders/"+f.woID+"/jobs", b)
	want(t, r, 201)
	return r.json(t)
}

// assigned is a job given straight to the named contractor.
func (f flows) assigned(t *testing.T, name string) string {
	t.Helper()
	id := f.job(t, false, func(b map[string]any) { b["mode"] = "direct" })["id"].(string)
	want(t, f.ops.do("POST", "/v1/jobs/"+id+"/assign", map[string]any{"contractor_id": f.w.contractors[name]}), 200)
	return id
}

func (f flows) timeline(t *testing.T) string {
	t.Helper()
	return string(f.ops.do("GET", "/v1/work-orders/"+f.woID+"/timeline?limit=200", nil).body)
}

func (f flows) rules(t *testing.T) {
	want(t, f.ops.do("PUT", "/v1/dispatch-rules/NOPE/onsite_repair", map[string]any{}), 404)
	r := f.ops.do("PUT", "/v1/dispatch-rules/ACME/*", map[string]any{"platform": "nowhere"})
	want(t, r, 422)
	if !strings.Contains(string(r.body), `"field":"body.platform"`) {
		t.Fatalf("422: %s", r.body)
	}
	want(t, f.w.login(t, "viewer@test.example").do("PUT", "/v1/dispatch-rules/ACME/*", map[string]any{}), 403)
	want(t, f.ops.do("PUT", "/v1/dispatch-rules/ACME/onsite_repair", map[string]any{"radius_miles": 40, "no_bid_minutes": 60}), 200)
	got := f.ops.do("GET", "/v1/dispatch-rules/ACME/onsite_repair", nil).json(t)
	if got["radius_miles"] != float64(40) || got["no_bid_minutes"] != float64(60) || got["max_radius_miles"] != float64(100) {
		t.Fatalf("rule: %v", got)
	}
}

func (f flows) backout(t *testing.T) {
	ann, bob := f.w.login(t, "ann@c.example"), f.w.login(t, "bob@c.example")
	id := f.job(t, true, nil)["id"].(string)
	bid := map[string]any{"price_cents": 15000, "eta": "2026-12-01T15:30:00Z"}
	r := ann.do("POST", "/v1/jobs/"+id+"/bids", bid)
	want(t, r, 201)
	want(t, bob.do("POST", "/v1/jobs/"+id+"/bids", bid), 201)
	want(t, f.ops.do("POST", "/v1/jobs/"+id+"/award", map[string]any{"bid_id": r.json(t)["id"]}), 200)
	want(t, bob.do("POST", "/v1/jobs/"+id+"/backout", nil), 409)

	r = ann.do("POST", "/v1/jobs/"+id+"/backout", map[string]any{"reason": "truck broke down"})
	want(t, r, 200)
	j := f.ops.do("GET", "/v1/jobs/"+id, nil).json(t)
	if j["status"] != "posted" || j["contractor_id"] != nil || !strings.Contains(strings.Join(anyStrings(j["excluded"]), ","), f.w.contractors["Ann"]) {
		t.Fatalf("after the backout: %v", j)
	}
	// Ann is out; Bob, declined at the award, may bid again.
	want(t, ann.do("GET", "/v1/jobs/"+id, nil), 404)
	want(t, ann.do("POST", "/v1/jobs/"+id+"/bids", bid), 404)
	want(t, bob.do("POST", "/v1/jobs/"+id+"/bids", bid), 201)
	want(t, f.ops.do("POST", "/v1/jobs/"+id+"/assign", map[string]any{"contractor_id": f.w.contractors["Ann"]}), 409)
	rel := f.ops.do("GET", "/v1/contractors/"+f.w.contractors["Ann"], nil).json(t)["reliability"].(map[string]any)
	if rel["backouts"] != float64(1) {
		t.Fatalf("ann's reliability: %v", rel)
	}
	tl := f.timeline(t)
	for _, typ := range []string{"Job.BackedOut", "Job.Reposted", "truck broke down"} {
		if !strings.Contains(tl, typ) {
			t.Errorf("timeline lacks %s", typ)
		}
	}
}

func anyStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func (f flows) assign(t *testing.T) {
	ctx := context.Background()
	k, err := f.w.app.Contractors.Create(ctx, event.Actor{Kind: event.ActorSystem, ID: "test"}, contractor.Profile{Kind: "person",
		Name: "Newcomer", Trades: []string{"field_tech"}, ServiceArea: contractor.Area{HomeZIP: "75231", RadiusMiles: 50}, CapacityPerDay: 3})
	if err != nil {
		t.Fatal(err)
	}
	id := f.job(t, false, func(b map[string]any) { b["mode"] = "direct" })["id"].(string)
	want(t, f.ops.do("POST", "/v1/jobs/"+id+"/post", nil), 409) // a direct job is assigned, not posted
	want(t, f.ops.do("POST", "/v1/jobs/"+id+"/assign", map[string]any{"contractor_id": k.ID}), 409)
	r := f.ops.do("POST", "/v1/jobs/"+id+"/assign", map[string]any{"contractor_id": "no-such-id"})
	want(t, r, 422)
	r = f.ops.do("POST", "/v1/jobs/"+id+"/assign", map[string]any{"contractor_id": f.w.contractors["Cat"]})
	want(t, r, 200)
	if j := r.json(t); j["status"] != "awarded" || j["contractor_id"] != f.w.contractors["Cat"] {
		t.Fatalf("assigned: %v", j)
	}
	want(t, f.ops.do("POST", "/v1/jobs/"+id+"/assign", map[string]any{"contractor_id": f.w.contractors["Bob"]}), 409)
	if !strings.Contains(f.timeline(t), `"Job.Assigned"`) {
		t.Error("timeline lacks Job.Assigned")
	}
}

func (f flows) draftAndConfirm(t *testing.T) {
	r := f.ops.do("GET", "/v1/jobs/"+f.job(t, false, nil)["id"].(string), nil)
	id, etag := r.json(t)["id"].(string), r.header.Get("ETag")
	patch := jobBody(false)
	delete(patch, "post")
	patch["instructions"] = "Call ahead"
	want(t, f.ops.do("PATCH", "/v1/jobs/"+id, patch, "If-Match", `"999"`), 412)
	r = f.ops.do("PATCH", "/v1/jobs/"+id, patch, "If-Match", etag)
	want(t, r, 200)
	if r.json(t)["instructions"] != "Call ahead" || r.header.Get("ETag") == etag {
		t.Fatalf("patched: %s (ETag %s)", r.body, r.header.Get("ETag"))
	}
	patch["window"] = map[string]any{"start": "2026-12-01T15:00:00Z", "end": "2026-12-01T14:00:00Z"}
	if r := f.ops.do("PATCH", "/v1/jobs/"+id, patch); r.status != 422 || !strings.Contains(string(r.body), `"field":"body.window"`) {
		t.Fatalf("bad window: %d %s", r.status, r.body)
	}
	want(t, f.ops.do("POST", "/v1/jobs/"+id+"/post", nil), 200)
	patch["window"] = jobBody(false)["window"]
	want(t, f.ops.do("PATCH", "/v1/jobs/"+id, patch), 409)

	cat := f.w.login(t, "cat@c.example")
	job := f.assigned(t, "Cat")
	want(t, cat.do("POST", "/v1/jobs/"+job+"/confirm", map[string]any{"start": "2026-12-01T16:00:00Z", "end": "2026-12-01T15:00:00Z"}), 422)
	r = cat.do("POST", "/v1/jobs/"+job+"/confirm", map[string]any{"start": "2026-12-01T16:00:00Z", "end": "2026-12-01T17:00:00Z"})
	want(t, r, 200)
	j := r.json(t)
	appt, _ := j["appointment"].(map[string]any)
	if j["status"] != "scheduled" || appt["start"] != "2026-12-01T16:00:00Z" {
		t.Fatalf("confirmed: %s", r.body)
	}
	want(t, cat.do("POST", "/v1/jobs/"+job+"/en-route", nil), 200)
	want(t, cat.do("POST", "/v1/jobs/"+job+"/confirm", map[string]any{"start": "2026-12-01T16:00:00Z", "end": "2026-12-01T17:00:00Z"}), 409)
}

func (f flows) incomplete(t *testing.T) {
	cat := f.w.login(t, "cat@c.example")
	for _, step := range []string{"revisit", "fork_to_depot", "escalate"} {
		id := f.assigned(t, "Cat")
		want(t, cat.do("POST", "/v1/jobs/"+id+"/on-site", nil), 200)
		want(t, cat.do("POST", "/v1/jobs/"+id+"/incomplete", map[string]any{"reason": "sideways", "next_step": step}), 422)
		r := cat.do("POST", "/v1/jobs/"+id+"/incomplete", map[string]any{"reason": "access_denied", "next_step": step, "notes": "gate locked"})
		want(t, r, 200)
		inc, _ := r.json(t)["incomplete"].(map[string]any)
		if r.json(t)["status"] != "incomplete" || inc["next_step"] != step {
			t.Fatalf("%s: %s", step, r.body)
		}
		if step == "revisit" {
			rv := f.ops.do("GET", "/v1/jobs/"+inc["revisit_job_id"].(string), nil).json(t)
			if rv["status"] != "draft" || rv["revisit_of"] != id || rv["contractor_id"] != nil || rv["kind"] != "repair" {
				t.Fatalf("revisit: %v", rv)
			}
		}
	}
	tl := f.timeline(t)
	for _, typ := range []string{"Job.RevisitCreated", "Job.ForkedToDepot", "Job.Escalated"} {
		if strings.Count(tl, `"`+typ+`"`) != 1 {
			t.Errorf("timeline has not exactly one %s", typ)
		}
	}
	if s := f.ops.do("GET", "/v1/work-orders/"+f.woID, nil).json(t)["status"]; s == "completed" {
		t.Fatal("an incomplete job completed the work order")
	}
}

func (f flows) hold(t *testing.T) {
	bob := f.w.login(t, "bob@c.example")
	id := f.assigned(t, "Bob")
	want(t, bob.do("POST", "/v1/contractor/me/holds", map[string]any{"from": "2026-11-30T00:00:00Z", "to": "2026-12-03T00:00:00Z",
		"reason": "vacation"}), 201)
	dbtest.Eventually(t, "the job is flagged", func() bool {
		return strings.Contains(f.timeline(t), `"Job.Flagged"`)
	})
	tl := f.timeline(t)
	if strings.Count(tl, `"Job.Flagged"`) != 1 || !strings.Contains(tl, id) {
		t.Fatalf("flags: %s", tl)
	}
}

func (f flows) platform(t *testing.T, fake *wmfake.Server) {
	anon := newClient(t, f.w.base, "")
	want(t, anon.do("POST", "/v1/hooks/nowhere", map[string]any{"event": "Accepted"}), 404)
	want(t, anon.do("POST", "/v1/hooks/workmarket", map[string]any{"event": "Accepted", "assignment_id": "1"}, "X-Fieldhub-Webhook-Token", "guess"), 401)
	want(t, anon.do("POST", "/v1/hooks/workmarket", map[string]any{"event": "Accepted", "assignment_id": "1"}), 401)

	want(t, f.ops.do("PUT", "/v1/dispatch-rules/ACME/onsite_repair", map[string]any{"platform": "workmarket", "pool": "77001"}), 200)
	id := f.job(t, true, func(b map[string]any) { b["mode"] = "field_platform" })["id"].(string)
	var ext string
	dbtest.Eventually(t, "the push", func() bool {
		ext, _ = f.ops.do("GET", "/v1/jobs/"+id, nil).json(t)["external_id"].(string)
		return ext != ""
	})
	want(t, f.ops.do("POST", "/v1/jobs/"+id+"/cancel", map[string]any{"reason": "customer fixed it"}), 200)
	dbtest.Eventually(t, "the assignment is voided", func() bool {
		for _, a := range fake.Assignments() {
			if a.ID == ext {
				return a.Status == "void"
			}
		}
		return false
	})
}
