package dispatch

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/geo"
)

// busyStatuses are the statuses that take up a contractor's capacity.
var busyStatuses = `('awarded', 'scheduled', 'en_route', 'on_site')`

// offerFacts is a contractor's record when offered a job, kept with the
// offer so that bids rank without another read of every profile.
type offerFacts struct {
	Name           string                     `json:"name"`
	Reliability    contractor.Reliability     `json:"reliability"`
	Certifications []contractor.Certification `json:"certifications"`
}

// offerTx finds who may see the job now — eligible, under capacity on the
// job's day, not offered it before — and records an offer for each. It
// returns the contractors newly told.
func (s *Service) offerTx(ctx context.Context, tx *db.Tx, j *Job) ([]string, error) {
	site, _, err := geo.Locate(j.Site.ZIP)
	if err != nil {
		return nil, err
	}
	matches, err := s.contractors.Eligible(ctx, tx, contractor.Criteria{Site: site, SiteZIP: j.Site.ZIP, RadiusMiles: j.RadiusMiles,
		Trade: j.Trade, Skills: j.Skills, Certifications: j.Certifications, Pool: j.Pool, On: j.Window.Start, Exclude: j.Excluded})
	if err != nil {
		return nil, err
	}
	offered, err := offeredTo(ctx, tx, j.ID)
	if err != nil {
		return nil, err
	}
	load, err := loadOn(ctx, tx, j, "")
	if err != nil {
		return nil, err
	}
	told := []string{}
	for _, m := range matches {
		if offered[m.ContractorID] || slices.Contains(j.Excluded, m.ContractorID) ||
			(m.CapacityPerDay > 0 && load[m.ContractorID] >= m.CapacityPerDay) {
			continue
		}
		facts, _ := json.Marshal(offerFacts{m.Name, m.Reliability, m.Certifications})
		if _, err := tx.ExecContext(ctx, `INSERT INTO job_offers (job_id, contractor_id, distance_miles, offered_at, radius_step, facts)
			VALUES ($1, $2, $3, $4, $5, $6)`, j.ID, m.ContractorID, m.DistanceMiles, db.T(tx.Now), j.RadiusStep, string(facts)); err != nil {
			return nil, db.Translate(err)
		}
		told = append(told, m.ContractorID)
	}
	return told, nil
}

func offeredTo(ctx context.Context, tx *db.Tx, jobID string) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT contractor_id FROM job_offers WHERE job_id = $1`, jobID)
	if err != nil {
		return nil, db.Translate(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, db.Translate(err)
		}
		out[id] = true
	}
	return out, db.Translate(rows.Err())
}

// siteDay is the calendar day at the job's site on which its window
// starts: from local midnight to the next local midnight (23 or 25 hours
// when daylight saving time begins or ends), so "jobs a day" means the
// site's day — a 7 pm job in Dallas falls on the next UTC day.
func siteDay(j *Job) (start, end time.Time) {
	loc := geo.Zone(j.Site.ZIP, j.Site.State)
	y, m, d := j.Window.Start.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// loadOn counts each contractor's awarded or active jobs other than j whose
// window starts on j's day at its site (siteDay), in one grouped query;
// only, when set, limits the count to that contractor.
func loadOn(ctx context.Context, q db.Querier, j *Job, only string) (map[string]int, error) {
	start, end := siteDay(j)
	query := `SELECT contractor_id, COUNT(*) FROM jobs WHERE status IN ` + busyStatuses + `
		AND contractor_id IS NOT NULL AND window_start >= $1 AND window_start < $2 AND id <> $3`
	args := []any{db.T(start), db.T(end), j.ID}
	if only != "" {
		query += ` AND contractor_id = $4`
		args = append(args, only)
	}
	rows, err := q.QueryContext(ctx, query+` GROUP BY contractor_id`, args...)
	if err != nil {
		return nil, db.Translate(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var (
			id string
			n  int
		)
		if err := rows.Scan(&id, &n); err != nil {
			return nil, db.Translate(err)
		}
		out[id] = n
	}
	return out, db.Translate(rows.Err())
}

// postTx opens the job to contractors the way its mode says: offers on the
// marketplace, a queued push for a field platform.
func (s *Service) postTx(ctx context.Context, tx *db.Tx, st *stored) ([]change, error) {
	j := st.Job
	if j.Mode == ModeDirect {
		return nil, fault.Errorf(fault.Conflict, "a direct job is assigned to a named contractor, not posted")
	}
	rule, err := s.ruleTx(ctx, tx, j.providerID, j.ServiceType)
	if err != nil {
		return nil, err
	}
	if err := move(j, Posted, "post"); err != nil {
		return nil, err
	}
	now := tx.Now
	j.Times.PostedAt = &now
	if j.BidDeadline == nil || !j.BidDeadline.After(now) {
		d := now.Add(rule.NoBidWait())
		j.BidDeadline = &d
	}
	if j.Mode == ModeFieldPlatform {
		return s.requestPushTx(ctx, tx, j, rule)
	}
	told, err := s.offerTx(ctx, tx, j)
	if err != nil {
		return nil, err
	}
	return []change{{"Job.Posted", map[string]any{"radius_miles": j.RadiusMiles, "bid_deadline": j.BidDeadline}},
		{"Job.Offered", map[string]any{"contractor_ids": told, "radius_miles": j.RadiusMiles, "radius_step": j.RadiusStep}}}, nil
}

// Post opens a draft (or expired) job to contractors.
func (s *Service) Post(ctx context.Context, c Caller, id string) (*Job, error) {
	return s.act(ctx, c, id, func(tx *db.Tx, st *stored) ([]change, error) {
		if st.Status != Draft && st.Status != Expired {
			return nil, illegal(st.Job, "post")
		}
		return s.postTx(ctx, tx, st)
	})
}
