package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fieldhub/fieldhub/internal/fault"
)

// Tx is a business transaction. Now is fixed when it begins, so every row a
// transaction writes carries the same time and tests can fix it.
type Tx struct {
	*sql.Tx
	Now time.Time
	db  *DB
	// after runs once the transaction has committed.
	after []func()
}

// Engine is the engine the transaction runs on.
func (tx *Tx) Engine() Engine { return tx.db.Engine }

// AfterCommit registers fn to run after a successful commit (for in-process
// wake-ups only: anything that must not be lost belongs in the transaction).
func (tx *Tx) AfterCommit(fn func()) { tx.after = append(tx.after, fn) }

// InTx runs fn in a write transaction and commits when fn returns nil. A
// panic or error rolls everything back.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqlTx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return Translate(fmt.Errorf("begin: %w", err))
	}
	tx := &Tx{Tx: sqlTx, Now: db.Now(), db: db}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return Translate(fmt.Errorf("commit: %w", err))
	}
	db.prepareSeen(ctx)
	for _, f := range tx.after {
		f()
	}
	return nil
}

// Querier is what read helpers need: satisfied by *sql.DB, *sql.Tx and *Tx.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Translate turns driver errors into fault codes: no rows → not_found, unique
// or foreign-key violations → conflict, a database that is away → unavailable.
// Other errors pass through unchanged.
func Translate(err error) error {
	if err == nil {
		return nil
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return err
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return &fault.Error{Code: fault.NotFound, Message: "not found"}
	case IsUniqueViolation(err):
		return &fault.Error{Code: fault.Conflict, Message: "already exists"}
	case isUnavailable(err):
		return &fault.Error{Code: fault.Unavailable, Message: "database unavailable"}
	}
	return err
}

// Collect reads every row with scan and closes rows; driver errors come back
// translated.
func Collect[T any](rows *sql.Rows, err error, scan func(*sql.Rows) (T, error)) ([]T, error) {
	if err != nil {
		return nil, Translate(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, Translate(rows.Err())
}

// AsyncCommit lets this transaction's commit return before PostgreSQL has
// flushed it to disk (SET LOCAL synchronous_commit = off). Any later
// synchronous commit flushes it too, so use it only for bookkeeping whose
// loss in a crash is safe: the work it records either committed after it
// (and flushed it) or never happened. On SQLite it does nothing.
func (tx *Tx) AsyncCommit(ctx context.Context) error {
	if tx.Engine() != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit = off`)
	return Translate(err)
}
