package contractor

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/geo"
)

// Nearby is a contractor and how far their home is from a site.
type Nearby struct {
	Contractor *Contractor
	Miles      float64
}

// nearestRings are the radii Nearest searches, smallest first: most sites
// have enough contractors in the first ring, and a remote one still finds
// the nearest within the widest radius a contractor may have.
var nearestRings = []float64{25, 100, MaxRadiusMiles}

// Nearest returns up to n active contractors not on hold at on, nearest to
// site first (ties by name), whatever their own service radius or skills:
// the people a coordinator picks from to give a job to someone directly.
// Each ring is searched through the location index reading only ids and
// positions; the n nearest are then loaded whole, so the cost does not
// grow with the number of contractors in a crowded city.
func (s *Service) Nearest(ctx context.Context, site geo.Point, on time.Time, n int) ([]Nearby, error) {
	if n <= 0 {
		return nil, nil
	}
	type spot struct {
		id    string
		miles float64
	}
	var found []spot
	for _, ring := range nearestRings {
		box := geo.Around(site, ring)
		var w db.Where
		w.Add("status = ?", string(Active))
		w.Add("lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?", box.MinLat, box.MaxLat, box.MinLon, box.MaxLon)
		Criteria{On: on}.sqlFilters(&w)
		rows, err := s.store.Read.QueryContext(ctx, `SELECT id, lat, lon FROM contractors`+w.SQL(), w.Args...)
		all, err := db.Collect(rows, err, func(r *sql.Rows) (spot, error) {
			var id string
			var p geo.Point
			err := r.Scan(&id, &p.Lat, &p.Lon)
			return spot{id, geo.Miles(site, p)}, err
		})
		if err != nil {
			return nil, err
		}
		found = found[:0]
		for _, sp := range all {
			if sp.miles <= ring {
				found = append(found, sp)
			}
		}
		if len(found) >= n {
			break
		}
	}
	slices.SortFunc(found, func(a, b spot) int { return cmp.Or(cmp.Compare(a.miles, b.miles), strings.Compare(a.id, b.id)) })
	// Those at the same distance as the last one kept are loaded too: ties
	// are settled by name, which only the full rows carry.
	keep := min(n, len(found))
	for keep > 0 && keep < len(found) && found[keep].miles == found[keep-1].miles {
		keep++
	}
	found = found[:keep]
	if len(found) == 0 {
		return nil, nil
	}
	ids := make([]any, len(found))
	for i, sp := range found {
		ids[i] = sp.id
	}
	var w db.Where
	w.In("id", ids...)
	cs, err := candidates(ctx, s.store.Read, w)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*Contractor, len(cs))
	for _, c := range cs {
		byID[c.ID] = c
	}
	out := make([]Nearby, 0, len(found))
	for _, sp := range found {
		if c := byID[sp.id]; c != nil {
			out = append(out, Nearby{Contractor: c, Miles: sp.miles})
		}
	}
	// Many share a home ZIP, and so a distance: those read best by name.
	slices.SortStableFunc(out, func(a, b Nearby) int {
		return cmp.Or(cmp.Compare(a.Miles, b.Miles), strings.Compare(a.Contractor.Name, b.Contractor.Name))
	})
	return out[:min(n, len(out))], nil
}
