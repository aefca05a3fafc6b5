package artifact_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/fieldhub/fieldhub/internal/artifact"
)

func TestReceiveAcceptsEachKindsTypes(t *testing.T) {
	cases := []struct {
		kind     artifact.Kind
		declared string
		head     []byte
		want     string
	}{
		{artifact.Photo, "image/jpeg", jpegHead, "image/jpeg"},
		{artifact.Photo, "image/jpg", jpegHead, "image/jpeg"},
		{artifact.Photo, "image/png", pngHead, "image/png"},
		{artifact.Photo, "image/heic", heicHead, "image/heic"},
		{artifact.Photo, "image/heif", heicHead, "image/heif"},
		{artifact.Photo, "image/heic", heifHead, "image/heic"},
		{artifact.Photo, "image/webp", webpHead, "image/webp"},
		{artifact.Photo, "", jpegHead, "image/jpeg"},
		{artifact.Photo, "application/octet-stream", pngHead, "image/png"},
		{artifact.Video, "video/mp4", mp4Head, "video/mp4"},
		{artifact.Video, "video/quicktime", movHead, "video/quicktime"},
		{artifact.Document, "application/pdf", pdfHead, "application/pdf"},
		{artifact.Document, "image/png", pngHead, "image/png"},
		{artifact.Document, "image/gif", gifHead, "image/gif"},
		{artifact.Document, "image/tiff", tiffHead, "image/tiff"},
		{artifact.Document, "IMAGE/JPEG; charset=binary", jpegHead, "image/jpeg"},
		{artifact.Signature, "image/png", pngHead, "image/png"},
		{artifact.Signature, "image/jpeg", jpegHead, "image/jpeg"},
	}
	for _, c := range cases {
		t.Run(string(c.kind)+" "+c.declared+" "+c.want, func(t *testing.T) {
			disk := newDisk(t)
			body := file(c.head, 4000)
			m, err := artifact.Receive(context.Background(), disk, "jobs/j1/a1", c.kind, c.declared, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(body)
			if m.ContentType != c.want || m.Size != int64(len(body)) || m.SHA256 != hex.EncodeToString(sum[:]) || m.Key != "jobs/j1/a1" {
				t.Fatalf("meta = %+v", m)
			}
			if got := read(t, disk, m.Key); !bytes.Equal(got, body) {
				t.Fatal("stored bytes differ from the upload")
			}
		})
	}
}

func TestReceiveRefuses(t *testing.T) {
	cases := []struct {
		name     string
		kind     artifact.Kind
		declared string
		body     []byte
		field    string
		reason   string
	}{
		{"unknown kind", "selfie", "image/png", pngHead, artifact.FieldKind, "must be one of"},
		{"png declared as pdf", artifact.Document, "application/pdf", pngHead, artifact.FieldBody, "is image/png, not application/pdf as declared"},
		{"html declared as png", artifact.Photo, "image/png", htmlHead, artifact.FieldBody, "is text/html, not image/png"},
		{"undeclared html", artifact.Document, "", htmlHead, artifact.FieldBody, "is text/html; a document must be one of"},
		{"svg signature", artifact.Signature, "image/svg+xml", svgHead, artifact.FieldContentType, "image/svg+xml is not accepted for a signature"},
		{"svg document", artifact.Document, "image/svg+xml", svgHead, artifact.FieldContentType, "not accepted"},
		{"svg undeclared", artifact.Signature, "", svgHead, artifact.FieldBody, "a signature must be one of image/png, image/jpeg"},
		{"svg declared as png", artifact.Signature, "image/png", svgHead, artifact.FieldBody, "not image/png as declared"},
		{"pdf as photo", artifact.Photo, "application/pdf", pdfHead, artifact.FieldContentType, "not accepted for a photo"},
		{"heic signature", artifact.Signature, "image/heic", heicHead, artifact.FieldContentType, "not accepted"},
		{"mp4 declared as mov", artifact.Video, "video/quicktime", mp4Head, artifact.FieldBody, "is video/mp4, not video/quicktime"},
		{"jpeg as video", artifact.Video, "video/mp4", jpegHead, artifact.FieldBody, "is image/jpeg"},
		{"form-encoded claim", artifact.Photo, "application/x-www-form-urlencoded", jpegHead, artifact.FieldContentType, "not accepted"},
		{"not a media type", artifact.Photo, "image/", jpegHead, artifact.FieldContentType, "is not a media type"},
		{"empty body", artifact.Photo, "image/png", nil, artifact.FieldBody, "is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			disk := newDisk(t)
			_, err := artifact.Receive(context.Background(), disk, "jobs/j1/a1", c.kind, c.declared, bytes.NewReader(file(c.body, 0)))
			wantField(t, err, c.field)
			if !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("err = %v, want reason containing %q", err, c.reason)
			}
			if left := files(t, disk.Dir()); len(left) != 0 {
				t.Fatalf("refused upload left %v", left)
			}
		})
	}
}

func TestReceiveLimits(t *testing.T) {
	cases := []struct {
		kind  artifact.Kind
		head  []byte
		limit int64
	}{
		{artifact.Photo, jpegHead, 15 << 20},
		{artifact.Video, mp4Head, 200 << 20},
		{artifact.Document, pdfHead, 25 << 20},
		{artifact.Signature, pngHead, 2 << 20},
	}
	for _, c := range cases {
		t.Run(string(c.kind), func(t *testing.T) {
			if c.kind.Limit() != c.limit {
				t.Fatalf("Limit() = %d, want %d", c.kind.Limit(), c.limit)
			}
			store := &discard{}
			m, err := artifact.Receive(context.Background(), store, "k", c.kind, "", stream(c.head, c.limit))
			if err != nil || m.Size != c.limit {
				t.Fatalf("at the limit: meta %+v, err %v", m, err)
			}
			_, err = artifact.Receive(context.Background(), store, "k", c.kind, "", stream(c.head, c.limit+1))
			var tl *artifact.TooLargeError
			if !errors.As(err, &tl) || tl.Limit != c.limit || tl.Kind != c.kind {
				t.Fatalf("one byte over: err = %v, want TooLargeError", err)
			}
			if len(store.deleted) != 1 {
				t.Fatalf("deleted %v, want the aborted key deleted once", store.deleted)
			}
		})
	}
}

