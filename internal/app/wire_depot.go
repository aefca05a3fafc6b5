package app

import "github.com/fieldhub/fieldhub/internal/depot"

// wireDepot builds the depot service and registers its subscribers, workers
// and periodic jobs. It runs in Build after the core services exist and
// before the queue opens. Issue-tracker sync is on when Jira is configured;
// the tracker must be set here, before the API is built, so that its inbound
// hook route exists.
func (a *App) wireDepot() error {
	a.Depot = depot.New(a.Store, a.Events, a.Devices, a.WorkOrders)
	if t, ok := a.jiraTracker(); ok {
		a.Depot.SetTracker(t)
	}
	return nil
}
