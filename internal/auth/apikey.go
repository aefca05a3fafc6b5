package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/google/uuid"
)

// API key format: "fh_" and 32 random bytes in lower-case base32 without
// padding. The fixed prefix lets secret scanners and people recognise a key;
// base32 survives copy and paste, URLs and case-folding systems.
const (
	KeyPrefix = "fh_"
	keyBody   = 52 // base32 characters for 32 bytes
	keyLen    = len(KeyPrefix) + keyBody
	// shownLen is how much of a key is kept in clear, for people to tell
	// keys apart: about 40 bits, far too few to guess the rest from.
	shownLen = len(KeyPrefix) + 8
)

// lastUsedEvery bounds writes for last-used bookkeeping to one per key per
// interval, instead of one per request.
const lastUsedEvery = time.Minute

var keyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Key is an API key as staff see it: never the key itself, nor its hash.
type Key struct {
	ID           string     `json:"id"`
	ProviderID   string     `json:"provider_id"`
	ProviderCode string     `json:"provider_code"`
	Name         string     `json:"name"`
	Prefix       string     `json:"prefix" doc:"the key's first characters, to tell keys apart"`
	CreatedAt    time.Time  `json:"created_at"`
	CreatedBy    string     `json:"created_by"`
	LastUsedAt   *time.Time `json:"last_used_at,omitempty"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
}

// keyHash is the stored form of a key: HMAC-SHA256 under the server secret,
// so a copy of the database alone cannot be turned back into usable keys,
// and a plain lookup by hash reveals nothing about a guessed key.
func (s *Service) keyHash(plaintext string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(plaintext))
	return hex.EncodeToString(m.Sum(nil))
}

func wellFormedKey(k string) bool {
	if len(k) != keyLen || !strings.HasPrefix(k, KeyPrefix) {
		return false
	}
	for _, c := range k[len(KeyPrefix):] {
		if !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}

// CreateKey issues a new key for the provider with providerID. The plaintext
// is returned once and never stored; lose it and revoke the key. An inactive
// provider gets no new keys (Conflict), since they could not be used.
func (s *Service) CreateKey(ctx context.Context, providerID, name string, by *Principal) (Key, string, error) {
	name = strings.TrimSpace(name)
	var f fault.Fields
	f.Check(name != "" && len(name) <= 100, "name", "is required (at most 100 characters)")
	if err := f.Err(); err != nil {
		return Key{}, "", err
	}
	var raw [32]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails
	plaintext := KeyPrefix + keyEncoding.EncodeToString(raw[:])
	k := Key{ID: uuid.Must(uuid.NewV7()).String(), ProviderID: providerID, Name: name,
		Prefix: plaintext[:shownLen], CreatedBy: by.ActorID()}
	if k.CreatedBy == "" {
		k.CreatedBy = by.ActorKind()
	}
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		var active bool
		err := tx.QueryRowContext(ctx, `SELECT code, active FROM providers WHERE id = $1`, providerID).Scan(&k.ProviderCode, &active)
		if err != nil {
			if err = db.Translate(err); fault.Is(err, fault.NotFound) {
				return fault.Errorf(fault.NotFound, "no provider %q", providerID)
			}
			return err
		}
		if !active {
			return fault.Errorf(fault.Conflict, "provider %s is inactive; activate it before issuing keys", k.ProviderCode)
		}
		k.CreatedAt = tx.Now
		_, err = tx.ExecContext(ctx, `INSERT INTO api_keys (id, provider_id, name, prefix, hash, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, k.ID, k.ProviderID, k.Name, k.Prefix, s.keyHash(plaintext), db.T(tx.Now), k.CreatedBy)
		if err != nil {
			return db.Translate(err)
		}
		e := Entry(by, ActionKeyCreated, "apikey:"+k.ID)
		e.Detail = map[string]any{"provider_id": k.ProviderID, "provider_code": k.ProviderCode, "name": k.Name, "prefix": k.Prefix}
		return Audit(ctx, tx, tx.Now, e)
	})
	if err != nil {
		return Key{}, "", err
	}
	return k, plaintext, nil
}

const keyColumns = `k.id, k.provider_id, p.code, k.name, k.prefix, k.created_at, k.created_by, k.last_used_at, k.revoked_at`

