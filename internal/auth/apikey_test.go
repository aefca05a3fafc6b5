package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/fault"
)

func TestAPIKeyLifecycle(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		acme := e.addProvider(t, "ACME", true)
		k, plain, err := e.svc.CreateKey(ctx, acme, " intake bot ", admin)
		if err != nil {
			t.Fatal(err)
		}
		if !wellFormedKey(plain) || !strings.HasPrefix(plain, k.Prefix) || len(k.Prefix) != 11 {
			t.Fatalf("plaintext %q, prefix %q", plain, k.Prefix)
		}
		if k.ProviderCode != "ACME" || k.Name != "intake bot" || k.CreatedBy != admin.UserID || k.RevokedAt != nil {
			t.Fatalf("key %+v", k)
		}

		p, err := e.svc.ResolveKey(ctx, plain)
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != KindProvider || p.ProviderID != acme || p.ProviderCode != "ACME" || p.KeyID != k.ID ||
			p.ActorID() != k.ID || p.IsStaff() || p.HasRole(RoleViewer) {
			t.Fatalf("principal %+v", p)
		}

		// One character off, or not a key at all.
		last := byte('a')
		if plain[len(plain)-1] == 'a' {
			last = 'b'
		}
		flipped := plain[:len(plain)-1] + string(last)
		for _, bad := range []string{"", flipped, strings.ToUpper(plain), plain + "a", "Bearer " + plain} {
			_, err := e.svc.ResolveKey(ctx, bad)
			wantCode(t, err, fault.Unauthorized)
		}

		list, err := e.svc.ListKeys(ctx, acme)
		if err != nil || len(list) != 1 || list[0].ID != k.ID || list[0].LastUsedAt == nil {
			t.Fatalf("ListKeys = %+v, %v", list, err)
		}

		if r, err := e.svc.RevokeKey(ctx, k.ID, admin); err != nil || r.RevokedAt == nil || !r.RevokedAt.Equal(e.clock.Now()) {
			t.Fatalf("RevokeKey = %+v, %v", r, err)
		}
		_, err = e.svc.ResolveKey(ctx, plain)
		wantCode(t, err, fault.Unauthorized)
		// Revoking again changes nothing and audits nothing.
		e.clock.Advance(time.Hour)
		r, err := e.svc.RevokeKey(ctx, k.ID, admin)
		if err != nil || !r.RevokedAt.Equal(e.clock.Now().Add(-time.Hour)) {
			t.Fatalf("second RevokeKey = %+v, %v", r, err)
		}
		_, err = e.svc.RevokeKey(ctx, "no-such-key", admin)
		wantCode(t, err, fault.NotFound)

		if got := e.auditActions(t, "apikey:"+k.ID); !slices.Equal(got, []string{ActionKeyCreated, ActionKeyRevoked}) {
			t.Fatalf("key audit trail %v", got)
		}
	})
}

func TestAPIKeyStoredHash(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		acme := e.addProvider(t, "ACME", true)
		k, plain, err := e.svc.CreateKey(ctx, acme, "bot", nil)
		if err != nil {
			t.Fatal(err)
		}
		if k.CreatedBy != KindSystem {
			t.Fatalf("created_by = %q for a system-created key", k.CreatedBy)
		}
		var stored string
		if err := e.store.Read.QueryRowContext(ctx, `SELECT hash FROM api_keys WHERE id = $1`, k.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, plain[len(KeyPrefix):]) {
			t.Fatal("the stored hash contains the key")
		}
		plainSHA := sha256.Sum256([]byte(plain))
		if stored == hex.EncodeToString(plainSHA[:]) {
			t.Fatal("the stored hash is an unkeyed SHA-256 of the key")
		}
		m := hmac.New(sha256.New, testSecret)
		m.Write([]byte(plain))
		if stored != hex.EncodeToString(m.Sum(nil)) {
			t.Fatal("the stored hash is not HMAC-SHA256 under the secret")
		}
		other := New(e.store, []byte("another secret, also 32 bytes!!!"))
		if other.keyHash(plain) == stored {
			t.Fatal("the hash does not depend on the secret")
		}
		_, err = other.ResolveKey(ctx, plain)
		wantCode(t, err, fault.Unauthorized)
	})
}

func TestAPIKeyInactiveProvider(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		acme := e.addProvider(t, "ACME", true)
		_, plain, err := e.svc.CreateKey(ctx, acme, "bot", admin)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.Write.ExecContext(ctx, `UPDATE providers SET active = $1 WHERE id = $2`, false, acme); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.ResolveKey(ctx, plain)
		wantCode(t, err, fault.Unauthorized)
		_, _, err = e.svc.CreateKey(ctx, acme, "another", admin)
		wantCode(t, err, fault.Conflict)
		_, _, err = e.svc.CreateKey(ctx, "no-such-provider", "bot", admin)
		wantCode(t, err, fault.NotFound)
		_, _, err = e.svc.CreateKey(ctx, acme, "  ", admin)
		wantField(t, err, "name")
		// Reactivated, the old key works again: inactivity suspends, revocation ends.
		if _, err := e.store.Write.ExecContext(ctx, `UPDATE providers SET active = $1 WHERE id = $2`, true, acme); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ResolveKey(ctx, plain); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAPIKeyListAndLastUsed(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		acme, globex := e.addProvider(t, "ACME", true), e.addProvider(t, "GLOBEX", true)
		k1, plain, _ := e.svc.CreateKey(ctx, acme, "one", admin)
		e.clock.Advance(time.Second)
		k2, _, _ := e.svc.CreateKey(ctx, acme, "two", admin)
		k3, _, _ := e.svc.CreateKey(ctx, globex, "three", admin)

		ids := func(ks []Key) (out []string) {
			for _, k := range ks {
				out = append(out, k.ID)
			}
			return out
		}
		if got, _ := e.svc.ListKeys(ctx, acme); !slices.Equal(ids(got), []string{k2.ID, k1.ID}) {
			t.Fatalf("ACME keys %v", ids(got))
		}
		if got, _ := e.svc.ListKeys(ctx, ""); !slices.Equal(ids(got), []string{k3.ID, k2.ID, k1.ID}) {
			t.Fatalf("all keys %v", ids(got))
		}
		if got, err := e.svc.GetKey(ctx, k3.ID); err != nil || got.ProviderCode != "GLOBEX" {
			t.Fatalf("GetKey = %+v, %v", got, err)
		}

		lastUsed := func() time.Time {
			k, err := e.svc.GetKey(ctx, k1.ID)
			if err != nil || k.LastUsedAt == nil {
				t.Fatalf("GetKey = %+v, %v", k, err)
			}
			return *k.LastUsedAt
		}
		start := e.clock.Now()
		if _, err := e.svc.ResolveKey(ctx, plain); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(30 * time.Second)
		_, _ = e.svc.ResolveKey(ctx, plain)
		if got := lastUsed(); !got.Equal(start) {
			t.Fatalf("last_used_at %v written again within a minute of %v", got, start)
		}
		e.clock.Advance(31 * time.Second)
		_, _ = e.svc.ResolveKey(ctx, plain)
		if got := lastUsed(); !got.Equal(e.clock.Now()) {
			t.Fatalf("last_used_at %v not refreshed after a minute (now %v)", got, e.clock.Now())
		}
	})
}

func TestNewRejectsShortSecret(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("New accepted a short secret")
		}
	}()
	New(nil, []byte("short"))
}
