# Regie — the two commands a newcomer needs: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test install lint chromium bench demo worker

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/regie db upgrade
	$(BIN)/regie demo
	REGIE_DEV_MAILBOX=1 $(BIN)/regie serve --host $(HOST) --port $(PORT)

demo: $(STAMP)
	$(BIN)/regie db upgrade
	$(BIN)/regie demo

# A separate job worker; needs BROKER_URL=redis://... or amqp://... (the web process then enqueues only).
worker: $(STAMP)
	$(BIN)/regie worker

chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/pytest -q -n 2 --dist loadgroup

bench: $(STAMP)
	$(BIN)/pytest -q -m bench tests/bench -s

lint: $(STAMP)
	$(BIN)/ruff check .
