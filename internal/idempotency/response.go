package idempotency

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// response is what is kept under a key and replayed.
type response struct {
	status      int
	contentType string
	header      http.Header // without Content-Type, which has its own column
	body        []byte
}

// replay writes the kept response again, marked as a replay.
func (resp response) replay(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range resp.header {
		h[k] = slices.Clone(v)
	}
	if resp.contentType != "" {
		h.Set("Content-Type", resp.contentType)
	}
	h.Set(ReplayedHeader, "true")
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

// unkept are headers that describe one transmission, not the response, or
// must never be handed out twice (a cookie minted for one login).
var unkept = map[string]bool{
	"Content-Length":    true,
	"Date":              true,
	"Connection":        true,
	"Keep-Alive":        true,
	"Transfer-Encoding": true,
	"Trailer":           true,
	"Upgrade":           true,
	"Set-Cookie":        true,
	ReplayedHeader:      true,
}

// recorder passes the handler's response through to the client and keeps a
// copy of its status, the headers the handler set and up to maxStored bytes
// of body.
type recorder struct {
	http.ResponseWriter
	// before holds the headers outer middleware had set before the handler
	// ran (a request id, say); they belong to this request, not the response.
	before   http.Header
	status   int
	header   http.Header
	body     bytes.Buffer
	overflow bool
}

func newRecorder(w http.ResponseWriter) *recorder {
	return &recorder{ResponseWriter: w, before: w.Header().Clone()}
}

// WriteHeader implements http.ResponseWriter.
func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 && code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		// Informational (103 Early Hints): not the final status.
		rec.ResponseWriter.WriteHeader(code)
		return
	}
	if rec.status == 0 {
		rec.status = code
		rec.header = rec.snapshot()
	}
	rec.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.WriteHeader(http.StatusOK)
	}
	if !rec.overflow {
		if rec.body.Len()+len(p) > maxStored {
			rec.overflow = true
			rec.body = bytes.Buffer{}
		} else {
			rec.body.Write(p)
		}
	}
	return rec.ResponseWriter.Write(p)
}

// Flush lets streaming handlers flush through the recorder.
func (rec *recorder) Flush() {
	if rec.status == 0 {
		rec.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(rec.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the real writer.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// snapshot copies the headers the handler set or changed.
func (rec *recorder) snapshot() http.Header {
	out := http.Header{}
	for k, v := range rec.ResponseWriter.Header() {
		if unkept[k] || strings.HasPrefix(k, http.TrailerPrefix) || slices.Equal(rec.before[k], v) {
			continue
		}
		out[k] = slices.Clone(v)
	}
	return out
}

// result returns the recorded response; ok is false when the body was too
// large to keep.
func (rec *recorder) result() (resp response, ok bool) {
	if rec.overflow {
		return response{}, false
	}
	if rec.status == 0 {
		// The handler wrote nothing: net/http sends 200 with no body.
		rec.status = http.StatusOK
		rec.header = rec.snapshot()
	}
	h := rec.header.Clone()
	ct := h.Get("Content-Type")
	h.Del("Content-Type")
	return response{status: rec.status, contentType: ct, header: h, body: bytes.Clone(rec.body.Bytes())}, true
}

// writeProblem answers with an RFC 9457 problem. The title of an about:blank
// problem is the status phrase; detail says what went wrong this time.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	body, _ := json.Marshal(struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}{"about:blank", http.StatusText(status), status, detail})
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
