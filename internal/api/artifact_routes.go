package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/fieldhub/fieldhub/internal/artifact"
	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// transferTime is how long one upload or download may take, replacing the
// server's read and write timeouts (sized for small JSON bodies) on these
// routes only: 200 MiB in 15 minutes is about 230 KB/s, a poor mobile link.
const transferTime = 15 * time.Minute

// uploadInput is an upload: the file is the raw body (with its own
// Content-Type), or the part named "file" of a multipart/form-data body.
// huma never reads the body itself; Resolve hands the handler the request
// so that it can stream.
type uploadInput struct {
	ID      string `path:"id" doc:"Job id"`
	Kind    string `query:"kind" required:"true" enum:"photo,video,document,signature" doc:"What the file is; each kind has its own types and size limit"`
	Caption string `query:"caption" maxLength:"500" doc:"A short description shown with the file"`
	req     *http.Request
	w       http.ResponseWriter
}

// Resolve captures the request for streaming.
func (in *uploadInput) Resolve(ctx huma.Context) []error {
	in.req, in.w = humago.Unwrap(ctx)
	return nil
}

type artifactInput struct {
	ID         string `path:"id" doc:"Job id"`
	ArtifactID string `path:"artifact_id" doc:"Artifact id"`
}

type artifactOutput struct {
	Status   int
	Location string `header:"Location"`
	Body     *dispatch.Artifact
}

type contentOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentLength      string `header:"Content-Length"`
	ContentDisposition string `header:"Content-Disposition"`
	NoSniff            string `header:"X-Content-Type-Options"`
	CSP                string `header:"Content-Security-Policy"`
	ETag               string `header:"ETag" doc:"The SHA-256 of the content"`
	Body               func(huma.Context)
}

// isUpload reports whether r is an artifact upload, matched exactly as the
// route is, for the middleware that must treat uploads differently.
var isUpload = func() func(*http.Request) bool {
	m := http.NewServeMux()
	m.Handle("POST /v1/jobs/{id}/artifacts", http.NotFoundHandler())
	return func(r *http.Request) bool { _, p := m.Handler(r); return p != "" }
}()

// skipForUploads applies mw to every request except uploads. Idempotency
// fingerprints whole bodies, which an upload of up to 200 MiB must not be
// held in memory for; uploads are instead idempotent by content (see the
// operation's description), so an Idempotency-Key on them is ignored.
func skipForUploads(mw func(http.Handler) http.Handler, next http.Handler) http.Handler {
	wrapped := mw(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isUpload(r) {
			next.ServeHTTP(w, r)
			return
		}
		wrapped.ServeHTTP(w, r)
	})
}

// limitBodies caps request bodies at MaxBody, and uploads at the largest
// artifact any kind allows; the upload then applies its kind's own limit.
func limitBodies(next http.Handler) http.Handler {
	small, large := LimitBody(MaxBody, next), LimitBody(artifact.MaxSize, next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isUpload(r) {
			large.ServeHTTP(w, r)
			return
		}
		small.ServeHTTP(w, r)
	})
}

// uploadDesc documents the upload, with the table of each kind's types and
// limit read from the rules Receive enforces, so the two cannot disagree.
var uploadDesc = "Send the file as the request body with its Content-Type (`curl --data-binary @photo.jpg -H 'Content-Type: image/jpeg'`), " +
	"or as the part named `file` of a multipart/form-data body. The type is checked against the content itself.\n\n" +
	kindTable() + "\n" +
	"SVG is refused for every kind. Larger files are refused with 413 and nothing is kept. " +
	"The contractor holding the job may upload while it is under way; so may staff (ops, csr).\n\n" +
	"Uploads are idempotent by content: sending the same bytes as the same kind to the same job again answers 200 with the " +
	"artifact already kept (its first caption stays) instead of storing a copy, so a retry after a lost response is safe. " +
	"An `Idempotency-Key` header is ignored here, because honouring it would mean holding the whole file in memory."

