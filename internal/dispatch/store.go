package dispatch

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// body is the part of a job stored as one JSON document.
type body struct {
	Provider       string              `json:"provider"`
	Site           JobSite             `json:"site"`
	Contact        JobContact          `json:"contact"`
	Devices        []JobDevice         `json:"devices"`
	Trade          string              `json:"trade,omitempty"`
	Skills         []string            `json:"skills"`
	Certifications []string            `json:"certifications"`
	Pool           string              `json:"pool,omitempty"`
	Instructions   string              `json:"instructions,omitempty"`
	Checklist      Checklist           `json:"checklist"`
	BudgetCents    int64               `json:"budget_cents"`
	Currency       string              `json:"currency"`
	RadiusStep     int                 `json:"radius_step"`
	AwardedBidID   string              `json:"awarded_bid_id,omitempty"`
	PayoutCents    int64               `json:"payout_cents,omitempty"`
	Appointment    *TimeWindow         `json:"appointment,omitempty"`
	Times          Times               `json:"times"`
	Completion     *JobCompletion      `json:"completion,omitempty"`
	CompletionKey  string              `json:"completion_key,omitempty"`
	Incomplete     *Failure            `json:"incomplete,omitempty"`
	Technician     *PlatformTechnician `json:"technician,omitempty"`
	Excluded       []string            `json:"excluded,omitempty"`
	RevisitOf      string              `json:"revisit_of,omitempty"`
	Rating         *JobRating          `json:"rating,omitempty"`
}

// stored is a job with what is kept but not shown.
type stored struct {
	*Job
	completionKey string
}

const jobColumns = `id, number, work_order_id, provider_id, service_type, kind, mode, status, site_zip, window_start, window_end,
	radius_miles, bid_deadline, COALESCE(contractor_id, ''), platform, external_id, version, created_at, updated_at, body`

func scanJob(row interface{ Scan(...any) error }) (*stored, error) {
	var (
		j                            Job
		ws, we, dl, created, updated db.Time
		raw                          []byte
		zip                          string
	)
	if err := row.Scan(&j.ID, &j.Number, &j.WorkOrderID, &j.providerID, &j.ServiceType, &j.Kind, &j.Mode, &j.Status, &zip,
		&ws, &we, &j.RadiusMiles, &dl, &j.ContractorID, &j.Platform, &j.ExternalID, &j.Version, &created, &updated, &raw); err != nil {
		return nil, db.Translate(err)
	}
	var b body
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("job %s body: %w", j.ID, err)
	}
	j.Window = TimeWindow{ws.Time, we.Time}
	j.BidDeadline = dl.Ptr()
	j.CreatedAt, j.UpdatedAt = created.Time, updated.Time
	j.Provider, j.Site, j.Contact, j.Devices, j.Trade = b.Provider, b.Site, b.Contact, b.Devices, b.Trade
	j.Skills, j.Certifications, j.Pool, j.Instructions = nonNil(b.Skills), nonNil(b.Certifications), b.Pool, b.Instructions
	j.Checklist, j.BudgetCents, j.Currency, j.RadiusStep = b.Checklist, b.BudgetCents, b.Currency, b.RadiusStep
	j.AwardedBidID, j.PayoutCents, j.Appointment, j.Times = b.AwardedBidID, b.PayoutCents, b.Appointment, b.Times
	j.Completion, j.Incomplete, j.Technician, j.Excluded, j.RevisitOf = b.Completion, b.Incomplete, b.Technician, b.Excluded, b.RevisitOf
	j.Rating = b.Rating
	if j.Devices == nil {
		j.Devices = []JobDevice{}
	}
	return &stored{Job: &j, completionKey: b.CompletionKey}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *stored) body() string {
	j := s.Job
	raw, _ := json.Marshal(body{j.Provider, j.Site, j.Contact, j.Devices, j.Trade, j.Skills, j.Certifications, j.Pool,
		j.Instructions, j.Checklist, j.BudgetCents, j.Currency, j.RadiusStep, j.AwardedBidID, j.PayoutCents, j.Appointment,
		j.Times, j.Completion, s.completionKey, j.Incomplete, j.Technician, j.Excluded, j.RevisitOf, j.Rating})
	return string(raw)
}

func nullable(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func nullTime(t *db.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

func deadline(j *Job) *db.Time {
	if j.BidDeadline == nil {
		return nil
	}
	t := db.T(*j.BidDeadline)
	return &t
}

func insertJob(ctx context.Context, tx *db.Tx, s *stored) error {
	j := s.Job
	_, err := tx.ExecContext(ctx, `INSERT INTO jobs (`+insertColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
		j.ID, j.Number, j.WorkOrderID, j.providerID, j.ServiceType, j.Kind, j.Mode, string(j.Status), j.Site.ZIP,
		db.T(j.Window.Start), db.T(j.Window.End), j.RadiusMiles, nullTime(deadline(j)), nullable(j.ContractorID),
		j.Platform, j.ExternalID, j.Version, db.T(j.CreatedAt), db.T(j.UpdatedAt), s.body())
	return db.Translate(err)
}

const insertColumns = `id, number, work_order_id, provider_id, service_type, kind, mode, status, site_zip, window_start, window_end,
	radius_miles, bid_deadline, contractor_id, platform, external_id, version, created_at, updated_at, body`

// saveJob writes s back guarded by the version it was read at, and bumps
// the version: a concurrent change makes it fail with a conflict.
func saveJob(ctx context.Context, tx *db.Tx, s *stored) error {
	j := s.Job
	j.UpdatedAt = tx.Now
	res, err := tx.ExecContext(ctx, `UPDATE jobs SET status = $1, site_zip = $2, window_start = $3, window_end = $4,
		radius_miles = $5, bid_deadline = $6, contractor_id = $7, platform = $8, external_id = $9, version = version + 1,
		updated_at = $10, body = $11, kind = $12, mode = $13 WHERE id = $14 AND version = $15`,
		string(j.Status), j.Site.ZIP, db.T(j.Window.Start), db.T(j.Window.End), j.RadiusMiles, nullTime(deadline(j)),
		nullable(j.ContractorID), j.Platform, j.ExternalID, db.T(tx.Now), s.body(), j.Kind, j.Mode, j.ID, j.Version)
	if err != nil {
		return db.Translate(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fault.Errorf(fault.Conflict, "job %s changed at the same time; read it again", j.Number)
	}
	j.Version++
	return nil
}
