package artifact

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync"

	"github.com/fieldhub/fieldhub/internal/fault"
)

// Permissions of what Disk creates: the server's user reads and writes,
// its group (a backup job, say) reads, nobody else sees anything.
const (
	dirPerm  = 0o750
	filePerm = 0o640
)

// tmpPrefix marks files being written. Keys never start a segment with it
// in practice (they are UUIDs), and a crash leaves only such files behind.
const tmpPrefix = ".tmp-"

// Disk is a Store in a directory on local disk. Every file operation goes
// through an os.Root, so neither a crafted key nor a symlink planted inside
// the directory can reach anything outside it. It suits one server, or
// several sharing a network file system; separate machines need an object
// store.
type Disk struct {
	dir  string
	mu   sync.Mutex
	root *os.Root // opened on first use
}

// NewDisk returns a Store in the directory dir. The directory is created on
// first use, not here, so that a server which never stores a file leaves
// nothing behind.
func NewDisk(dir string) (*Disk, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("artifact directory: %w", err)
	}
	return &Disk{dir: abs}, nil
}

// Dir is the directory the store keeps its files in.
func (d *Disk) Dir() string { return d.dir }

// Close releases the directory handle.
func (d *Disk) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.root == nil {
		return nil
	}
	err := d.root.Close()
	d.root = nil
	return err
}

// open returns the directory handle, creating the directory the first
// time; a failure is retried on the next call.
func (d *Disk) open() (*os.Root, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.root != nil {
		return d.root, nil
	}
	if err := os.MkdirAll(d.dir, dirPerm); err != nil {
		return nil, fmt.Errorf("artifact directory: %w", err)
	}
	root, err := os.OpenRoot(d.dir)
	if err != nil {
		return nil, fmt.Errorf("artifact directory: %w", err)
	}
	d.root = root
	return root, nil
}

// Put writes r to a temporary file beside the key's final name, flushes it
// to stable storage and renames it into place, so that readers see either
// nothing or the whole object, even after a crash.
func (d *Disk) Put(ctx context.Context, key string, r io.Reader) (n int64, err error) {
	if err := CheckKey(key); err != nil {
		return 0, err
	}
	root, err := d.open()
	if err != nil {
		return 0, err
	}
	dir := path.Dir(key)
	if err := root.MkdirAll(dir, dirPerm); err != nil {
		return 0, err
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(dir, tmpPrefix+hex.EncodeToString(rnd[:]))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			f.Close()
			_ = root.Remove(tmp)
		}
	}()
	buf := make([]byte, 64<<10)
	if n, err = io.CopyBuffer(f, ctxReader{ctx, r}, buf); err != nil {
		return n, err
	}
	if err = f.Sync(); err != nil {
		return n, err
	}
	if err = f.Close(); err != nil {
		return n, err
	}
	if err = root.Rename(tmp, key); err != nil {
		return n, err
	}
	return n, syncDir(root, dir)
}

// syncDir makes the rename itself durable.
func syncDir(root *os.Root, dir string) error {
	f, err := root.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Open reads the object at key.
func (d *Disk) Open(_ context.Context, key string) (io.ReadCloser, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	root, err := d.open()
	if err != nil {
		return nil, err
	}
	f, err := root.Open(key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fault.Errorf(fault.NotFound, "artifact content not found")
	}
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fault.Errorf(fault.NotFound, "artifact content not found")
	}
	return f, nil
}

// Delete removes the object at key.
func (d *Disk) Delete(_ context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	root, err := d.open()
	if err != nil {
		return err
	}
	err = root.Remove(key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// ctxReader stops a copy as soon as its context ends, so an abandoned
// upload does not keep writing.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
