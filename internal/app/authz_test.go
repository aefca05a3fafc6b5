package app_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// TestAuthorization checks every route that exists against every kind of
// caller: who may do what, and that what is not theirs is not even visible.
func TestAuthorization(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startServer(t, e)
			signed := func(email string) *client {
				c := newClient(t, w.base, "")
				want(t, c.signIn(email, w.adminPassword), http.StatusSeeOther)
				return c
			}
			callers := map[string]*client{
				"anonymous":  newClient(t, w.base, ""),
				"acme key":   newClient(t, w.base, w.acmeKey),
				"other key":  newClient(t, w.base, w.otherKey),
				"contractor": signed("zane@test.example"),
				"viewer":     signed("viewer@test.example"),
				"ops":        signed("ops@test.example"),
				"admin":      signed(w.adminEmail),
			}
			// Expected status per caller; callers not listed get the row's default.
			type row struct {
				method, path string
				body         any
				def          int
				by           map[string]int
			}
			staffRead := map[string]int{"anonymous": 401, "viewer": 200, "ops": 200, "admin": 200}
			adminOnly := func(ok int) map[string]int {
				return map[string]int{"anonymous": 401, "admin": ok}
			}
			rows := []row{
				{"GET", "/v1/me", nil, 200, map[string]int{"anonymous": 401}},
				{"GET", "/v1/providers", nil, 403, staffRead},
				{"GET", "/v1/providers/ACME", nil, 404, map[string]int{"anonymous": 401, "acme key": 200, "viewer": 200, "ops": 200, "admin": 200}},
				{"GET", "/v1/providers/OTHER", nil, 404, map[string]int{"anonymous": 401, "other key": 200, "viewer": 200, "ops": 200, "admin": 200}},
				{"GET", "/v1/providers/NOSUCH", nil, 404, map[string]int{"anonymous": 401}},
				{"PATCH", "/v1/providers/OTHER", map[string]any{"name": "Other Co"}, 403, adminOnly(200)},
				{"POST", "/v1/providers", map[string]any{"code": "ZZ", "name": "Z"}, 403, adminOnly(201)},
				{"GET", "/v1/providers/ACME/api-keys", nil, 403, adminOnly(200)},
				{"POST", "/v1/providers/OTHER/api-keys", map[string]any{"name": "ci"}, 403, adminOnly(201)},
				{"POST", "/v1/api-keys/no-such-key/revoke", nil, 403, adminOnly(404)},
				{"GET", "/v1/admin/dead-jobs", nil, 403, adminOnly(200)},
				{"POST", "/v1/admin/dead-jobs/987654/retry", nil, 403, adminOnly(404)},
				{"GET", "/v1/admin/audit-log", nil, 403, adminOnly(200)},
				{"GET", "/v1/work-orders", nil, 403, map[string]int{"anonymous": 401, "acme key": 200, "other key": 200, "viewer": 200, "ops": 200, "admin": 200}},
				{"GET", "/v1/work-orders/status-counts", nil, 403, map[string]int{"anonymous": 401, "acme key": 200, "other key": 200, "viewer": 200, "ops": 200, "admin": 200}},
				{"GET", "/v1/work-orders/no-such-id", nil, 404, map[string]int{"anonymous": 401}},
				{"POST", "/v1/work-orders/no-such-id/hold", map[string]any{"reason_code": "other"}, 404, map[string]int{"anonymous": 401, "viewer": 403}},
				// Authentication comes before validation; roles are checked after it.
				{"POST", "/v1/work-orders", map[string]any{"external_id": "x"}, 422, map[string]int{"anonymous": 401}},
			}
			for _, r := range rows {
				for name, c := range callers {
					wantStatus := r.def
					if s, ok := r.by[name]; ok {
						wantStatus = s
					}
					t.Run(fmt.Sprintf("%s %s as %s", r.method, r.path, name), func(t *testing.T) {
						got := c.do(r.method, r.path, r.body)
						if got.status != wantStatus {
							t.Fatalf("status %d, want %d: %s", got.status, wantStatus, got.body)
						}
					})
				}
			}
		})
	}
}
