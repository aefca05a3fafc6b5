package app

import "github.com/fieldhub/fieldhub/internal/dispatch"

// wireDispatch builds the dispatch service and registers its subscribers, workers
// and periodic jobs. It runs in Build after the core services exist and
// before the queue opens.
func (a *App) wireDispatch() error {
	a.Dispatch = dispatch.New(a.Store, a.Events)
	return nil
}
