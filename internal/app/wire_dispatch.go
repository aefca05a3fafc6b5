package app

import (
	"context"
	"time"

	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/queue"
	"github.com/riverqueue/river"
)

// wireDispatch builds the dispatch service and registers its subscribers, workers
// and periodic jobs. It runs in Build after the core services exist and
// before the queue opens.
func (a *App) wireDispatch() error {
	a.Dispatch = dispatch.New(a.Store, a.Events, dispatch.WithWorkOrders(a.WorkOrders), dispatch.WithContractors(a.Contractors),
		dispatch.WithQueue(a.Queue))
	a.Dispatch.RegisterWorkers(a.Queue)
	if p, ok := a.workMarketPlatform(); ok {
		a.Dispatch.AddPlatform(p)
	}
	a.Events.Subscribe("dispatch.hold_flag", []string{"Contractor.HoldAdded"}, a.Dispatch.HoldAdded)
	queue.AddWorker(a.Queue, &dispatchSweepWorker{app: a})
	queue.AddWorker(a.Queue, &dispatchPollWorker{app: a})
	a.Queue.AddPeriodic(river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
		func() (river.JobArgs, *river.InsertOpts) { return dispatchSweepArgs{}, nil },
		&river.PeriodicJobOpts{ID: "dispatch.sweep"}))
	a.Queue.AddPeriodic(river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute),
		func() (river.JobArgs, *river.InsertOpts) { return dispatchPollArgs{}, nil },
		&river.PeriodicJobOpts{ID: "dispatch.poll"}))
	return nil
}

// dispatchSweepArgs is the minutely no-bid rule: jobs past their bid
// deadline without bids widen their radius or expire.
type dispatchSweepArgs struct{}

func (dispatchSweepArgs) Kind() string { return "dispatch.sweep" }

type dispatchSweepWorker struct {
	river.WorkerDefaults[dispatchSweepArgs]
	app *App
}

func (w *dispatchSweepWorker) Work(ctx context.Context, _ *river.Job[dispatchSweepArgs]) error {
	_, err := w.app.Dispatch.Sweep(ctx)
	return err
}

// dispatchPollArgs reads the state of open field-platform jobs, for
// webhooks that never arrived.
type dispatchPollArgs struct{}

func (dispatchPollArgs) Kind() string { return "dispatch.poll" }

type dispatchPollWorker struct {
	river.WorkerDefaults[dispatchPollArgs]
	app *App
}

// Work reads one batch. Jobs a platform would not answer for are logged,
// not retried: they went to the back of the rotation and the next run, five
// minutes on, asks again (the webhooks are the main road; this is the spare).
func (w *dispatchPollWorker) Work(ctx context.Context, _ *river.Job[dispatchPollArgs]) error {
	n, err := w.app.Dispatch.PollPlatforms(ctx)
	if err != nil && ctx.Err() == nil {
		w.app.Log.Warn("field-platform poll: some jobs were not read", "read", n, "err", err)
		return nil
	}
	return err
}
