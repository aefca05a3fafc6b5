// Package app is fieldhub's composition root: it opens the store, builds
// every service, and runs the HTTP server and the background workers.
package app

import (
	"log/slog"
	"os"
	"strings"
	"time"
)

// Config is every setting, parsed once from flags and environment by cmd/fieldhub.
type Config struct {
	DataDir     string `name:"data-dir" env:"FIELDHUB_DATA_DIR" default:"data" help:"Directory for the embedded SQLite database (ignored with --database-url)."`
	DatabaseURL string `name:"database-url" env:"FIELDHUB_DATABASE_URL" help:"PostgreSQL URL (postgres://...). When set, fieldhub uses PostgreSQL instead of SQLite."`
	Secret      string `name:"secret" env:"FIELDHUB_SECRET" help:"Secret that keys API-key hashes. Default: one generated at first start and kept in the database." `
	LogLevel    string `name:"log-level" env:"FIELDHUB_LOG_LEVEL" default:"info" enum:"debug,info,warn,error" help:"Log level."`
	LogFormat   string `name:"log-format" env:"FIELDHUB_LOG_FORMAT" default:"text" enum:"text,json" help:"Log format."`

	ArtifactDir string `name:"artifact-dir" env:"FIELDHUB_ARTIFACT_DIR" help:"Directory for uploaded job artifacts (photos, documents, signatures). Default: artifacts under --data-dir."`

	// Outside systems; each connector is off until its URL is set.
	WorkMarketURL           string `name:"workmarket-url" env:"FIELDHUB_WORKMARKET_URL" help:"Base URL of the WorkMarket API (e.g. https://api.workmarket.com/api/v1); empty turns the connector off."`
	WorkMarketToken         string `name:"workmarket-token" env:"FIELDHUB_WORKMARKET_TOKEN" help:"WorkMarket API access token, or token:secret to exchange for one."`
	WorkMarketWebhookSecret string `name:"workmarket-webhook-secret" env:"FIELDHUB_WORKMARKET_WEBHOOK_SECRET" help:"Shared secret WorkMarket's webhooks must carry."`
	JiraURL                 string `name:"jira-url" env:"FIELDHUB_JIRA_URL" help:"Base URL of the Jira Cloud site (https://your-site.atlassian.net); empty turns issue-tracker sync off."`
	JiraEmail               string `name:"jira-email" env:"FIELDHUB_JIRA_EMAIL" help:"Jira account e-mail for basic auth with an API token."`
	JiraToken               string `name:"jira-token" env:"FIELDHUB_JIRA_TOKEN" help:"Jira API token."`
	JiraProject             string `name:"jira-project" env:"FIELDHUB_JIRA_PROJECT" help:"Jira project key for depot tickets (e.g. DEPOT)."`
	JiraWebhookSecret       string `name:"jira-webhook-secret" env:"FIELDHUB_JIRA_WEBHOOK_SECRET" help:"Secret Jira's webhooks are signed with."`

	// Clock replaces time.Now for the whole installation (tests only).
	Clock func() time.Time `kong:"-"`
}

// ServeConfig holds the settings only the server needs.
type ServeConfig struct {
	Addr            string        `name:"addr" env:"FIELDHUB_ADDR" default:"127.0.0.1:8080" help:"Address to listen on."`
	Demo            bool          `name:"demo" env:"FIELDHUB_DEMO" help:"Load a small demo world on first start and print its sign-in details once."`
	SecureCookies   bool          `name:"secure-cookies" env:"FIELDHUB_SECURE_COOKIES" help:"Mark session cookies Secure (set this when serving behind TLS)."`
	ShutdownTimeout time.Duration `name:"shutdown-timeout" env:"FIELDHUB_SHUTDOWN_TIMEOUT" default:"30s" help:"How long in-flight requests and jobs may take to finish on SIGTERM."`
	Workers         int           `name:"workers" env:"FIELDHUB_WORKERS" default:"0" help:"Background job workers in this instance (0: a default for the engine)."`

	AllowPrivateWebhooks bool `name:"allow-private-webhooks" env:"FIELDHUB_ALLOW_PRIVATE_WEBHOOKS" help:"Let webhook endpoints use plain http and private, loopback or link-local addresses (development and closed networks only)."`
}

// Logger builds the process logger from cfg.
func (cfg Config) Logger() *slog.Logger { return cfg.logger(cfg.level()) }

// queueLogger is for the job queue's own chatter (periodic job counts and
// the like): warnings and errors only, unless the log level is debug.
func (cfg Config) queueLogger() *slog.Logger {
	if cfg.level() <= slog.LevelDebug {
		return cfg.logger(cfg.level())
	}
	return cfg.logger(max(cfg.level(), slog.LevelWarn))
}

func (cfg Config) level() slog.Level {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel)))
	return level
}

func (cfg Config) logger(level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