func TestReceiveOverLimitLeavesNothingOnDisk(t *testing.T) {
	disk := newDisk(t)
	// A signature's limit is 2 MiB; the stream would go on to 64 MiB.
	_, err := artifact.Receive(context.Background(), disk, "jobs/j1/big", artifact.Signature, "image/png", stream(pngHead, 64<<20))
	if !artifact.IsTooLarge(err) {
		t.Fatalf("err = %v, want too large", err)
	}
	if left := files(t, disk.Dir()); len(left) != 0 {
		t.Fatalf("aborted upload left %v", left)
	}
}

func TestReceiveBrokenStreamLeavesNothing(t *testing.T) {
	disk := newDisk(t)
	broken := io.MultiReader(bytes.NewReader(file(pngHead, 100_000)), iotest.ErrReader(errors.New("connection reset")))
	_, err := artifact.Receive(context.Background(), disk, "jobs/j1/a1", artifact.Photo, "image/png", broken)
	wantField(t, err, artifact.FieldBody)
	if left := files(t, disk.Dir()); len(left) != 0 {
		t.Fatalf("broken upload left %v", left)
	}
}

func TestReceiveCancelledLeavesNothing(t *testing.T) {
	disk := newDisk(t)
	ctx, cancel := context.WithCancel(context.Background())
	r := io.MultiReader(bytes.NewReader(file(pngHead, 1000)), readFunc(func([]byte) (int, error) {
		cancel()
		return 0, context.Canceled
	}))
	_, err := artifact.Receive(ctx, disk, "jobs/j1/a1", artifact.Photo, "image/png", r)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if left := files(t, disk.Dir()); len(left) != 0 {
		t.Fatalf("cancelled upload left %v", left)
	}
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }

func TestSniff(t *testing.T) {
	cases := map[string][]byte{
		"image/png":       pngHead,
		"image/jpeg":      jpegHead,
		"image/heic":      heicHead,
		"image/heif":      heifHead,
		"image/avif":      ftyp("avif", "avif", "mif1"),
		"video/mp4":       mp4Head,
		"video/quicktime": movHead,
		"application/pdf": pdfHead,
		"image/tiff":      []byte("MM\x00*\x00\x00\x00\x08"),
		"text/html":       htmlHead,
		"text/plain":      []byte("hello"),
	}
	for want, head := range cases {
		if got := artifact.Sniff(head); got != want {
			t.Errorf("Sniff(%q) = %q, want %q", head[:min(len(head), 16)], got, want)
		}
	}
	// A box that claims to be longer than the content, or is malformed,
	// must not be read past its end.
	for _, b := range [][]byte{[]byte("\xff\xff\xff\xffftypisom"), []byte("\x00\x00\x00\x05ftypisom\x00\x00")} {
		if got := artifact.Sniff(b); strings.HasPrefix(got, "video/") {
			t.Errorf("Sniff(%q) = %q", b, got)
		}
	}
}

// FuzzReceive checks that whatever arrives, Receive either stores exactly
// the bytes it was given under a type the kind accepts and the content
// really has, or stores nothing.
func FuzzReceive(f *testing.F) {
	for _, h := range [][]byte{pngHead, jpegHead, heicHead, mp4Head, movHead, pdfHead, htmlHead, svgHead, webpHead} {
		f.Add(file(h, 600), uint8(0), "")
		f.Add(h, uint8(3), "image/png")
	}
	kinds := append(artifact.Kinds(), "bogus")
	f.Fuzz(func(t *testing.T, body []byte, k uint8, declared string) {
		kind := kinds[int(k)%len(kinds)]
		store := &memStore{}
		m, err := artifact.Receive(context.Background(), store, "k", kind, declared, bytes.NewReader(body))
		if err != nil {
			if len(store.objects) != 0 {
				t.Fatalf("refused (%v) but kept %d objects", err, len(store.objects))
			}
			return
		}
		if !bytes.Equal(store.objects["k"], body) || m.Size != int64(len(body)) {
			t.Fatal("stored bytes differ")
		}
		accepted := false
		for _, ty := range kind.Types() {
			accepted = accepted || ty == m.ContentType
		}
		sniffed := artifact.Sniff(body)
		heif := func(s string) bool { return s == "image/heic" || s == "image/heif" }
		if !accepted || (sniffed != m.ContentType && !(heif(sniffed) && heif(m.ContentType))) {
			t.Fatalf("accepted %q as %s (sniffed %s)", declared, m.ContentType, sniffed)
		}
	})
}

// memStore keeps objects in memory.
type memStore struct{ objects map[string][]byte }

func (s *memStore) Put(_ context.Context, key string, r io.Reader) (int64, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return int64(len(b)), err
	}
	if s.objects == nil {
		s.objects = map[string][]byte{}
	}
	s.objects[key] = b
	return int64(len(b)), nil
}

func (s *memStore) Open(_ context.Context, key string) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(s.objects[key])), nil
}

func (s *memStore) Delete(_ context.Context, key string) error { delete(s.objects, key); return nil }
