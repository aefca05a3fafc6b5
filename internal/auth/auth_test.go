package auth

import (
	"context"
	"testing"

	"github.com/fieldhub/fieldhub/internal/fault"
)

func TestParseRole(t *testing.T) {
	for _, r := range AllRoles() {
		got, err := ParseRole(" " + string(r) + " ")
		if err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	if r, err := ParseRole("FINANCE"); r != RoleFinance || err != nil {
		t.Errorf("ParseRole is case-sensitive: %q, %v", r, err)
	}
	for _, s := range []string{"", "root", "admins"} {
		_, err := ParseRole(s)
		wantField(t, err, "role")
	}
}

func TestHasRole(t *testing.T) {
	csr := &Principal{Kind: KindStaff, UserID: "u1", Roles: []Role{RoleCSR}}
	boss := &Principal{Kind: KindStaff, UserID: "u2", Roles: []Role{RoleAdmin}}
	// A contractor or provider never passes, even if roles were set by mistake.
	contractor := &Principal{Kind: KindContractor, UserID: "u3", Roles: []Role{RoleAdmin}}
	provider := &Principal{Kind: KindProvider, ProviderID: "p1", KeyID: "k1", Roles: []Role{RoleAdmin}}
	var nobody *Principal

	cases := []struct {
		p     *Principal
		roles []Role
		want  bool
	}{
		{csr, []Role{RoleCSR}, true},
		{csr, []Role{RoleFinance, RoleCSR}, true},
		{csr, []Role{RoleFinance}, false},
		{csr, nil, false},
		{boss, []Role{RoleFinance}, true},
		{boss, []Role{RoleDepot, RoleOps}, true},
		{contractor, []Role{RoleCSR}, false},
		{provider, []Role{RoleCSR}, false},
		{nobody, []Role{RoleViewer}, false},
	}
	for i, c := range cases {
		if got := c.p.HasRole(c.roles...); got != c.want {
			t.Errorf("case %d: HasRole(%v) = %v, want %v", i, c.roles, got, c.want)
		}
	}
	if !csr.IsStaff() || contractor.IsStaff() || provider.IsStaff() || nobody.IsStaff() {
		t.Error("IsStaff wrong")
	}
}

func TestActor(t *testing.T) {
	var nobody *Principal
	for _, c := range []struct {
		p        *Principal
		kind, id string
	}{
		{&Principal{Kind: KindStaff, UserID: "u1"}, KindStaff, "u1"},
		{&Principal{Kind: KindContractor, UserID: "u2", SubjectID: "c9"}, KindContractor, "u2"},
		{&Principal{Kind: KindProvider, ProviderID: "p1", KeyID: "k1"}, KindProvider, "k1"},
		{System, KindSystem, ""},
		{nobody, KindSystem, ""},
	} {
		if c.p.ActorKind() != c.kind || c.p.ActorID() != c.id {
			t.Errorf("%+v: actor = %s/%s, want %s/%s", c.p, c.p.ActorKind(), c.p.ActorID(), c.kind, c.id)
		}
	}
}

func TestContext(t *testing.T) {
	ctx := context.Background()
	if _, ok := FromContext(ctx); ok {
		t.Fatal("empty context has a principal")
	}
	_, err := Require(ctx, RoleViewer)
	wantCode(t, err, fault.Unauthorized)

	p := &Principal{Kind: KindStaff, UserID: "u1", Roles: []Role{RoleViewer}}
	ctx = WithPrincipal(ctx, p)
	if got, ok := FromContext(ctx); !ok || got != p {
		t.Fatalf("FromContext = %v, %v", got, ok)
	}
	if _, err := Require(ctx, RoleViewer); err != nil {
		t.Fatal(err)
	}
	_, err = Require(ctx, RoleFinance)
	wantCode(t, err, fault.Forbidden)

	if RemoteFrom(ctx) != "" {
		t.Fatal("remote set without WithRemote")
	}
	if got := RemoteFrom(WithRemote(ctx, "192.0.2.1")); got != "192.0.2.1" {
		t.Fatalf("RemoteFrom = %q", got)
	}
}
