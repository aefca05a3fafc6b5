package contractor

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/geo"
)

// Criteria are what a job asks of whoever may see and bid on it.
type Criteria struct {
	// Site is where the job is. When it is zero, SiteZIP's centroid is used.
	Site    geo.Point
	SiteZIP string
	// RadiusMiles is the job's search radius. A contractor qualifies when
	// the site is within both this and their own service radius, or when
	// SiteZIP is one of their extra ZIPs. 0 leaves it to each contractor's
	// own radius.
	RadiusMiles    float64
	Trade          string   // required trade; "" any
	Skills         []string // every one required
	Certifications []string // every one required, unexpired on On
	Pool           string   // talent pool; "" any
	On             time.Time
	Exclude        []string // contractor ids to leave out
	Limit          int      // 0: no limit
}

// Match is one eligible contractor, nearest first.
type Match struct {
	ContractorID   string          `json:"contractor_id"`
	Name           string          `json:"name"`
	DistanceMiles  float64         `json:"distance_miles"`
	CapacityPerDay int             `json:"capacity_per_day"`
	Reliability    Reliability     `json:"reliability"`
	Certifications []Certification `json:"certifications"`
}

// Reliability is a contractor's record, kept current as jobs end.
type Reliability struct {
	Completed  int     `json:"completed"`
	Backouts   int     `json:"backouts"`
	NoShows    int     `json:"no_shows"`
	OnTimeRate float64 `json:"on_time_rate" doc:"0..1; 1 when nothing is known yet"`
	Rating     float64 `json:"rating" doc:"Average customer rating 1..5; 0 when none yet"`
	Ratings    int     `json:"ratings"`
}

// Certification is a credential with an optional expiry.
type Certification struct {
	Name      string     `json:"name" maxLength:"100"`
	ExpiresOn *time.Time `json:"expires_on,omitempty" doc:"RFC 3339; the credential is good until this instant"`
}

// Outcome is how a job ended for a contractor, for their reliability.
type Outcome struct {
	Kind   string // "completed", "backout", "no_show" or "rated" (a rating given later)
	OnTime *bool  // for completed: arrived within the window
	Rating int    // 1..5, 0 when the customer gave none
}

// normalize fills the site from SiteZIP, lower-cases the names asked for and
// defaults On to now.
func (c *Criteria) normalize(now time.Time) error {
	if z, ok := geo.Normalize(c.SiteZIP); ok {
		c.SiteZIP = z
	}
	if c.Site == (geo.Point{}) {
		if c.SiteZIP == "" {
			return &fault.Error{Code: fault.Invalid, Message: "a job needs a site to find contractors near it",
				Fields: []fault.FieldError{{Field: "site_zip", Reason: "is required when no site location is known"}}}
		}
		p, err := geo.Lookup(c.SiteZIP)
		if err != nil {
			return err
		}
		c.Site = p
	}
	if c.RadiusMiles < 0 {
		c.RadiusMiles = 0
	}
	c.Trade = strings.ToLower(strings.TrimSpace(c.Trade))
	c.Pool = strings.ToLower(strings.TrimSpace(c.Pool))
	c.Skills, c.Certifications = normalList(c.Skills), normalList(c.Certifications)
	if c.On.IsZero() {
		c.On = now
	}
	return nil
}

// Eligible returns the contractors who may see and bid on a job meeting c:
// active, skilled, certified and not expired, in range, in the pool, not on
// hold on c.On — nearest first. Capacity is left to the caller, who knows
// each contractor's load; Match carries the capacity.
//
// The database narrows the search with the (status, lat, lon) index to a
// box around the site (plus those who list the site's ZIP), with the trade,
// skills, pool and holds checked in SQL; exact distance, service radius and
// certification expiry are checked here on the few rows left.
func (s *Service) Eligible(ctx context.Context, q db.Querier, c Criteria) ([]Match, error) {
	if err := c.normalize(s.store.Now()); err != nil {
		return nil, err
	}
	reach := c.RadiusMiles
	if reach == 0 || reach > MaxRadiusMiles {
		reach = MaxRadiusMiles
	}
	box := geo.Around(c.Site, reach)
	var w db.Where
	w.Add("status = ?", string(Active))
	w.Add("lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?", box.MinLat, box.MaxLat, box.MinLon, box.MaxLon)
	c.sqlFilters(&w)
	near, err := candidates(ctx, q, w)
	if err != nil {
		return nil, err
	}
	var extra []*Contractor
	if c.SiteZIP != "" {
		var w db.Where
		w.Add("status = ?", string(Active))
		w.Add("id IN (SELECT contractor_id FROM contractor_zips WHERE zip = ?)", c.SiteZIP)
		c.sqlFilters(&w)
		if extra, err = candidates(ctx, q, w); err != nil {
			return nil, err
		}
	}
	return c.matches(near, extra), nil
}

