package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// SessionUserKey is the session field holding the signed-in user's id.
const SessionUserKey = "user_id"

// authenticate resolves the caller from a bearer API key or the session
// cookie. A bearer header that does not resolve is refused outright; no
// credentials at all leaves the request anonymous for the operation to judge.
func (a *API) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, token, _ := strings.Cut(h, " ")
			token = strings.TrimSpace(token)
			var p *auth.Principal
			var err error = fault.Errorf(fault.Unauthorized, "the Authorization header must be \"Bearer <api key>\"")
			if strings.EqualFold(scheme, "Bearer") && token != "" {
				p, err = a.Auth.ResolveKey(ctx, token)
			}
			if err != nil {
				_ = a.Auth.RecordAudit(ctx, auth.AuditEntry{ActorKind: auth.KindAnonymous, Action: "auth.rejected",
					Subject: r.Method + " " + r.URL.Path, Outcome: auth.OutcomeDenied, Remote: RemoteAddr(r)})
				prob := problemFrom(ctx, a.log, err).(*Problem)
				prob.GetHeaders().Set("WWW-Authenticate", `Bearer realm="fieldhub"`)
				WriteProblem(w, prob)
				return
			}
			ctx = auth.WithPrincipal(ctx, p)
		} else if a.Sessions != nil {
			if uid := a.Sessions.GetString(ctx, SessionUserKey); uid != "" {
				if p, err := a.Auth.SessionUser(ctx, uid); err == nil {
					ctx = auth.WithPrincipal(ctx, p)
				}
			}
		}
		if _, ok := auth.FromContext(ctx); !ok && !public(r.URL.Path) {
			// Who is asking comes before whether the request is well formed.
			prob := problemFrom(ctx, a.log, fault.Errorf(fault.Unauthorized, "sign in or send an API key")).(*Problem)
			prob.GetHeaders().Set("WWW-Authenticate", `Bearer realm="fieldhub"`)
			WriteProblem(w, prob)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithRemote(ctx, RemoteAddr(r))))
	})
}

// RemoteAddr is the client's address without the port. Behind a proxy the
// operator should make the proxy set RemoteAddr; X-Forwarded-For is not
// trusted because any client can send it.
func RemoteAddr(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// caller returns the authenticated principal or Unauthorized.
func caller(ctx context.Context) (*auth.Principal, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return nil, fault.Errorf(fault.Unauthorized, "sign in or send an API key")
	}
	return p, nil
}

// staff returns the caller when it is staff holding one of roles (any staff
// when roles is empty); otherwise Unauthorized or Forbidden, and a
// Forbidden is written to the audit log.
func (a *API) staff(ctx context.Context, action string, roles ...auth.Role) (*auth.Principal, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if p.IsStaff() && (len(roles) == 0 || p.HasRole(roles...)) {
		return p, nil
	}
	return nil, a.deny(ctx, p, action)
}

// deny audits a refused action and returns the Forbidden error.
func (a *API) deny(ctx context.Context, p *auth.Principal, action string) error {
	_ = a.Auth.RecordAudit(ctx, auth.Denied(p, action))
	return fault.Errorf(fault.Forbidden, "you may not %s", strings.ReplaceAll(action, "-", " "))
}

// actor describes the principal on events.
func actor(p *auth.Principal) event.Actor {
	return event.Actor{Kind: p.ActorKind(), ID: p.ActorID(), Name: p.Name}
}

// public reports whether a /v1 path may be reached without credentials: the
// API's own description, and /v1/hooks/, where outside systems (field
// platforms, the issue tracker) call in and each route checks the caller's
// signature or token itself.
func public(path string) bool {
	return strings.HasPrefix(path, "/v1/openapi") || strings.HasPrefix(path, "/v1/schemas/") ||
		strings.HasPrefix(path, "/v1/hooks/")
}
