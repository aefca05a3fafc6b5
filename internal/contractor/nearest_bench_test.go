package contractor

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/geo"
)

// BenchmarkNearest finds the 50 contractors nearest a Dallas site among
// 50,000 (the console's assign list). The baseline reads every active
// contractor whole and sorts them by distance in Go; both run in the same
// process on the same database, so the ratio is the fact.
func BenchmarkNearest(b *testing.B) {
	for _, e := range dbtest.Engines() {
		b.Run(string(e), func(b *testing.B) {
			store, svc := benchWorld(b, e)
			ctx := context.Background()
			site, err := geo.Lookup("75231")
			if err != nil {
				b.Fatal(err)
			}
			on := time.Now()
			got, err := svc.Nearest(ctx, site, on, 50)
			if err != nil {
				b.Fatal(err)
			}
			base := naiveNearest(b, store, site, 50)
			if len(got) != 50 || got[49].Miles != base[49] {
				b.Fatalf("the 50th nearest: %d found, %.3f mi; the baseline says %.3f mi", len(got), got[len(got)-1].Miles, base[49])
			}
			var naive, ringed time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				naiveNearest(b, store, site, 50)
				t1 := time.Now()
				if _, err := svc.Nearest(ctx, site, on, 50); err != nil {
					b.Fatal(err)
				}
				naive, ringed = naive+t1.Sub(t0), ringed+time.Since(t1)
			}
			b.ReportMetric(float64(naive.Microseconds())/float64(b.N)/1000, "baseline-ms/op")
			b.ReportMetric(float64(ringed.Microseconds())/float64(b.N)/1000, "nearest-ms/op")
			b.ReportMetric(float64(naive)/float64(ringed), "ratio")
		})
	}
}

// naiveNearest is the baseline: every active contractor read and sorted by
// distance in Go; it returns the n smallest distances.
func naiveNearest(b *testing.B, store *db.DB, site geo.Point, n int) []float64 {
	b.Helper()
	all := allActive(b, store)
	miles := make([]float64, len(all))
	for i, c := range all {
		miles[i] = geo.Miles(site, c.ServiceArea.Home)
	}
	slices.Sort(miles)
	return miles[:min(n, len(miles))]
}
