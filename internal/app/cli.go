package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/alecthomas/kong"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/provider"
	"github.com/fieldhub/fieldhub/internal/queue"
)

// Stdio is where commands read secrets from and print results to.
type Stdio struct {
	In  io.Reader
	Out io.Writer
}

// CLI is the command line: global storage flags and one struct per command.
type CLI struct {
	Config `embed:""`

	Serve    ServeCmd    `cmd:"" help:"Run the server (HTTP, background jobs)."`
	Migrate  MigrateCmd  `cmd:"" help:"Apply database migrations, or show their status."`
	User     UserCmd     `cmd:"" help:"Manage staff and contractor accounts."`
	Provider ProviderCmd `cmd:"" help:"Manage providers (OEMs, warranty companies, channels)."`
	Apikey   APIKeyCmd   `cmd:"" name:"apikey" help:"Manage provider API keys."`
}

// Execute runs the command kong parsed, with ctx (cancelled on SIGTERM) and
// the process's standard input and output.
func Execute(ctx context.Context, kctx *kong.Context, io Stdio) error {
	kctx.BindTo(ctx, (*context.Context)(nil))
	return kctx.Run(io)
}

// cliActor and cliPrincipal are who the shell commands act as in events and
// in the audit log.
var (
	cliActor     = event.Actor{Kind: event.ActorSystem, ID: "cli", Name: "command line"}
	cliPrincipal = &auth.Principal{Kind: auth.KindSystem, UserID: "cli", Name: "command line"}
)

// withApp opens the installation for one command and closes it afterwards.
func withApp(ctx context.Context, cfg Config, fn func(*App) error) error {
	a, err := Build(ctx, cfg, cfg.Logger(), queue.Config{})
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a)
}

// ServeCmd runs the server.
type ServeCmd struct {
	ServeConfig `embed:""`
}

// Run implements the command.
func (c *ServeCmd) Run(ctx context.Context, cli *CLI) error {
	return Serve(ctx, cli.Config, c.ServeConfig, nil)
}

// MigrateCmd applies migrations or shows their status.
type MigrateCmd struct {
	Action string `arg:"" optional:"" enum:"up,status" default:"up" help:"up (default) or status."`
}

