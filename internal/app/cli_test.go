package app_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
	"github.com/fieldhub/fieldhub/internal/app"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// run parses args exactly as cmd/fieldhub does and runs the command.
func run(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var cli app.CLI
	parser, err := kong.New(&cli, kong.Name("fieldhub"), kong.Exit(func(int) { t.Fatalf("kong exited on %v", args) }))
	if err != nil {
		t.Fatal(err)
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	err = app.Execute(context.Background(), kctx, app.Stdio{In: strings.NewReader(stdin), Out: &out})
	return out.String(), err
}

func TestCommands(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			cfg := dbtest.Config(t, e)
			storage := []string{"--data-dir", cfg.DataDir, "--log-level", "error"}
			if cfg.DatabaseURL != "" {
				storage = []string{"--database-url", cfg.DatabaseURL, "--log-level", "error"}
			}
			cmd := func(stdin string, args ...string) (string, error) {
				return run(t, stdin, append(args, storage...)...)
			}
			must := func(stdin string, args ...string) string {
				t.Helper()
				out, err := cmd(stdin, args...)
				if err != nil {
					t.Fatalf("%v: %v", args, err)
				}
				return out
			}

			out := must("", "migrate", "status")
			if !strings.Contains(out, "applied") || strings.Contains(out, "pending") {
				t.Fatalf("migrate status:\n%s", out)
			}

			out = must("a long enough passphrase\n", "user", "add", "--email", "Nate@Example.com", "--role", "csr,ops")
			if !strings.Contains(out, "nate@example.com") || strings.Contains(out, "password") {
				t.Fatalf("user add with stdin password:\n%s", out)
			}
			out = must("", "user", "add", "--email", "ada@example.com", "--role", "admin")
			if !regexp.MustCompile(`password \(shown once\): \S{12,}`).MatchString(out) {
				t.Fatalf("user add did not print a generated password:\n%s", out)
			}
			must("", "user", "add", "--email", "zane@example.com", "--contractor")
			if _, err := cmd("", "user", "add", "--email", "x@example.com", "--role", "wizard"); err == nil {
				t.Fatal("unknown role accepted")
			}
			if _, err := cmd("short\n", "user", "add", "--email", "y@example.com", "--role", "csr"); err == nil {
				t.Fatal("short password accepted")
			}
			if _, err := cmd("", "user", "add", "--email", "nate@example.com", "--role", "csr"); err == nil {
				t.Fatal("duplicate e-mail accepted")
			}
			out = must("", "user", "list")
			for _, s := range []string{"nate@example.com", "ada@example.com", "zane@example.com", "contractor"} {
				if !strings.Contains(out, s) {
					t.Errorf("user list lacks %s:\n%s", s, out)
				}
			}

			must("", "provider", "add", "--code", "acme", "--name", "Acme Aesthetics")
			if _, err := cmd("", "provider", "add", "--code", "ACME", "--name", "again"); err == nil {
				t.Fatal("duplicate provider accepted")
			}
			if out = must("", "provider", "list"); !strings.Contains(out, "ACME") {
				t.Fatalf("provider list:\n%s", out)
			}

			key := must("", "apikey", "create", "--provider", "ACME", "--name", "ERP", "--quiet")
			if !regexp.MustCompile(`^fh_[a-z2-7]{40,}\n$`).MatchString(key) {
				t.Fatalf("--quiet printed %q, want only the key on one line", key)
			}
			out = must("", "apikey", "list", "--provider", "ACME")
			if !strings.Contains(out, "ERP") || strings.Contains(out, strings.TrimSpace(key)) {
				t.Fatalf("apikey list (must not show the key):\n%s", out)
			}
			id := regexp.MustCompile(`(?m)^([0-9a-f-]{36})\s`).FindStringSubmatch(out)
			if id == nil {
				t.Fatalf("no key id in:\n%s", out)
			}
			must("", "apikey", "revoke", id[1])
			if out = must("", "apikey", "list"); !regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\dZ\s*\n`).MatchString(out) {
				t.Fatalf("revoked key has no revocation time:\n%s", out)
			}
			if _, err := cmd("", "apikey", "revoke", "no-such-id"); err == nil {
				t.Fatal("revoking an unknown key succeeded")
			}
		})
	}
}
