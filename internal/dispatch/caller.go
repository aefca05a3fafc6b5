package dispatch

import (
	"time"

	"github.com/fieldhub/fieldhub/internal/event"
)

// Caller is who acts on jobs. A contractor (ContractorID set) sees and acts
// on only the jobs offered or awarded to them, and only their own bids;
// staff see everything (the API checks staff roles before calling).
type Caller struct {
	Actor        event.Actor
	ContractorID string
	Staff        bool
}

// Artifact is a file kept for a job: a photo, video, document or signature.
// The bytes live in an artifact store; the job keeps what they are.
type Artifact struct {
	ID          string    `json:"id"`
	JobID       string    `json:"job_id"`
	Kind        string    `json:"kind" enum:"photo,video,document,signature"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	Caption     string    `json:"caption,omitempty"`
	Key         string    `json:"-"` // where the store keeps the bytes
	UploadedBy  string    `json:"uploaded_by"`
	At          time.Time `json:"at"`
}