// kindTable is a Markdown table of the artifact kinds, their types and limits.
func kindTable() string {
	var b strings.Builder
	b.WriteString("| kind | types | limit |\n|---|---|---|\n")
	for _, k := range artifact.Kinds() {
		fmt.Fprintf(&b, "| %s | %s | %d MiB |\n", k, strings.Join(k.Types(), ", "), k.Limit()/artifact.MiB)
	}
	return b.String()
}

func (a *API) artifactRoutes() {
	tags := []string{"Jobs"}
	binary := &huma.Schema{Type: "string", Format: "binary"}
	upload := &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{}}
	for _, k := range artifact.Kinds() {
		for _, t := range k.Types() {
			upload.Content[t] = &huma.MediaType{Schema: binary}
		}
	}
	register(a, huma.Operation{
		OperationID: "upload-job-artifact", Method: http.MethodPost, Path: "/v1/jobs/{id}/artifacts", Tags: tags,
		Summary: "Upload a photo, video, document or signature", Description: uploadDesc,
		DefaultStatus: http.StatusCreated, RequestBody: upload,
		Errors: []int{http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
	}, a.uploadArtifact)
	// Added after registering: huma would read and buffer a body it sees a
	// schema for, and the upload must stream.
	upload.Content["multipart/form-data"] = &huma.MediaType{Schema: &huma.Schema{Type: "object", Required: []string{"file"},
		Properties: map[string]*huma.Schema{"file": binary}}}
	register(a, huma.Operation{
		OperationID: "list-job-artifacts", Method: http.MethodGet, Path: "/v1/jobs/{id}/artifacts", Tags: tags,
		Summary: "A job's files", Description: "Staff, and the contractor holding (or who completed) the job. Oldest first.",
	}, func(ctx context.Context, in *jobIDInput) (*listOutput[dispatch.Artifact], error) {
		c, err := a.jobAccess(ctx, in.ID, "list-job-artifacts", true, jobRead)
		if err != nil {
			return nil, err
		}
		items, err := a.Dispatch.Artifacts(ctx, c, in.ID)
		if err != nil {
			return nil, err
		}
		return list(items, ""), nil
	})
	register(a, huma.Operation{
		OperationID: "get-job-artifact", Method: http.MethodGet, Path: "/v1/jobs/{id}/artifacts/{artifact_id}", Tags: tags,
		Summary: "A job's file: what it is",
	}, func(ctx context.Context, in *artifactInput) (*artifactOutput, error) {
		c, err := a.jobAccess(ctx, in.ID, "get-job-artifact", true, jobRead)
		if err != nil {
			return nil, err
		}
		art, err := a.Dispatch.Artifact(ctx, c, in.ID, in.ArtifactID)
		if err != nil {
			return nil, err
		}
		return &artifactOutput{Status: http.StatusOK, Body: art}, nil
	})
	register(a, huma.Operation{
		OperationID: "download-job-artifact", Method: http.MethodGet, Path: "/v1/jobs/{id}/artifacts/{artifact_id}/content", Tags: tags,
		Summary: "Download a job's file", Description: "The bytes as uploaded, always as an attachment.",
		Responses: map[string]*huma.Response{"200": {Description: "The file", Content: map[string]*huma.MediaType{
			"application/octet-stream": {Schema: binary}}}},
	}, a.downloadArtifact)
}

