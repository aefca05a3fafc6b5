package dispatch

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/workorder"
)

// Backout is the awarded contractor giving the job back before going on
// the road. The job is posted again with its history: the contractor is
// excluded and their reliability counts a backout, bidding reopens, and
// contractors newly eligible are offered it.
func (s *Service) Backout(ctx context.Context, c Caller, jobID, reason string) (*Job, error) {
	return s.act(ctx, c, jobID, func(tx *db.Tx, st *stored) ([]change, error) {
		if c.ContractorID == "" || st.ContractorID != c.ContractorID {
			return nil, fault.Errorf(fault.Conflict, "only the contractor holding job %s can back out of it", st.Number)
		}
		if st.Status != Awarded && st.Status != Scheduled {
			return nil, illegal(st.Job, "back out of")
		}
		return s.releaseTx(ctx, tx, c, st, "backout", "Job.BackedOut", reason)
	})
}

// ContractorNoShow is staff recording that the contractor holding a job
// never came: their reliability counts a no-show and the job is taken back
// and posted again, as after a backout.
func (s *Service) ContractorNoShow(ctx context.Context, c Caller, jobID, reason string) (*Job, error) {
	if !c.Staff {
		return nil, notFound(jobID)
	}
	return s.act(ctx, c, jobID, func(tx *db.Tx, st *stored) ([]change, error) {
		if st.ContractorID == "" || (st.Status != Awarded && st.Status != Scheduled && st.Status != EnRoute) {
			return nil, illegal(st.Job, "record a contractor no-show on")
		}
		return s.releaseTx(ctx, tx, c, st, "no_show", "Job.ContractorNoShow", reason)
	})
}

// releaseTx takes a job back from the contractor holding it (outcome is
// what their reliability counts) and posts it again with its history: the
// contractor excluded, bidding reopened and the newly eligible offered it.
// A direct job takes no bids, so it waits, posted without offers or a
// deadline, for staff to assign someone else.
func (s *Service) releaseTx(ctx context.Context, tx *db.Tx, c Caller, st *stored, outcome, typ, reason string) ([]change, error) {
	who := st.ContractorID
	if err := s.contractors.RecordOutcomeTx(ctx, tx, who, contractor.Outcome{Kind: outcome}); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE bids SET status = 'withdrawn', version = version + 1, updated_at = $1
		WHERE job_id = $2 AND contractor_id = $3 AND status = 'won'`, db.T(tx.Now), st.ID, who); err != nil {
		return nil, db.Translate(err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM job_offers WHERE job_id = $1 AND contractor_id = $2`, st.ID, who); err != nil {
		return nil, db.Translate(err)
	}
	st.Excluded = append(st.Excluded, who)
	if err := s.unassignTx(ctx, tx, c, st); err != nil {
		return nil, err
	}
	if st.Mode == ModeDirect {
		return []change{{typ, map[string]any{"contractor_id": who, "reason": reason, "alert": "ops",
			"next": "assign another contractor"}}}, nil
	}
	rule, err := s.ruleTx(ctx, tx, st.providerID, st.ServiceType)
	if err != nil {
		return nil, err
	}
	changes, err := s.repostTx(ctx, tx, st, rule)
	return append([]change{{typ, map[string]any{"contractor_id": who, "reason": reason}}}, changes...), err
}

