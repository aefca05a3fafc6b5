package auth

import (
	"bytes"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/fault"
)

const pw = "correct horse battery"

func TestAuthenticate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ann := e.addUser(t, staff("ann@example.com", RoleOps))
		ctr := e.addUser(t, NewUser{Kind: KindContractor, Email: "tech@example.com", Name: "Tech", SubjectID: "ctr-7", Password: pw})

		p, err := e.svc.Authenticate(ctx, " ANN@example.com", pw, "192.0.2.10:5123")
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != KindStaff || p.UserID != ann.ID || p.Email != "ann@example.com" || !p.HasRole(RoleOps) || p.HasRole(RoleFinance) {
			t.Fatalf("principal %+v", p)
		}
		p, err = e.svc.Authenticate(ctx, "tech@example.com", pw, "192.0.2.10")
		if err != nil || p.Kind != KindContractor || p.SubjectID != "ctr-7" || p.UserID != ctr.ID || len(p.Roles) != 0 {
			t.Fatalf("contractor principal %+v, %v", p, err)
		}

		var msgs []string
		for _, c := range []struct{ email, pw string }{
			{"ann@example.com", "wrong password!"},
			{"nobody@example.com", pw},
			{"ann@example.com", ""},
		} {
			_, err := e.svc.Authenticate(ctx, c.email, c.pw, "192.0.2.10")
			wantCode(t, err, fault.Unauthorized)
			msgs = append(msgs, err.Error())
		}
		if msgs[0] != msgs[1] || msgs[1] != msgs[2] || !strings.Contains(msgs[0], "invalid email or password") {
			t.Fatalf("failure messages differ or leak: %q", msgs)
		}

		if _, err := e.svc.DisableUser(ctx, ctr.ID, admin); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Authenticate(ctx, "tech@example.com", pw, "192.0.2.10")
		wantCode(t, err, fault.Unauthorized)

		recs, err := e.svc.AuditLog(ctx, AuditFilter{Action: ActionSigninFailed})
		if err != nil {
			t.Fatal(err)
		}
		reasons := map[string]int{}
		for _, r := range recs {
			reasons[fmt.Sprint(r.Detail["reason"])]++
			if r.Outcome != OutcomeDenied || r.Remote != "192.0.2.10" {
				t.Errorf("failure record %+v", r)
			}
		}
		if reasons["wrong_password"] != 2 || reasons["unknown_user"] != 1 || reasons["disabled"] != 1 {
			t.Fatalf("failure reasons %v", reasons)
		}
		ok, _ := e.svc.AuditLog(ctx, AuditFilter{Action: ActionSigninSucceeded, ActorID: ann.ID})
		if len(ok) != 1 || ok[0].Subject != "user:"+ann.ID || ok[0].ActorKind != KindStaff || ok[0].Remote != "192.0.2.10:5123" {
			t.Fatalf("success records %+v", ok)
		}
	})
}

func TestThrottlePerAccount(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addUser(t, staff("ann@example.com", RoleOps))
		// Failures come from different addresses, so only the account limit applies.
		fail := func(i int) error {
			_, err := e.svc.Authenticate(ctx, "ann@example.com", "wrong password!", fmt.Sprintf("198.51.100.%d", i))
			return err
		}
		for i := range DefaultThrottle.PerAccount {
			wantCode(t, fail(i), fault.Unauthorized)
			e.clock.Advance(time.Minute)
		}
		// Now even the right password is refused, without being checked.
		_, err := e.svc.Authenticate(ctx, "ANN@example.com", pw, "198.51.100.99")
		wantCode(t, err, fault.RateLimited)
		// The first failure was 5 minutes ago: it leaves the window in 10.
		if got := RetryAfter(err); got != 10*time.Minute {
			t.Fatalf("RetryAfter = %v, want 10m", got)
		}
		// Another account is not affected.
		e.addUser(t, staff("bob@example.com", RoleOps))
		if _, err := e.svc.Authenticate(ctx, "bob@example.com", pw, "198.51.100.99"); err != nil {
			t.Fatal(err)
		}
		// Once the oldest failure leaves the window, ann may try again.
		e.clock.Advance(10*time.Minute - time.Second)
		_, err = e.svc.Authenticate(ctx, "ann@example.com", pw, "198.51.100.99")
		wantCode(t, err, fault.RateLimited)
		e.clock.Advance(time.Second)
		if _, err := e.svc.Authenticate(ctx, "ann@example.com", pw, "198.51.100.99"); err != nil {
			t.Fatalf("after the window: %v", err)
		}
		// Success forgave the account's failures: a full allowance again.
		for i := range DefaultThrottle.PerAccount {
			wantCode(t, fail(i), fault.Unauthorized)
		}
		wantCode(t, fail(0), fault.RateLimited)

		thr, _ := e.svc.AuditLog(ctx, AuditFilter{Action: ActionSigninThrottled})
		if len(thr) != 3 || thr[0].Detail["scope"] != "account" || thr[0].Outcome != OutcomeDenied {
			t.Fatalf("throttled records %+v", thr)
		}
	})
}

