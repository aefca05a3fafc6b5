package app

import "github.com/fieldhub/fieldhub/internal/depot"

// wireDepot builds the depot service and registers its subscribers, workers
// and periodic jobs. It runs in Build after the core services exist and
// before the queue opens. Issue-tracker sync stays off until a tracker is
// set with a.Depot.SetTracker.
func (a *App) wireDepot() error {
	a.Depot = depot.New(a.Store, a.Events, a.Devices, a.WorkOrders)
	return nil
}
