// Command fieldhub runs the fieldhub server and manages an installation from
// the shell. It only parses flags and environment into app's Config and
// hands over to package app.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"
	"github.com/fieldhub/fieldhub/internal/app"
)

func main() {
	var cli app.CLI
	kctx := kong.Parse(&cli,
		kong.Name("fieldhub"),
		kong.Description("fieldhub: field-service orchestration. Every command takes the same storage flags."),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := app.Execute(ctx, kctx, app.Stdio{In: os.Stdin, Out: os.Stdout})
	kctx.FatalIfErrorf(err)
}
