package contractor

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// body is the part of a profile stored as one JSON document: read whole,
// never filtered on. Extra ZIPs are also rows in contractor_zips, which
// eligibility searches.
type body struct {
	Certifications []Certification `json:"certifications"`
	ExtraZIPs      []string        `json:"extra_zips"`
}

const columns = `id, kind, name, email, phone, status, trades, skills, pools, home_zip, lat, lon, radius_miles,
	capacity_per_day, completed, backouts, no_shows, on_time, timed, rating_sum, ratings, version, created_at, updated_at, body`

// joinList stores a list as ',a,b,' so that LIKE '%,a,%' finds a member.
func joinList(l []string) string {
	if len(l) == 0 {
		return ","
	}
	return "," + strings.Join(l, ",") + ","
}

func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(strings.Trim(s, ","), ",") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// member is the LIKE pattern for a list column containing name.
func member(name string) string { return db.Like("," + name + ",") }

// counts are the reliability columns as stored.
type counts struct {
	completed, backouts, noShows, onTime, timed, ratingSum, ratings int
}

func (n counts) reliability() Reliability {
	r := Reliability{Completed: n.completed, Backouts: n.backouts, NoShows: n.noShows, OnTimeRate: 1, Ratings: n.ratings}
	if n.timed > 0 {
		r.OnTimeRate = float64(n.onTime) / float64(n.timed)
	}
	if n.ratings > 0 {
		r.Rating = float64(n.ratingSum) / float64(n.ratings)
	}
	return r
}

func scan(row interface{ Scan(...any) error }) (*Contractor, error) {
	var (
		c                    Contractor
		trades, skills, pool string
		n                    counts
		created, updated     db.Time
		raw                  []byte
	)
	err := row.Scan(&c.ID, &c.Kind, &c.Name, &c.Email, &c.Phone, &c.Status, &trades, &skills, &pool,
		&c.ServiceArea.HomeZIP, &c.ServiceArea.Home.Lat, &c.ServiceArea.Home.Lon, &c.ServiceArea.RadiusMiles,
		&c.CapacityPerDay, &n.completed, &n.backouts, &n.noShows, &n.onTime, &n.timed, &n.ratingSum, &n.ratings,
		&c.Version, &created, &updated, &raw)
	if err != nil {
		return nil, db.Translate(err)
	}
	var b body
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("contractor %s body: %w", c.ID, err)
	}
	c.Trades, c.Skills, c.Pools = splitList(trades), splitList(skills), splitList(pool)
	c.Certifications, c.ServiceArea.ExtraZIPs = b.Certifications, b.ExtraZIPs
	if c.Certifications == nil {
		c.Certifications = []Certification{}
	}
	if c.ServiceArea.ExtraZIPs == nil {
		c.ServiceArea.ExtraZIPs = []string{}
	}
	c.Reliability = n.reliability()
	c.CreatedAt, c.UpdatedAt = created.Time, updated.Time
	c.Holds = []HoldPeriod{}
	return &c, nil
}

func (c *Contractor) bodyJSON() (string, error) {
	b, err := json.Marshal(body{Certifications: c.Certifications, ExtraZIPs: c.ServiceArea.ExtraZIPs})
	return string(b), err
}

func insert(ctx context.Context, tx *db.Tx, c *Contractor) error {
	b, err := c.bodyJSON()
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO contractors (id, kind, name, email, phone, status, trades, skills, pools, home_zip,
		lat, lon, radius_miles, capacity_per_day, version, created_at, updated_at, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $15, $16)`,
		c.ID, c.Kind, c.Name, c.Email, c.Phone, string(c.Status), joinList(c.Trades), joinList(c.Skills), joinList(c.Pools),
		c.ServiceArea.HomeZIP, c.ServiceArea.Home.Lat, c.ServiceArea.Home.Lon, c.ServiceArea.RadiusMiles, c.CapacityPerDay,
		db.T(c.CreatedAt), b)
	if err != nil {
		return db.Translate(err)
	}
	return saveZIPs(ctx, tx, c.ID, nil, c.ServiceArea.ExtraZIPs)
}

// saveZIPs makes contractor_zips hold after instead of before.
func saveZIPs(ctx context.Context, tx *db.Tx, id string, before, after []string) error {
	for _, z := range before {
		if !slices.Contains(after, z) {
			if _, err := tx.ExecContext(ctx, `DELETE FROM contractor_zips WHERE zip = $1 AND contractor_id = $2`, z, id); err != nil {
				return db.Translate(err)
			}
		}
	}
	for _, z := range after {
		if !slices.Contains(before, z) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO contractor_zips (zip, contractor_id) VALUES ($1, $2)`, z, id); err != nil {
				return db.Translate(err)
			}
		}
	}
	return nil
}

// update writes the profile and status of c, guarded by the version it was
// read at, and bumps the version.
func update(ctx context.Context, tx *db.Tx, c *Contractor) error {
	b, err := c.bodyJSON()
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE contractors SET kind = $1, name = $2, email = $3, phone = $4, status = $5, trades = $6,
		skills = $7, pools = $8, home_zip = $9, lat = $10, lon = $11, radius_miles = $12, capacity_per_day = $13, body = $14,
		updated_at = $15, version = version + 1
		WHERE id = $16 AND version = $17`,
		c.Kind, c.Name, c.Email, c.Phone, string(c.Status), joinList(c.Trades), joinList(c.Skills), joinList(c.Pools),
		c.ServiceArea.HomeZIP, c.ServiceArea.Home.Lat, c.ServiceArea.Home.Lon, c.ServiceArea.RadiusMiles, c.CapacityPerDay,
		b, db.T(tx.Now), c.ID, c.Version)
	if err != nil {
		return db.Translate(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fault.Errorf(fault.Stale, "the contractor has changed since you read it")
	}
	c.Version++
	c.UpdatedAt = tx.Now
	return nil
}

// load reads one contractor with its holds that are not over at now.
func load(ctx context.Context, q db.Querier, id, suffix string, now time.Time) (*Contractor, error) {
	c, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM contractors WHERE id = $1`+suffix, id))
	if fault.Is(err, fault.NotFound) {
		return nil, fault.Errorf(fault.NotFound, "no contractor %q", id)
	}
	if err != nil {
		return nil, err
	}
	c.Holds, err = holds(ctx, q, id, now)
	return c, err
}

// holdColumns are the columns scanHold reads, after any the caller puts
// first.
const holdColumns = `id, starts_at, ends_at, reason, created_at, created_by, set_by`

// scanHold reads holdColumns, after lead (columns the query put first).
func scanHold(r *sql.Rows, lead ...any) (HoldPeriod, error) {
	var h HoldPeriod
	var from, to, at db.Time
	err := r.Scan(append(lead, &h.ID, &from, &to, &h.Reason, &at, &h.CreatedBy, &h.SetBy)...)
	h.From, h.To, h.CreatedAt = from.Time, to.Time, at.Time
	return h, db.Translate(err)
}

func holds(ctx context.Context, q db.Querier, id string, now time.Time) ([]HoldPeriod, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+holdColumns+` FROM contractor_holds
		WHERE contractor_id = $1 AND ends_at > $2 ORDER BY starts_at, id`, id, db.T(now))
	out, err := db.Collect(rows, err, func(r *sql.Rows) (HoldPeriod, error) { return scanHold(r) })
	if out == nil {
		out = []HoldPeriod{}
	}
	return out, err
}
