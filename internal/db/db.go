// Package db opens fieldhub's store — embedded SQLite by default, PostgreSQL
// for several instances sharing one database — migrates it, and runs business
// transactions. Both engines run one set of SQL through database/sql with $N
// placeholders; the few places an engine forces a difference go through
// Engine methods here.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/fault"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Engine names the database engine behind a DB.
type Engine string

// The supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Config says where the data lives: a PostgreSQL URL, or else a SQLite file
// under DataDir.
type Config struct {
	DataDir     string
	DatabaseURL string
	// Clock, when set, replaces time.Now for every transaction (tests).
	Clock func() time.Time
}

// DB is an open store. Writes go through Write (one connection on SQLite,
// because SQLite has one writer; the pool on PostgreSQL); reads that need no
// transaction may use Read.
type DB struct {
	Engine Engine
	Write  *sql.DB
	Read   *sql.DB
	clock  func() time.Time
	source string
	stmts  stmtCache
}

// Open opens (creating if needed) the store described by cfg. It does not migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	clock := cfg.Clock
	if clock == nil {
		clock = time.Now
	}
	if cfg.DatabaseURL != "" {
		return openPostgres(ctx, cfg.DatabaseURL, clock)
	}
	return openSQLite(ctx, cfg.DataDir, clock)
}

func openPostgres(ctx context.Context, dsn string, clock func() time.Time) (*DB, error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return nil, fault.Errorf(fault.Invalid, "database URL must start with postgres:// or postgresql://")
	}
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	pool.SetMaxOpenConns(24)
	pool.SetMaxIdleConns(12)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := ping(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return &DB{Engine: Postgres, Write: pool, Read: pool, clock: clock, source: redact(dsn)}, nil
}

func openSQLite(ctx context.Context, dir string, clock func() time.Time) (*DB, error) {
	if dir == "" {
		dir = "data"
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, "fieldhub.db")
	// busy_timeout must come first so that the other pragmas wait for a lock
	// rather than fail. _txlock=immediate takes the write lock at BEGIN, which
	// avoids SQLITE_BUSY upgrades halfway through a transaction.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	write, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := ping(ctx, write); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite readers: %w", err)
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	return &DB{Engine: SQLite, Write: write, Read: read, clock: clock, source: path}, nil
}

func ping(ctx context.Context, pool *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return pool.PingContext(ctx)
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres"
	}
	u.User = nil
	u.RawQuery = ""
	return u.String()
}

// Source describes where the data lives, without secrets, for logs.
func (db *DB) Source() string { return db.source }

// Now is the store's clock, truncated to what both engines keep.
func (db *DB) Now() time.Time { return db.clock().UTC().Truncate(time.Microsecond) }

// Close closes every pool.
func (db *DB) Close() error {
	db.closeStatements()
	err := db.Write.Close()
	if db.Read != db.Write {
		err = errors.Join(err, db.Read.Close())
	}
	return err
}

// Ping reports whether the database answers within the context's deadline.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.Read.PingContext(ctx); err != nil {
		return &fault.Error{Code: fault.Unavailable, Message: "database unavailable"}
	}
	return nil
}
