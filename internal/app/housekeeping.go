package app

import (
	"context"
	"errors"
	"time"

	"github.com/fieldhub/fieldhub/internal/idempotency"
	"github.com/fieldhub/fieldhub/internal/queue"
	"github.com/riverqueue/river"
)

// housekeepingArgs is the hourly clean-up of expired sessions, old sign-in
// failures and expired idempotency keys. River runs periodic jobs on the
// elected leader only, so several instances do not repeat it.
type housekeepingArgs struct{}

func (housekeepingArgs) Kind() string { return "housekeeping" }

type housekeepingWorker struct {
	river.WorkerDefaults[housekeepingArgs]
	app *App
}

func (w *housekeepingWorker) Work(ctx context.Context, _ *river.Job[housekeepingArgs]) error {
	a := w.app
	_, err := idempotency.Cleanup(ctx, a.Store, a.Store.Now().Add(-idempotency.DefaultTTL))
	return errors.Join(err, a.Auth.Cleanup(ctx))
}

func registerHousekeeping(a *App) {
	queue.AddWorker(a.Queue, &housekeepingWorker{app: a})
	a.Queue.AddPeriodic(river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return housekeepingArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "housekeeping"}))
}
