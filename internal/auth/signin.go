package auth

import (
	"context"
	"errors"
	"math"
	"net"
	"net/netip"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// errBadCredentials is the one answer to every failed sign-in, so that it
// never tells an unknown address from a wrong password or a disabled account.
func errBadCredentials() error {
	return fault.Errorf(fault.Unauthorized, "invalid email or password")
}

// Authenticate signs a staff user or contractor in with e-mail and password.
// remote is the caller's address ("host" or "host:port"), used to throttle
// and to audit.
//
// Throttling counts failures in a sliding window per account and per address
// (DefaultThrottle). An attempt is counted as a failure before the password
// is checked and forgiven on success, so that a burst of parallel guesses
// cannot all slip past the count while their hashes run. A throttled attempt
// is refused as RateLimited without checking the password, and the error's
// Detail["retry_after"] says in how many seconds to try again.
func (s *Service) Authenticate(ctx context.Context, email, password, remote string) (*Principal, error) {
	email = NormalizeEmail(email)
	if len(email) > 320 { // no address is longer; keep throttle keys bounded
		email = email[:320]
	}
	acctKey, addrKey := "acct:"+email, addressKey(remote)
	attempt, err := s.countAttempt(ctx, email, acctKey, addrKey, remote)
	if err != nil {
		return nil, err
	}

	var (
		hash   string
		reason string
	)
	u, err := scanUser(s.store.Read.QueryRowContext(ctx,
		`SELECT `+userColumns+`, password_hash FROM users WHERE email = $1`, email), &hash)
	switch {
	case fault.Is(err, fault.NotFound):
		hash, reason = s.dummyHash(), "unknown_user"
	case err != nil:
		return nil, err
	case u.Disabled:
		reason = "disabled"
	}
	ok, err := s.verify(ctx, password, hash)
	switch {
	case errors.Is(err, ErrInvalidHash):
		// A stored hash we cannot read: refuse, and say so in the logs.
		s.log.ErrorContext(ctx, "unreadable password hash", "user_id", u.ID, "err", err)
		if reason == "" {
			reason = "unreadable_hash"
		}
	case err != nil:
		return nil, err
	}
	if !ok && reason == "" {
		reason = "wrong_password"
	}

	if reason != "" {
		e := AuditEntry{ActorKind: KindAnonymous, Action: ActionSigninFailed, Outcome: OutcomeDenied, Remote: remote,
			Detail: map[string]any{"email": email, "reason": reason}}
		if u.ID != "" {
			e.Subject = "user:" + u.ID
		}
		if err := s.RecordAudit(ctx, e); err != nil {
			return nil, err
		}
		return nil, errBadCredentials()
	}

	var rehash string
	if NeedsRehash(hash, s.params) {
		if rehash, err = s.hash(ctx, password); err != nil {
			return nil, err
		}
	}
	p := u.Principal()
	err = s.store.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE key = $1 OR id = $2`, acctKey, attempt.addrRow); err != nil {
			return db.Translate(err)
		}
		if rehash != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, rehash, u.ID); err != nil {
				return db.Translate(err)
			}
		}
		e := Entry(p, ActionSigninSucceeded, "user:"+u.ID)
		e.Remote = remote
		return Audit(ctx, tx, tx.Now, e)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

type attempt struct {
	addrRow int64 // the provisional failure row under the address key; 0 if none
}

// countAttempt refuses the attempt when either key is over its limit, and
// otherwise records it as a failure under both keys.
func (s *Service) countAttempt(ctx context.Context, email, acctKey, addrKey, remote string) (attempt, error) {
	var (
		a         attempt
		throttled error
	)
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		since := tx.Now.Add(-s.throttle.Window)
		limits := []struct {
			key, scope string
			limit      int
		}{{acctKey, "account", s.throttle.PerAccount}, {addrKey, "address", s.throttle.PerAddress}}
		for _, l := range limits {
			if l.key == "" {
				continue
			}
			var (
				n      int
				oldest db.Time
			)
			err := tx.QueryRowContext(ctx, `SELECT count(*), min(at) FROM login_failures WHERE key = $1 AND at > $2`,
				l.key, db.T(since)).Scan(&n, &oldest)
			if err != nil {
				return db.Translate(err)
			}
			if n < l.limit {
				continue
			}
			// Once the oldest failure leaves the window, one attempt is allowed again.
			wait := max(1, int(math.Ceil(oldest.Add(s.throttle.Window).Sub(tx.Now).Seconds())))
			throttled = &fault.Error{Code: fault.RateLimited, Message: "too many failed sign-ins; try again later",
				Detail: map[string]any{"retry_after": wait}}
			return Audit(ctx, tx, tx.Now, AuditEntry{ActorKind: KindAnonymous, Action: ActionSigninThrottled,
				Outcome: OutcomeDenied, Remote: remote, Detail: map[string]any{"email": email, "scope": l.scope}})
		}
		for _, key := range []string{acctKey, addrKey} {
			if key == "" {
				continue
			}
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO login_failures (key, at) VALUES ($1, $2) RETURNING id`,
				key, db.T(tx.Now)).Scan(&id)
			if err != nil {
				return db.Translate(err)
			}
			if key == addrKey {
				a.addrRow = id
			}
		}
		return nil
	})
	if err == nil {
		err = throttled
	}
	return a, err
}

// addressKey is the throttle key for a remote address. IPv6 addresses count
// by their /64, since one machine commonly holds a whole /64 and could
// otherwise rotate through it.
func addressKey(remote string) string {
	host := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		host = h
	}
	if host == "" {
		return ""
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.Unmap().WithZone("")
		if ip.Is6() {
			prefix, _ := ip.Prefix(64)
			return "ip:" + prefix.String()
		}
		return "ip:" + ip.String()
	}
	if len(host) > 100 {
		host = host[:100]
	}
	return "ip:" + host
}

// RetryAfter returns how long a RateLimited error asks the caller to wait
// (for a Retry-After header), or 0 for any other error.
func RetryAfter(err error) time.Duration {
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.RateLimited {
		return 0
	}
	n, _ := fe.Detail["retry_after"].(int)
	return time.Duration(n) * time.Second
}
