# Conflict Tracker: a fresh clone needs only Python 3.11+ and make.
# Without DATABASE_URL / REDIS_URL, PostgreSQL and Redis run from pip wheels with their data in var/
# (see conflict_tracker/localservices.py); with them set, those servers are used and nothing starts.

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SERVICES := $(PY) -m conflict_tracker.localservices
# The first interpreter found that is Python 3.11 or newer; override with `make PYTHON=/path/to/python3`.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3.11 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)

# Settings need DEBUG (or a SECRET_KEY); local runs, tests and checks use DEBUG unless the caller set it.
run test test-fast lint: export DEBUG ?= 1

.DEFAULT_GOAL := help
.PHONY: help run test test-fast lint format lock messages services services-down bench clean

help:
	@echo "make run            set up, start the services, migrate, load demo data, serve on PORT (8000)"
	@echo "make test           run the test suite and print its coverage (PYTEST_ARGS=... to pass options)"
	@echo "make test-fast      the same without the slow tests (marked slow) and without coverage"
	@echo "make lint           ruff, the layers of the apps (import-linter), Django system checks, missing migrations"
	@echo "make format         ruff format and fixes"
	@echo "make lock           regenerate requirements.lock and requirements-dev.lock from pyproject.toml"
	@echo "make messages       update the French catalogue from the code and compile it (needs GNU gettext)"
	@echo "make services       start PostgreSQL and Redis (those whose URL is unset)"
	@echo "make services-down  stop them"
	@echo "make bench          race the API against Datasette, DuckDB and COPY (docs/benchmarks.md)"
	@echo "make clean          stop the services, remove the venv, var/ (local data) and caches"

# The venv holds the runtime lock plus the local services and the test tools (requirements-dev.lock, which pins the
# runtime packages at the same versions); the image installs requirements.lock alone.
$(STAMP): requirements.lock requirements-dev.lock pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python 3.11 or newer is needed; install it or pass PYTHON=/path/to/python3" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

run: $(STAMP)
	$(SERVICES) run

# The coverage report ([tool.coverage] in pyproject.toml) prints before pytest's summary line, which stays the last.
test: $(STAMP)
	$(SERVICES) up
	$(VENV)/bin/pytest --cov --cov-report=term $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(SERVICES) up
	$(VENV)/bin/pytest -m "not slow" $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(SERVICES) up
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Two locks from pyproject.toml: requirements.lock, the runtime dependencies only (the production image), and
# requirements-dev.lock, those plus the `local` and `dev` extras (the venv), constrained by the first so that both
# pin the same versions. Keeps the current pins where pyproject.toml allows them; LOCK_ARGS=--upgrade moves
# everything to the newest. The headers name `make lock`, and no index or wheel dir of this machine is written.
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-trusted-host --no-emit-find-links $(LOCK_ARGS)
lock: $(STAMP)
	$(PIP_COMPILE) --output-file requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra local --extra dev --constraint requirements.lock --output-file requirements-dev.lock \
		pyproject.toml

# The compiled catalogue is committed, so running the app needs no gettext; updating it does.
messages: $(STAMP)
	$(PY) manage.py makemessages -l fr --ignore=".venv/*" --ignore="var/*" --ignore="bench/*" --ignore="tests/*" --ignore="static/*"
	$(PY) manage.py compilemessages -l fr --ignore=".venv/*"

services: $(STAMP)
	$(SERVICES) up

services-down: $(STAMP)
	$(SERVICES) down

# The peers (Datasette, DuckDB) install themselves into var/bench/peers-venv from bench/requirements-peers.txt.
bench: $(STAMP)
	$(PY) bench/import_bench.py
	$(PY) bench/reconcile_bench.py
	$(PY) bench/run.py

clean:
	if [ -x $(PY) ]; then $(SERVICES) down; fi
	rm -rf $(VENV) var build *.egg-info .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
