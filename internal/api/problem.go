package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// Problem is an RFC 9457 problem details body. Every error the API returns
// has this shape; Errors names each bad field and the reason.
type Problem struct {
	Type    string         `json:"type,omitempty" doc:"A URI reference identifying the problem type"`
	Title   string         `json:"title" doc:"Short summary of the problem type"`
	Status  int            `json:"status" doc:"HTTP status code"`
	Detail  string         `json:"detail,omitempty" doc:"Explanation specific to this occurrence"`
	Code    string         `json:"code,omitempty" doc:"Machine-readable fieldhub error code"`
	Errors  []ProblemField `json:"errors,omitempty" doc:"The fields at fault and why"`
	Extra   map[string]any `json:"extra,omitempty" doc:"Code-specific detail, e.g. allowed transitions"`
	headers http.Header
}

// ProblemField is one bad field: where it is and why it is bad.
type ProblemField struct {
	Field  string `json:"field" doc:"Location of the field, e.g. body.contacts[0].email or query.limit"`
	Reason string `json:"reason"`
	Value  any    `json:"value,omitempty"`
}

func (p *Problem) Error() string  { return p.Title + ": " + p.Detail }
func (p *Problem) GetStatus() int { return p.Status }
func (p *Problem) GetHeaders() http.Header {
	if p.headers == nil {
		p.headers = http.Header{}
	}
	return p.headers
}

// ContentType makes huma send problems as application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

var statusOf = map[fault.Code]int{
	fault.Invalid:      http.StatusUnprocessableEntity,
	fault.NotFound:     http.StatusNotFound,
	fault.Conflict:     http.StatusConflict,
	fault.Forbidden:    http.StatusForbidden,
	fault.Unauthorized: http.StatusUnauthorized,
	fault.Unavailable:  http.StatusServiceUnavailable,
	fault.Stale:        http.StatusPreconditionFailed,
	fault.RateLimited:  http.StatusTooManyRequests,
	fault.Internal:     http.StatusInternalServerError,
}

// StatusOf maps a fault code to its HTTP status.
func StatusOf(c fault.Code) int {
	if s, ok := statusOf[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// problemFrom converts any error a handler returns into a Problem. Faults
// keep their message; anything else is logged and shown as "internal error".
func problemFrom(ctx context.Context, log *slog.Logger, err error) error {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var se huma.StatusError
	if errors.As(err, &se) {
		return se
	}
	var fe *fault.Error
	if !errors.As(err, &fe) {
		if errors.Is(err, context.Canceled) {
			return newProblem(499, "request cancelled")
		}
		log.ErrorContext(ctx, "internal error", "err", err, "request_id", RequestID(ctx))
		return newProblem(http.StatusInternalServerError, "internal error")
	}
	status := StatusOf(fe.Code)
	if fe.Code == fault.Internal {
		log.ErrorContext(ctx, "internal error", "err", err, "request_id", RequestID(ctx))
		return newProblem(status, "internal error")
	}
	out := newProblem(status, fe.Message)
	out.Code = string(fe.Code)
	out.Extra = fe.Detail
	for _, f := range fe.Fields {
		field := f.Field
		if !strings.Contains(field, ".") || !isLocationPrefix(field) {
			field = "body." + field
		}
		out.Errors = append(out.Errors, ProblemField{Field: field, Reason: f.Reason})
	}
	if fe.Code == fault.RateLimited {
		out.GetHeaders().Set("Retry-After", "60")
	}
	return out
}

func isLocationPrefix(field string) bool {
	for _, p := range []string{"body.", "query.", "path.", "header."} {
		if strings.HasPrefix(field, p) {
			return true
		}
	}
	return false
}

func newProblem(status int, detail string) *Problem {
	title := http.StatusText(status)
	if title == "" {
		title = "Client Closed Request"
	}
	return &Problem{Type: "about:blank", Title: title, Status: status, Detail: detail}
}

var missingProperty = regexp.MustCompile(`^expected required property (\S+) to be present$`)

// scalar keeps a rejected value when it is a single value; huma reports
// whole objects for some errors, which would echo the request body back.
func scalar(v any) any {
	switch v.(type) {
	case map[string]any, []any:
		return nil
	}
	return v
}

func init() {
	// huma's own errors (parameter parsing, schema validation, unknown
	// fields, body too large) come out in the same Problem shape.
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		p := newProblem(status, msg)
		for _, e := range errs {
			if e == nil {
				continue
			}
			var d huma.ErrorDetailer
			if errors.As(e, &d) {
				det := d.ErrorDetail()
				field, reason := det.Location, det.Message
				// huma reports a missing property on its parent; name the property itself.
				if m := missingProperty.FindStringSubmatch(reason); m != nil {
					field, reason = field+"."+m[1], "is required"
				}
				p.Errors = append(p.Errors, ProblemField{Field: field, Reason: reason, Value: scalar(det.Value)})
				continue
			}
			p.Errors = append(p.Errors, ProblemField{Reason: e.Error()})
		}
		if status == http.StatusUnprocessableEntity || status == http.StatusBadRequest {
			p.Code = string(fault.Invalid)
		}
		return p
	}
}
