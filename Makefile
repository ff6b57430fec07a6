# The two commands a newcomer needs: `make run` and `make test`.
GO       ?= go
BIN      := bin/ocopbot

.PHONY: run test build services browser migrate bench lint bench-serve bench-status bench-hall

## run: start Postgres/Redis if needed; with TELEGRAM_BOT_TOKEN or ZALO_BOT_TOKEN (or both) serve the real
## bot (migrate loads the unit lists built into the binary on first run), without either run demo mode:
## Telegram and Zalo emulators and their web chats. Nothing outside the repository is needed.
run: services build
	@if [ -z "$${TELEGRAM_BOT_TOKEN:-}" ] && [ -z "$${ZALO_BOT_TOKEN:-}" ]; then \
	  echo "Neither TELEGRAM_BOT_TOKEN nor ZALO_BOT_TOKEN is set: starting demo mode (no account needed)."; \
	  LOG_FORMAT=$${LOG_FORMAT:-text} $(BIN) demo; \
	else \
	  $(BIN) migrate && LOG_FORMAT=$${LOG_FORMAT:-text} $(BIN) serve; \
	fi

## test: start Postgres/Redis and install Chromium if needed, check style and boundaries,
## run every test with -race; screenshots land in bin/test-artifacts
test: services browser lint
	@mkdir -p bin/test-artifacts
	$(GO) test -race -count=1 -timeout 20m -artifacts -outputdir $(CURDIR)/bin/test-artifacts ./...

build:
	$(GO) build -o $(BIN) ./cmd/ocopbot

services:
	@scripts/services.sh

browser:
	@scripts/browser.sh

migrate: services build
	$(BIN) migrate

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	@# flows decides what to say; it must not know Telegram or storage (the embedded unit lists are data:
	@# the test helper flows/units/unitstest reads them when no shared/data is beside the clone).
	@if $(GO) list -deps ./flows/... | grep -v '^github.com/ocopbot/ocopbot/storage/unitdata$$' | grep -E 'go-telegram|ocopbot/storage|ocopbot/bot'; then \
	  echo "flows must not import the Telegram library, storage or bot"; exit 1; fi

## bench: the benchmarks whose figures the issues ask for
bench: services
	$(GO) test -run '^$$' -bench . -skip Notify -benchmem -count 5 ./flows/ocop/ ./bot/...
	$(GO) test -run '^$$' -bench ServeMemory -benchtime 1x -count 3 ./cmd/ocopbot/
	$(GO) test -run '^$$' -bench Status -benchtime 200x -count 3 ./cmd/ocopbot/
	$(GO) test -run '^$$' -bench 'Sweep|EnqueueReminders' -benchtime 10x -count 3 ./cmd/ocopbot/
	$(GO) test -run '^$$' -bench RegistryLinks5000 -benchtime 3x -count 1 ./cmd/ocopbot/
	$(GO) test -run '^$$' -bench UnlinkedDigestNational -benchtime 1x -timeout 60m ./cmd/ocopbot/
	scripts/bench-emulator.sh
	@# 10,000 notifications at Telegram's 30/s: about six minutes per case
	$(GO) test -run '^$$' -bench Notify -benchtime 1x -timeout 60m ./bot/

## bench-serve: the bot as three processes (emulator, serve, loadtest), this tree against PREV:
## make bench-serve PREV=main [RUNS=3] [DURATION=30s]
bench-serve: services
	@test -n "$(PREV)" || { echo "usage: make bench-serve PREV=ref [RUNS=3] [DURATION=30s]"; exit 2; }
	scripts/bench-serve.sh $(PREV) $(RUNS)

## bench-hall: the training hall (emulator with Telegram's limits, serve, loadtest): 500 new producers
## within 10 s, a step every 10 s, this tree against PREV; then 200 chats with 1 s pauses, uncongested:
## make bench-hall PREV=main [RUNS=3] [CHATS=500] [RAMP=10s] [THINK=10s] [DURATION=2m] [CASES=all|hall|poll|hook|calm]
bench-hall: services
	@test -n "$(PREV)" || { echo "usage: make bench-hall PREV=ref [RUNS=3] [CHATS=500] [DURATION=2m] [CASES=hall|poll|hook|calm]"; exit 2; }
	scripts/bench-hall.sh $(PREV) $(RUNS)

## bench-status: /status as an official sees it (emulator, serve, statusload) on the national
## dataset, this tree against PREV: make bench-status PREV=main [RUNS=3] [CALLS=50]
bench-status: services
	@test -n "$(PREV)" || { echo "usage: make bench-status PREV=ref [RUNS=3] [CALLS=50]"; exit 2; }
	CALLS=$(or $(CALLS),50) scripts/bench-status.sh $(PREV) $(RUNS)

## bench-zalo: the Zalo channel (both emulators, serve, loadtest --zalo): 200 chats pausing 1 s
## make bench-zalo [RUNS=3] [DURATION=30s]
bench-zalo: services
	scripts/bench-zalo.sh $(RUNS)
