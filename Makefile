# Regie — the two commands a newcomer needs: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two installs: what serving needs (`make serve`), and on top of it the test tools (`make test`).
STAMP := $(VENV)/.installed-serve
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in mails and the printed demo table point to http://$(HOST):$(PORT) unless BASE_URL is set.

.PHONY: serve test install lint chromium atproto-net bench bench-pages demo worker

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install -q -e ".[test]"
	touch $(TEST_STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/regie db upgrade
	$(BIN)/regie demo --host $(HOST) --port $(PORT)
	REGIE_DEV_MAILBOX=1 $(BIN)/regie serve --host $(HOST) --port $(PORT) --access-log

demo: $(STAMP)
	$(BIN)/regie db upgrade
	$(BIN)/regie demo --host $(HOST) --port $(PORT)

# A separate job worker; needs BROKER_URL=redis://... or amqp://... (the web process then enqueues only).
worker: $(STAMP)
	$(BIN)/regie worker

chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

# The local AT Protocol network (PLC, PDS, AppView) for the Bluesky tests: installed once per
# infra/atproto-net/package-lock.json into ~/.cache/regie/atproto-net/ (needs Node 20+ and npm to install).
atproto-net:
	bash infra/atproto-net/install.sh >/dev/null

test: $(TEST_STAMP) chromium atproto-net
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q -n 2 --dist loadgroup

bench: $(TEST_STAMP)
	$(BIN)/pytest -q -m bench tests/bench -s

# Every main page under load next to the bare framework, in one run: needs PostgreSQL (TEST_POSTGRES_URL's
# server) and wrk; loads its own database once (a few minutes), then writes docs/performance-pages.md.
bench-pages: $(TEST_STAMP)
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python -m tests.bench.pages $(BENCH_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
