package dispatch

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"time"

	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// ArtifactKinds are the kinds of file a job keeps.
var ArtifactKinds = []string{"photo", "video", "document", "signature"}

// CanUpload says whether the caller may add files to a job: the contractor
// holding it while it is under way, or staff (whose role the caller has
// checked). Anyone else gets not found.
func (s *Service) CanUpload(ctx context.Context, c Caller, jobID string) error {
	st, err := s.load(ctx, s.store.Read, c, jobID, "")
	if err != nil {
		return err
	}
	if mayUpload(c, st) {
		return nil
	}
	return notFound(jobID)
}

// mayUpload: staff, or the contractor holding the job while it is under way.
func mayUpload(c Caller, st *stored) bool {
	return c.Staff || (st.ContractorID == c.ContractorID && st.Status.Active())
}

// AddArtifact records a file stored for a job. It is idempotent by content:
// when the job already keeps the same bytes (kind, SHA-256 and size) — a
// retried upload — it answers with that artifact and created=false, and the
// caller drops its own copy of the bytes. The check runs under the job's
// lock, so two retries at once record one artifact.
func (s *Service) AddArtifact(ctx context.Context, c Caller, jobID string, a Artifact) (out *Artifact, created bool, err error) {
	var f fault.Fields
	f.Check(slices.Contains(ArtifactKinds, a.Kind), "kind", "must be photo, video, document or signature")
	f.Check(a.Key != "", "key", "is required")
	f.Check(a.Size >= 0, "size", "must not be negative")
	if err := f.Err(); err != nil {
		return nil, false, err
	}
	err = s.store.InTx(ctx, func(tx *db.Tx) error {
		st, err := s.load(ctx, tx, c, jobID, tx.ForUpdate())
		if err != nil {
			return err
		}
		if !mayUpload(c, st) {
			return notFound(jobID)
		}
		same, err := scanArtifact(tx.QueryRowContext(ctx, `SELECT `+artifactColumns+` FROM job_artifacts
			WHERE job_id = $1 AND kind = $2 AND sha256 = $3 AND size = $4 ORDER BY at, id LIMIT 1`, jobID, a.Kind, a.SHA256, a.Size))
		if err == nil {
			out = &same
			return nil
		}
		if !fault.Is(err, fault.NotFound) {
			return err
		}
		created = true
		if a.ID == "" {
			a.ID = newID()
		}
		a.JobID, a.UploadedBy, a.At = jobID, actorName(c), tx.Now
		if _, err := tx.ExecContext(ctx, `INSERT INTO job_artifacts (id, job_id, kind, content_type, size, sha256, caption, storage_key, uploaded_by, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, a.ID, a.JobID, a.Kind, a.ContentType, a.Size, a.SHA256, a.Caption, a.Key,
			a.UploadedBy, db.T(a.At)); err != nil {
			return db.Translate(err)
		}
		out = &a
		return s.record(ctx, tx, c.Actor, st.Job, "Job.ArtifactAdded", map[string]any{"artifact_id": a.ID, "artifact_kind": a.Kind,
			"content_type": a.ContentType, "size": a.Size, "sha256": a.SHA256})
	})
	if err != nil {
		return nil, false, err
	}
	return out, created, nil
}

// readable loads a job whose files the caller may read: staff, or the
// contractor holding (or who completed) it.
func (s *Service) readable(ctx context.Context, c Caller, jobID string) error {
	st, err := s.load(ctx, s.store.Read, c, jobID, "")
	if err != nil {
		return err
	}
	if !c.Staff && st.ContractorID != c.ContractorID {
		return notFound(jobID)
	}
	return nil
}

const artifactColumns = `id, job_id, kind, content_type, size, sha256, caption, storage_key, uploaded_by, at`

func scanArtifact(r interface{ Scan(...any) error }) (Artifact, error) {
	var (
		a  Artifact
		at db.Time
	)
	err := r.Scan(&a.ID, &a.JobID, &a.Kind, &a.ContentType, &a.Size, &a.SHA256, &a.Caption, &a.Key, &a.UploadedBy, &at)
	a.At = at.Time
	return a, db.Translate(err)
}

// Artifact returns one of a job's files the caller may read.
func (s *Service) Artifact(ctx context.Context, c Caller, jobID, artifactID string) (*Artifact, error) {
	if err := s.readable(ctx, c, jobID); err != nil {
		return nil, err
	}
	a, err := scanArtifact(s.store.Read.QueryRowContext(ctx, `SELECT `+artifactColumns+` FROM job_artifacts WHERE id = $1 AND job_id = $2`,
		artifactID, jobID))
	if fault.Is(err, fault.NotFound) {
		return nil, fault.Errorf(fault.NotFound, "no artifact %q", artifactID)
	}
	return &a, err
}

// Artifacts lists a job's files, oldest first.
func (s *Service) Artifacts(ctx context.Context, c Caller, jobID string) ([]Artifact, error) {
	if err := s.readable(ctx, c, jobID); err != nil {
		return nil, err
	}
	rows, err := s.store.Read.QueryContext(ctx, `SELECT `+artifactColumns+` FROM job_artifacts WHERE job_id = $1 ORDER BY at, id`, jobID)
	out, err := db.Collect(rows, err, func(r *sql.Rows) (Artifact, error) { return scanArtifact(r) })
	if out == nil {
		out = []Artifact{}
	}
	return out, err
}

// seenTx claims key once; false when it was claimed before.
func seenTx(ctx context.Context, tx *db.Tx, key string, now time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO dispatch_seen (key, at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, db.T(now))
	if err != nil {
		return false, db.Translate(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// HoldAdded flags the awarded or scheduled jobs of a contractor whose new
// hold covers them (Job.Flagged). Subscribed to Contractor.HoldAdded;
// idempotent by event id.
func (s *Service) HoldAdded(ctx context.Context, e event.Event) error {
	var h contractor.HoldEvent
	if err := json.Unmarshal(e.Payload, &h); err != nil || h.ContractorID == "" {
		return nil // nothing this handler can act on
	}
	return s.store.InTx(ctx, func(tx *db.Tx) error {
		if first, err := seenTx(ctx, tx, "event:"+e.ID, tx.Now); err != nil || !first {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE contractor_id = $1 AND status IN ('awarded', 'scheduled')
			AND window_start < $2 AND window_end > $3`, h.ContractorID, db.T(h.Hold.To), db.T(h.Hold.From))
		jobs, err := db.Collect(rows, err, func(r *sql.Rows) (*stored, error) { return scanJob(r) })
		if err != nil {
			return err
		}
		for _, st := range jobs {
			if err := s.record(ctx, tx, event.System, st.Job, "Job.Flagged", map[string]any{"contractor_id": h.ContractorID,
				"hold_id": h.Hold.ID, "reason": "the contractor is on hold during the job", "alert": "ops"}); err != nil {
				return err
			}
		}
		return nil
	})
}
