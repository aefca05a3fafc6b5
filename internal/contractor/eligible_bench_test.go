package contractor

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/geo"
	"github.com/fieldhub/fieldhub/internal/queue"
	"github.com/google/uuid"
)

// benchContractors is how many contractors the eligibility benchmark loads.
const benchContractors = 50_000

// BenchmarkEligible finds who may bid on one Dallas job among 50,000
// contractors spread over real ZIPs. The baseline is the naive search:
// load every active contractor and check distance and rules in Go. Both
// run in the same process on the same database, so the ratio is the fact.
func BenchmarkEligible(b *testing.B) {
	for _, e := range dbtest.Engines() {
		b.Run(string(e), func(b *testing.B) {
			store, svc := benchWorld(b, e)
			ctx := context.Background()
			c := Criteria{SiteZIP: "75231", RadiusMiles: 50, Trade: "field_tech", Skills: []string{"laser"}, On: time.Now()}
			want, err := svc.Eligible(ctx, store.Read, c)
			if err != nil {
				b.Fatal(err)
			}
			if got := naiveEligible(b, store, c); len(got) != len(want) {
				b.Fatalf("the baseline finds %d, the index %d", len(got), len(want))
			}
			var naive, indexed time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				naiveEligible(b, store, c)
				t1 := time.Now()
				if _, err := svc.Eligible(ctx, store.Read, c); err != nil {
					b.Fatal(err)
				}
				naive, indexed = naive+t1.Sub(t0), indexed+time.Since(t1)
			}
			b.ReportMetric(float64(naive.Microseconds())/float64(b.N)/1000, "baseline-ms/op")
			b.ReportMetric(float64(indexed.Microseconds())/float64(b.N)/1000, "eligible-ms/op")
			b.ReportMetric(float64(naive)/float64(indexed), "ratio")
			b.ReportMetric(float64(len(want)), "matches")
		})
	}
}

// benchWorld is a contractor service over a store of engine e holding
// benchContractors contractors (seedBench).
func benchWorld(b *testing.B, e db.Engine) (*db.DB, *Service) {
	b.Helper()
	store := dbtest.Open(b, e, nil)
	seedBench(b, store)
	return store, New(store, event.NewBus(queue.New(store, queue.Config{})))
}

// seedBench inserts benchContractors active contractors, each at a random
// real ZIP with a radius of 10 to 60 miles, in one transaction.
func seedBench(b *testing.B, store *db.DB) {
	b.Helper()
	zips := geo.ZIPs()
	rng := rand.New(rand.NewPCG(1, 2))
	trades := []string{"field_tech", "driver", "electrician", "trainer"}
	skills := []string{"laser", "ipl", "tvs", "liftgate"}
	far := time.Now().AddDate(1, 0, 0)
	err := store.InTx(context.Background(), func(tx *db.Tx) error {
		for i := 0; i < benchContractors; i++ {
			z := zips[rng.IntN(len(zips))]
			p, _ := geo.Lookup(z)
			k := &Contractor{ID: uuid.Must(uuid.NewV7()).String(), Kind: Person, Name: fmt.Sprintf("Tech %d", i), Status: Active,
				Trades: []string{trades[rng.IntN(len(trades))]}, Skills: []string{skills[rng.IntN(len(skills))]},
				Certifications: []Certification{{Name: "laser_safety", ExpiresOn: &far}},
				ServiceArea:    ServiceArea{HomeZIP: z, RadiusMiles: float64(10 + rng.IntN(51)), ExtraZIPs: []string{}, Home: p},
				CapacityPerDay: 1 + rng.IntN(4), CreatedAt: tx.Now}
			if err := insert(context.Background(), tx, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if store.Engine == db.Postgres {
		if _, err := store.Write.Exec(`ANALYZE contractors`); err != nil {
			b.Fatal(err)
		}
	}
}

// naiveEligible is the baseline: every active contractor read and checked in Go.
func naiveEligible(b *testing.B, store *db.DB, c Criteria) []Match {
	b.Helper()
	if err := c.normalize(store.Now()); err != nil {
		b.Fatal(err)
	}
	return c.matches(allActive(b, store), nil)
}

// allActive reads every active contractor whole: what the baselines start
// from.
func allActive(b *testing.B, store *db.DB) []*Contractor {
	b.Helper()
	rows, err := store.Read.Query(`SELECT `+columns+` FROM contractors WHERE status = $1`, string(Active))
	all, err := db.Collect(rows, err, func(r *sql.Rows) (*Contractor, error) { return scan(r) })
	if err != nil {
		b.Fatal(err)
	}
	return all
}
