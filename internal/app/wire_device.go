package app

import (
	"context"
	"time"

	"github.com/fieldhub/fieldhub/internal/device"
	"github.com/fieldhub/fieldhub/internal/queue"
	"github.com/riverqueue/river"
)

// wireDevice builds the device service and registers its subscribers, workers
// and periodic jobs. It runs in Build after the core services exist and
// before the queue opens.
func (a *App) wireDevice() error {
	a.Devices = device.New(a.Store, a.Events, device.WithWorkOrders(a.WorkOrders), device.WithLogger(a.Log))
	a.Devices.Subscribe(a.Events)
	queue.AddWorker(a.Queue, &loanerSweepWorker{devices: a.Devices})
	a.Queue.AddPeriodic(river.NewPeriodicJob(river.PeriodicInterval(15*time.Minute),
		func() (river.JobArgs, *river.InsertOpts) { return loanerSweepArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "loaner-sweep"}))
	return nil
}

// loanerSweepArgs is the quarter-hourly sweep of loaner reminders and
// overdue notices. River runs periodic jobs on the elected leader only, and
// each timer is claimed in its own transaction, so none fires twice.
type loanerSweepArgs struct{}

func (loanerSweepArgs) Kind() string { return "device.loaner_sweep" }

type loanerSweepWorker struct {
	river.WorkerDefaults[loanerSweepArgs]
	devices *device.Service
}

func (w *loanerSweepWorker) Work(ctx context.Context, _ *river.Job[loanerSweepArgs]) error {
	_, err := w.devices.Sweep(ctx)
	return err
}
