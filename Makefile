# The README's two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install services run test test-fast schema bench bench-outbox lint

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

services:
	scripts/ensure-services.sh

run: install services
	scripts/run.sh

test: install services
	scripts/ensure-tools.sh
	scripts/test.sh

# The same without the slow and the browser tests (see the markers in pyproject.toml).
test-fast: install services
	scripts/ensure-tools.sh
	scripts/test.sh -m "not slow and not browser"

schema: install
	$(BIN)/network export-schema > graphql/schema.graphql

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

bench: install services
	$(BIN)/python -m bench.generate --if-missing
	$(BIN)/python -m bench.members_api

bench-outbox: install services
	$(BIN)/python -m bench.outbox_delivery
