package artifact_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fieldhub/fieldhub/internal/artifact"
	"github.com/fieldhub/fieldhub/internal/fault"
)

func TestCheckKey(t *testing.T) {
	for _, k := range []string{"jobs/0190a0b1-0000-7000-8000-000000000001/0190a0b1-0000-7000-8000-000000000002", "a", "a.b_c-d/e"} {
		if err := artifact.CheckKey(k); err != nil {
			t.Errorf("CheckKey(%q) = %v", k, err)
		}
	}
	for _, k := range []string{"", "../x", "jobs/../../etc/passwd", "/etc/passwd", "a//b", "a/./b", "a/..", "a/", "a\\..\\b",
		"a b", "a%2F..", "jobs/\x00", strings.Repeat("a", artifact.MaxKeyLen+1)} {
		if err := artifact.CheckKey(k); err == nil {
			t.Errorf("CheckKey(%q) accepted", k)
		}
	}
}

func TestDiskRefusesEscapingKeys(t *testing.T) {
	ctx := context.Background()
	parent := t.TempDir()
	disk, err := artifact.NewDisk(filepath.Join(parent, "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	defer disk.Close()
	secret := filepath.Join(parent, "secret")
	if err := os.WriteFile(secret, []byte("keep out"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"../secret", "/" + secret, "a/../../secret"} {
		if _, err := disk.Put(ctx, k, strings.NewReader("x")); err == nil {
			t.Errorf("Put(%q) accepted", k)
		}
		if _, err := disk.Open(ctx, k); err == nil {
			t.Errorf("Open(%q) accepted", k)
		}
		if err := disk.Delete(ctx, k); err == nil {
			t.Errorf("Delete(%q) accepted", k)
		}
	}
	// Refusals touch nothing: the directory is made on first real use.
	if _, err := os.Stat(disk.Dir()); !os.IsNotExist(err) {
		t.Fatalf("directory exists before any object was stored: %v", err)
	}
	// A symlink planted inside the directory does not lead out of it.
	if err := os.MkdirAll(disk.Dir(), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(parent, filepath.Join(disk.Dir(), "jobs")); err != nil {
		t.Fatal(err)
	}
	if _, err := disk.Put(ctx, "jobs/x", strings.NewReader("x")); err == nil {
		t.Error("Put through a symlink accepted")
	}
	if _, err := disk.Open(ctx, "jobs/secret"); err == nil {
		t.Error("Open through a symlink accepted")
	}
	if err := disk.Delete(ctx, "jobs/secret"); err == nil {
		t.Error("Delete through a symlink accepted")
	}
	if b, err := os.ReadFile(secret); err != nil || string(b) != "keep out" {
		t.Fatalf("file outside the store touched: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(parent, "x")); !os.IsNotExist(err) {
		t.Fatalf("file written outside the store: %v", err)
	}
}

func TestDiskPutOpenDelete(t *testing.T) {
	ctx := context.Background()
	disk := newDisk(t)
	body := file(pngHead, 300_000)
	n, err := disk.Put(ctx, "jobs/j1/a1", bytes.NewReader(body))
	if err != nil || n != int64(len(body)) {
		t.Fatalf("Put = %d, %v", n, err)
	}
	if got := read(t, disk, "jobs/j1/a1"); !bytes.Equal(got, body) {
		t.Fatal("read back different bytes")
	}
	// Files and directories are private to the server's user and group.
	for path, want := range map[string]os.FileMode{"jobs/j1/a1": 0o640, "jobs/j1": 0o750 | os.ModeDir, "jobs": 0o750 | os.ModeDir} {
		st, err := os.Stat(filepath.Join(disk.Dir(), path))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode()&0o027 != 0 || st.Mode()&^want != 0 {
			t.Errorf("%s mode = %v, want at most %v", path, st.Mode(), want)
		}
	}
	if err := disk.Delete(ctx, "jobs/j1/a1"); err != nil {
		t.Fatal(err)
	}
	if _, err := disk.Open(ctx, "jobs/j1/a1"); !fault.Is(err, fault.NotFound) {
		t.Fatalf("Open after Delete = %v, want not found", err)
	}
	if err := disk.Delete(ctx, "jobs/j1/a1"); err != nil {
		t.Fatalf("second Delete = %v, want nil", err)
	}
	if _, err := disk.Open(ctx, "jobs/j1"); !fault.Is(err, fault.NotFound) {
		t.Fatalf("Open of a directory = %v, want not found", err)
	}
}

func TestDiskConcurrentPuts(t *testing.T) {
	ctx := context.Background()
	disk := newDisk(t)
	const n = 24
	bodies := make([][]byte, n)
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		bodies[i] = file(append(pngHead, byte(i)), 50_000+i*997)
		wg.Go(func() {
			// Half the writers share one job directory, which they create together.
			key := fmt.Sprintf("jobs/j%d/a%d", i%2, i)
			if _, err := disk.Put(ctx, key, bytes.NewReader(bodies[i])); err != nil {
				errs <- err
			}
			// And all race to replace one key: the last rename wins whole.
			if _, err := disk.Put(ctx, "jobs/shared/one", bytes.NewReader(bodies[i])); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := range n {
		if got := read(t, disk, fmt.Sprintf("jobs/j%d/a%d", i%2, i)); !bytes.Equal(got, bodies[i]) {
			t.Fatalf("object %d corrupted", i)
		}
	}
	shared := read(t, disk, "jobs/shared/one")
	whole := false
	for _, b := range bodies {
		whole = whole || bytes.Equal(shared, b)
	}
	if !whole {
		t.Fatal("the shared key holds a mix of writes")
	}
	if left := files(t, disk.Dir()); len(left) != n+1 {
		t.Fatalf("files = %d, want %d (no temporary files left)", len(left), n+1)
	}
}

func TestJobKey(t *testing.T) {
	k1, err := artifact.JobKey("0190a0b1-0000-7000-8000-000000000001")
	if err != nil || !strings.HasPrefix(k1, "jobs/0190a0b1-0000-7000-8000-000000000001/") {
		t.Fatalf("JobKey = %q, %v", k1, err)
	}
	if k2, _ := artifact.JobKey("0190a0b1-0000-7000-8000-000000000001"); k2 == k1 {
		t.Fatal("JobKey repeated a key")
	}
	for _, id := range []string{"", "..", "a/b", "../x"} {
		if k, err := artifact.JobKey(id); err == nil {
			t.Errorf("JobKey(%q) = %q", id, k)
		}
	}
}
