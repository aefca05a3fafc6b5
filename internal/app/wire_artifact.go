package app

import (
	"path/filepath"

	"github.com/fieldhub/fieldhub/internal/artifact"
)

// artifacts opens where job artifacts are kept: --artifact-dir, or
// "artifacts" under --data-dir. A directory on local disk serves one
// instance (or several sharing a network file system); instances on
// separate machines need an object store behind artifact.Store instead.
// The HTTP handler cannot fail on it: when the directory cannot be opened
// the rest of the server still runs, the failure is logged, and uploads
// and downloads answer 503.
func (a *App) artifacts() artifact.Store {
	dir := a.Config.ArtifactDir
	if dir == "" {
		dir = filepath.Join(a.Config.DataDir, "artifacts")
	}
	d, err := artifact.NewDisk(dir)
	if err != nil {
		a.Log.Error("artifact storage unavailable; uploads and downloads will fail", "err", err)
		return nil
	}
	return d
}
