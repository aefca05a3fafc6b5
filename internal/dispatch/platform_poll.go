package dispatch

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// Polling bounds. River cancels a job's context after a minute by default,
// so a run polls for at most pollBudget and then stops on its own; the jobs
// it did not reach are first in the next run. During an outage every poll
// fails alike: a run reports the first maxPollErrors and counts the rest.
const (
	pollBudget    = 40 * time.Second
	pollBatch     = 1000
	maxPollErrors = 10
)

// PollLimits bound one polling run; zero fields take the defaults (40
// seconds, 1000 jobs).
type PollLimits struct {
	// Budget is how long the run may poll. When the context has a
	// deadline, the run also ends at three quarters of the time left
	// before it.
	Budget time.Duration
	// Batch is how many jobs the run reads at most.
	Batch int
}

// errPollCut is a poll cut short by the run's budget or its caller: not the
// platform's failure, and the end of the run.
var errPollCut = errors.New("poll cut short")

type pollRef struct{ id, platform, ext string }

// PollPlatforms reads the state of open jobs on their platforms and applies
// it, for platforms whose webhooks may be missed, within the default
// limits. It returns how many jobs it read; see PollPlatformsWithin.
func (s *Service) PollPlatforms(ctx context.Context) (int, error) {
	return s.PollPlatformsWithin(ctx, PollLimits{})
}

// PollPlatformsWithin polls the open jobs of the configured platforms,
// least recently polled first, until lim.Batch jobs are read or lim.Budget
// is spent. Each job is stamped polled_at before its call, so the next run
// goes on where this one stopped and a job whose poll always fails or
// hangs cannot keep the others from being polled. It returns how many jobs
// it read and the errors of the polls that failed; a poll cut short by the
// budget is not one. If ctx ends, its error is returned too.
func (s *Service) PollPlatformsWithin(ctx context.Context, lim PollLimits) (int, error) {
	if lim.Budget <= 0 {
		lim.Budget = pollBudget
	}
	if lim.Batch <= 0 {
		lim.Batch = pollBatch
	}
	bctx, cancel := context.WithTimeout(ctx, runBudget(ctx, lim.Budget))
	defer cancel()
	refs, err := s.pollRefs(ctx, lim.Batch)
	if err != nil {
		return 0, err
	}
	n, more := 0, 0
	var errs []error
	for _, x := range refs {
		if bctx.Err() != nil {
			break
		}
		if _, err := s.store.Write.ExecContext(ctx, `UPDATE jobs SET polled_at = $1 WHERE id = $2`, db.T(s.store.Now()), x.id); err != nil {
			return n, errors.Join(append(errs, db.Translate(err))...)
		}
		err := s.pollOne(ctx, bctx, x)
		if errors.Is(err, errPollCut) {
			break
		}
		switch {
		case err == nil:
			n++
		case len(errs) < maxPollErrors:
			errs = append(errs, err)
		default:
			more++
		}
	}
	if more > 0 {
		errs = append(errs, fmt.Errorf("and %d more polls failed", more))
	}
	return n, errors.Join(append(errs, ctx.Err())...)
}

// runBudget is how long a run may poll: budget, or three quarters of the
// time left before ctx's deadline if that is sooner, so that the run ends
// before its job is cancelled.
func runBudget(ctx context.Context, budget time.Duration) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl) * 3 / 4; left < budget {
			return left
		}
	}
	return budget
}

// pollRefs are at most batch open jobs on the configured platforms, least
// recently polled (or never) first. Jobs of a platform this instance does
// not have are left out, so they cannot fill every batch.
func (s *Service) pollRefs(ctx context.Context, batch int) ([]pollRef, error) {
	names := s.platformNames()
	if len(names) == 0 {
		return nil, nil
	}
	args := make([]any, len(names))
	for i, name := range names {
		args[i] = name
	}
	// platform <> '' repeats what the IN implies, so that both engines use
	// the partial index jobs_poll.
	var w db.Where
	w.Add("platform <> '' AND external_id <> '' AND status IN ('posted', 'awarded', 'scheduled', 'en_route', 'on_site')")
	w.In("platform", args...)
	w.Args = append(w.Args, batch)
	rows, err := s.store.Read.QueryContext(ctx, `SELECT id, platform, external_id FROM jobs`+w.SQL()+`
		ORDER BY polled_at NULLS FIRST, id LIMIT $`+strconv.Itoa(len(w.Args)), w.Args...)
	return db.Collect(rows, err, func(r *sql.Rows) (pollRef, error) {
		var x pollRef
		return x, r.Scan(&x.id, &x.platform, &x.ext)
	})
}

// platformNames are the names of the platforms this instance has, sorted.
func (s *Service) platformNames() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Sorted(maps.Keys(s.platforms))
}

// pollOne reads one job's state on its platform within pctx (the run's
// budget) and applies it within ctx, so that an answer that came in time
// is not lost to the budget.
func (s *Service) pollOne(ctx, pctx context.Context, x pollRef) error {
	u, err := s.Platform(x.platform).Poll(pctx, x.ext)
	if err != nil && pctx.Err() != nil {
		return errPollCut
	}
	if fault.Is(err, fault.NotFound) {
		// The platform no longer has the posting (voided or deleted there
		// without a webhook): it is taken as cancelled on the platform, so
		// the job follows its rule's fallback instead of waiting on nothing.
		u, err = PlatformUpdate{ExternalID: x.ext, State: PlatformCancelled, EventID: "poll:" + x.ext + ":gone",
			Reason: "the platform no longer has this posting"}, nil
	}
	if err != nil {
		return fmt.Errorf("poll %s job %s: %w", x.platform, x.ext, err)
	}
	if u.ExternalID == "" {
		u.ExternalID = x.ext
	}
	if u.EventID == "" {
		u.EventID = "poll:" + x.ext + ":" + u.State
	}
	err = s.ApplyPlatformUpdate(ctx, x.platform, u)
	// A conflict is old news; not found is a job re-pushed under a new id meanwhile.
	if err != nil && !fault.Is(err, fault.Conflict) && !fault.Is(err, fault.NotFound) {
		return fmt.Errorf("apply %s job %s: %w", x.platform, x.ext, err)
	}
	return nil
}
