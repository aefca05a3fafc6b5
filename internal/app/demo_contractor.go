package app

import (
	"context"

	"github.com/fieldhub/fieldhub/internal/provider"
)

// demoContractor adds the contractor part of the demo world.
func (a *App) demoContractor(ctx context.Context, byCode map[string]provider.Provider) error {
	return nil
}
