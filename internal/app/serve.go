package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/fieldhub/fieldhub/internal/api"
	"github.com/fieldhub/fieldhub/internal/queue"
	"github.com/fieldhub/fieldhub/internal/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Version is set at build time with -ldflags "-X .../app.Version=...".
var Version = "dev"

// Serve runs the server until ctx is cancelled, then shuts down gracefully:
// the listener closes, requests in flight finish, running jobs finish or are
// released for another instance to pick up, and the store closes. ready, when
// not nil, receives the bound address once the server accepts connections
// (tests listen on 127.0.0.1:0).
func Serve(ctx context.Context, cfg Config, sc ServeConfig, ready func(addr string)) error {
	log := cfg.Logger()
	a, err := Build(ctx, cfg, log, queue.Config{MaxWorkers: sc.Workers})
	if err != nil {
		return err
	}
	defer a.Close()
	a.Webhooks.AllowPrivate(sc.AllowPrivateWebhooks)
	if sc.Demo {
		if err := a.LoadDemo(ctx, os.Stdout); err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
	}
	handler := a.Handler(sc)
	ln, err := net.Listen("tcp", sc.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      90 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          nil,
	}
	if err := a.Queue.Start(ctx); err != nil {
		ln.Close()
		return fmt.Errorf("start background jobs: %w", err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("fieldhub listening", "url", "http://"+ln.Addr().String(), "store", string(a.Store.Engine)+" "+a.Store.Source(), "version", Version)
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", sc.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sc.ShutdownTimeout)
	defer cancel()
	shutErr := srv.Shutdown(sctx)
	qErr := a.Queue.Stop(sctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, shutErr, qErr)
}

// Handler builds the whole HTTP surface: /v1 API, health, metrics and pages.
func (a *App) Handler(sc ServeConfig) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(a.Queue.Collector())
	metrics := api.NewMetrics(reg)

	sessions := scs.New()
	sessions.Store = a.Auth.Sessions()
	sessions.Lifetime = 12 * time.Hour
	sessions.IdleTimeout = 2 * time.Hour
	sessions.Cookie.Name = "fieldhub_session"
	sessions.Cookie.HttpOnly = true
	sessions.Cookie.SameSite = http.SameSiteLaxMode
	sessions.Cookie.Secure = sc.SecureCookies

	v1 := api.New(api.Deps{Store: a.Store, Auth: a.Auth, Providers: a.Providers, WorkOrders: a.WorkOrders, Queue: a.Queue,
		Webhooks: a.Webhooks, Contractors: a.Contractors, Dispatch: a.Dispatch, Devices: a.Devices, Depot: a.Depot, Sessions: sessions, Logger: a.Log, Version: Version,
		Artifacts: a.artifacts()})
	pages := web.New(web.Deps{Auth: a.Auth, Providers: a.Providers, WorkOrders: a.WorkOrders, Dispatch: a.Dispatch, Contractors: a.Contractors, Devices: a.Devices, Depot: a.Depot, Sessions: sessions, OpenAPI: v1.OpenAPI(), Logger: a.Log})

	mux := http.NewServeMux()
	mux.Handle("/v1/", v1.Handler(metrics))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", a.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("/", metrics.Wrap(pages))

	// Cross-origin protection refuses state-changing browser requests from
	// other sites (CSRF) on every form and API route; API clients that send
	// no browser fetch metadata are unaffected.
	var h http.Handler = http.NewCrossOriginProtection().Handler(mux)
	h = sessions.LoadAndSave(h)
	h = api.Recover(a.Log, h)
	return api.WithRequestID(a.Log, h)
}

// readyz answers 200 when the database answers and is fully migrated.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.Store.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database unreachable"})
		return
	}
	current, err := a.Store.Current(ctx)
	if err != nil || !current {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "migrations pending"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "engine": string(a.Store.Engine)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
