package app_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"mime/multipart"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/fieldhub/fieldhub/internal/app"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// artifactWorld is a running server whose artifacts go to a directory of
// the test's own, with two contractors, Ann and Bob.
type artifactWorld struct {
	*install
	dir         string
	contractors map[string]string // name → contractor id
}

func startArtifacts(t *testing.T, e db.Engine) artifactWorld {
	t.Helper()
	w := artifactWorld{dir: filepath.Join(t.TempDir(), "artifacts"), contractors: map[string]string{}}
	w.install = startServerWith(t, e, setup{
		config: func(cfg *app.Config) { cfg.ArtifactDir = w.dir },
		seed: func(a *app.App) {
			for _, name := range []string{"Ann", "Bob"} {
				w.contractors[name] = addContractor(t, a, name, "75231", 50)
			}
		}})
	return w
}

// upload POSTs body to a job's artifacts. With chunked the size is hidden,
// so the server cannot refuse it before reading.
func upload(c *client, jobID, query, contentType string, body []byte, chunked bool, headers ...string) response {
	c.t.Helper()
	var rd io.Reader = bytes.NewReader(body)
	if chunked {
		rd = io.MultiReader(rd)
	}
	return c.send("POST", "/v1/jobs/"+jobID+"/artifacts?"+query, contentType, rd, headers...)
}

// sample is a file of n bytes that starts as the format head says.
func sample(head string, n int) []byte {
	b := make([]byte, n)
	copy(b, head)
	for i := len(head); i < n; i++ {
		b[i] = byte(i*31 + i>>8)
	}
	return b
}

const (
	jpegMagic = "\xff\xd8\xff\xe0\x00\x10JFIF\x00"
	pngMagic  = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
)

// stored counts the files kept under dir.
func stored(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if p == dir && err != nil {
			return nil // not made yet: nothing kept
		}
		if err == nil && !e.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// multipartFile wraps data as the part named file.
func multipartFile(t *testing.T, contentType string, data []byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("note", "ignored")
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{`form-data; name="file"; filename="sig.png"`}
	h["Content-Type"] = []string{contentType}
	part, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(data)
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func TestJobArtifacts(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startArtifacts(t, e)
			ops, viewer := w.login(t, "ops@test.example"), w.login(t, "viewer@test.example")
			ann, bob := w.login(t, "ann@c.example"), w.login(t, "bob@c.example")
			artifactAccess(t, w, ops, viewer, ann, bob)
			artifactRetry(t, w, ops)
		})
	}
}

