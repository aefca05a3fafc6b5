package webhook

import (
	"context"

	"github.com/fieldhub/fieldhub/internal/event"
)

// FanOut runs the bus subscriber directly, as a repeated delivery of the
// same event would.
func (s *Service) FanOut(ctx context.Context, e event.Event) error { return s.fanOut(ctx, e) }
