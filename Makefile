GO ?= go

.PHONY: test demo lint bench tidy build

# The whole test suite (what .ci/run runs).
test:
	$(GO) test -race -count=1 ./...

# The main job on the demo repository.
demo:
	$(GO) run ./cmd/kustoguard check testdata/demo/base testdata/demo/head

lint:
	$(GO) vet ./...
	staticcheck ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)

build:
	$(GO) build -ldflags "-X main.version=$(VERSION) -X main.commit=$(COMMIT)" -o bin/kustoguard ./cmd/kustoguard

tidy:
	$(GO) mod tidy