// unassignTx puts a job that was given to someone (a contractor, or a
// platform's technician) back to posted with nobody on it: no payout,
// appointment, deadline or award times. The work order steps back to
// scheduling unless another of its jobs still has someone on it.
func (s *Service) unassignTx(ctx context.Context, tx *db.Tx, c Caller, st *stored) error {
	st.ContractorID, st.AwardedBidID, st.PayoutCents, st.Appointment, st.Technician = "", "", 0, nil, nil
	st.Times.AwardedAt, st.Times.ScheduledAt, st.Times.EnRouteAt = nil, nil, nil
	st.BidDeadline = nil
	// The work order is locked before its other jobs are counted: an award
	// of a sibling committing meanwhile is then counted, instead of the
	// work order stepping back to scheduling under it (jobs, then their work
	// order: the order every path takes its locks in).
	if _, err := s.workOrders.GetTx(ctx, tx, woCaller(c), st.WorkOrderID); err != nil {
		return err
	}
	var active int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE work_order_id = $1 AND id <> $2
		AND status IN ('awarded', 'scheduled', 'en_route', 'on_site')`, st.WorkOrderID, st.ID).Scan(&active); err != nil {
		return db.Translate(err)
	}
	if active == 0 {
		if _, _, err := s.workOrders.AdvanceTx(ctx, tx, woCaller(c), st.WorkOrderID, workorder.Scheduling, "", nil); err != nil {
			return err
		}
	}
	if st.Status == Posted {
		return nil
	}
	return move(st.Job, Posted, "post again")
}

// repostTx reopens bidding on a posted job: a new deadline by its rule and
// offers to whoever is newly eligible.
func (s *Service) repostTx(ctx context.Context, tx *db.Tx, st *stored, rule Rule) ([]change, error) {
	d := tx.Now.Add(rule.NoBidWait())
	st.BidDeadline = &d
	told, err := s.offerTx(ctx, tx, st.Job)
	if err != nil {
		return nil, err
	}
	return []change{{"Job.Reposted", map[string]any{"bid_deadline": d, "radius_miles": st.RadiusMiles}},
		{"Job.Offered", map[string]any{"contractor_ids": told, "radius_miles": st.RadiusMiles, "radius_step": st.RadiusStep}}}, nil
}

// cancelNote is what bidders on a cancelled job are told.
const cancelNote = "Thank you for your bid. The job was cancelled."

// Cancel ends an open job. Open bids are declined (Bid.Declined each); a job
// on a field platform is cancelled there too (queued). When it was the work
// order's last open job and another of its jobs was completed, the work
// order is completed.
func (s *Service) Cancel(ctx context.Context, c Caller, jobID, reason string) (*Job, error) {
	if !c.Staff {
		return nil, notFound(jobID)
	}
	return s.act(ctx, c, jobID, func(tx *db.Tx, st *stored) ([]change, error) {
		if err := move(st.Job, Cancelled, "cancel"); err != nil {
			return nil, err
		}
		now := tx.Now
		st.Times.EndedAt = &now
		declined, err := declineBidsTx(ctx, tx, st.Job, cancelNote)
		if err != nil {
			return nil, err
		}
		if st.ExternalID != "" {
			if err := s.queuePlatform(ctx, tx, st.Job, opCancel); err != nil {
				return nil, err
			}
		}
		if err := s.finishWorkOrderTx(ctx, tx, c, st.Job); err != nil {
			return nil, err
		}
		return append([]change{{"Job.Cancelled", map[string]any{"reason": reason}}}, declined...), nil
	})
}

// Sweep applies the no-bid rule to every job whose deadline has passed
// without a bid (or, on a field platform, without an acceptance): ops are
// alerted (Job.NoBids), the radius widens by the rule's step and the newly
// eligible are offered the job; at the widest radius a field-platform job
// tries the rule's fallback pool, and a job nobody took expires
// (Job.Expired). It returns how many jobs it acted on. It runs every minute.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.store.Now()
	rows, err := s.store.Read.QueryContext(ctx, `SELECT id FROM jobs j WHERE status = 'posted' AND bid_deadline <= $1
		AND NOT EXISTS (SELECT 1 FROM bids b WHERE b.job_id = j.id AND b.status = 'active') ORDER BY bid_deadline LIMIT 500`, db.T(now))
	ids, err := db.Collect(rows, err, func(r *sql.Rows) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	sys := Caller{Actor: event.System, Staff: true}
	for _, id := range ids {
		_, err := s.act(ctx, sys, id, func(tx *db.Tx, st *stored) ([]change, error) { return s.noBidTx(ctx, tx, sys, st) })
		if fault.Is(err, fault.Conflict) { // changed meanwhile: it is no longer the sweep's
			continue
		}
		if err != nil { // one job's trouble must not starve the others; the next sweep tries it again
			errs = append(errs, fmt.Errorf("job %s: %w", id, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// noBidTx acts on one job past its deadline; a conflict tells Sweep the
// job needs nothing after all.
func (s *Service) noBidTx(ctx context.Context, tx *db.Tx, c Caller, st *stored) ([]change, error) {
	if st.Status != Posted || st.BidDeadline == nil || st.BidDeadline.After(tx.Now) {
		return nil, fault.Errorf(fault.Conflict, "not due")
	}
	var active int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM bids WHERE job_id = $1 AND status = 'active'`, st.ID).Scan(&active); err != nil {
		return nil, db.Translate(err)
	}
	if active > 0 {
		return nil, fault.Errorf(fault.Conflict, "has bids")
	}
	rule, err := s.ruleTx(ctx, tx, st.providerID, st.ServiceType)
	if err != nil {
		return nil, err
	}
	alert := change{"Job.NoBids", map[string]any{"radius_miles": st.RadiusMiles, "radius_step": st.RadiusStep,
		"deadline": st.BidDeadline, "alert": "ops"}}
	if st.RadiusMiles < rule.MaxRadiusMiles {
		from := st.RadiusMiles
		st.RadiusMiles = min(st.RadiusMiles+rule.RadiusStepMiles, rule.MaxRadiusMiles)
		st.RadiusStep++
		widened := change{"Job.RadiusWidened", map[string]any{"from_miles": from, "to_miles": st.RadiusMiles, "radius_step": st.RadiusStep}}
		if st.Mode == ModeFieldPlatform {
			d := tx.Now.Add(rule.NoBidWait())
			st.BidDeadline = &d
			more, err := s.repushTx(ctx, tx, st.Job)
			return append([]change{alert, widened}, more...), err
		}
		more, err := s.repostTx(ctx, tx, st, rule)
		if err != nil {
			return nil, err
		}
		if len(more) > 0 {
			more = more[1:] // the re-post's own Job.Reposted: the widening says it
		}
		return append([]change{alert, widened}, more...), nil
	}
	if st.Mode == ModeFieldPlatform && rule.FallbackPool != "" && st.Pool != rule.FallbackPool {
		st.Pool = rule.FallbackPool
		d := tx.Now.Add(rule.NoBidWait())
		st.BidDeadline = &d
		more, err := s.repushTx(ctx, tx, st.Job)
		return append([]change{alert, {"Job.PoolChanged", map[string]any{"pool": st.Pool}}}, more...), err
	}
	st.Status = Expired
	now := tx.Now
	st.Times.EndedAt = &now
	if st.ExternalID != "" {
		if err := s.queuePlatform(ctx, tx, st.Job, opCancel); err != nil {
			return nil, err
		}
	}
	if err := s.finishWorkOrderTx(ctx, tx, c, st.Job); err != nil {
		return nil, err
	}
	return []change{alert, {"Job.Expired", map[string]any{"radius_miles": st.RadiusMiles, "alert": "ops"}}}, nil
}
