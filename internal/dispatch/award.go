package dispatch

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/workorder"
)

// declineNote is what losing bidders are told.
const declineNote = "Thank you for your bid. The job went to another contractor this time; we hope to work with you on the next one."

// Award gives a posted job to one active bid. The job row is locked and
// saved under a version guard, so when two coordinators award at once
// exactly one wins and the other gets a conflict. The winner is told
// (Job.Awarded), every other active bid is declined (Bid.Declined), the
// payout is fixed at the winning price, the work order becomes assigned and
// the award is written to the audit log — all in one transaction.
func (s *Service) Award(ctx context.Context, c Caller, jobID, bidID string) (*Job, error) {
	if !c.Staff {
		return nil, notFound(jobID)
	}
	return s.act(ctx, c, jobID, func(tx *db.Tx, st *stored) ([]change, error) {
		if st.Status != Posted || st.Mode != ModeMarketplace {
			return nil, illegal(st.Job, "award")
		}
		b, err := scanBid(tx.QueryRowContext(ctx, `SELECT `+bidColumns+` FROM bids WHERE id = $1 AND job_id = $2`, bidID, jobID))
		if fault.Is(err, fault.NotFound) {
			return nil, fault.Errorf(fault.Invalid, "job %s has no bid %q", st.Number, bidID)
		}
		if err != nil {
			return nil, err
		}
		if b.Status != BidActive {
			return nil, fault.Errorf(fault.Conflict, "the bid is %s", b.Status)
		}
		// The bidder may have been suspended or gone on hold since bidding.
		if err := s.mayTake(ctx, tx, b.ContractorID, st.Job); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE bids SET status = 'won', version = version + 1, updated_at = $1 WHERE id = $2`,
			db.T(tx.Now), b.ID); err != nil {
			return nil, db.Translate(err)
		}
		st.AwardedBidID, st.PayoutCents = b.ID, b.PriceCents
		changes, err := s.giveTx(ctx, tx, c, st, b.ContractorID)
		if err != nil {
			return nil, err
		}
		changes = append([]change{{"Job.Awarded", map[string]any{"contractor_id": b.ContractorID, "bid_id": b.ID}}}, changes...)
		return changes, auth.Audit(ctx, tx, tx.Now, auth.AuditEntry{ActorKind: c.Actor.Kind, ActorID: c.Actor.ID, Action: "job.awarded",
			Subject: "job:" + jobID, Detail: map[string]any{"bid_id": b.ID, "contractor_id": b.ContractorID, "payout_cents": b.PriceCents,
				"currency": b.Currency}})
	})
}

// giveTx hands the job to a contractor: awarded, other bids declined, the
// work order assigned.
func (s *Service) giveTx(ctx context.Context, tx *db.Tx, c Caller, st *stored, contractorID string) ([]change, error) {
	if err := move(st.Job, Awarded, "award"); err != nil {
		return nil, err
	}
	now := tx.Now
	st.ContractorID, st.Times.AwardedAt = contractorID, &now
	changes, err := declineBidsTx(ctx, tx, st.Job, declineNote)
	if err != nil {
		return nil, err
	}
	_, _, err = s.workOrders.AdvanceTx(ctx, tx, woCaller(c), st.WorkOrderID, workorder.Assigned, "", nil)
	return changes, err
}

// declineBidsTx declines every active bid on j, each with a Bid.Declined
// event telling the bidder note.
func declineBidsTx(ctx context.Context, tx *db.Tx, j *Job, note string) ([]change, error) {
	rows, err := tx.QueryContext(ctx, `UPDATE bids SET status = 'declined', version = version + 1, updated_at = $1
		WHERE job_id = $2 AND status = 'active' RETURNING id, contractor_id`, db.T(tx.Now), j.ID)
	return db.Collect(rows, err, func(r *sql.Rows) (change, error) {
		var id, who string
		err := r.Scan(&id, &who)
		return change{"Bid.Declined", map[string]any{"bid_id": id, "contractor_id": who, "message": note}}, err
	})
}

// Assign gives a job straight to a named active contractor (direct mode,
// or staff overriding the marketplace). Open bids are declined.
func (s *Service) Assign(ctx context.Context, c Caller, jobID, contractorID string) (*Job, error) {
	if !c.Staff {
		return nil, notFound(jobID)
	}
	return s.act(ctx, c, jobID, func(tx *db.Tx, st *stored) ([]change, error) {
		if st.Status != Draft && st.Status != Posted && st.Status != Expired {
			return nil, illegal(st.Job, "assign")
		}
		if st.Mode == ModeFieldPlatform && st.ExternalID != "" {
			return nil, fault.Errorf(fault.Conflict, "job %s is on %s; cancel it there first", st.Number, st.Platform)
		}
		if slices.Contains(st.Excluded, contractorID) {
			return nil, fault.Errorf(fault.Conflict, "that contractor backed out of job %s", st.Number)
		}
		if err := s.mayTake(ctx, tx, contractorID, st.Job); fault.Is(err, fault.NotFound) {
			return nil, fieldErr("contractor_id", "no such contractor")
		} else if err != nil {
			return nil, err
		}
		if st.Status == Expired {
			st.Status = Posted
		}
		if st.Status == Draft {
			st.Status = Posted // draft → awarded is legal; go the same way as posted
		}
		changes, err := s.giveTx(ctx, tx, c, st, contractorID)
		if err != nil {
			return nil, err
		}
		return append([]change{{"Job.Assigned", map[string]any{"contractor_id": contractorID}}}, changes...),
			auth.Audit(ctx, tx, tx.Now, auth.AuditEntry{ActorKind: c.Actor.Kind, ActorID: c.Actor.ID, Action: "job.assigned",
				Subject: "job:" + jobID, Detail: map[string]any{"contractor_id": contractorID}})
	})
}

// available checks that a contractor may take new work on the day on:
// active and not on hold (a 409 saying why otherwise).
func (s *Service) available(ctx context.Context, tx *db.Tx, contractorID string, on time.Time) error {
	k, err := s.contractors.LockTx(ctx, tx, contractorID)
	if err != nil {
		return err
	}
	return k.Available(on)
}

// mayTake checks that a contractor may be given job j: available when it
// starts, and under their capacity on its day at the site — the count
// offers use — so neither an award nor a direct assignment gives anyone
// more jobs a day than they take. A 409 says why not. The contractor is
// locked (after the job: jobs, then contractors, is the order every path
// takes), so that two awards of different jobs to one contractor at once
// count each other.
func (s *Service) mayTake(ctx context.Context, tx *db.Tx, contractorID string, j *Job) error {
	k, err := s.contractors.LockTx(ctx, tx, contractorID)
	if err != nil {
		return err
	}
	if err := k.Available(j.Window.Start); err != nil || k.CapacityPerDay <= 0 {
		return err
	}
	load, err := loadOn(ctx, tx, j, contractorID)
	if err != nil {
		return err
	}
	if n := load[contractorID]; n >= k.CapacityPerDay {
		day, _ := siteDay(j)
		return &fault.Error{Code: fault.Conflict,
			Message: fmt.Sprintf("contractor %s already has %d job(s) on %s at the site's time, their capacity a day", k.Name, n, day.Format(time.DateOnly)),
			Detail:  map[string]any{"capacity_per_day": k.CapacityPerDay, "jobs_that_day": n, "day": day.Format(time.DateOnly)}}
	}
	return nil
}
