package dispatch

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// Bid statuses.
const (
	BidActive    = "active"
	BidWithdrawn = "withdrawn"
	BidDeclined  = "declined"
	BidWon       = "won"
)

// Bid is a contractor's offer to do a job.
type Bid struct {
	ID           string    `json:"id"`
	JobID        string    `json:"job_id"`
	ContractorID string    `json:"contractor_id"`
	Status       string    `json:"status" enum:"active,withdrawn,declined,won"`
	PriceCents   int64     `json:"price_cents"`
	Currency     string    `json:"currency"`
	ETA          time.Time `json:"eta" doc:"Proposed arrival"`
	Notes        string    `json:"notes,omitempty"`
	Version      int64     `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// BidInput is what a contractor sends to bid or revise a bid.
type BidInput struct {
	PriceCents int64     `json:"price_cents" minimum:"1" doc:"What the contractor asks, in the job's currency's minor units"`
	ETA        time.Time `json:"eta" doc:"Proposed arrival, RFC 3339"`
	Notes      string    `json:"notes,omitempty" maxLength:"2000"`
}

func (in BidInput) validate() error {
	var f fault.Fields
	f.Check(in.PriceCents > 0, "price_cents", "must be positive")
	f.Check(!in.ETA.IsZero(), "eta", "is required")
	return f.Err()
}

const bidColumns = `id, job_id, contractor_id, status, price_cents, currency, eta, notes, version, created_at, updated_at`

func scanBid(row interface{ Scan(...any) error }) (*Bid, error) {
	var (
		b                 Bid
		eta, created, upd db.Time
	)
	if err := row.Scan(&b.ID, &b.JobID, &b.ContractorID, &b.Status, &b.PriceCents, &b.Currency, &eta, &b.Notes, &b.Version,
		&created, &upd); err != nil {
		return nil, db.Translate(err)
	}
	b.ETA, b.CreatedAt, b.UpdatedAt = eta.Time, created.Time, upd.Time
	return &b, nil
}

// biddingOpen refuses a bid on a job that takes none now.
func biddingOpen(j *Job, now time.Time) error {
	if j.Status != Posted || j.Mode != ModeMarketplace {
		return fault.Errorf(fault.Conflict, "job %s takes no bids: it is %s", j.Number, j.Status)
	}
	if j.BidDeadline != nil && !now.Before(*j.BidDeadline) {
		return fault.Errorf(fault.Conflict, "bidding on job %s closed at %s", j.Number, j.BidDeadline.Format(time.RFC3339))
	}
	return nil
}

// PlaceBid records a contractor's bid on a job offered to them. One active
// bid per contractor per job: a second is a conflict (revise the first).
func (s *Service) PlaceBid(ctx context.Context, c Caller, jobID string, in BidInput) (*Bid, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var out *Bid
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		st, err := s.load(ctx, tx, c, jobID, tx.ForUpdate())
		if err != nil {
			return err
		}
		if c.ContractorID == "" {
			return fault.Errorf(fault.Forbidden, "only contractors bid")
		}
		if err := biddingOpen(st.Job, tx.Now); err != nil {
			return err
		}
		if err := s.available(ctx, tx, c.ContractorID, st.Window.Start); err != nil {
			return err
		}
		b := &Bid{ID: newID(), JobID: jobID, ContractorID: c.ContractorID, Status: BidActive,
			PriceCents: in.PriceCents, Currency: st.Currency, ETA: in.ETA.UTC(), Notes: in.Notes, Version: 1, CreatedAt: tx.Now, UpdatedAt: tx.Now}
		_, err = tx.ExecContext(ctx, `INSERT INTO bids (`+bidColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			b.ID, b.JobID, b.ContractorID, b.Status, b.PriceCents, b.Currency, db.T(b.ETA), b.Notes, b.Version, db.T(tx.Now), db.T(tx.Now))
		if db.IsUniqueViolation(err) {
			return fault.Errorf(fault.Conflict, "you already have a bid on job %s; revise or withdraw it", st.Number)
		}
		if err != nil {
			return db.Translate(err)
		}
		out = b
		return s.record(ctx, tx, c.Actor, st.Job, "Bid.Placed", map[string]any{"bid_id": b.ID, "contractor_id": c.ContractorID})
	})
	return out, err
}

// ownBid loads the caller's own bid on a job they may see, for update.
func (s *Service) ownBid(ctx context.Context, tx *db.Tx, c Caller, jobID, bidID string) (*stored, *Bid, error) {
	st, err := s.load(ctx, tx, c, jobID, tx.ForUpdate())
	if err != nil {
		return nil, nil, err
	}
	b, err := scanBid(tx.QueryRowContext(ctx, `SELECT `+bidColumns+` FROM bids WHERE id = $1 AND job_id = $2`, bidID, jobID))
	if err == nil && b.ContractorID != c.ContractorID {
		err = &fault.Error{Code: fault.NotFound}
	}
	if fault.Is(err, fault.NotFound) {
		return nil, nil, fault.Errorf(fault.NotFound, "no bid %q", bidID)
	}
	if err != nil {
		return nil, nil, err
	}
	if b.Status != BidActive {
		return nil, nil, fault.Errorf(fault.Conflict, "the bid is %s", b.Status)
	}
	return st, b, biddingOpen(st.Job, tx.Now)
}

// ReviseBid changes the caller's own active bid while bidding is open.
func (s *Service) ReviseBid(ctx context.Context, c Caller, jobID, bidID string, in BidInput) (*Bid, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var out *Bid
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		st, b, err := s.ownBid(ctx, tx, c, jobID, bidID)
		if err != nil {
			return err
		}
		b.PriceCents, b.ETA, b.Notes, b.UpdatedAt = in.PriceCents, in.ETA.UTC(), in.Notes, tx.Now
		b.Version++
		if _, err := tx.ExecContext(ctx, `UPDATE bids SET price_cents = $1, eta = $2, notes = $3, version = $4, updated_at = $5 WHERE id = $6`,
			b.PriceCents, db.T(b.ETA), b.Notes, b.Version, db.T(tx.Now), b.ID); err != nil {
			return db.Translate(err)
		}
		out = b
		return s.record(ctx, tx, c.Actor, st.Job, "Bid.Revised", map[string]any{"bid_id": b.ID, "contractor_id": c.ContractorID})
	})
	return out, err
}

// WithdrawBid takes the caller's own active bid back.
func (s *Service) WithdrawBid(ctx context.Context, c Caller, jobID, bidID string) (*Bid, error) {
	var out *Bid
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		st, b, err := s.ownBid(ctx, tx, c, jobID, bidID)
		if err != nil {
			return err
		}
		b.Status, b.UpdatedAt = BidWithdrawn, tx.Now
		b.Version++
		if _, err := tx.ExecContext(ctx, `UPDATE bids SET status = $1, version = $2, updated_at = $3 WHERE id = $4`,
			b.Status, b.Version, db.T(tx.Now), b.ID); err != nil {
			return db.Translate(err)
		}
		out = b
		return s.record(ctx, tx, c.Actor, st.Job, "Bid.Withdrawn", map[string]any{"bid_id": b.ID, "contractor_id": c.ContractorID})
	})
	return out, err
}

// MyBids returns the caller's own bids on a job they may see.
func (s *Service) MyBids(ctx context.Context, c Caller, jobID string) ([]*Bid, error) {
	if _, err := s.load(ctx, s.store.Read, c, jobID, ""); err != nil {
		return nil, err
	}
	rows, err := s.store.Read.QueryContext(ctx, `SELECT `+bidColumns+` FROM bids WHERE job_id = $1 AND contractor_id = $2 ORDER BY id`,
		jobID, c.ContractorID)
	return db.Collect(rows, err, func(r *sql.Rows) (*Bid, error) { return scanBid(r) })
}

// RankedBids returns a job's active bids (and the winner, once awarded)
// ranked for staff, each with its factors and explanation.
func (s *Service) RankedBids(ctx context.Context, c Caller, jobID string) ([]RankedBid, error) {
	if !c.Staff {
		return nil, fault.Errorf(fault.Forbidden, "only staff rank bids")
	}
	j, err := s.Get(ctx, c, jobID)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Read.QueryContext(ctx, `SELECT b.id, b.contractor_id, b.price_cents, b.eta, COALESCE(o.distance_miles, 0),
		COALESCE(o.facts, '{}') FROM bids b LEFT JOIN job_offers o ON o.job_id = b.job_id AND o.contractor_id = b.contractor_id
		WHERE b.job_id = $1 AND b.status IN ('active', 'won') ORDER BY b.id`, jobID)
	facts, err := db.Collect(rows, err, func(r *sql.Rows) (BidFacts, error) {
		var (
			f   BidFacts
			eta db.Time
			raw []byte
			of  offerFacts
		)
		if err := r.Scan(&f.BidID, &f.ContractorID, &f.PriceCents, &eta, &f.DistanceMiles, &raw); err != nil {
			return f, db.Translate(err)
		}
		_ = json.Unmarshal(raw, &of)
		f.ETA, f.Name = eta.Time, of.Name
		f.OnTimeRate, f.Completed, f.Backouts, f.Rating = of.Reliability.OnTimeRate, of.Reliability.Completed, of.Reliability.Backouts, of.Reliability.Rating
		f.Certifications = len(of.Certifications)
		return f, nil
	})
	if err != nil {
		return nil, err
	}
	return Rank(j.BudgetCents, j.Window, facts), nil
}