// Run implements the command.
func (c *MigrateCmd) Run(ctx context.Context, cli *CLI, io Stdio) error {
	return withApp(ctx, cli.Config, func(a *App) error {
		if c.Action == "up" {
			fmt.Fprintf(io.Out, "database %s %s is up to date\n", a.Store.Engine, a.Store.Source())
			return nil
		}
		st, err := a.Store.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(io.Out, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tSTATE\tMIGRATION")
		for _, m := range st {
			state := "pending"
			if m.Applied {
				state = "applied"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\n", m.Version, state, m.Name)
		}
		return tw.Flush()
	})
}

// UserCmd groups the user commands.
type UserCmd struct {
	Add    UserAddCmd    `cmd:"" help:"Add a user. The password is read from stdin, or generated and printed once."`
	List   UserListCmd   `cmd:"" help:"List users."`
	Passwd UserPasswdCmd `cmd:"" help:"Set a user's password (from stdin, or generated and printed once)."`
}

// UserAddCmd adds a user.
type UserAddCmd struct {
	Email      string   `required:"" help:"E-mail address, used to sign in."`
	Role       []string `help:"Role (repeatable or comma-separated): admin, csr, ops, depot, finance, viewer."`
	Name       string   `help:"Display name (default: the part of the e-mail before @)."`
	Contractor bool     `help:"A contractor account (no staff roles) instead of staff."`
}

// Run implements the command.
func (c *UserAddCmd) Run(ctx context.Context, cli *CLI, io Stdio) error {
	var roles []auth.Role
	for _, r := range c.Role {
		for _, part := range strings.Split(r, ",") {
			role, err := auth.ParseRole(strings.TrimSpace(part))
			if err != nil {
				return err
			}
			roles = append(roles, role)
		}
	}
	kind := auth.KindStaff
	if c.Contractor {
		kind = auth.KindContractor
	} else if len(roles) == 0 {
		return errors.New("--role is required for staff (admin, csr, ops, depot, finance, viewer)")
	}
	if c.Name == "" {
		c.Name, _, _ = strings.Cut(c.Email, "@")
	}
	pw, generated, err := readPassword(io.In)
	if err != nil {
		return err
	}
	return withApp(ctx, cli.Config, func(a *App) error {
		u, err := a.Auth.CreateUser(ctx, auth.NewUser{Kind: kind, Email: c.Email, Name: c.Name, Roles: roles, Password: pw}, cliPrincipal)
		if err != nil {
			return err
		}
		fmt.Fprintf(io.Out, "added %s %s (%s)\n", kind, u.Email, u.ID)
		if generated {
			fmt.Fprintf(io.Out, "password (shown once): %s\n", pw)
		}
		return nil
	})
}

// UserListCmd lists users.
type UserListCmd struct{}

// Run implements the command.
func (c *UserListCmd) Run(ctx context.Context, cli *CLI, io Stdio) error {
	return withApp(ctx, cli.Config, func(a *App) error {
		tw := tabwriter.NewWriter(io.Out, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tE-MAIL\tKIND\tROLES\tDISABLED")
		cursor := ""
		for {
			users, next, err := a.Auth.ListUsers(ctx, auth.UserFilter{Cursor: cursor, Limit: 200})
			if err != nil {
				return err
			}
			for _, u := range users {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%v\n", u.ID, u.Email, u.Kind, u.Roles, u.Disabled)
			}
			if next == "" {
				return tw.Flush()
			}
			cursor = next
		}
	})
}

// UserPasswdCmd sets a password.
type UserPasswdCmd struct {
	Email string `required:"" help:"The user's e-mail address."`
}

// Run implements the command.
func (c *UserPasswdCmd) Run(ctx context.Context, cli *CLI, io Stdio) error {
	pw, generated, err := readPassword(io.In)
	if err != nil {
		return err
	}
	return withApp(ctx, cli.Config, func(a *App) error {
		u, err := a.Auth.UserByEmail(ctx, c.Email)
		if err != nil {
			return err
		}
		if err := a.Auth.SetPassword(ctx, u.ID, pw, cliPrincipal); err != nil {
			return err
		}
		fmt.Fprintf(io.Out, "password set for %s\n", u.Email)
		if generated {
			fmt.Fprintf(io.Out, "password (shown once): %s\n", pw)
		}
		return nil
	})
}

// readPassword reads one line from stdin when it is not a terminal and not
// empty; otherwise it generates a password.
func readPassword(in io.Reader) (pw string, generated bool, err error) {
	if in != nil && !isTerminal(in) {
		line, err := bufio.NewReader(io.LimitReader(in, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", false, err
		}
		if pw = strings.TrimRight(line, "\r\n"); pw != "" {
			return pw, false, auth.ValidatePassword(pw)
		}
	}
	return auth.GeneratePassword(), true, nil
}

// ProviderCmd groups the provider commands.
type ProviderCmd struct {
	Add  ProviderAddCmd  `cmd:"" help:"Add a provider."`
	List ProviderListCmd `cmd:"" help:"List providers."`
}

// ProviderAddCmd adds a provider.
type ProviderAddCmd struct {
	Code string `required:"" help:"Short unique code, e.g. ACME."`
	Name string `required:"" help:"Display name."`
}

// Run implements the command.
func (c *ProviderAddCmd) Run(ctx context.Context, cli *CLI, io Stdio) error {
	return withApp(ctx, cli.Config, func(a *App) error {
		p, err := a.Providers.Create(ctx, provider.Provider{Code: c.Code, Name: c.Name}, cliActor)
		if err != nil {
			return err
		}
		fmt.Fprintf(io.Out, "added provider %s (%s)\n", p.Code, p.ID)
		return nil
	})
}

// ProviderListCmd lists providers.
type ProviderListCmd struct{}

// Run implements the command.
func (c *ProviderListCmd) Run(ctx context.Context, cli *CLI, io Stdio) error {
	return withApp(ctx, cli.Config, func(a *App) error {
		tw := tabwriter.NewWriter(io.Out, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CODE\tNAME\tACTIVE")
		cursor := ""
		for {
			list, next, err := a.Providers.List(ctx, cursor, 200)
			if err != nil {
				return err
			}
			for _, p := range list {
				fmt.Fprintf(tw, "%s\t%s\t%v\n", p.Code, p.Name, p.Active)
			}
			if next == "" {
				return tw.Flush()
			}
			cursor = next
		}
	})
}

// APIKeyCmd groups the API key commands.
type APIKeyCmd struct {
	Create APIKeyCreateCmd `cmd:"" help:"Create an API key for a provider; the key is printed once."`
	List   APIKeyListCmd   `cmd:"" help:"List API keys (never the keys themselves)."`
	Revoke APIKeyRevokeCmd `cmd:"" help:"Revoke an API key by id."`
}

// APIKeyCreateCmd creates a key.
type APIKeyCreateCmd struct {
	Provider string `required:"" help:"Provider code."`
	Name     string `help:"What the key is for, e.g. 'ERP integration'."`
	Quiet    bool   `short:"q" help:"Print only the key, on one line."`
}

// Run implements the command.
func (c *APIKeyCreateCmd) Run(ctx context.Context, cli *CLI, io Stdio) error {
	return withApp(ctx, cli.Config, func(a *App) error {
		p, err := a.Providers.Get(ctx, c.Provider)
		if err != nil {
			return err
		}
		k, key, err := a.Auth.CreateKey(ctx, p.ID, c.Name, cliPrincipal)
		if err != nil {
			return err
		}
		if c.Quiet {
			fmt.Fprintln(io.Out, key)
			return nil
		}
		fmt.Fprintf(io.Out, "created API key %s for %s\nkey (shown once): %s\n", k.ID, p.Code, key)
		return nil
	})
}

// APIKeyListCmd lists keys.
type APIKeyListCmd struct {
	Provider string `help:"Only this provider's keys."`
}

// Run implements the command.
func (c *APIKeyListCmd) Run(ctx context.Context, cli *CLI, io Stdio) error {
	return withApp(ctx, cli.Config, func(a *App) error {
		providerID := ""
		if c.Provider != "" {
			p, err := a.Providers.Get(ctx, c.Provider)
			if err != nil {
				return err
			}
			providerID = p.ID
		}
		keys, err := a.Auth.ListKeys(ctx, providerID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(io.Out, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPROVIDER\tNAME\tPREFIX\tCREATED\tLAST USED\tREVOKED")
		for _, k := range keys {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.ProviderCode, k.Name, k.Prefix,
				stamp(k.CreatedAt), stampPtr(k.LastUsedAt), stampPtr(k.RevokedAt))
		}
		return tw.Flush()
	})
}

// APIKeyRevokeCmd revokes a key.
type APIKeyRevokeCmd struct {
	ID string `arg:"" help:"Key id (from apikey list)."`
}

// Run implements the command.
func (c *APIKeyRevokeCmd) Run(ctx context.Context, cli *CLI, io Stdio) error {
	return withApp(ctx, cli.Config, func(a *App) error {
		if _, err := a.Auth.RevokeKey(ctx, c.ID, cliPrincipal); err != nil {
			if fault.Is(err, fault.NotFound) {
				return fmt.Errorf("no API key %q", c.ID)
			}
			return err
		}
		fmt.Fprintf(io.Out, "revoked API key %s\n", c.ID)
		return nil
	})
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04Z") }

func stampPtr(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return stamp(*t)
}
