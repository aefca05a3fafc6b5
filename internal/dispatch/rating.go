package dispatch

import (
	"context"
	"time"

	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// JobRating is the customer's verdict on a completed job (from the
// satisfaction survey or a call), which feeds the contractor's rating.
type JobRating struct {
	Stars   int       `json:"stars" minimum:"1" maximum:"5"`
	Comment string    `json:"comment,omitempty" maxLength:"2000"`
	At      time.Time `json:"at"`
	By      string    `json:"by,omitempty"`
}

// Rate records the customer's rating of a completed job once and adds it to
// the contractor's average. The same rating again answers with the job as
// it is; a different one is a conflict, so a survey replayed or clicked
// twice never counts twice.
func (s *Service) Rate(ctx context.Context, c Caller, jobID string, stars int, comment string) (*Job, error) {
	if !c.Staff {
		return nil, notFound(jobID)
	}
	if stars < 1 || stars > 5 {
		return nil, fieldErr("stars", "must be 1 to 5")
	}
	return s.actOnce(ctx, c, jobID, func(tx *db.Tx, st *stored) ([]change, error) {
		if st.Rating != nil {
			if st.Rating.Stars == stars && st.Rating.Comment == comment {
				return nil, errRepeat
			}
			return nil, fault.Errorf(fault.Conflict, "job %s was rated %d already", st.Number, st.Rating.Stars)
		}
		if st.Status != Completed || st.ContractorID == "" {
			return nil, illegal(st.Job, "rate")
		}
		if err := s.contractors.RecordOutcomeTx(ctx, tx, st.ContractorID, contractor.Outcome{Kind: "rated", Rating: stars}); err != nil {
			return nil, err
		}
		st.Rating = &JobRating{Stars: stars, Comment: comment, At: tx.Now, By: c.Actor.Name}
		return []change{{"Job.Rated", map[string]any{"stars": stars}}}, nil
	})
}
