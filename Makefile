# The two commands a newcomer needs: `make run` and `make test`.
GO       ?= go
BIN      := bin/ocopbot
DATA_DIR ?= ../shared/data
UNITS    ?= $(DATA_DIR)/vn-units-2025-03.csv

.PHONY: run test build services migrate bench lint

## run: start Postgres/Redis if needed, migrate, import units on first run, serve the bot
run: services build
	$(BIN) migrate
	$(BIN) units import --if-empty $(UNITS)
	LOG_FORMAT=$${LOG_FORMAT:-text} $(BIN) serve

## test: start Postgres/Redis if needed, check style and boundaries, run every test with -race
test: services lint
	$(GO) test -race -count=1 -timeout 20m ./...

build:
	$(GO) build -o $(BIN) ./cmd/ocopbot

services:
	@scripts/services.sh

migrate: services build
	$(BIN) migrate

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	@# flows decides what to say; it must not know Telegram or storage.
	@if $(GO) list -deps ./flows/... | grep -E 'go-telegram|ocopbot/storage|ocopbot/bot'; then \
	  echo "flows must not import the Telegram library, storage or bot"; exit 1; fi

## bench: the benchmarks whose figures the issues ask for
bench: services
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./flows/ocop/ ./bot/...
