package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations
var migrationFS embed.FS

// migrationLockID is the PostgreSQL advisory lock that makes instances
// starting together migrate one at a time ("fieldhub" in ASCII, truncated).
const migrationLockID = 0x6669656c64687562

// MigrationStatus is one fieldhub migration and whether it has been applied.
type MigrationStatus struct {
	Version int64
	Name    string
	Applied bool
}

func (db *DB) goose() (*goose.Provider, error) {
	dialect, dir := goose.DialectSQLite3, "migrations/sqlite"
	if db.Engine == Postgres {
		dialect, dir = goose.DialectPostgres, "migrations/postgres"
	}
	sub, err := fs.Sub(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, db.Write, sub, goose.WithDisableGlobalRegistry(true))
}

// Migrate brings fieldhub's schema and the job queue's schema up to date.
// It holds a lock — a PostgreSQL advisory lock, or a file lock beside the
// SQLite database — so that only one instance or command migrates at a time;
// the others wait and then find nothing to do.
func (db *DB) Migrate(ctx context.Context, log *slog.Logger) error {
	if db.Engine == SQLite {
		unlock, err := lockFile(ctx, db.source+".migrate-lock")
		if err != nil {
			return err
		}
		defer unlock()
	} else {
		conn, err := db.Write.Conn(ctx)
		if err != nil {
			return Translate(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLockID)); err != nil {
			return fmt.Errorf("take migration lock: %w", err)
		}
		defer func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrationLockID))
		}()
	}
	p, err := db.goose()
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		log.Info("migrated", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	res, err := db.riverMigrator().Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("migrate job queue: %w", err)
	}
	for _, v := range res.Versions {
		log.Info("migrated job queue", "version", v.Version, "name", v.Name)
	}
	return nil
}

type riverMigrator interface {
	Migrate(ctx context.Context, direction rivermigrate.Direction, opts *rivermigrate.MigrateOpts) (*rivermigrate.MigrateResult, error)
	ExistingVersions(ctx context.Context) ([]rivermigrate.Migration, error)
	AllVersions() []rivermigrate.Migration
}

func (db *DB) riverMigrator() riverMigrator {
	var (
		m   riverMigrator
		err error
	)
	if db.Engine == Postgres {
		m, err = rivermigrate.New(riverdatabasesql.New(db.Write), nil)
	} else {
		m, err = rivermigrate.New(riversqlite.New(db.Write), nil)
	}
	if err != nil {
		// Only a bad Config makes New fail, and we pass none.
		panic(err)
	}
	return m
}

// MigrationStatus lists fieldhub's migrations and, last, the job queue's
// schema version as a single line.
func (db *DB) MigrationStatus(ctx context.Context) ([]MigrationStatus, error) {
	p, err := db.goose()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, Translate(err)
	}
	out := make([]MigrationStatus, 0, len(st)+1)
	for _, s := range st {
		out = append(out, MigrationStatus{Version: s.Source.Version, Name: s.Source.Path, Applied: s.State == goose.StateApplied})
	}
	m := db.riverMigrator()
	existing, err := m.ExistingVersions(ctx)
	if err != nil {
		existing = nil
	}
	all := m.AllVersions()
	out = append(out, MigrationStatus{
		Version: int64(len(all)),
		Name:    fmt.Sprintf("job queue schema (%d of %d applied)", len(existing), len(all)),
		Applied: len(existing) == len(all),
	})
	return out, nil
}

// Current reports whether every migration has been applied (for /readyz).
func (db *DB) Current(ctx context.Context) (bool, error) {
	p, err := db.goose()
	if err != nil {
		return false, err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return false, Translate(err)
	}
	return !pending, nil
}
