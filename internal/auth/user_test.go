package auth

import (
	"slices"
	"strings"
	"testing"

	"github.com/fieldhub/fieldhub/internal/fault"
)

func TestCreateUser(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		u, err := e.svc.CreateUser(ctx, NewUser{Kind: KindStaff, Email: "  Ann.Lee@Example.COM ", Name: " Ann Lee ",
			Roles: []Role{"OPS", RoleCSR, RoleOps}, Password: "correct horse battery"}, admin)
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "ann.lee@example.com" || u.Name != "Ann Lee" || !slices.Equal(u.Roles, []Role{RoleCSR, RoleOps}) {
			t.Fatalf("not normalised: %+v", u)
		}
		if !u.CreatedAt.Equal(e.clock.Now()) || u.Version != 1 {
			t.Fatalf("created_at %v version %d; want the store clock and 1", u.CreatedAt, u.Version)
		}
		got, err := e.svc.GetUser(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Email != u.Email || !slices.Equal(got.Roles, u.Roles) || got.Kind != KindStaff || !got.CreatedAt.Equal(u.CreatedAt) {
			t.Fatalf("read back %+v, wrote %+v", got, u)
		}
		var stored string
		_ = e.store.Read.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&stored)
		if !strings.HasPrefix(stored, "$argon2id$") || strings.Contains(stored, "correct horse") {
			t.Fatalf("stored password %q is not an argon2id hash", stored)
		}

		recs, err := e.svc.AuditLog(ctx, AuditFilter{Subject: "user:" + u.ID})
		if err != nil || len(recs) != 1 {
			t.Fatalf("audit = %v, %v; want one user.created", recs, err)
		}
		r := recs[0]
		if r.Action != ActionUserCreated || r.ActorKind != KindStaff || r.ActorID != admin.UserID || r.Outcome != OutcomeOK ||
			r.Detail["email"] != u.Email || !r.At.Equal(e.clock.Now()) {
			t.Fatalf("audit record %+v", r)
		}

		if byEmail, err := e.svc.UserByEmail(ctx, " ANN.lee@example.com"); err != nil || byEmail.ID != u.ID {
			t.Fatalf("UserByEmail = %+v, %v", byEmail, err)
		}
		_, err = e.svc.UserByEmail(ctx, "nobody@example.com")
		wantCode(t, err, fault.NotFound)

		t.Run("duplicate email in another case is a conflict", func(t *testing.T) {
			_, err := e.svc.CreateUser(ctx, staff("ANN.LEE@example.com", RoleViewer), admin)
			wantCode(t, err, fault.Conflict)
			if !strings.Contains(err.Error(), "a user with this email exists") {
				t.Fatalf("message = %v", err)
			}
		})

		t.Run("contractor account without roles", func(t *testing.T) {
			c := e.addUser(t, NewUser{Kind: KindContractor, Email: "tech@fixit.example", Name: "Tech", SubjectID: "ctr-1",
				Password: "a long enough secret"})
			if len(c.Roles) != 0 || c.SubjectID != "ctr-1" {
				t.Fatalf("contractor %+v", c)
			}
		})
	})
}

func TestCreateUserValidation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ok := staff("ok@example.com", RoleViewer)
		cases := []struct {
			name  string
			edit  func(n *NewUser)
			field string
		}{
			{"bad email", func(n *NewUser) { n.Email = "not-an-address" }, "email"},
			{"display name in email", func(n *NewUser) { n.Email = "Ann <ann@example.com>" }, "email"},
			{"empty email", func(n *NewUser) { n.Email = " " }, "email"},
			{"short password", func(n *NewUser) { n.Password = "short pass1" }, "password"},
			{"contractor with roles", func(n *NewUser) { n.Kind = KindContractor; n.Roles = []Role{RoleViewer} }, "roles"},
			{"staff without roles", func(n *NewUser) { n.Roles = nil }, "roles"},
			{"unknown role", func(n *NewUser) { n.Roles = []Role{RoleViewer, "root"} }, "roles"},
			{"unknown kind", func(n *NewUser) { n.Kind = "customer" }, "kind"},
			{"no name", func(n *NewUser) { n.Name = "  " }, "name"},
		}
		for _, c := range cases {
			n := ok
			n.Roles = slices.Clone(ok.Roles)
			c.edit(&n)
			_, err := e.svc.CreateUser(ctx, n, admin)
			wantField(t, err, c.field)
			if c.name == "unknown role" && !strings.Contains(err.Error(), `"root"`) {
				t.Errorf("unknown role error does not name the role: %v", err)
			}
		}
		var n int
		_ = e.store.Read.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d users written by invalid requests", n)
		}
		// The unchanged request is fine: the cases fail for their own reasons.
		e.addUser(t, ok)
	})
}

