// Package dbtest gives tests real, freshly migrated databases: SQLite in a
// temporary directory always, and PostgreSQL (a new schema per test) when
// FIELDHUB_TEST_DATABASE_URL is set. Tests never mock SQL.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
)

// EnvURL names the variable that turns on the PostgreSQL half of the suite.
const EnvURL = "FIELDHUB_TEST_DATABASE_URL"

var noticeOnce sync.Once

// Engines lists the engines this run tests: sqlite always, postgres when configured.
func Engines() []db.Engine {
	if os.Getenv(EnvURL) != "" {
		return []db.Engine{db.SQLite, db.Postgres}
	}
	return []db.Engine{db.SQLite}
}

// Each runs fn as a subtest once per engine, each with a fresh migrated store.
func Each(t *testing.T, fn func(t *testing.T, store *db.DB)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			fn(t, Open(t, e, nil))
		})
	}
}

// Config returns a db.Config for a fresh, empty database on engine e, and
// registers its removal with t.Cleanup. It does not migrate.
func Config(t testing.TB, e db.Engine) db.Config {
	t.Helper()
	if e == db.SQLite {
		noticeOnce.Do(func() {
			if os.Getenv(EnvURL) == "" {
				println("dbtest: " + EnvURL + " is not set; storage and API tests run on SQLite only")
			}
		})
		return db.Config{DataDir: t.TempDir()}
	}
	base := os.Getenv(EnvURL)
	if base == "" {
		t.Skip(EnvURL + " not set")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return db.Config{DatabaseURL: u.String()}
}

// Open returns a fresh, migrated store on engine e. clock may be nil.
func Open(t testing.TB, e db.Engine, clock func() time.Time) *db.DB {
	t.Helper()
	cfg := Config(t, e)
	cfg.Clock = clock
	ctx := context.Background()
	store, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open %s: %v", e, err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("migrate %s: %v", e, err)
	}
	return store
}

// Eventually polls cond until it holds, failing the test after a generous
// deadline. It is for background work (queued jobs, deliveries) whose
// timing a test must never assert.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
