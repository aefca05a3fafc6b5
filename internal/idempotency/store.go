package idempotency

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
)

// state is what a request may do with its key.
type state int

const (
	acquired   state = iota // this request holds the key and runs the handler
	replay                  // the key's response is known: send it again
	mismatch                // the key was first used with another request
	inProgress              // another request holds the key right now
)

type claimed struct {
	state state
	// lock is the locked_until this request wrote when it acquired the key.
	// It doubles as a fencing token: a takeover happens only once the old
	// lock has passed and writes now+LockTimeout, so every holder's value is
	// later than the one before, and the complete/release writes, which
	// match on it, cannot touch a key that was taken over.
	lock time.Time
	resp response
}

// errRaced means the row changed between reading it and writing it (another
// instance got there first on PostgreSQL); read it again.
var errRaced = errors.New("idempotency key changed concurrently")

// claimAttempts bounds re-reads after losing a race; losing that many in a
// row means someone else is actively holding the key.
const claimAttempts = 3

// claim decides, in one short transaction, what this request may do with its
// key. The primary key settles concurrent first uses: exactly one INSERT
// succeeds and the others see a unique violation, re-read and find the key
// in progress.
func (m *middleware) claim(ctx context.Context, rq request) (claimed, error) {
	for range claimAttempts {
		var c claimed
		err := m.store.InTx(ctx, func(tx *db.Tx) error {
			// A claim lost in a crash is harmless: the handler's own
			// (synchronous) commit flushes it, or the handler never ran.
			if err := tx.AsyncCommit(ctx); err != nil {
				return err
			}
			var err error
			c, err = m.tryClaim(ctx, tx, rq)
			return err
		})
		if db.IsUniqueViolation(err) || errors.Is(err, errRaced) {
			continue
		}
		if err != nil {
			return claimed{}, db.Translate(err)
		}
		return c, nil
	}
	return claimed{state: inProgress}, nil
}

func (m *middleware) tryClaim(ctx context.Context, tx *db.Tx, rq request) (claimed, error) {
	now := tx.Now
	lock := now.Add(m.opts.LockTimeout).Truncate(time.Microsecond)
	var (
		hash, contentType, headers string
		status                     sql.NullInt64
		body                       []byte
		created, lockedUntil       db.Time
	)
	err := tx.QueryRowContext(ctx, `SELECT body_hash, status, content_type, headers, response, created_at, locked_until
		FROM idempotency_keys WHERE principal = $1 AND key = $2`, rq.principal, rq.key).
		Scan(&hash, &status, &contentType, &headers, &body, &created, &lockedUntil)
	if errors.Is(err, sql.ErrNoRows) {
		_, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys
			(principal, key, method, path, body_hash, created_at, locked_until)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			rq.principal, rq.key, rq.method, rq.path, rq.hash, db.T(now), db.T(lock))
		return claimed{state: acquired, lock: lock}, err
	}
	if err != nil {
		return claimed{}, err
	}

	held := !status.Valid && lockedUntil.After(now)
	cutoff := now.Add(-m.opts.TTL)
	switch {
	case !held && !created.After(cutoff):
		// Expired: the key is free again, for any request.
		return m.takeOver(ctx, tx, rq, lock, `UPDATE idempotency_keys SET
			method = $3, path = $4, body_hash = $5, status = NULL, content_type = '', headers = '{}',
			response = NULL, created_at = $6, locked_until = $7
			WHERE principal = $1 AND key = $2 AND created_at <= $8
			  AND (status IS NOT NULL OR locked_until IS NULL OR locked_until <= $6)`,
			rq.principal, rq.key, rq.method, rq.path, rq.hash, db.T(now), db.T(lock), db.T(cutoff))
	case hash != rq.hash:
		return claimed{state: mismatch}, nil
	case status.Valid:
		resp := response{status: int(status.Int64), contentType: contentType, body: body}
		if err := json.Unmarshal([]byte(headers), &resp.header); err != nil {
			return claimed{}, fmt.Errorf("stored headers: %w", err)
		}
		return claimed{state: replay, resp: resp}, nil
	case held:
		return claimed{state: inProgress}, nil
	default:
		// The holder's lock ran out (it crashed, or is slower than
		// LockTimeout): this request takes over.
		return m.takeOver(ctx, tx, rq, lock, `UPDATE idempotency_keys SET locked_until = $4
			WHERE principal = $1 AND key = $2 AND body_hash = $3 AND status IS NULL
			  AND (locked_until IS NULL OR locked_until <= $5)`,
			rq.principal, rq.key, rq.hash, db.T(lock), db.T(now))
	}
}

