package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/fieldhub/fieldhub/internal/artifact"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// receiveProblem turns artifact.Receive's refusals into problems whose
// fields name where the client put the bad thing: the kind in the query,
// the type in the Content-Type header (or the multipart part), the bytes
// in the body.
func receiveProblem(err error, multi bool) error {
	var tl *artifact.TooLargeError
	if errors.As(err, &tl) {
		return tooLarge(tl)
	}
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.Invalid {
		return err
	}
	where := map[string]string{artifact.FieldKind: "query.kind", artifact.FieldContentType: "header.Content-Type", artifact.FieldBody: "body"}
	if multi {
		where[artifact.FieldContentType], where[artifact.FieldBody] = "body.file", "body.file"
	}
	p := newProblem(http.StatusUnprocessableEntity, fe.Message)
	p.Code = string(fault.Invalid)
	for _, f := range fe.Fields {
		field := where[f.Field]
		if field == "" {
			field = "body." + f.Field
		}
		p.Errors = append(p.Errors, ProblemField{Field: field, Reason: f.Reason})
	}
	return p
}

// tooLarge is 413 Content Too Large, with the limit for clients to show.
func tooLarge(e *artifact.TooLargeError) *Problem {
	p := newProblem(http.StatusRequestEntityTooLarge, e.Error())
	p.Extra = map[string]any{"kind": string(e.Kind), "limit": e.Limit}
	return p
}

// fieldProblem is a 422 naming one field.
func fieldProblem(field, reason string) *Problem {
	p := newProblem(http.StatusUnprocessableEntity, "the artifact was refused")
	p.Code = string(fault.Invalid)
	p.Errors = []ProblemField{{Field: field, Reason: reason}}
	return p
}

// extensions name a download after its type, so that the saved file opens.
var extensions = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/heic": ".heic", "image/heif": ".heif", "image/webp": ".webp",
	"image/gif": ".gif", "image/tiff": ".tiff", "video/mp4": ".mp4", "video/quicktime": ".mov", "application/pdf": ".pdf",
}

func extension(contentType string) string { return extensions[contentType] }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