func TestChangeUser(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		boss := e.addUser(t, staff("boss@example.com", RoleAdmin))
		ann := e.addUser(t, staff("ann@example.com", RoleCSR))
		subject := "user:" + ann.ID

		u, err := e.svc.SetRoles(ctx, ann.ID, []Role{RoleFinance, RoleCSR}, boss.Principal())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(u.Roles, []Role{RoleCSR, RoleFinance}) || u.Version != 2 {
			t.Fatalf("after SetRoles: %+v", u)
		}
		recs, _ := e.svc.AuditLog(ctx, AuditFilter{Action: ActionUserRolesChanged})
		if len(recs) != 1 || recs[0].ActorID != boss.ID || recs[0].Subject != subject ||
			!slices.Equal(toStrings(recs[0].Detail["before"]), []string{"csr"}) ||
			!slices.Equal(toStrings(recs[0].Detail["after"]), []string{"csr", "finance"}) {
			t.Fatalf("roles audit = %+v", recs)
		}
		// The same roles again change nothing and audit nothing.
		if u, err = e.svc.SetRoles(ctx, ann.ID, []Role{RoleCSR, RoleFinance}, boss.Principal()); err != nil || u.Version != 2 {
			t.Fatalf("no-op SetRoles: %+v, %v", u, err)
		}
		_, err = e.svc.SetRoles(ctx, ann.ID, []Role{"chief"}, boss.Principal())
		wantField(t, err, "roles")
		_, err = e.svc.SetRoles(ctx, "nope", []Role{RoleCSR}, boss.Principal())
		wantCode(t, err, fault.NotFound)

		ctr := e.addUser(t, NewUser{Kind: KindContractor, Email: "c@example.com", Name: "C", Password: "a long enough secret"})
		_, err = e.svc.SetRoles(ctx, ctr.ID, []Role{RoleViewer}, boss.Principal())
		wantField(t, err, "roles")

		t.Run("password", func(t *testing.T) {
			err := e.svc.SetPassword(ctx, ann.ID, "short", boss.Principal())
			wantField(t, err, "password")
			if err := e.svc.SetPassword(ctx, ann.ID, "a brand new passphrase", boss.Principal()); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.Authenticate(ctx, "ann@example.com", "correct horse battery", ""); !fault.Is(err, fault.Unauthorized) {
				t.Fatalf("old password still works: %v", err)
			}
			if _, err := e.svc.Authenticate(ctx, "ann@example.com", "a brand new passphrase", ""); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("disable ends sessions, enable restores", func(t *testing.T) {
			if p, err := e.svc.SessionUser(ctx, ann.ID); err != nil || !p.HasRole(RoleFinance) || p.HasRole(RoleOps) {
				t.Fatalf("SessionUser = %+v, %v", p, err)
			}
			if u, err := e.svc.DisableUser(ctx, ann.ID, boss.Principal()); err != nil || !u.Disabled {
				t.Fatalf("DisableUser = %+v, %v", u, err)
			}
			_, err := e.svc.SessionUser(ctx, ann.ID)
			wantCode(t, err, fault.Unauthorized)
			_, err = e.svc.SessionUser(ctx, "no-such-user")
			wantCode(t, err, fault.Unauthorized)
			if _, err := e.svc.EnableUser(ctx, ann.ID, boss.Principal()); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.SessionUser(ctx, ann.ID); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("the last admin stays", func(t *testing.T) {
			_, err := e.svc.SetRoles(ctx, boss.ID, []Role{RoleOps}, boss.Principal())
			wantCode(t, err, fault.Conflict)
			_, err = e.svc.DisableUser(ctx, boss.ID, boss.Principal())
			wantCode(t, err, fault.Conflict)
			// With a second admin, the first may step down.
			if _, err := e.svc.SetRoles(ctx, ann.ID, []Role{RoleAdmin}, boss.Principal()); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.SetRoles(ctx, boss.ID, []Role{RoleOps}, boss.Principal()); err != nil {
				t.Fatal(err)
			}
			_, err = e.svc.DisableUser(ctx, ann.ID, boss.Principal())
			wantCode(t, err, fault.Conflict)
		})

		want := []string{ActionUserCreated, ActionUserRolesChanged, ActionUserPasswordChanged, ActionSigninFailed,
			ActionSigninSucceeded, ActionUserDisabled, ActionUserEnabled, ActionUserRolesChanged}
		if got := e.auditActions(t, subject); !slices.Equal(got, want) {
			t.Fatalf("audit trail of %s:\n got %v\nwant %v", subject, got, want)
		}
	})
}

func TestListUsers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for _, s := range []string{"d", "a", "c", "b", "e"} {
			e.addUser(t, staff(s+"@example.com", RoleViewer))
		}
		e.addUser(t, NewUser{Kind: KindContractor, Email: "bb@example.com", Name: "C", Password: "a long enough secret"})
		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			us, next, err := e.svc.ListUsers(ctx, UserFilter{Kind: KindStaff, Cursor: cursor, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range us {
				got = append(got, u.Email[:1])
			}
			if next == "" {
				break
			}
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			cursor = next
		}
		if strings.Join(got, "") != "abcde" {
			t.Fatalf("staff pages = %v", got)
		}
		all, _, err := e.svc.ListUsers(ctx, UserFilter{})
		if err != nil || len(all) != 6 {
			t.Fatalf("all users = %d, %v", len(all), err)
		}
		_, _, err = e.svc.ListUsers(ctx, UserFilter{Cursor: "!!"})
		wantField(t, err, "cursor")
	})
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	out := []string{}
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
