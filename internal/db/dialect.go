package db

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// IsUniqueViolation reports whether err is a unique-constraint violation on either engine.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		code := liteErr.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

func isUnavailable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P01..03: shutdown.
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P0")
	}
	var connErr *pgconn.ConnectError
	return errors.As(err, &connErr)
}

// Like returns a case-insensitive substring pattern for "lower(col) LIKE $n"
// with LIKE's wildcards escaped; use with ESCAPE '\'.
func Like(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + strings.ToLower(r.Replace(s)) + "%"
}

// NextNumber returns the next value of the named counter (1, 2, ...), for
// human-readable numbers such as work order numbers. On PostgreSQL it is the
// sequence name+"_seq", so concurrent transactions never wait on each other;
// on SQLite, where writers are serialised anyway, a row in counters.
func NextNumber(ctx context.Context, tx *Tx, name string) (int64, error) {
	var n int64
	var err error
	if tx.Engine() == Postgres {
		err = tx.QueryRowContext(ctx, `SELECT nextval($1::regclass)`, name+"_seq").Scan(&n)
	} else {
		err = tx.QueryRowContext(ctx, `INSERT INTO counters (name, value) VALUES ($1, 1)
			ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value`, name).Scan(&n)
	}
	return n, Translate(err)
}

// ForUpdate is the row-locking suffix for a SELECT inside a transaction:
// "FOR UPDATE" on PostgreSQL; nothing on SQLite, whose write transactions
// already hold the database's single write lock from BEGIN.
func (tx *Tx) ForUpdate() string {
	if tx.Engine() == Postgres {
		return " FOR UPDATE"
	}
	return ""
}