// artifactAccess: the awarded contractor uploads a photo and a signature;
// another contractor gets 404, a viewer 403; wrong types 422, too large
// 413 with nothing kept; staff download the bytes back identical.
func artifactAccess(t *testing.T, w artifactWorld, ops, viewer, ann, bob *client) {
	woID := newWorkOrder(t, w.world, "PO-ARTIFACTS")
	r := ops.do("POST", "/v1/work-orders/"+woID+"/jobs", jobBody(true))
	want(t, r, 201)
	id := r.json(t)["id"].(string)

	// Before the job is Bob's, he may not add files to it.
	photo := sample(jpegMagic, 300_000)
	want(t, upload(bob, id, "kind=photo", "image/jpeg", photo, false), 404)
	want(t, ops.do("POST", "/v1/jobs/"+id+"/assign", map[string]any{"contractor_id": w.contractors["Bob"]}), 200)

	// The awarded contractor uploads a photo as the raw body...
	r = upload(bob, id, "kind=photo&caption=Panel+before", "image/jpeg", photo, false)
	want(t, r, 201)
	art := r.json(t)
	sum := sha256.Sum256(photo)
	if art["kind"] != "photo" || art["content_type"] != "image/jpeg" || art["size"] != float64(len(photo)) ||
		art["sha256"] != hex.EncodeToString(sum[:]) || art["caption"] != "Panel before" || art["job_id"] != id {
		t.Fatalf("photo: %s", r.body)
	}
	photoID := art["id"].(string)
	if loc := r.header.Get("Location"); loc != "/v1/jobs/"+id+"/artifacts/"+photoID {
		t.Fatalf("Location %q", loc)
	}
	// ...and a signature as a multipart form.
	sig := sample(pngMagic, 20_000)
	ct, form := multipartFile(t, "image/png", sig)
	r = upload(bob, id, "kind=signature", ct, form, false)
	want(t, r, 201)
	sigID := r.json(t)["id"].(string)

	// Another contractor, a viewer and wrong files are refused; nothing more is kept.
	want(t, upload(ann, id, "kind=photo", "image/jpeg", photo, false), 404)
	want(t, ann.do("GET", "/v1/jobs/"+id+"/artifacts/"+photoID+"/content", nil), 404)
	want(t, ann.do("GET", "/v1/jobs/"+id+"/artifacts", nil), 404)
	want(t, upload(viewer, id, "kind=photo", "image/jpeg", photo, false), 403)
	html := []byte("<!DOCTYPE html><script>alert(1)</script>")
	r = upload(bob, id, "kind=photo", "image/png", html, false)
	want(t, r, 422)
	if !strings.Contains(string(r.body), `"field":"body"`) || !strings.Contains(string(r.body), "is text/html, not image/png") {
		t.Fatalf("422 body: %s", r.body)
	}
	r = upload(bob, id, "kind=signature", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), false)
	want(t, r, 422)
	if !strings.Contains(string(r.body), `"field":"header.Content-Type"`) {
		t.Fatalf("422 body: %s", r.body)
	}
	want(t, upload(bob, id, "kind=selfie", "image/png", sig, false), 422)

	// Too large: refused from the declared length, and when streamed without one.
	big := sample(pngMagic, 2<<20+1)
	for _, chunked := range []bool{false, true} {
		r = upload(bob, id, "kind=signature", "image/png", big, chunked)
		want(t, r, 413)
		if extra, _ := r.json(t)["extra"].(map[string]any); extra["limit"] != float64(2<<20) {
			t.Fatalf("413 body: %s", r.body)
		}
	}
	if n := stored(t, w.dir); n != 2 {
		t.Fatalf("%d files kept, want 2", n)
	}

	// Staff download the bytes back identical, as an attachment.
	r = ops.do("GET", "/v1/jobs/"+id+"/artifacts/"+photoID+"/content", nil)
	want(t, r, 200)
	if !bytes.Equal(r.body, photo) {
		t.Fatal("downloaded photo differs")
	}
	h := r.header
	if h.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") ||
		h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Length") != strconv.Itoa(len(photo)) {
		t.Fatalf("download headers: %v", h)
	}
	r = viewer.do("GET", "/v1/jobs/"+id+"/artifacts/"+sigID+"/content", nil)
	want(t, r, 200)
	if !bytes.Equal(r.body, sig) {
		t.Fatal("downloaded signature differs")
	}
	want(t, bob.do("GET", "/v1/jobs/"+id+"/artifacts/"+sigID+"/content", nil), 200)
	if items := list(t, ops.do("GET", "/v1/jobs/"+id+"/artifacts", nil)); len(items) != 2 || items[0]["id"] != photoID {
		t.Fatalf("list: %v", items)
	}
	r = ops.do("GET", "/v1/jobs/"+id+"/artifacts/"+photoID, nil)
	want(t, r, 200)
	if r.json(t)["sha256"] != hex.EncodeToString(sum[:]) {
		t.Fatalf("get: %s", r.body)
	}
}

// artifactRetry: an upload larger than the idempotency middleware's body
// limit still goes through with an Idempotency-Key, and a retry of the same
// bytes is the same artifact, not a copy.
func artifactRetry(t *testing.T, w artifactWorld, ops *client) {
	woID := newWorkOrder(t, w.world, "PO-RETRY")
	id := ops.do("POST", "/v1/work-orders/"+woID+"/jobs", jobBody(true)).json(t)["id"].(string)
	doc := sample("%PDF-1.7\n", 3<<20)
	first := upload(ops, id, "kind=document", "application/pdf", doc, false, "Idempotency-Key", "doc-1")
	want(t, first, 201)
	again := upload(ops, id, "kind=document&caption=retry", "application/pdf", doc, true, "Idempotency-Key", "doc-1")
	want(t, again, 200)
	if first.json(t)["id"] != again.json(t)["id"] || again.json(t)["caption"] != nil {
		t.Fatalf("retry: %s then %s", first.body, again.body)
	}
	// The same bytes as another kind are another artifact.
	jpeg := sample(jpegMagic, 1000)
	want(t, upload(ops, id, "kind=photo", "image/jpeg", jpeg, false), 201)
	want(t, upload(ops, id, "kind=document", "image/jpeg", jpeg, false), 201)
	if n := stored(t, w.dir); n != 2+3 {
		t.Fatalf("%d files kept, want 5", n)
	}
	if n := len(list(t, ops.do("GET", "/v1/jobs/"+id+"/artifacts", nil))); n != 3 {
		t.Fatalf("%d artifacts, want 3", n)
	}
	// Two retries of one upload at once: one is recorded, one answers with it.
	png := sample(pngMagic, 50_000)
	codes := make(chan int, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- upload(ops, id, "kind=photo", "image/png", png, false).status
		}()
	}
	wg.Wait()
	close(codes)
	got := map[int]int{}
	for c := range codes {
		got[c]++
	}
	if got[201] != 1 || got[200] != 1 {
		t.Fatalf("concurrent retries answered %v, want one 201 and one 200", got)
	}
	if n := len(list(t, ops.do("GET", "/v1/jobs/"+id+"/artifacts", nil))); n != 4 {
		t.Fatalf("%d artifacts after concurrent retries, want 4", n)
	}
	if n := stored(t, w.dir); n != 2+4 {
		t.Fatalf("%d files kept after concurrent retries, want 6", n)
	}
}
