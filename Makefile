# chinhquyen — every recipe does its own set-up, so a fresh Debian machine needs only `make`.
# `make help` lists the recipes.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
LEGACY := var/legacy/vietnam_provinces/data/nested-divisions.json
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Compiled translations, rebuilt from their .po files (needs msgfmt, from bootstrap.sh).
MO := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

.PHONY: help run test bench bench-instructions bench-search bench-signing bench-exchange bench-reporting bench-login-flood setup migrate demo lint clean

help:  ## List the recipes
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(STAMP): pyproject.toml
	@bash scripts/bootstrap.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

# Pre-2025 (three-level) units: the last vietnam-provinces release that carried them, installed
# beside the project (not imported: the current release owns the package name).
$(LEGACY): | $(STAMP)
	mkdir -p var/legacy
	$(PY) -m pip install -q --no-deps --target var/legacy 'vietnam-provinces==0.6.0'

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | $(STAMP)
	DATABASE_URL=sqlite:///:memory: $(PY) manage.py compilemessages --locale $* --ignore '.venv' --ignore 'var' -v 0

setup: $(STAMP) $(LEGACY) $(MO)  ## Create .venv and install everything

migrate: setup  ## Apply migrations to DATABASE_URL (default: SQLite under var/)
	$(PY) manage.py migrate --noinput

demo: migrate  ## Load the demo (units, agencies, calendar, catalogue, accounts); idempotent
	$(PY) manage.py demo_load

run: demo  ## Serve the demo at http://$HOST:$PORT (default 127.0.0.1:8000) with the worker and the periodic jobs; Ctrl-C stops all
	@HOST='$(HOST)' PORT='$(PORT)' PY='$(PY)' bash scripts/run.sh

test: setup  ## Run the whole test suite (DATABASE_URL picks the database; default SQLite)
	@bash scripts/bootstrap.sh  # Chromium for the browser tests, on a .venv made before they existed
	DATABASE_URL=sqlite:///:memory: $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check --quiet .
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup  ## Benchmark submission and status lookup against gunicorn on PostgreSQL
	bash scripts/bench.sh

bench-instructions: setup  ## Instructions per request of the bench scenarios, in process (valgrind): noise-free
	bash scripts/bench_instructions.sh

bench-search: setup  ## Benchmark procedure search over 10,000 procedures on PostgreSQL and SQLite
	$(PY) scripts/bench_search.py

bench-signing: setup  ## Benchmark PAdES signing and validation beside OpenSSL's raw RSA rate
	@bash scripts/bench_signing.sh

bench-exchange: setup  ## Benchmark node -> hub -> node exchange (100 KB PDFs), with a kill -9 run
	@bash scripts/bench_exchange.sh

bench-reporting: setup  ## Benchmark dashboard queries over 10 million dossiers (PostgreSQL COPY)
	$(PY) scripts/bench_reporting.py

bench-login-flood: setup  ## Wrong-password flood against nginx + gunicorn, with and without the sign-in throttle
	$(PY) scripts/bench_login_flood.py

lint: setup  ## ruff check and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:  ## Remove the virtualenv and local data
	rm -rf $(VENV) var