func scanKey(row interface{ Scan(...any) error }, extra ...any) (Key, error) {
	var (
		k                          Key
		created, lastUsed, revoked db.Time
	)
	dest := append([]any{&k.ID, &k.ProviderID, &k.ProviderCode, &k.Name, &k.Prefix, &created, &k.CreatedBy, &lastUsed, &revoked}, extra...)
	if err := row.Scan(dest...); err != nil {
		return Key{}, db.Translate(err)
	}
	k.CreatedAt, k.LastUsedAt, k.RevokedAt = created.Time, lastUsed.Ptr(), revoked.Ptr()
	return k, nil
}

// GetKey returns the key with id.
func (s *Service) GetKey(ctx context.Context, id string) (Key, error) {
	k, err := scanKey(s.store.Read.QueryRowContext(ctx, `SELECT `+keyColumns+`
		FROM api_keys k JOIN providers p ON p.id = k.provider_id WHERE k.id = $1`, id))
	if fault.Is(err, fault.NotFound) {
		return Key{}, fault.Errorf(fault.NotFound, "no API key %q", id)
	}
	return k, err
}

// ListKeys returns the keys of the provider with providerID ("" for every
// provider), newest first, revoked ones included.
func (s *Service) ListKeys(ctx context.Context, providerID string) ([]Key, error) {
	rows, err := s.store.Read.QueryContext(ctx, `SELECT `+keyColumns+`
		FROM api_keys k JOIN providers p ON p.id = k.provider_id
		WHERE $1 = '' OR k.provider_id = $1 ORDER BY k.created_at DESC, k.id DESC`, providerID)
	if err != nil {
		return nil, db.Translate(err)
	}
	defer rows.Close()
	out := []Key{}
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, db.Translate(rows.Err())
}

// RevokeKey stops a key working at once. Revoking a revoked key is a no-op
// that returns it unchanged (and audits nothing), so a retried request
// succeeds; an unknown id is NotFound.
func (s *Service) RevokeKey(ctx context.Context, id string, by *Principal) (Key, error) {
	var out Key
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		k, err := scanKey(tx.QueryRowContext(ctx, `SELECT `+keyColumns+`
			FROM api_keys k JOIN providers p ON p.id = k.provider_id WHERE k.id = $1`, id))
		if fault.Is(err, fault.NotFound) {
			return fault.Errorf(fault.NotFound, "no API key %q", id)
		}
		if err != nil {
			return err
		}
		out = k
		if k.RevokedAt != nil {
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, db.T(tx.Now), id)
		if err != nil {
			return db.Translate(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // revoked concurrently; the other request audited it
		}
		now := tx.Now
		out.RevokedAt = &now
		e := Entry(by, ActionKeyRevoked, "apikey:"+k.ID)
		e.Detail = map[string]any{"provider_id": k.ProviderID, "provider_code": k.ProviderCode, "name": k.Name, "prefix": k.Prefix}
		return Audit(ctx, tx, tx.Now, e)
	})
	if err != nil {
		return Key{}, err
	}
	return out, nil
}

// ResolveKey returns the principal for an API key. A malformed, unknown or
// revoked key, or one whose provider is inactive, is Unauthorized with one
// message, so the answer does not say which.
func (s *Service) ResolveKey(ctx context.Context, plaintext string) (*Principal, error) {
	denied := fault.Errorf(fault.Unauthorized, "invalid API key")
	if !wellFormedKey(plaintext) {
		return nil, denied
	}
	var (
		active bool
		pname  string
	)
	k, err := scanKey(s.store.Read.QueryRowContext(ctx, `SELECT `+keyColumns+`, p.active, p.name
		FROM api_keys k JOIN providers p ON p.id = k.provider_id WHERE k.hash = $1`, s.keyHash(plaintext)), &active, &pname)
	if fault.Is(err, fault.NotFound) {
		return nil, denied
	}
	if err != nil {
		return nil, err
	}
	if k.RevokedAt != nil || !active {
		return nil, denied
	}
	now := s.store.Now()
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= lastUsedEvery {
		// Bookkeeping only: a failure here must not fail the request. The
		// condition keeps parallel requests from all writing.
		_, err := s.store.Write.ExecContext(ctx, `UPDATE api_keys SET last_used_at = $1
			WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)`, db.T(now), k.ID, db.T(now.Add(-lastUsedEvery)))
		if err != nil {
			s.log.WarnContext(ctx, "record API key use", "key_id", k.ID, "err", err)
		}
	}
	return &Principal{Kind: KindProvider, Name: pname, ProviderID: k.ProviderID, ProviderCode: k.ProviderCode, KeyID: k.ID}, nil
}
