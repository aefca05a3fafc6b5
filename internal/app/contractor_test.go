package app_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

func TestContractorAPI(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) { contractorAPI(t, startServer(t, e)) })
	}
}

// problemFields lists the fields a 422 names.
func problemFields(t *testing.T, r response) []string {
	t.Helper()
	want(t, r, http.StatusUnprocessableEntity)
	var out []string
	errs, _ := r.json(t)["errors"].([]any)
	for _, e := range errs {
		m, _ := e.(map[string]any)
		f, _ := m["location"].(string)
		if f == "" {
			f, _ = m["field"].(string)
		}
		out = append(out, strings.TrimPrefix(f, "body."))
	}
	slices.Sort(out)
	return out
}

func contractorAPI(t *testing.T, w world) {
	ops, viewer := w.login(t, "ops@test.example"), w.login(t, "viewer@test.example")
	profile := func(name, zip string) map[string]any {
		return map[string]any{"kind": "person", "name": name, "trades": []string{"field_tech"}, "skills": []string{"laser"},
			"service_area": map[string]any{"home_zip": zip, "radius_miles": 40}, "capacity_per_day": 3}
	}

	// Ops create a contractor with a sign-in; the password is shown once.
	body := profile("Rosa Diaz", "75231")
	body["account"] = map[string]any{"email": "Rosa.Diaz@contractor.example"}
	r := ops.do("POST", "/v1/contractors", body)
	want(t, r, http.StatusCreated)
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on a response with a password", cc)
	}
	created := r.json(t)
	rosaID, _ := created["id"].(string)
	account, _ := created["account"].(map[string]any)
	password, _ := account["password"].(string)
	if rosaID == "" || created["status"] != "applicant" || password == "" || account["email"] != "rosa.diaz@contractor.example" {
		t.Fatalf("created %s", r.body)
	}
	want(t, ops.do("POST", "/v1/contractors/"+rosaID+"/activate", nil), 200)
	r = ops.do("POST", "/v1/contractors/"+rosaID+"/activate", nil)
	want(t, r, http.StatusConflict)
	if !strings.Contains(string(r.body), "suspended") {
		t.Errorf("an illegal move does not list the allowed ones: %s", r.body)
	}
	other := ops.do("POST", "/v1/contractors", profile("Sam Hill", "76102"))
	want(t, other, http.StatusCreated)
	otherID, _ := other.json(t)["id"].(string)
	if other.header.Get("Cache-Control") == "no-store" || other.json(t)["account"] != nil {
		t.Errorf("no account was asked for: %s", other.body)
	}

	t.Run("the same e-mail again is a conflict and adds nobody", func(t *testing.T) {
		body := profile("Rosa Again", "75231")
		body["account"] = map[string]any{"email": "rosa.diaz@contractor.example"}
		want(t, ops.do("POST", "/v1/contractors", body), http.StatusConflict)
		r := ops.do("GET", "/v1/contractors?limit=200", nil)
		want(t, r, 200)
		if n := len(r.json(t)["items"].([]any)); n != 2 {
			t.Errorf("%d contractors after a refused create, want 2", n)
		}
	})

	t.Run("staff read, filter and patch with If-Match", func(t *testing.T) {
		r := viewer.do("GET", "/v1/contractors/"+rosaID, nil)
		want(t, r, 200)
		etag := r.header.Get("ETag")
		want(t, viewer.do("PATCH", "/v1/contractors/"+rosaID, map[string]any{"capacity_per_day": 5}, "If-Match", etag), 403)
		r = viewer.do("GET", "/v1/contractors?near_zip=76102&radius=10", nil)
		want(t, r, 200)
		items := r.json(t)["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["id"] != otherID {
			t.Errorf("near Fort Worth: %s", r.body)
		}
		r = ops.do("PATCH", "/v1/contractors/"+rosaID, map[string]any{"capacity_per_day": 5}, "If-Match", etag)
		want(t, r, 200)
		if r.json(t)["capacity_per_day"] != float64(5) {
			t.Errorf("patched %s", r.body)
		}
		want(t, ops.do("PATCH", "/v1/contractors/"+rosaID, map[string]any{"capacity_per_day": 6}, "If-Match", etag), 412)
	})

	t.Run("bad input is 422 naming the fields", func(t *testing.T) {
		bad := profile("", "99999")
		bad["trades"] = []string{"plumber"}
		bad["account"] = map[string]any{"email": "not-an-address"}
		got := problemFields(t, ops.do("POST", "/v1/contractors", bad))
		for _, f := range []string{"account.email", "name", "service_area.home_zip", "trades"} {
			if !slices.Contains(got, f) {
				t.Errorf("422 does not name %s: %v", f, got)
			}
		}
		got = problemFields(t, ops.do("POST", "/v1/contractors", map[string]any{"kind": "person", "name": "X",
			"trades": []string{"driver"}, "service_area": map[string]any{"home_zip": "75231", "radius_miles": 10}, "status": "active"}))
		if !slices.Contains(got, "status") {
			t.Errorf("an unknown field is not named: %v", got)
		}
	})

	rosa := newClient(t, w.base, "")
	want(t, rosa.signIn("rosa.diaz@contractor.example", password), http.StatusSeeOther)

	t.Run("a contractor reads only their own profile", func(t *testing.T) {
		r := rosa.do("GET", "/v1/contractor/me", nil)
		want(t, r, 200)
		me := r.json(t)
		if me["id"] != rosaID || me["reliability"] == nil {
			t.Fatalf("me: %s", r.body)
		}
		want(t, rosa.do("GET", "/v1/contractors/"+otherID, nil), 404)
		want(t, rosa.do("GET", "/v1/contractors/"+rosaID, nil), 404)
		want(t, rosa.do("PATCH", "/v1/contractors/"+rosaID, map[string]any{"capacity_per_day": 9}), 404)
		want(t, rosa.do("POST", "/v1/contractors/"+otherID+"/suspend", nil), 404)
		want(t, rosa.do("GET", "/v1/contractors", nil), 403)
		want(t, rosa.do("POST", "/v1/contractors", profile("Me Too", "75231")), 403)
		want(t, ops.do("GET", "/v1/contractor/me", nil), 403)
	})

	t.Run("a contractor takes a vacation", func(t *testing.T) {
		from := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
		to := from.Add(5 * 24 * time.Hour)
		got := problemFields(t, rosa.do("POST", "/v1/contractor/me/holds", map[string]any{
			"from": to.Format(time.RFC3339), "to": from.Format(time.RFC3339)}))
		if !slices.Equal(got, []string{"to"}) {
			t.Errorf("backwards hold names %v", got)
		}
		r := rosa.do("POST", "/v1/contractor/me/holds", map[string]any{
			"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339), "reason": "vacation"})
		want(t, r, http.StatusCreated)
		hold := r.json(t)["hold"].(map[string]any)
		holdID, _ := hold["id"].(string)
		r = ops.do("GET", "/v1/contractors/"+rosaID, nil)
		if holds := r.json(t)["holds"].([]any); len(holds) != 1 {
			t.Fatalf("staff do not see the hold: %s", r.body)
		}
		// Another contractor's hold is not found through /me.
		r = ops.do("POST", "/v1/contractors/"+otherID+"/holds", map[string]any{
			"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339)})
		want(t, r, http.StatusCreated)
		otherHold := r.json(t)["hold"].(map[string]any)["id"].(string)
		want(t, rosa.do("DELETE", "/v1/contractor/me/holds/"+otherHold, nil), 404)
		// A hold staff put on Rosa is hers to see, not to lift.
		r = ops.do("POST", "/v1/contractors/"+rosaID+"/holds", map[string]any{
			"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339), "reason": "insurance renewal"})
		want(t, r, http.StatusCreated)
		staffHold := r.json(t)["hold"].(map[string]any)
		if hold["set_by"] != "contractor" || staffHold["set_by"] != "staff" {
			t.Fatalf("set_by: Rosa's hold %v, staff's hold %v", hold["set_by"], staffHold["set_by"])
		}
		want(t, rosa.do("DELETE", "/v1/contractor/me/holds/"+staffHold["id"].(string), nil), http.StatusForbidden)
		if holds := ops.do("GET", "/v1/contractors/"+rosaID, nil).json(t)["holds"].([]any); len(holds) != 2 {
			t.Fatalf("a refused lift changed the holds: %v", holds)
		}
		want(t, rosa.do("DELETE", "/v1/contractor/me/holds/"+holdID, nil), 200)
		want(t, ops.do("DELETE", fmt.Sprintf("/v1/contractors/%s/holds/%s", rosaID, staffHold["id"]), nil), 200)
		want(t, ops.do("DELETE", fmt.Sprintf("/v1/contractors/%s/holds/%s", otherID, otherHold), nil), 200)
	})

	t.Run("an account without a profile has no /me", func(t *testing.T) {
		zane := w.login(t, "zane@test.example")
		want(t, zane.do("GET", "/v1/contractor/me", nil), 404)
	})
}

// The demo world links the demo contractor accounts to profiles and gives
// a Dallas job several bidders.
func TestDemoContractors(t *testing.T) {
	ctx := context.Background()
	a := demoApp(t)
	for _, email := range []string{"zane.ortiz@contractor.example", "quinn.reeves@contractor.example"} {
		u, err := a.Auth.UserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		c, err := a.Contractors.Get(ctx, u.SubjectID)
		if err != nil || c.Name != u.Name || c.Status != contractor.Active {
			t.Fatalf("%s is linked to %+v (%v)", email, c, err)
		}
	}
	ms, err := a.Contractors.Eligible(ctx, a.Store.Read, contractor.Criteria{SiteZIP: "75231", RadiusMiles: 40, Trade: "field_tech"})
	if err != nil || len(ms) < 3 {
		t.Fatalf("a Dallas field job has %d bidders (%v)", len(ms), err)
	}
}
