// Package idempotency makes POST requests safe to retry, the way Stripe does.
// A client that sends an Idempotency-Key header gets exactly one execution per
// key: the first request runs, a retry with the same key and the same request
// gets the first response replayed, a retry with another request is refused,
// and a retry that arrives while the first is still running is told so (409)
// instead of running twice. Keys belong to the caller (the principal), so two
// callers never see each other's responses.
//
// Server errors (5xx) and 429s are not kept, so the client can retry them with
// the same key; every other response is kept for Options.TTL.
package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// Header is the request header that carries the client's key.
const Header = "Idempotency-Key"

// ReplayedHeader is set to "true" on a response that was replayed rather
// than produced by running the handler, so clients and logs can tell.
const ReplayedHeader = "Idempotent-Replayed"

// MaxKeyLen is the longest key accepted; Stripe's limit, long enough for any
// UUID or hash a client would use.
const MaxKeyLen = 255

// Defaults for the zero Options fields.
const (
	DefaultMaxBody     = 1 << 20
	DefaultTTL         = 24 * time.Hour
	DefaultLockTimeout = 2 * time.Minute
)

// maxStored bounds the response kept in memory and in the table. A larger
// response is still sent but not kept (the key is released), so memory stays
// bounded whatever a handler returns.
const maxStored = 1 << 20

// finishTimeout bounds the write that records a response, which runs even
// when the client has gone away.
const finishTimeout = 10 * time.Second

// Options configures Middleware.
type Options struct {
	// Principal names the caller a key belongs to; "" means anonymous, and
	// anonymous requests pass through without idempotency. Required.
	Principal func(*http.Request) string
	// MaxBody is the largest request body read for the fingerprint; larger
	// bodies get 413. Default DefaultMaxBody.
	MaxBody int64
	// TTL is how long a key is remembered; older rows are treated as absent.
	// Default DefaultTTL.
	TTL time.Duration
	// LockTimeout is how long a request may hold its key before another
	// request with the same key may take it over — the bound on how long a
	// crashed request blocks its key. Set it above the slowest handler.
	// Default DefaultLockTimeout.
	LockTimeout time.Duration
	// Logger receives store failures; default slog.Default().
	Logger *slog.Logger
}

// Middleware returns net/http middleware giving POST requests Stripe-style
// Idempotency-Key semantics, backed by the idempotency_keys table of store.
// It never holds a transaction while the handler runs, because the handler
// needs the store's (on SQLite, single) write connection too.
func Middleware(store *db.DB, opts Options) func(http.Handler) http.Handler {
	if opts.Principal == nil {
		panic("idempotency: Options.Principal is required")
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	m := &middleware{store: store, opts: opts, log: opts.Logger}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { m.serve(w, r, next) })
	}
}

type middleware struct {
	store *db.DB
	opts  Options
	log   *slog.Logger
}

// request identifies one use of a key.
type request struct {
	principal, key string
	method, path   string
	hash           string
}

func (m *middleware) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	values := r.Header.Values(Header)
	if r.Method != http.MethodPost || len(values) == 0 {
		next.ServeHTTP(w, r)
		return
	}
	principal := m.opts.Principal(r)
	if principal == "" {
		next.ServeHTTP(w, r)
		return
	}
	if len(values) > 1 {
		writeProblem(w, http.StatusBadRequest, "send one "+Header+" header, not several")
		return
	}
	key := values[0]
	if reason := checkKey(key); reason != "" {
		writeProblem(w, http.StatusBadRequest, Header+" "+reason)
		return
	}
	body, status, err := readBody(r, m.opts.MaxBody)
	if err != nil {
		writeProblem(w, status, err.Error())
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	rq := request{
		principal: principal,
		key:       key,
		method:    r.Method,
		path:      r.URL.EscapedPath(),
		hash:      fingerprint(r.Method, r.URL.EscapedPath(), r.URL.RawQuery, body),
	}

	c, err := m.claim(r.Context(), rq)
	if err != nil {
		m.storeFailed(w, r, "claim idempotency key", err)
		return
	}
	switch c.state {
	case mismatch:
		writeProblem(w, http.StatusUnprocessableEntity, Header+" reused with a different request")
	case inProgress:
		w.Header().Set("Retry-After", "1")
		writeProblem(w, http.StatusConflict, "a request with this "+Header+" is in progress")
	case replay:
		c.resp.replay(w)
	case acquired:
		m.run(w, r, next, rq, c.lock)
	}
}

