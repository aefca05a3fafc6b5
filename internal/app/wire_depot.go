package app

import "github.com/fieldhub/fieldhub/internal/depot"

// wireDepot builds the depot service and registers its subscribers, workers
// and periodic jobs. It runs in Build after the core services exist and
// before the queue opens.
func (a *App) wireDepot() error {
	a.Depot = depot.New(a.Store, a.Events)
	return nil
}
