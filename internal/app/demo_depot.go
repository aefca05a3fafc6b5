package app

import (
	"context"

	"github.com/fieldhub/fieldhub/internal/provider"
)

// demoDepot adds the depot part of the demo world.
func (a *App) demoDepot(ctx context.Context, byCode map[string]provider.Provider) error {
	return nil
}
