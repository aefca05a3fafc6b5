package dispatch

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// BidFacts is what ranking knows of one bid and its bidder.
type BidFacts struct {
	BidID          string    `json:"bid_id"`
	ContractorID   string    `json:"contractor_id"`
	Name           string    `json:"name"`
	PriceCents     int64     `json:"price_cents"`
	ETA            time.Time `json:"eta"`
	DistanceMiles  float64   `json:"distance_miles"`
	OnTimeRate     float64   `json:"on_time_rate"`
	Completed      int       `json:"completed"`
	Backouts       int       `json:"backouts"`
	Rating         float64   `json:"rating"`
	Certifications int       `json:"certifications" doc:"Certifications the bidder holds"`
}

// Factors are the measures a bid is scored on.
type Factors struct {
	PriceVsBudget  float64 `json:"price_vs_budget" doc:"Fraction over (+) or under (-) the budget; 0 without a budget"`
	ETAVsWindow    int     `json:"eta_vs_window_minutes" doc:"Minutes before the window (-), 0 inside it, minutes after it (+)"`
	DistanceMiles  float64 `json:"distance_miles"`
	DistanceVsMean float64 `json:"distance_vs_mean_miles" doc:"Miles nearer (-) or farther (+) than the mean of the bids"`
	OnTimeRate     float64 `json:"on_time_rate"`
	Rating         float64 `json:"rating"`
	Certifications int     `json:"certifications"`
}

// RankedBid is a bid with its rank, factors, score and a sentence a
// coordinator can read.
type RankedBid struct {
	Rank        int      `json:"rank"`
	Score       float64  `json:"score" doc:"0..100, higher is better"`
	Factors     Factors  `json:"factors"`
	Explanation string   `json:"explanation"`
	Bid         BidFacts `json:"bid"`
}

// Score weights, out of 100: price matters most, then arriving in the
// window, then the bidder's record and distance.
const (
	weightPrice    = 35
	weightETA      = 20
	weightDistance = 15
	weightOnTime   = 15
	weightRating   = 10
	weightCerts    = 5
)

// Rank scores bids for a job with budget and window and orders them best
// first (ties: lower price, then bid id). It is pure: the same bids always
// rank the same.
func Rank(budgetCents int64, window TimeWindow, bids []BidFacts) []RankedBid {
	out := make([]RankedBid, len(bids))
	if len(bids) == 0 {
		return out
	}
	var meanDist float64
	minPrice := bids[0].PriceCents
	for _, b := range bids {
		meanDist += b.DistanceMiles
		minPrice = min(minPrice, b.PriceCents)
	}
	meanDist /= float64(len(bids))
	for i, b := range bids {
		f := Factors{DistanceMiles: round1(b.DistanceMiles), OnTimeRate: b.OnTimeRate, Rating: b.Rating, Certifications: b.Certifications}
		if len(bids) > 1 {
			f.DistanceVsMean = round1(b.DistanceMiles - meanDist)
		}
		var price float64
		if budgetCents > 0 {
			ratio := float64(b.PriceCents) / float64(budgetCents)
			f.PriceVsBudget = round3(ratio - 1)
			price = clamp(1.5-ratio, 0, 1)
		} else if b.PriceCents > 0 {
			price = float64(minPrice) / float64(b.PriceCents)
		} else {
			price = 1
		}
		eta := 1.0
		switch {
		case b.ETA.Before(window.Start):
			f.ETAVsWindow = -int(math.Ceil(window.Start.Sub(b.ETA).Minutes()))
			eta = 0.5
		case b.ETA.After(window.End):
			f.ETAVsWindow = int(math.Ceil(b.ETA.Sub(window.End).Minutes()))
			eta = 0
		}
		rating := 0.6 // no ratings yet: neither good nor bad
		if b.Rating > 0 {
			rating = b.Rating / 5
		}
		onTime := b.OnTimeRate * (1 - float64(min(b.Backouts, 5))/10)
		score := weightPrice*price + weightETA*eta + weightDistance*clamp(1-b.DistanceMiles/100, 0, 1) +
			weightOnTime*onTime + weightRating*rating + weightCerts*float64(min(b.Certifications, 5))/5
		out[i] = RankedBid{Score: round1(score), Factors: f, Bid: b}
	}
	sort.SliceStable(out, func(a, b int) bool {
		x, y := out[a], out[b]
		if x.Score != y.Score {
			return x.Score > y.Score
		}
		if x.Bid.PriceCents != y.Bid.PriceCents {
			return x.Bid.PriceCents < y.Bid.PriceCents
		}
		return x.Bid.BidID < y.Bid.BidID
	})
	for i := range out {
		out[i].Rank = i + 1
		out[i].Explanation = explain(out[i], budgetCents, len(bids) > 1)
	}
	return out
}

// explain writes the sentence for one ranked bid, e.g.
// "2nd: 12 % over budget, 4 mi closer, 98 % on time, arrives in the window".
func explain(r RankedBid, budgetCents int64, compare bool) string {
	f := r.Factors
	parts := []string{}
	switch pct := int(math.Round(f.PriceVsBudget * 100)); {
	case budgetCents == 0:
		parts = append(parts, fmt.Sprintf("%s, no budget set", money(r.Bid.PriceCents)))
	case pct > 0:
		parts = append(parts, fmt.Sprintf("%d %% over budget", pct))
	case pct < 0:
		parts = append(parts, fmt.Sprintf("%d %% under budget", -pct))
	default:
		parts = append(parts, "on budget")
	}
	switch d := int(math.Round(f.DistanceVsMean)); {
	case !compare:
		parts = append(parts, fmt.Sprintf("%d mi away", int(math.Round(f.DistanceMiles))))
	case d < 0:
		parts = append(parts, fmt.Sprintf("%d mi closer", -d))
	case d > 0:
		parts = append(parts, fmt.Sprintf("%d mi farther", d))
	default:
		parts = append(parts, "about as close as the others")
	}
	if r.Bid.Completed == 0 {
		parts = append(parts, "no jobs on record yet")
	} else {
		parts = append(parts, fmt.Sprintf("%d %% on time", int(math.Round(f.OnTimeRate*100))))
	}
	switch {
	case f.ETAVsWindow > 0:
		parts = append(parts, fmt.Sprintf("arrives %d min after the window", f.ETAVsWindow))
	case f.ETAVsWindow < 0:
		parts = append(parts, fmt.Sprintf("arrives %d min before the window", -f.ETAVsWindow))
	default:
		parts = append(parts, "arrives in the window")
	}
	if f.Rating > 0 {
		parts = append(parts, fmt.Sprintf("rated %.1f", f.Rating))
	}
	return ordinal(r.Rank) + ": " + strings.Join(parts, ", ")
}

func ordinal(n int) string {
	suffix := "th"
	switch n % 100 {
	case 11, 12, 13:
	default:
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", n, suffix)
}

func money(cents int64) string { return fmt.Sprintf("$%d.%02d", cents/100, cents%100) }

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

func round1(v float64) float64 { return math.Round(v*10) / 10 }

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
