# jacobian-tutor: `make run` serves the app, `make test` runs every test. Both set up .venv first:
# `make run` with the runtime dependencies only, `make test` with the dev extra too, both
# pinned by requirements.lock (the versions the container image installs; `make lock`).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
LOCK := requirements.lock
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format bench migrate clean vendor lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(LOCK) -e .
	touch $(RUN_STAMP)

$(DEV_STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[dev]'
	touch $(RUN_STAMP) $(DEV_STAMP)

run: $(RUN_STAMP)
	$(BIN)/jtutor serve --host $(HOST) --port $(PORT)

migrate: $(RUN_STAMP)
	$(BIN)/python -m app.store.migrate

test: $(DEV_STAMP) lint
	$(BIN)/pytest

# Refresh the pins: the runtime dependencies resolved afresh in a scratch environment.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet .
	{ echo "# The runtime dependencies of jacobian-tutor, pinned: what the container image installs"; \
	  echo "# and what make run and make test install against. Refresh with: make lock"; \
	  .lock-venv/bin/pip freeze --exclude-editable | grep -v '^jacobian-tutor' ; } > $(LOCK)
	rm -rf .lock-venv build

lint: $(DEV_STAMP)
	$(BIN)/ruff check app tests benchmarks
	$(BIN)/ruff format --check app tests benchmarks
	$(BIN)/mypy --strict app

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix app tests benchmarks
	$(BIN)/ruff format app tests benchmarks

bench: $(DEV_STAMP)
	$(BIN)/python -m benchmarks

vendor:
	bash scripts/vendor-assets.sh

clean:
	rm -rf $(VENV) .lock-venv .pytest_cache .mypy_cache .ruff_cache
