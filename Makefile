# Comptoir: `make run` serves the helpdesk, `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Two workers: the suite runs in about half the time on two cores.
PYTEST_ARGS ?= -n 2

# The first Python >= 3.12 found (pyenv reads .python-version first).
PYTHON_FOUND := $(shell for c in python3.12 python3.13 python3.14 python3 python; do \
	p=$$(command -v $$c 2>/dev/null) || continue; \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; \
	done)

.PHONY: help install run test lint format typecheck pytest bench messages clean

help:
	@echo "make run    install, migrate, load demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test   lint, type checks and the whole test suite"
	@echo "make install  create .venv and install the project (quick when nothing changed)"

$(STAMP): pyproject.toml
	@test -n "$(PYTHON_FOUND)" || { echo "Python >= 3.12 is required (none found on PATH)." >&2; exit 1; }
	@test -x $(PY) || $(PYTHON_FOUND) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py seed_demo --if-empty
	@bash scripts/run.sh $(HOST) $(PORT)

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

format: install
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

messages: install
	cd src/comptoir && ../../$(PY) ../../manage.py makemessages -l fr -l es --no-obsolete --no-location && ../../$(PY) ../../manage.py compilemessages

clean:
	rm -rf $(VENV) var build *.egg-info

# Benchmarks (bench/README.md): BENCH_TICKETS (default 1000000) and BENCH_SECONDS
# (per workload) make a quick run; DATABASE_URL selects PostgreSQL.
bench: install
	$(PY) -m bench
