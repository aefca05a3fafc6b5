package app

import (
	"path/filepath"

	"github.com/fieldhub/fieldhub/internal/artifact"
)

// artifactStore opens where job artifacts are kept: --artifact-dir, or
// "artifacts" under --data-dir. A directory on local disk serves one
// instance (or several sharing a network file system); instances on
// separate machines need an object store behind artifact.Store instead.
func (a *App) artifactStore() (artifact.Store, error) {
	dir := a.Config.ArtifactDir
	if dir == "" {
		dir = filepath.Join(a.Config.DataDir, "artifacts")
	}
	d, err := artifact.NewDisk(dir)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// artifacts is artifactStore for the HTTP handler, which cannot fail: when
// the directory cannot be opened the rest of the server still runs, the
// failure is logged, and uploads and downloads answer 503.
func (a *App) artifacts() artifact.Store {
	s, err := a.artifactStore()
	if err != nil {
		a.Log.Error("artifact storage unavailable; uploads and downloads will fail", "err", err)
		return nil
	}
	return s
}