// sqlFilters adds the conditions an index cannot serve but SQL can check
// before rows are decoded: trade, skills, pool and holds in force on On.
func (c Criteria) sqlFilters(w *db.Where) {
	if c.Trade != "" {
		w.Add(`trades LIKE ? ESCAPE '\'`, member(c.Trade))
	}
	for _, sk := range c.Skills {
		w.Add(`skills LIKE ? ESCAPE '\'`, member(sk))
	}
	if c.Pool != "" {
		w.Add(`pools LIKE ? ESCAPE '\'`, member(c.Pool))
	}
	w.Add(`NOT EXISTS (SELECT 1 FROM contractor_holds h WHERE h.contractor_id = contractors.id AND h.starts_at <= ? AND h.ends_at > ?)`,
		db.T(c.On), db.T(c.On))
}

func candidates(ctx context.Context, q db.Querier, w db.Where) ([]*Contractor, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM contractors`+w.SQL(), w.Args...)
	return db.Collect(rows, err, func(r *sql.Rows) (*Contractor, error) { return scan(r) })
}

// matches applies the exact rules to the candidates: near were found by the
// box around the site, extra by listing the site's ZIP.
func (c Criteria) matches(near, extra []*Contractor) []Match {
	seen := map[string]bool{}
	var out []Match
	consider := func(k *Contractor, listed bool) {
		if seen[k.ID] || slices.Contains(c.Exclude, k.ID) {
			return
		}
		seen[k.ID] = true
		d := geo.Miles(c.Site, k.ServiceArea.Home)
		inRange := d <= k.ServiceArea.RadiusMiles && (c.RadiusMiles == 0 || d <= c.RadiusMiles)
		if !(inRange || listed) || !c.qualifies(k) {
			return
		}
		out = append(out, Match{ContractorID: k.ID, Name: k.Name, DistanceMiles: d, CapacityPerDay: k.CapacityPerDay,
			Reliability: k.Reliability, Certifications: k.Certifications})
	}
	for _, k := range extra {
		consider(k, true)
	}
	for _, k := range near {
		consider(k, false)
	}
	slices.SortFunc(out, func(a, b Match) int {
		return cmp.Or(cmp.Compare(a.DistanceMiles, b.DistanceMiles), strings.Compare(a.ContractorID, b.ContractorID))
	})
	if c.Limit > 0 && len(out) > c.Limit {
		out = out[:c.Limit]
	}
	return out
}

// qualifies checks everything but distance on one contractor (again, for
// what SQL checked, so that the rules live in one readable place too).
func (c Criteria) qualifies(k *Contractor) bool {
	if k.Status != Active || (c.Trade != "" && !k.HasTrade(c.Trade)) || (c.Pool != "" && !slices.Contains(k.Pools, c.Pool)) {
		return false
	}
	for _, sk := range c.Skills {
		if !slices.Contains(k.Skills, sk) {
			return false
		}
	}
	for _, name := range c.Certifications {
		if !slices.ContainsFunc(k.Certifications, func(x Certification) bool { return x.Name == name && x.valid(c.On) }) {
			return false
		}
	}
	return true
}

// RecordOutcomeTx updates a contractor's reliability inside the caller's transaction.
func (s *Service) RecordOutcomeTx(ctx context.Context, tx *db.Tx, id string, o Outcome) error {
	var f fault.Fields
	var done, back, noShow, onTime, timed, ratings int
	switch o.Kind {
	case "completed":
		done = 1
		if o.OnTime != nil {
			timed = 1
			if *o.OnTime {
				onTime = 1
			}
		}
	case "backout":
		back = 1
	case "no_show":
		noShow = 1
	case "rated":
		f.Check(o.Rating > 0, "rating", "is required to rate")
	default:
		f.Add("kind", "must be completed, backout, no_show or rated")
	}
	f.Check(o.Rating >= 0 && o.Rating <= 5, "rating", "must be 1 to 5, or 0 for none")
	if err := f.Err(); err != nil {
		return err
	}
	if o.Rating > 0 {
		ratings = 1
	}
	res, err := tx.ExecContext(ctx, `UPDATE contractors SET completed = completed + $1, backouts = backouts + $2, no_shows = no_shows + $3,
		on_time = on_time + $4, timed = timed + $5, rating_sum = rating_sum + $6, ratings = ratings + $7,
		version = version + 1, updated_at = $8 WHERE id = $9`,
		done, back, noShow, onTime, timed, o.Rating, ratings, db.T(tx.Now), id)
	if err != nil {
		return db.Translate(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fault.Errorf(fault.NotFound, "no contractor %q", id)
	}
	payload := map[string]any{"kind": o.Kind, "on_time": o.OnTime, "rating": o.Rating}
	return s.record(ctx, tx, event.System, id, change{EventOutcomeRecorded, payload})
}