func TestThrottlePerAddress(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addUser(t, staff("ann@example.com", RoleOps))
		const ip = "203.0.113.5"
		// Spraying one guess at many accounts from one address.
		for i := range DefaultThrottle.PerAddress {
			_, err := e.svc.Authenticate(ctx, fmt.Sprintf("user%d@example.com", i), "guess guess guess", ip+":40000")
			wantCode(t, err, fault.Unauthorized)
		}
		_, err := e.svc.Authenticate(ctx, "ann@example.com", pw, ip)
		wantCode(t, err, fault.RateLimited)
		// The same account from elsewhere is fine.
		if _, err := e.svc.Authenticate(ctx, "ann@example.com", pw, "203.0.113.6"); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(DefaultThrottle.Window)
		if _, err := e.svc.Authenticate(ctx, "ann@example.com", pw, ip); err != nil {
			t.Fatalf("after the window: %v", err)
		}
		// Cleanup removes failures that left the window.
		if err := e.svc.Cleanup(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		_ = e.store.Read.QueryRowContext(ctx, `SELECT count(*) FROM login_failures`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d failures left after cleanup", n)
		}
	})
}

func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "",
		"192.0.2.1":              "ip:192.0.2.1",
		"192.0.2.1:443":          "ip:192.0.2.1",
		"[::ffff:192.0.2.1]:80":  "ip:192.0.2.1",
		"2001:db8:1:2:3:4:5:6":   "ip:2001:db8:1:2::/64",
		"[2001:db8:1:2::9]:8080": "ip:2001:db8:1:2::/64",
		"fe80::1%eth0":           "ip:fe80::/64",
		"unix-socket":            "ip:unix-socket",
	} {
		if got := addressKey(in); got != want {
			t.Errorf("addressKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRehashOnSignIn(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ann := e.addUser(t, staff("ann@example.com", RoleOps))
		stronger := Params{Memory: 128, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
		svc := New(e.store, testSecret, WithPasswordParams(stronger))
		if _, err := svc.Authenticate(ctx, "ann@example.com", pw, ""); err != nil {
			t.Fatal(err)
		}
		var h string
		_ = e.store.Read.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, ann.ID).Scan(&h)
		if NeedsRehash(h, stronger) {
			t.Fatalf("hash %q not upgraded to the new parameters", h)
		}
		if _, err := svc.Authenticate(ctx, "ann@example.com", pw, ""); err != nil {
			t.Fatalf("upgraded hash does not verify: %v", err)
		}
	})
}

func TestSigninHashes(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		var logs bytes.Buffer
		svc := New(e.store, testSecret, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		ann := e.addUser(t, staff("ann@example.com", RoleOps))

		// An unknown address is checked against a real (dummy) hash, so it
		// costs what a wrong password costs and raises no alarm.
		_, err := svc.Authenticate(ctx, "nobody@example.com", pw, "")
		wantCode(t, err, fault.Unauthorized)
		if logs.Len() != 0 {
			t.Fatalf("unknown user logged %q", logs.String())
		}
		if h := svc.dummyHash(); NeedsRehash(h, svc.params) {
			t.Fatalf("dummy hash %q is not made with the service's parameters", h)
		}

		// A corrupt stored hash refuses the sign-in and says so in the log.
		if _, err := e.store.Write.ExecContext(ctx, `UPDATE users SET password_hash = 'garbage' WHERE id = $1`, ann.ID); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Authenticate(ctx, "ann@example.com", pw, "")
		wantCode(t, err, fault.Unauthorized)
		if !strings.Contains(logs.String(), "unreadable password hash") {
			t.Fatalf("corrupt hash not logged: %q", logs.String())
		}
	})
}

// BenchmarkSigninTiming compares a failed sign-in for an unknown address with
// one for a known address and a wrong password, at the production cost. The
// ratio should be near 1: far from it, response time tells which addresses
// have accounts.
func BenchmarkSigninTiming(b *testing.B) {
	store := dbtest.Open(b, db.SQLite, nil)
	svc := New(store, testSecret, WithPasswordParams(recommendedParams),
		WithThrottle(Throttle{Window: time.Minute, PerAccount: math.MaxInt32, PerAddress: math.MaxInt32}))
	n := staff("ann@example.com", RoleOps)
	if _, err := svc.CreateUser(ctx, n, nil); err != nil {
		b.Fatal(err)
	}
	svc.dummyHash()
	var known, unknown time.Duration
	runs := 0
	for b.Loop() {
		t0 := time.Now()
		_, _ = svc.Authenticate(ctx, "ann@example.com", "wrong password!", "")
		t1 := time.Now()
		_, _ = svc.Authenticate(ctx, "nobody@example.com", "wrong password!", "")
		known, unknown = known+t1.Sub(t0), unknown+time.Since(t1)
		runs++
	}
	b.ReportMetric(float64(known.Microseconds())/float64(runs), "known-µs/op")
	b.ReportMetric(float64(unknown.Microseconds())/float64(runs), "unknown-µs/op")
	b.ReportMetric(float64(unknown)/float64(known), "unknown/known")
}
