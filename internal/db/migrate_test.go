package db_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// Several instances starting at once on one PostgreSQL database migrate
// once: the others wait on the lock and then find nothing to do.
func TestConcurrentMigrate(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			cfg := dbtest.Config(t, e)
			ctx := context.Background()
			quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
			const instances = 4
			var wg sync.WaitGroup
			errs := make([]error, instances)
			for i := range instances {
				store, err := db.Open(ctx, cfg)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { store.Close() })
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = store.Migrate(ctx, quiet)
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("instance %d: %v", i, err)
				}
			}
			store, err := db.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			var applied, distinct int
			if err := store.Read.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&applied, &distinct); err != nil {
				t.Fatal(err)
			}
			if applied == 0 || applied != distinct {
				t.Fatalf("goose_db_version has %d rows for %d versions: migrations ran more than once", applied, distinct)
			}
			if ok, err := store.Current(ctx); err != nil || !ok {
				t.Fatalf("not current after concurrent migrate: %v %v", ok, err)
			}
		})
	}
}
