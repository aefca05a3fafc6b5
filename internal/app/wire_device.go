package app

import "github.com/fieldhub/fieldhub/internal/device"

// wireDevice builds the device service and registers its subscribers, workers
// and periodic jobs. It runs in Build after the core services exist and
// before the queue opens.
func (a *App) wireDevice() error {
	a.Devices = device.New(a.Store, a.Events)
	return nil
}
