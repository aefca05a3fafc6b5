// Package auth knows who is calling: staff users with roles, contractor
// accounts, and providers calling with API keys. It owns passwords (argon2id),
// API keys (stored only as a keyed hash), sign-in throttling, the web session
// store, and the append-only audit log that other packages write to inside
// their own transactions.
package auth

import (
	"context"
	"slices"
	"strings"

	"github.com/fieldhub/fieldhub/internal/fault"
)

// The kinds of principal. Staff and contractors sign in with a password;
// providers call with an API key; system is the server acting on its own.
const (
	KindStaff      = "staff"
	KindContractor = "contractor"
	KindProvider   = "provider"
	KindSystem     = "system"
	// KindAnonymous marks audit rows for callers nobody could identify, such
	// as a sign-in with an unknown e-mail address.
	KindAnonymous = "anonymous"
)

// Role is a staff permission set. Contractors and providers never hold roles:
// what they may see follows from who they are, not from a role.
type Role string

// The staff roles.
const (
	RoleAdmin   Role = "admin"   // users, keys, settings; passes every role check
	RoleCSR     Role = "csr"     // customer service: intake and customer contact
	RoleOps     Role = "ops"     // dispatch coordination and awards
	RoleDepot   Role = "depot"   // depot and biomed technicians
	RoleFinance Role = "finance" // charges, invoices, claims, payouts
	RoleViewer  Role = "viewer"  // read-only
)

var allRoles = []Role{RoleAdmin, RoleCSR, RoleOps, RoleDepot, RoleFinance, RoleViewer}

// AllRoles lists every staff role, in a stable order for forms and docs.
func AllRoles() []Role { return slices.Clone(allRoles) }

// Valid reports whether r is one of the staff roles.
func (r Role) Valid() bool { return slices.Contains(allRoles, r) }

// ParseRole reads a role name, ignoring case and surrounding space.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !r.Valid() {
		return "", &fault.Error{Code: fault.Invalid, Message: "unknown role",
			Fields: []fault.FieldError{{Field: "role", Reason: "must be one of " + roleList()}}}
	}
	return r, nil
}

func roleList() string {
	names := make([]string, len(allRoles))
	for i, r := range allRoles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// normalizeRoles sorts and de-duplicates roles so that the stored form is
// canonical and comparisons (audit before/after) are meaningful.
func normalizeRoles(roles []Role) []Role {
	out := make([]Role, 0, len(roles))
	for _, r := range roles {
		r = Role(strings.ToLower(strings.TrimSpace(string(r))))
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

func joinRoles(roles []Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// splitRoles reads the stored form. A role this build does not know (say,
// one retired by a later release) is dropped: unknown means no permission.
func splitRoles(s string) []Role {
	out := []Role{}
	for part := range strings.SplitSeq(s, ",") {
		if r := Role(part); r.Valid() {
			out = append(out, r)
		}
	}
	return out
}

// Principal is the authenticated caller of one request.
type Principal struct {
	Kind   string // KindStaff, KindContractor, KindProvider or KindSystem
	UserID string
	Email  string
	Name   string
	Roles  []Role
	// ProviderID and ProviderCode are set for API-key callers.
	ProviderID   string
	ProviderCode string
	KeyID        string
	// SubjectID links a contractor account to its contractor profile.
	SubjectID string
}

// System is the principal for work the server does on its own (jobs,
// bootstrap). Passing a nil *Principal where one is expected means the same.
var System = &Principal{Kind: KindSystem}

// IsStaff reports whether p is a staff user.
func (p *Principal) IsStaff() bool { return p != nil && p.Kind == KindStaff }

// HasRole reports whether p is staff holding any of roles. Admin passes every
// role check, so that routes name the role the work needs and never have to
// list admin as well. Contractors and providers never pass.
func (p *Principal) HasRole(roles ...Role) bool {
	if !p.IsStaff() {
		return false
	}
	if slices.Contains(p.Roles, RoleAdmin) {
		return true
	}
	for _, r := range roles {
		if slices.Contains(p.Roles, r) {
			return true
		}
	}
	return false
}

// ActorKind is the kind recorded in events and the audit log; a nil
// principal is the system.
func (p *Principal) ActorKind() string {
	if p == nil || p.Kind == "" {
		return KindSystem
	}
	return p.Kind
}

// ActorID is the id recorded in events and the audit log: the user id for
// people and the key id for providers. The key rather than the provider,
// because after a key leaks the question is what that key did; the provider
// follows from the key, the key does not follow from the provider.
func (p *Principal) ActorID() string {
	switch {
	case p == nil:
		return ""
	case p.Kind == KindProvider:
		return p.KeyID
	}
	return p.UserID
}

type ctxKey int

const (
	principalKey ctxKey = iota
	remoteKey
)

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// FromContext returns the principal that WithPrincipal stored, if any.
func FromContext(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey).(*Principal)
	return p, ok && p != nil
}

// Require returns the caller when it is staff holding one of roles (admin
// always passes); no caller is Unauthorized, any other caller Forbidden.
func Require(ctx context.Context, roles ...Role) (*Principal, error) {
	p, ok := FromContext(ctx)
	if !ok {
		return nil, fault.Errorf(fault.Unauthorized, "sign in first")
	}
	if !p.HasRole(roles...) {
		return nil, fault.Errorf(fault.Forbidden, "your role does not allow this")
	}
	return p, nil
}

// WithRemote returns ctx carrying the caller's network address, so that audit
// entries written deeper down record it without every signature carrying it.
func WithRemote(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, remoteKey, addr)
}

// RemoteFrom returns the address WithRemote stored, or "".
func RemoteFrom(ctx context.Context) string {
	s, _ := ctx.Value(remoteKey).(string)
	return s
}
