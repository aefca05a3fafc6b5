package artifact_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"sync"
	"testing"

	"github.com/fieldhub/fieldhub/internal/artifact"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// Sample contents: the real leading bytes of each format, then filler.
var (
	pngHead  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	jpegHead = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")
	webpHead = []byte("RIFF\x00\x00\x00\x00WEBPVP8 ")
	gifHead  = []byte("GIF89a")
	tiffHead = []byte("II*\x00\x08\x00\x00\x00")
	pdfHead  = []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	heicHead = ftyp("heic", "mif1", "heic")
	heifHead = ftyp("mif1", "mif1")
	mp4Head  = ftyp("isom", "isom", "iso2", "avc1", "mp41")
	movHead  = ftyp("qt  ", "qt  ")
	htmlHead = []byte("<!DOCTYPE html><html><script>alert(document.cookie)</script>")
	svgHead  = []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
)

// ftyp builds an ISO base media "ftyp" box.
func ftyp(major string, compatible ...string) []byte {
	size := 16 + 4*len(compatible)
	b := make([]byte, 0, size)
	b = binary.BigEndian.AppendUint32(b, uint32(size))
	b = append(b, "ftyp"+major+"\x00\x00\x02\x00"...)
	for _, c := range compatible {
		b = append(b, c...)
	}
	return b
}

// file is head followed by filler up to size bytes (at least head).
func file(head []byte, size int) []byte {
	b := make([]byte, max(size, len(head)))
	copy(b, head)
	for i := len(head); i < len(b); i++ {
		b[i] = byte(i * 7)
	}
	return b
}

// stream is head followed by n-len(head) zero bytes, without holding them.
func stream(head []byte, n int64) io.Reader {
	return io.MultiReader(bytes.NewReader(head), io.LimitReader(zeros{}, n-int64(len(head))))
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// discard is a Store that counts and drops what it is given, for limits
// too large to write to disk in a unit test.
type discard struct {
	mu      sync.Mutex
	deleted []string
}

func (d *discard) Put(_ context.Context, _ string, r io.Reader) (int64, error) {
	return io.Copy(io.Discard, r)
}
func (d *discard) Open(context.Context, string) (io.ReadCloser, error) {
	return nil, fault.Errorf(fault.NotFound, "not kept")
}
func (d *discard) Delete(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.deleted = append(d.deleted, key)
	return nil
}

// newDisk is a Disk store in a fresh directory.
func newDisk(t *testing.T) *artifact.Disk {
	t.Helper()
	d, err := artifact.NewDisk(filepath.Join(t.TempDir(), "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// files lists the regular files under dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if p == dir && errors.Is(err, fs.ErrNotExist) {
			return nil // never used: nothing stored
		}
		if err != nil {
			return err
		}
		if !e.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// read returns the object at key.
func read(t *testing.T, s artifact.Store, key string) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantField fails unless err is fault.Invalid naming field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.Invalid || len(fe.Fields) != 1 || fe.Fields[0].Field != field {
		t.Fatalf("err = %v, want invalid %s", err, field)
	}
}
