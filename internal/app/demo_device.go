package app

import (
	"context"

	"github.com/fieldhub/fieldhub/internal/provider"
)

// demoDevice adds the device part of the demo world.
func (a *App) demoDevice(ctx context.Context, byCode map[string]provider.Provider) error {
	return nil
}
