package api

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
)

// TestArtifactRoutesDocumented: the streaming upload, which huma does not
// read itself, still appears in the OpenAPI document with every body type,
// and the download with its binary response.
func TestArtifactRoutesDocumented(t *testing.T) {
	a := &API{mux: http.NewServeMux(), log: slog.New(slog.DiscardHandler)}
	a.huma = humago.New(a.mux, huma.DefaultConfig("test", "1"))
	a.artifactRoutes()
	b, err := json.Marshal(a.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]any `json:"content"`
			} `json:"requestBody"`
			Responses map[string]struct {
				Content map[string]any `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	up := doc.Paths["/v1/jobs/{id}/artifacts"]["post"]
	for _, ct := range []string{"image/jpeg", "image/png", "image/heic", "video/mp4", "video/quicktime", "application/pdf", "multipart/form-data"} {
		if up.RequestBody.Content[ct] == nil {
			t.Errorf("upload documents no %s body", ct)
		}
	}
	if up.RequestBody.Content["image/svg+xml"] != nil {
		t.Error("upload documents SVG")
	}
	for _, status := range []string{"201", "404", "413", "422"} {
		if _, ok := up.Responses[status]; !ok {
			t.Errorf("upload does not document %s", status)
		}
	}
	if doc.Paths["/v1/jobs/{id}/artifacts/{artifact_id}/content"]["get"].Responses["200"].Content["application/octet-stream"] == nil {
		t.Error("download is not documented as binary")
	}
}

// TestUploadBypass: only the upload route lets more than MaxBody through
// and skips the body-buffering middleware; every other route keeps both.
func TestUploadBypass(t *testing.T) {
	var read int
	var buffered bool
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		read = int(n)
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		}
	})
	buffer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			buffered = true
			next.ServeHTTP(w, r)
		})
	}
	srv := httptest.NewServer(limitBodies(skipForUploads(buffer, handler)))
	defer srv.Close()
	big := bytes.Repeat([]byte("x"), MaxBody+1)
	for _, c := range []struct {
		method, path string
		upload       bool
	}{
		{"POST", "/v1/jobs/0190a0b1/artifacts", true},
		{"PUT", "/v1/jobs/0190a0b1/artifacts", false},
		{"POST", "/v1/jobs/0190a0b1/complete", false},
		{"POST", "/v1/jobs/0190a0b1/artifacts/extra", false},
		{"POST", "/v1/jobs/a/b/artifacts", false},
		{"POST", "/v1/work-orders", false},
	} {
		read, buffered = 0, false
		req, _ := http.NewRequest(c.method, srv.URL+c.path, io.MultiReader(bytes.NewReader(big)))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if c.upload != (res.StatusCode == http.StatusOK && read == len(big)) || c.upload == buffered {
			t.Errorf("%s %s: status %d, read %d, buffered %v", c.method, c.path, res.StatusCode, read, buffered)
		}
	}
}
