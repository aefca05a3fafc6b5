package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/fault"
)

func TestConformance(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()

		t.Run("migrations are current and idempotent", func(t *testing.T) {
			ok, err := store.Current(ctx)
			if err != nil || !ok {
				t.Fatalf("Current = %v, %v; want true", ok, err)
			}
			st, err := store.MigrationStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range st {
				if !m.Applied {
					t.Errorf("migration %d %s not applied", m.Version, m.Name)
				}
			}
		})

		t.Run("time round-trips and orders", func(t *testing.T) {
			a := time.Date(2026, 11, 23, 10, 0, 0, 5000, time.FixedZone("x", -6*3600))
			b := a.Add(500 * time.Millisecond)
			err := store.InTx(ctx, func(tx *db.Tx) error {
				for i, at := range []time.Time{b, a} {
					_, err := tx.ExecContext(ctx, `INSERT INTO login_failures (key, at) VALUES ($1, $2)`, "k"+string(rune('0'+i)), db.T(at))
					if err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var got db.Time
			if err := store.Read.QueryRowContext(ctx, `SELECT at FROM login_failures WHERE at < $1 ORDER BY at LIMIT 1`, db.T(b)).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if !got.Equal(a) {
				t.Fatalf("got %v, want %v", got, a)
			}
		})

		t.Run("rollback leaves nothing; unique violation is conflict", func(t *testing.T) {
			insert := func(tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO providers (id, code, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`,
					"p-"+time.Now().String(), "DUP", "Dup", db.T(tx.Now))
				return db.Translate(err)
			}
			boom := errors.New("boom")
			err := store.InTx(ctx, func(tx *db.Tx) error {
				if err := insert(tx); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v", err)
			}
			var n int
			_ = store.Read.QueryRowContext(ctx, `SELECT count(*) FROM providers WHERE code = 'DUP'`).Scan(&n)
			if n != 0 {
				t.Fatalf("rolled-back row visible: %d", n)
			}
			if err := store.InTx(ctx, insert); err != nil {
				t.Fatal(err)
			}
			err = store.InTx(ctx, insert)
			if !fault.Is(err, fault.Conflict) {
				t.Fatalf("duplicate insert err = %v, want conflict", err)
			}
		})

		t.Run("audit log is append-only", func(t *testing.T) {
			err := store.InTx(ctx, func(tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor_kind, action) VALUES ($1, 'system', 'test')`, db.T(tx.Now))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{`UPDATE audit_log SET action = 'x'`, `DELETE FROM audit_log`} {
				err := store.InTx(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, q); return err })
				if err == nil {
					t.Errorf("%s succeeded on an append-only table", q)
				}
			}
		})

		t.Run("no rows is not_found", func(t *testing.T) {
			var s string
			err := db.Translate(store.Read.QueryRowContext(ctx, `SELECT code FROM providers WHERE id = $1`, "nope").Scan(&s))
			if !fault.Is(err, fault.NotFound) {
				t.Fatalf("err = %v", err)
			}
		})
	})
}
