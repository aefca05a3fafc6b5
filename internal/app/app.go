package app

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"

	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/depot"
	"github.com/fieldhub/fieldhub/internal/device"
	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/provider"
	"github.com/fieldhub/fieldhub/internal/queue"
	"github.com/fieldhub/fieldhub/internal/webhook"
	"github.com/fieldhub/fieldhub/internal/workorder"
)

// App is an open installation: the store and every service over it. The
// server and the CLI commands both start from Build.
type App struct {
	Config     Config
	Log        *slog.Logger
	Store      *db.DB
	Queue      *queue.Queue
	Events     *event.Bus
	Auth       *auth.Service
	Providers  *provider.Service
	WorkOrders *workorder.Service
	Webhooks   *webhook.Service
	// The areas after work orders; each is built by its wire function
	// (wire_<area>.go).
	Contractors *contractor.Service
	Dispatch    *dispatch.Service
	Devices     *device.Service
	Depot       *depot.Service
}

// Build opens and migrates the store and wires the services. Workers are
// registered but not started; Serve starts them. Each extend function runs
// after the services exist and before the queue opens, the one moment at
// which more subscribers and workers can be added (tests use it).
func Build(ctx context.Context, cfg Config, log *slog.Logger, qcfg queue.Config, extend ...func(*App)) (*App, error) {
	store, err := db.Open(ctx, db.Config{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL, Clock: cfg.Clock})
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, Store: store}
	if err := a.build(ctx, qcfg, extend); err != nil {
		store.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) build(ctx context.Context, qcfg queue.Config, extend []func(*App)) error {
	if err := a.Store.Migrate(ctx, a.Log); err != nil {
		return err
	}
	secret, err := a.secret(ctx)
	if err != nil {
		return err
	}
	if qcfg.Logger == nil {
		qcfg.Logger = a.Config.queueLogger()
	}
	a.Queue = queue.New(a.Store, qcfg)
	a.Events = event.NewBus(a.Queue)
	a.Events.StaffOnly(staffOnlyEvents...)
	a.Auth = auth.New(a.Store, secret, auth.WithLogger(a.Log))
	a.Providers = provider.New(a.Store, a.Events)
	a.WorkOrders = workorder.New(a.Store, a.Events, a.Providers)
	// Webhook signing secrets are sealed under the installation secret;
	// private destinations stay refused until Serve applies its flag.
	a.Webhooks = webhook.New(a.Store, a.Events, a.Queue, secret, webhook.Config{Logger: a.Log})
	registerHousekeeping(a)
	for _, wire := range []func() error{a.wireContractor, a.wireDevice, a.wireDispatch, a.wireDepot} {
		if err := wire(); err != nil {
			return err
		}
	}
	for _, fn := range extend {
		fn(a)
	}
	return a.Queue.Open()
}

// Close releases the store.
func (a *App) Close() error { return a.Store.Close() }

// secret returns the key for API-key hashes: FIELDHUB_SECRET when set, else
// one generated once per installation and kept in the database so that every
// instance sharing it agrees.
func (a *App) secret(ctx context.Context) ([]byte, error) {
	if a.Config.Secret != "" {
		if len(a.Config.Secret) < auth.MinSecretLen {
			return nil, fmt.Errorf("FIELDHUB_SECRET must be at least %d characters", auth.MinSecretLen)
		}
		return []byte(a.Config.Secret), nil
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	var value string
	err := a.Store.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO instance_settings (key, value) VALUES ('secret', $1) ON CONFLICT (key) DO NOTHING`, hex.EncodeToString(b[:])); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM instance_settings WHERE key = 'secret'`).Scan(&value)
	})
	if err != nil {
		return nil, fmt.Errorf("load installation secret: %w", err)
	}
	return []byte(value), nil
}

// setting reads an installation setting; absent is "".
func (a *App) setting(ctx context.Context, key string) (string, error) {
	var v string
	err := a.Store.Read.QueryRowContext(ctx, `SELECT value FROM instance_settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}
