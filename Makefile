# Crosswalk: `make run` serves the API with the corpus loaded; `make test` runs the suite.
# Needs only Python 3.11, make and bash. DATABASE_URL unset -> embedded PostgreSQL in .pgdata/.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DEBUG ?= true
# Stops the embedded PostgreSQL however the command ends (exit, Ctrl-C, kill).
STOP_EMBEDDED_DB_ON_EXIT = stop() { [ -n "$$DATABASE_URL" ] || $(PY) -m config.embedded_db stop; }; \
  trap stop EXIT; trap 'exit 130' INT; trap 'exit 143' TERM;

.PHONY: run test lint format fixtures db-stop clean-venv

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

run: $(VENV)/.installed
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_corpus
	$(PY) manage.py load_topics
	$(PY) manage.py load_seed_mappings
	$(PY) manage.py setup_roles
	$(PY) manage.py ensure_admin
	@echo "Crosswalk on http://127.0.0.1:$(PORT)/  (API /api/v1/, admin /admin/, health /healthz)"
	@$(STOP_EMBEDDED_DB_ON_EXIT) $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@[ -x /usr/bin/chromium ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && echo "installing chromium for the browser test" && apt-get update -qq \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || echo "browser test will be skipped: no chromium and cannot install it"
	@$(STOP_EMBEDDED_DB_ON_EXIT) $(VENV)/bin/pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

fixtures: $(VENV)/.installed
	$(PY) manage.py build_fixtures

db-stop: $(VENV)/.installed
	$(PY) -m config.embedded_db stop
