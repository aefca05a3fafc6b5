package app

import "github.com/fieldhub/fieldhub/internal/contractor"

// wireContractor builds the contractor service and registers its subscribers, workers
// and periodic jobs. It runs in Build after the core services exist and
// before the queue opens.
func (a *App) wireContractor() error {
	a.Contractors = contractor.New(a.Store, a.Events)
	return nil
}
