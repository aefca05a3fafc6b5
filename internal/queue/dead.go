package queue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// MaxDeadPage caps one page of ListDead, so a flood of failures cannot make
// one request unbounded.
const MaxDeadPage = 200

// DeadJob is a job that gave up: it used up its attempts (or was discarded
// by River's rescuer), or failed in a way marked Permanent. It waits for
// someone to fix the cause and Retry it.
type DeadJob struct {
	ID    int64
	Kind  string
	Queue string
	Args  json.RawMessage
	// Attempts is how many times the job ran.
	Attempts    int
	MaxAttempts int
	// Errors holds one entry per failed attempt, oldest first.
	Errors []rivertype.AttemptError
	// LastError is the text of the final failure, the usual reason to look.
	LastError string
	CreatedAt time.Time
	// FinalizedAt is when the job gave up (nil only for rows written by
	// hand).
	FinalizedAt *time.Time
}

// ListDead lists dead jobs (discarded, or cancelled by a Permanent failure)
// newest first (highest id first): the latest
// failures are the ones staff look at. after is the cursor: pass 0 for the
// first page and the last id of a page for the next, which holds the jobs
// with lower ids. limit is capped at MaxDeadPage; zero or less means the cap.
func (q *Queue) ListDead(ctx context.Context, after int64, limit int) ([]DeadJob, error) {
	c, err := q.open()
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxDeadPage {
		limit = MaxDeadPage
	}
	params := river.NewJobListParams().
		States(rivertype.JobStateDiscarded, rivertype.JobStateCancelled).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).
		First(limit)
	if after > 0 {
		params = params.Where("id < @before_id", river.NamedArgs{"before_id": after})
	}
	res, err := c.JobList(ctx, params)
	if err != nil {
		return nil, db.Translate(fmt.Errorf("list dead jobs: %w", err))
	}
	out := make([]DeadJob, 0, len(res.Jobs))
	for _, j := range res.Jobs {
		d := DeadJob{
			ID:          j.ID,
			Kind:        j.Kind,
			Queue:       j.Queue,
			Args:        compact(j.EncodedArgs),
			Attempts:    j.Attempt,
			MaxAttempts: j.MaxAttempts,
			Errors:      j.Errors,
			CreatedAt:   j.CreatedAt,
		}
		if n := len(j.Errors); n > 0 {
			d.LastError = j.Errors[n-1].Error
		}
		if j.FinalizedAt != nil {
			at := *j.FinalizedAt
			d.FinalizedAt = &at
		}
		out = append(out, d)
	}
	return out, nil
}

// compact prints args the same way on both engines (PostgreSQL's jsonb adds
// spaces).
func compact(b []byte) json.RawMessage {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return json.RawMessage(b)
	}
	return buf.Bytes()
}

// Retry makes a discarded, cancelled or retryable job run again now. A job
// that has used its attempts gets one more. Retrying a job that completed,
// is running or is already waiting to run is refused with fault.Conflict,
// because running it again would repeat or race finished work; an unknown id
// is fault.NotFound.
func (q *Queue) Retry(ctx context.Context, id int64) error {
	c, err := q.open()
	if err != nil {
		return err
	}
	return q.store.InTx(ctx, func(tx *db.Tx) error {
		job, err := c.JobGetTx(ctx, tx.Tx, id)
		if errors.Is(err, rivertype.ErrNotFound) {
			return fault.Errorf(fault.NotFound, "job %d not found", id)
		}
		if err != nil {
			return db.Translate(fmt.Errorf("get job %d: %w", id, err))
		}
		switch job.State {
		case rivertype.JobStateDiscarded, rivertype.JobStateCancelled, rivertype.JobStateRetryable:
		case rivertype.JobStateCompleted:
			return fault.Errorf(fault.Conflict, "job %d already completed", id)
		case rivertype.JobStateRunning:
			return fault.Errorf(fault.Conflict, "job %d is running", id)
		default:
			return fault.Errorf(fault.Conflict, "job %d is already waiting to run (%s)", id, job.State)
		}
		if _, err := c.JobRetryTx(ctx, tx.Tx, id); err != nil {
			return db.Translate(fmt.Errorf("retry job %d: %w", id, err))
		}
		return nil
	})
}

// Stats counts jobs by state (every state present, zero when empty), for
// metrics and the operator's dashboard.
func (q *Queue) Stats(ctx context.Context) (map[rivertype.JobState]int64, error) {
	out := make(map[rivertype.JobState]int64)
	for _, s := range rivertype.JobStates() {
		out[s] = 0
	}
	rows, err := q.store.Read.QueryContext(ctx, `SELECT state, count(*) FROM river_job GROUP BY state`)
	if err != nil {
		return nil, db.Translate(fmt.Errorf("count jobs: %w", err))
	}
	defer rows.Close()
	for rows.Next() {
		var (
			state string
			n     int64
		)
		if err := rows.Scan(&state, &n); err != nil {
			return nil, db.Translate(err)
		}
		out[rivertype.JobState(state)] = n
	}
	return out, db.Translate(rows.Err())
}