// run executes the handler under a key this request holds, then records its
// response or, when the response must not be kept, releases the key.
func (m *middleware) run(w http.ResponseWriter, r *http.Request, next http.Handler, rq request, lock time.Time) {
	rec := newRecorder(w)
	finished := false
	defer func() {
		// A panicking handler (http.ErrAbortHandler included) leaves no
		// answer to keep; free the key at once rather than after LockTimeout.
		if !finished {
			m.release(r.Context(), rq, lock)
		}
	}()
	next.ServeHTTP(rec, r)
	finished = true

	resp, ok := rec.result()
	if ok && keep(resp.status) && secretBearing(resp) {
		resp = secretWithheld(resp.status)
	}
	switch {
	case !ok:
		m.log.WarnContext(r.Context(), "idempotent response too large to keep; key released",
			"principal", rq.principal, "path", rq.path, "limit", maxStored)
		m.release(r.Context(), rq, lock)
	case !keep(resp.status):
		m.release(r.Context(), rq, lock)
	default:
		m.complete(r.Context(), rq, lock, resp)
	}
}

// secretBearing reports whether the handler marked its response as holding
// a secret shown once (Cache-Control: no-store): such a body is never written
// to the idempotency table.
func secretBearing(resp response) bool {
	for _, v := range resp.header.Values("Cache-Control") {
		if strings.Contains(strings.ToLower(v), "no-store") {
			return true
		}
	}
	return false
}

// secretWithheld is what a retry of a secret-bearing request gets instead of
// the secret: the request is not run twice, and the answer says why there is
// nothing to replay.
func secretWithheld(status int) response {
	body, _ := json.Marshal(map[string]any{"type": "about:blank", "title": http.StatusText(http.StatusConflict),
		"status": http.StatusConflict, "detail": fmt.Sprintf("this request already succeeded (%d); its response held a secret "+
			"that is shown only once and is not kept, so it cannot be replayed: list the resources to find what it created", status)})
	return response{status: http.StatusConflict, contentType: "application/problem+json", header: http.Header{}, body: body}
}

// keep reports whether a response is remembered. Server errors and 429s are
// transient: a retry with the same key deserves a fresh attempt.
func keep(status int) bool {
	return status < 500 && status != http.StatusTooManyRequests
}

func (m *middleware) storeFailed(w http.ResponseWriter, r *http.Request, what string, err error) {
	if fault.Is(err, fault.Unavailable) {
		writeProblem(w, http.StatusServiceUnavailable, "database unavailable")
		return
	}
	m.log.ErrorContext(r.Context(), what, "err", err)
	writeProblem(w, http.StatusInternalServerError, "internal error")
}

// checkKey returns why key is unacceptable, or "" when it is fine.
func checkKey(key string) string {
	if key == "" {
		return "must not be empty"
	}
	if len(key) > MaxKeyLen {
		return "must be at most " + strconv.Itoa(MaxKeyLen) + " characters"
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c > 0x7e {
			return "must be printable ASCII"
		}
	}
	return ""
}

var errTooLarge = errors.New("request body too large")

// readBody reads the whole body, which the fingerprint needs, refusing more
// than limit bytes. It returns the status to answer with on error.
func readBody(r *http.Request, limit int64) ([]byte, int, error) {
	if r.ContentLength > limit {
		return nil, http.StatusRequestEntityTooLarge, errTooLarge
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, 0, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, http.StatusRequestEntityTooLarge, errTooLarge
	case err != nil:
		return nil, http.StatusBadRequest, errors.New("could not read request body")
	case int64(len(body)) > limit:
		return nil, http.StatusRequestEntityTooLarge, errTooLarge
	}
	return body, 0, nil
}

// fingerprint identifies the request a key was first used with. NUL cannot
// occur in a method, an escaped path or a raw query, so the parts cannot run
// into each other.
func fingerprint(method, path, query string, body []byte) string {
	h := sha256.New()
	io.WriteString(h, method)
	h.Write([]byte{0})
	io.WriteString(h, path)
	h.Write([]byte{0})
	io.WriteString(h, query)
	h.Write([]byte{0})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// detach keeps a write going after the client has disconnected, so the
// outcome of a handler that already ran is not lost, but bounds it.
func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
}