// uploadArtifact checks the caller may upload before reading a byte, then
// streams the file into the store and records it on the job.
func (a *API) uploadArtifact(ctx context.Context, in *uploadInput) (*artifactOutput, error) {
	c, err := a.jobAccess(ctx, in.ID, "upload-job-artifact", true, jobWrite)
	if err != nil {
		return nil, err
	}
	if err := a.Dispatch.CanUpload(ctx, c, in.ID); err != nil {
		return nil, err
	}
	if a.Artifacts == nil {
		return nil, fault.Errorf(fault.Unavailable, "file storage is not available")
	}
	kind, contentType := artifact.Kind(in.Kind), in.req.Header.Get("Content-Type")
	multi := isMultipart(contentType)
	if !multi && in.req.ContentLength > kind.Limit() {
		return nil, tooLarge(&artifact.TooLargeError{Kind: kind, Limit: kind.Limit()})
	}
	rc := http.NewResponseController(in.w)
	_ = rc.SetReadDeadline(time.Now().Add(transferTime))
	_ = rc.SetWriteDeadline(time.Now().Add(transferTime + time.Minute))

	body, declared := io.Reader(in.req.Body), contentType
	if multi {
		if body, declared, err = filePart(in.req, kind); err != nil {
			return nil, err
		}
	}
	key, err := artifact.JobKey(in.ID)
	if err != nil {
		return nil, err
	}
	meta, err := artifact.Receive(ctx, a.Artifacts, key, kind, declared, body)
	if err != nil {
		return nil, receiveProblem(err, multi)
	}
	art, created, err := a.Dispatch.AddArtifact(ctx, c, in.ID, dispatch.Artifact{Kind: in.Kind, ContentType: meta.ContentType,
		Size: meta.Size, SHA256: meta.SHA256, Caption: in.Caption, Key: meta.Key})
	if err != nil || !created {
		a.dropArtifact(ctx, key) // not recorded, or a retry of bytes the job keeps already
	}
	if err != nil {
		return nil, err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	return &artifactOutput{Status: status, Location: artifactPath(art), Body: art}, nil
}

func isMultipart(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "multipart/form-data"
}

// filePart finds the part named "file" of a multipart body and its type,
// reading as a stream: parts before it are skipped, never buffered.
func filePart(r *http.Request, kind artifact.Kind) (io.Reader, string, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", fieldProblem("header.Content-Type", "multipart/form-data needs a boundary")
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, "", tooLarge(&artifact.TooLargeError{Kind: kind, Limit: kind.Limit()})
			}
			return nil, "", fieldProblem("body.file", "is required: send the file as the multipart part named file")
		}
		if part.FormName() == "file" {
			return part, part.Header.Get("Content-Type"), nil
		}
		_, _ = io.Copy(io.Discard, part)
	}
}

// dropArtifact deletes bytes that will not be recorded; failing that, they
// are only unreferenced, so the failure is logged rather than returned.
func (a *API) dropArtifact(ctx context.Context, key string) {
	if err := a.Artifacts.Delete(context.WithoutCancel(ctx), key); err != nil {
		a.log.ErrorContext(ctx, "delete unrecorded artifact", "key", key, "err", err, "request_id", RequestID(ctx))
	}
}

func artifactPath(art *dispatch.Artifact) string {
	return "/v1/jobs/" + art.JobID + "/artifacts/" + art.ID
}

// downloadArtifact streams a job's file. Whatever the file holds, browsers
// are told to save it, not render it: attachment, nosniff and a sandboxing
// Content-Security-Policy.
func (a *API) downloadArtifact(ctx context.Context, in *artifactInput) (*contentOutput, error) {
	c, err := a.jobAccess(ctx, in.ID, "download-job-artifact", true, jobRead)
	if err != nil {
		return nil, err
	}
	art, err := a.Dispatch.Artifact(ctx, c, in.ID, in.ArtifactID)
	if err != nil {
		return nil, err
	}
	if a.Artifacts == nil {
		return nil, fault.Errorf(fault.Unavailable, "file storage is not available")
	}
	rc, err := a.Artifacts.Open(ctx, art.Key)
	if err != nil {
		return nil, err
	}
	name := art.Kind + "-" + art.ID + extension(art.ContentType)
	return &contentOutput{
		ContentType: art.ContentType, ContentLength: itoa(art.Size),
		ContentDisposition: mime.FormatMediaType("attachment", map[string]string{"filename": name}),
		NoSniff:            "nosniff", CSP: "default-src 'none'; sandbox", ETag: `"` + art.SHA256 + `"`,
		Body: func(hc huma.Context) {
			defer rc.Close()
			_, w := humago.Unwrap(hc)
			_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(transferTime))
			hc.SetStatus(http.StatusOK)
			if _, err := io.Copy(hc.BodyWriter(), rc); err != nil && ctx.Err() == nil {
				a.log.WarnContext(ctx, "artifact download cut short", "artifact_id", art.ID, "err", err, "request_id", RequestID(ctx))
			}
		},
	}, nil
}
