package artifact

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/fieldhub/fieldhub/internal/fault"
)

// Field names in Receive's validation errors.
const (
	FieldKind        = "kind"
	FieldContentType = "content_type"
	FieldBody        = "body"
)

// undeclared are Content-Type values that say nothing about the file;
// with them the sniffed type alone decides.
var undeclared = map[string]bool{"": true, "application/octet-stream": true}

// Receive checks and stores one artifact of kind under key. declared is the
// client's Content-Type. The first SniffLen bytes decide the real type,
// which must be one the kind accepts and agree with declared (unless that
// says nothing, like application/octet-stream). The content then streams to
// store while being hashed and counted; past the kind's limit the upload
// stops with a *TooLargeError and nothing is kept. Any failure after
// storing began deletes what was stored.
//
// Errors: fault.Invalid naming FieldKind, FieldContentType or FieldBody;
// *TooLargeError; the context's error; anything else is the store failing.
func Receive(ctx context.Context, store Store, key string, kind Kind, declared string, r io.Reader) (Meta, error) {
	rule, ok := rules[kind]
	if !ok {
		return Meta{}, invalid(FieldKind, "must be one of photo, video, document, signature")
	}
	want, err := declaredType(kind, declared)
	if err != nil {
		return Meta{}, err
	}
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(r, head)
	head = head[:n]
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return Meta{}, readFailure(ctx, kind, rule.limit, err)
	}
	if n == 0 {
		return Meta{}, invalid(FieldBody, "is empty")
	}
	got := Sniff(head)
	switch {
	case want != "" && !same(want, got):
		return Meta{}, invalid(FieldBody, fmt.Sprintf("is %s, not %s as declared", got, want))
	case !slices.Contains(rule.types, got):
		return Meta{}, invalid(FieldBody, fmt.Sprintf("is %s; a %s must be one of %s", got, kind, strings.Join(rule.types, ", ")))
	}
	if want != "" {
		got = want // heic and heif agree; keep the client's name for it
	}

	h := sha256.New()
	lr := &limitReader{r: io.MultiReader(bytes.NewReader(head), r), left: rule.limit}
	size, err := store.Put(ctx, key, io.TeeReader(lr, h))
	if err == nil && size != lr.read {
		err = fmt.Errorf("store kept %d of %d bytes", size, lr.read)
	}
	if err != nil {
		if derr := store.Delete(context.WithoutCancel(ctx), key); derr != nil {
			err = errors.Join(err, fmt.Errorf("delete partial artifact %s: %w", key, derr))
		}
		return Meta{}, putFailure(ctx, kind, rule.limit, err)
	}
	return Meta{Key: key, ContentType: got, Size: size, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// declaredType checks the client's Content-Type against the kind; "" means
// the client did not say.
func declaredType(kind Kind, declared string) (string, error) {
	t, ok := normalize(declared)
	if strings.TrimSpace(declared) == "" || ok && undeclared[t] {
		return "", nil
	}
	if !ok {
		return "", invalid(FieldContentType, fmt.Sprintf("%q is not a media type", declared))
	}
	if !slices.Contains(rules[kind].types, t) {
		return "", invalid(FieldContentType, fmt.Sprintf("%s is not accepted for a %s; send one of %s",
			t, kind, strings.Join(rules[kind].types, ", ")))
	}
	return t, nil
}

func invalid(field, reason string) error {
	return &fault.Error{Code: fault.Invalid, Message: "the artifact was refused",
		Fields: []fault.FieldError{{Field: field, Reason: reason}}}
}

// errOverLimit is limitReader's signal; Receive turns it into *TooLargeError.
var errOverLimit = errors.New("over the limit")

// readError marks a failure of the client's stream, as opposed to the store.
type readError struct{ err error }

func (e readError) Error() string { return "read upload: " + e.err.Error() }
func (e readError) Unwrap() error { return e.err }

// limitReader passes through at most left bytes and fails, rather than
// ending quietly, when there is more. It tags its source's errors.
type limitReader struct {
	r    io.Reader
	left int64
	read int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	if int64(n) > l.left {
		return 0, errOverLimit
	}
	l.left -= int64(n)
	l.read += int64(n)
	if err != nil && err != io.EOF {
		err = readError{err}
	}
	return n, err
}

// putFailure classifies why storing stopped.
func putFailure(ctx context.Context, kind Kind, limit int64, err error) error {
	var re readError
	switch {
	case errors.Is(err, errOverLimit):
		return &TooLargeError{Kind: kind, Limit: limit}
	case errors.As(err, &re):
		return readFailure(ctx, kind, limit, re.err)
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return fmt.Errorf("store artifact: %w", err)
}

// readFailure classifies a failure to read the client's stream: the
// server's own body limit, the client going away, or a broken upload.
func readFailure(ctx context.Context, kind Kind, limit int64, err error) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return &TooLargeError{Kind: kind, Limit: limit}
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return invalid(FieldBody, "could not be read to the end: "+err.Error())
}
