package dispatch

import (
	"strings"
	"testing"
	"time"
)

func TestRank(t *testing.T) {
	start := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	win := TimeWindow{start, start.Add(3 * time.Hour)}
	bid := func(id string, price int64, eta time.Time, dist, onTime float64, done int) BidFacts {
		return BidFacts{BidID: id, PriceCents: price, ETA: eta, DistanceMiles: dist, OnTimeRate: onTime, Completed: done, Rating: 4.5}
	}
	cases := []struct {
		name    string
		budget  int64
		bids    []BidFacts
		order   []string
		explain map[string]string // bid → substring of its explanation
	}{
		{"cheaper wins when all else is equal", 20000,
			[]BidFacts{bid("a", 24000, start, 10, 0.9, 5), bid("b", 18000, start, 10, 0.9, 5)},
			[]string{"b", "a"}, map[string]string{"a": "2nd: 20 % over budget", "b": "1st: 10 % under budget"}},
		{"late arrival loses to a small premium", 20000,
			[]BidFacts{bid("late", 19000, win.End.Add(time.Hour), 10, 0.9, 5), bid("ontime", 21000, start, 10, 0.9, 5)},
			[]string{"ontime", "late"}, map[string]string{"late": "arrives 60 min after the window", "ontime": "arrives in the window"}},
		{"nearer and reliable", 20000,
			[]BidFacts{bid("far", 20000, start, 40, 0.7, 5), bid("near", 20000, start, 4, 0.98, 5)},
			[]string{"near", "far"}, map[string]string{"near": "18 mi closer, 98 % on time", "far": "18 mi farther"}},
		{"no record yet is said so", 0,
			[]BidFacts{bid("new", 15000, start, 5, 1, 0)},
			[]string{"new"}, map[string]string{"new": "1st: $150.00, no budget set, 5 mi away, no jobs on record yet"}},
		{"ties break by price then id", 20000,
			[]BidFacts{bid("y", 20000, start, 10, 0.9, 5), bid("x", 20000, start, 10, 0.9, 5)},
			[]string{"x", "y"}, nil},
		{"nothing to rank", 100, nil, []string{}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Rank(tc.budget, win, tc.bids)
			if len(got) != len(tc.order) {
				t.Fatalf("%d ranked, want %d", len(got), len(tc.order))
			}
			for i, id := range tc.order {
				if got[i].Bid.BidID != id || got[i].Rank != i+1 {
					t.Fatalf("place %d: %s (rank %d), want %s", i+1, got[i].Bid.BidID, got[i].Rank, id)
				}
				if i > 0 && got[i].Score > got[i-1].Score {
					t.Fatalf("scores out of order: %v", got)
				}
			}
			for _, r := range got {
				if want, ok := tc.explain[r.Bid.BidID]; ok && !strings.Contains(r.Explanation, want) {
					t.Errorf("%s: %q lacks %q", r.Bid.BidID, r.Explanation, want)
				}
			}
		})
	}
}

func TestOrdinal(t *testing.T) {
	for n, want := range map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 102: "102nd"} {
		if got := ordinal(n); got != want {
			t.Errorf("ordinal(%d) = %s, want %s", n, got, want)
		}
	}
}

func BenchmarkRankBids(b *testing.B) {
	start := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	bids := make([]BidFacts, 50)
	for i := range bids {
		bids[i] = BidFacts{BidID: string(rune('a' + i%26)), PriceCents: int64(15000 + i*100), ETA: start.Add(time.Duration(i) * time.Minute),
			DistanceMiles: float64(i), OnTimeRate: 0.9, Completed: i}
	}
	b.ReportAllocs()
	for b.Loop() {
		Rank(20000, TimeWindow{start, start.Add(3 * time.Hour)}, bids)
	}
}
