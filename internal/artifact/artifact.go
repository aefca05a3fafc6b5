// Package artifact keeps the files a job collects — photos, video, documents
// and signatures. The bytes live in a Store addressed by opaque keys (local
// disk by default; an S3-compatible bucket can implement the same three
// methods), while the job records what they are. Receive is the one way
// bytes get in: it checks the kind's types and size limit, sniffs the real
// type from the content, and streams to the store while hashing, so memory
// stays bounded whatever the client sends.
package artifact

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/uuid"
)

// Store keeps artifact bytes under keys such as "jobs/<job>/<id>". Keys are
// opaque to callers and map directly onto object-store keys. A Store must
// be safe for concurrent use.
type Store interface {
	// Put stores everything r yields under key, replacing nothing visible
	// until it has all of it: a failed or aborted Put (r returning an error,
	// ctx ending) leaves no object behind. It returns the bytes stored.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Open reads the object at key; a missing one is fault.NotFound.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the object at key; a missing one is not an error, so
	// clean-up after a failure can always be attempted.
	Delete(ctx context.Context, key string) error
}

// MaxKeyLen bounds keys; S3 allows 1024 bytes, and ours are far shorter.
const MaxKeyLen = 512

// CheckKey reports why key is unusable, or nil. A key is slash-separated
// segments of letters, digits, '.', '_' and '-', none empty, "." or "..",
// so that it can never name anything outside a store's root.
func CheckKey(key string) error {
	if key == "" || len(key) > MaxKeyLen {
		return fmt.Errorf("artifact key must be 1 to %d bytes", MaxKeyLen)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("artifact key %q has an empty, '.' or '..' segment", key)
		}
		for _, c := range seg {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				return fmt.Errorf("artifact key %q has a character outside [A-Za-z0-9._-]", key)
			}
		}
	}
	return nil
}

// JobKey returns a new, unique key for an artifact of job jobID. Job ids are
// UUIDs; one that would not make a single key-safe segment is refused.
func JobKey(jobID string) (string, error) {
	if strings.Contains(jobID, "/") {
		return "", fmt.Errorf("job id %q cannot be part of an artifact key", jobID)
	}
	key := "jobs/" + jobID + "/" + uuid.Must(uuid.NewV7()).String()
	if err := CheckKey(key); err != nil {
		return "", err
	}
	return key, nil
}

// Kind is what an artifact is for; each kind has its own types and limit.
type Kind string

// The kinds of artifact a job keeps.
const (
	Photo     Kind = "photo"
	Video     Kind = "video"
	Document  Kind = "document"
	Signature Kind = "signature"
)

// MiB is a mebibyte, the unit the limits are stated in.
const MiB = 1 << 20

// MaxSize is the largest limit of any kind: the most an upload route has
// to let through before Receive applies the kind's own limit.
const MaxSize = 200 * MiB

type rule struct {
	limit int64
	types []string
}

// rules are the accepted types and limits per kind. SVG is accepted for
// no kind: it can carry script, and a signature or document is opened by
// people in browsers. Types are the ones the sniffer can confirm.
var rules = map[Kind]rule{
	Photo:     {15 * MiB, []string{"image/jpeg", "image/png", "image/heic", "image/heif", "image/webp"}},
	Video:     {MaxSize, []string{"video/mp4", "video/quicktime"}},
	Document:  {25 * MiB, []string{"application/pdf", "image/jpeg", "image/png", "image/heic", "image/heif", "image/webp", "image/gif", "image/tiff"}},
	Signature: {2 * MiB, []string{"image/png", "image/jpeg"}},
}

// Kinds lists the kinds in a stable order, for documentation and enums.
func Kinds() []Kind { return []Kind{Photo, Video, Document, Signature} }

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { _, ok := rules[k]; return ok }

// Limit is the largest artifact of kind k in bytes (0 for an unknown kind).
func (k Kind) Limit() int64 { return rules[k].limit }

// Types lists the content types accepted for kind k.
func (k Kind) Types() []string { return append([]string(nil), rules[k].types...) }

// TooLargeError is returned when an artifact exceeds its kind's limit; the
// API answers it with 413 Content Too Large.
type TooLargeError struct {
	Kind  Kind
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("a %s may be at most %d bytes (%d MiB)", e.Kind, e.Limit, e.Limit/MiB)
}

// IsTooLarge reports whether err is (or wraps) a *TooLargeError.
func IsTooLarge(err error) bool {
	var e *TooLargeError
	return errors.As(err, &e)
}

// Meta is what Receive learnt about the bytes it stored.
type Meta struct {
	Key         string
	ContentType string // the sniffed type, never only what the client claimed
	Size        int64
	SHA256      string // lowercase hex
}
