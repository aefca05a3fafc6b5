# fieldhub — the targets CI and people use alike.
GO      ?= go
PKGS    ?= ./...
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/fieldhub/fieldhub/internal/app.Version=$(VERSION)

.PHONY: run build test lint generate bench vendor-htmx

## run: start fieldhub on http://localhost:8080 with SQLite under ./data and the demo world
run:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/fieldhub serve --demo

## build: a static binary at ./bin/fieldhub
build:
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o bin/fieldhub ./cmd/fieldhub

## test: every test with the race detector (PostgreSQL too when FIELDHUB_TEST_DATABASE_URL is set)
test:
	$(GO) test -race -count=1 $(PKGS)

## lint: formatting, vet and staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

## generate: regenerate templ components (commit the output)
generate:
	$(GO) tool templ generate -path internal/web

## bench: benchmarks (each prints its baseline, its figure and the ratio); never part of test
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 $(PKGS)

## vendor-htmx: refresh the embedded htmx from the npm registry (version pinned here)
HTMX_VERSION := 2.0.11
vendor-htmx:
	cd $$(mktemp -d) && npm pack htmx.org@$(HTMX_VERSION) >/dev/null && tar xzf htmx.org-$(HTMX_VERSION).tgz && \
		cp package/dist/htmx.min.js $(CURDIR)/internal/web/static/htmx.min.js