// takeOver runs an UPDATE whose WHERE restates what was read, so that on
// PostgreSQL, where another instance may have changed the row since, no row
// matches and the claim is re-read rather than two requests both acquiring.
func (m *middleware) takeOver(ctx context.Context, tx *db.Tx, rq request, lock time.Time, query string, args ...any) (claimed, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return claimed{}, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return claimed{}, err
	}
	if n == 0 {
		return claimed{}, errRaced
	}
	return claimed{state: acquired, lock: lock}, nil
}

// complete records the handler's response under the key, if this request
// still holds it.
func (m *middleware) complete(ctx context.Context, rq request, lock time.Time, resp response) {
	ctx, cancel := detach(ctx)
	defer cancel()
	headers, err := json.Marshal(resp.header)
	if err != nil {
		m.log.ErrorContext(ctx, "encode idempotent response headers", "err", err)
		m.release(ctx, rq, lock)
		return
	}
	body := resp.body
	if body == nil {
		body = []byte{}
	}
	// A recorded response lost in a crash leaves the key locked until
	// LockTimeout; the retry then runs again, which the work orders' own
	// idempotency (provider, external id) and unique keys make safe.
	var res sql.Result
	err = m.store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.AsyncCommit(ctx); err != nil {
			return err
		}
		var err error
		res, err = tx.ExecContext(ctx, `UPDATE idempotency_keys SET
			status = $3, content_type = $4, headers = $5, response = $6, locked_until = NULL
			WHERE principal = $1 AND key = $2 AND status IS NULL AND locked_until = $7`,
			rq.principal, rq.key, resp.status, resp.contentType, string(headers), body, db.T(lock))
		return err
	})
	m.checkFenced(ctx, "record idempotent response", rq, res, err)
}

// release forgets the key so that a retry runs the handler again.
func (m *middleware) release(ctx context.Context, rq request, lock time.Time) {
	ctx, cancel := detach(ctx)
	defer cancel()
	res, err := m.store.Write.ExecContext(ctx, `DELETE FROM idempotency_keys
		WHERE principal = $1 AND key = $2 AND status IS NULL AND locked_until = $3`,
		rq.principal, rq.key, db.T(lock))
	m.checkFenced(ctx, "release idempotency key", rq, res, err)
}

func (m *middleware) checkFenced(ctx context.Context, what string, rq request, res sql.Result, err error) {
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			m.log.WarnContext(ctx, what+": key was taken over after LockTimeout; nothing written",
				"principal", rq.principal, "path", rq.path)
			return
		}
	}
	if err != nil {
		// The key stays locked until LockTimeout, then a retry takes it over.
		m.log.ErrorContext(ctx, what, "principal", rq.principal, "path", rq.path, "err", err)
	}
}

// cleanupBatch keeps each DELETE short, so the one SQLite writer is never
// held for long while a large backlog is removed.
const cleanupBatch = 500

// Cleanup deletes keys created before before and returns how many it
// deleted. Keys still held by a running request are left alone. Schedule it
// periodically with before = now - TTL.
func Cleanup(ctx context.Context, store *db.DB, before time.Time) (int64, error) {
	var total int64
	for {
		res, err := store.Write.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE (principal, key) IN (
			SELECT principal, key FROM idempotency_keys
			WHERE created_at < $1 AND (status IS NOT NULL OR locked_until IS NULL OR locked_until <= $2)
			LIMIT $3)`, db.T(before), db.T(store.Now()), cleanupBatch)
		if err != nil {
			return total, db.Translate(err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, db.Translate(err)
		}
		total += n
		if n < cleanupBatch {
			return total, nil
		}
	}
}
