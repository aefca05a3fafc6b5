package contractor

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/geo"
	"github.com/fieldhub/fieldhub/internal/page"
)

// Filter narrows a list of contractors. Zero fields do not filter.
type Filter struct {
	Status Status
	Trade  string
	Skill  string
	Pool   string
	// NearZIP with RadiusMiles keeps contractors whose home lies within
	// RadiusMiles of the ZIP's centroid (50 miles when RadiusMiles is 0).
	NearZIP     string
	RadiusMiles float64
	Cursor      string
	Limit       int
}

// List returns contractors matching f in id order (oldest first), a page
// at a time, each with the holds that are not yet over.
func (s *Service) List(ctx context.Context, f Filter) ([]*Contractor, string, error) {
	var after string
	if _, err := page.Decode(f.Cursor, &after); err != nil {
		return nil, "", err
	}
	limit := page.Limit(f.Limit)
	var w db.Where
	if f.Status != "" {
		w.Add("status = ?", string(f.Status))
	}
	for _, m := range []struct{ col, name string }{{"trades", f.Trade}, {"skills", f.Skill}, {"pools", f.Pool}} {
		if n := strings.ToLower(strings.TrimSpace(m.name)); n != "" {
			w.Add(m.col+` LIKE ? ESCAPE '\'`, member(n))
		}
	}
	var (
		center geo.Point
		radius = f.RadiusMiles
		near   = f.NearZIP != ""
	)
	if near {
		p, err := geo.Lookup(f.NearZIP)
		if err != nil {
			return nil, "", &fault.Error{Code: fault.Invalid, Message: "validation failed",
				Fields: []fault.FieldError{{Field: "near_zip", Reason: reason(err)}}}
		}
		if radius <= 0 {
			radius = 50
		}
		center = p
		b := geo.Around(p, radius)
		w.Add("lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?", b.MinLat, b.MaxLat, b.MinLon, b.MaxLon)
	}
	// The box is a prefilter: rows outside the circle are dropped here, so
	// a page is read in batches until it is full.
	var out []*Contractor
	for {
		batch, err := s.page(ctx, w, after, limit+1)
		if err != nil {
			return nil, "", err
		}
		for _, c := range batch {
			if !near || geo.Miles(center, c.ServiceArea.Home) <= radius {
				out = append(out, c)
			}
		}
		if len(batch) < limit+1 || len(out) > limit {
			break
		}
		after = batch[len(batch)-1].ID
	}
	out, next := page.Cut(out, limit, func(c *Contractor) any { return c.ID })
	if err := s.attachHolds(ctx, out); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

func (s *Service) page(ctx context.Context, w db.Where, after string, n int) ([]*Contractor, error) {
	if after != "" {
		w.Add("id > ?", after)
	}
	w.Args = append(w.Args, n)
	rows, err := s.store.Read.QueryContext(ctx, `SELECT `+columns+` FROM contractors`+w.SQL()+
		` ORDER BY id LIMIT $`+strconv.Itoa(len(w.Args)), w.Args...)
	return db.Collect(rows, err, func(r *sql.Rows) (*Contractor, error) { return scan(r) })
}

// attachHolds loads the holds that are not over for a page of contractors
// in one query.
func (s *Service) attachHolds(ctx context.Context, cs []*Contractor) error {
	if len(cs) == 0 {
		return nil
	}
	byID := make(map[string]*Contractor, len(cs))
	ids := make([]any, len(cs))
	for i, c := range cs {
		byID[c.ID], ids[i] = c, c.ID
	}
	var w db.Where
	w.Add("ends_at > ?", db.T(s.store.Now()))
	w.In("contractor_id", ids...)
	rows, err := s.store.Read.QueryContext(ctx, `SELECT contractor_id, `+holdColumns+`
		FROM contractor_holds`+w.SQL()+` ORDER BY starts_at, id`, w.Args...)
	if err != nil {
		return db.Translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var cid string
		h, err := scanHold(rows, &cid)
		if err != nil {
			return err
		}
		byID[cid].Holds = append(byID[cid].Holds, h)
	}
	return db.Translate(rows.Err())
}
