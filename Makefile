# Two commands on a fresh machine with Python 3.11+ and make: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
# The production environment: runtime dependencies only, apart from the contributor's .venv.
PROD_VENV := .venv-prod
PROD_BIN := $(PROD_VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The PostgreSQL server for the second test run (its database only creates and drops others).
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
# In CI the PostgreSQL run is mandatory: unreachable is a failure, not a skip.
REQUIRE_POSTGRES ?= $(if $(CI),1,)
# Timing-sensitive tests (marked serial) run alone after the parallel run, adding to its
# coverage: measured beside other tests' bcrypt work on two cores, their medians are noise.
PYTEST := $(BIN)/pytest -n auto -m "not serial" --cov --cov-report= --cov-fail-under=0 && \
	$(BIN)/pytest -m serial --cov --cov-append --cov-report=term --cov-fail-under=90

.PHONY: help install install-prod run serve test lint typecheck contracts pytest pytest-sqlite pytest-postgres \
	migrate revision create-admin slice openapi-snapshot hooks bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

install: $(VENV)/.synced ## create .venv from the lock file (every dependency group)

$(PROD_VENV)/.synced: uv.lock pyproject.toml | $(UV)
	UV_PROJECT_ENVIRONMENT=$(PROD_VENV) $(UV) sync --frozen --no-default-groups --compile-bytecode --python $(PYTHON)
	@touch $@

install-prod: $(PROD_VENV)/.synced ## create .venv-prod: the runtime dependencies only, no dev tools

run: install migrate ## set up, migrate the SQLite database under ./data, serve on 127.0.0.1:8000
	@echo "Serving on http://$(HOST):$(PORT) - interactive docs at http://$(HOST):$(PORT)/docs"
	$(BIN)/uvicorn main:app --host $(HOST) --port $(PORT) --no-proxy-headers --no-access-log

serve: install-prod ## production: runtime deps only, migrate, then WEB_CONCURRENCY workers (see README)
	$(PROD_BIN)/python main.py migrate
	$(PROD_BIN)/python main.py serve --host $(HOST) --port $(PORT)

migrate: install ## apply the database migrations (alembic upgrade head)
	$(BIN)/python main.py migrate

revision: install ## new migration from the model: make revision m="what changed"
	$(BIN)/python -c "import sys; from alembic import command; from shared.config import get_settings; from shared.db.schema import alembic_config; command.revision(alembic_config(get_settings().database_url), message=sys.argv[1], autogenerate=True)" "$(m)"

create-admin: install ## create or promote an admin: make create-admin email=you@example.com
	$(BIN)/python main.py create-admin "$(email)"

slice: install ## scaffold a new slice: make slice name=verb_noun (command=1: an operator command)
	$(BIN)/python main.py new-slice "$(name)" $(if $(command),--command,)

openapi-snapshot: install ## accept the current OpenAPI document as tests/architecture/openapi.snapshot.json
	$(BIN)/python -m tests.architecture.test_openapi_snapshot

hooks: install ## install the git pre-commit and commit-msg hooks
	$(BIN)/pre-commit install --hook-type pre-commit --hook-type commit-msg

lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install ## mypy --strict
	$(BIN)/mypy

contracts: install ## import-linter: slice boundaries
	$(BIN)/lint-imports

pytest: pytest-sqlite pytest-postgres ## the test suite on SQLite, then on PostgreSQL (coverage >= 90% each)

pytest-sqlite: install ## the test suite on SQLite
	$(PYTEST)

pytest-postgres: install ## the test suite on PostgreSQL at PG_TEST_URL; skipped when none answers, outside CI
	@if $(BIN)/python -c "import sys, sqlalchemy as sa; sa.create_engine(sys.argv[1], connect_args={'connect_timeout': 3}).connect().close()" "$(PG_TEST_URL)" 2>/dev/null; then \
		echo "Running the test suite again on PostgreSQL ($(PG_TEST_URL))"; \
		export TEST_DATABASE_URL="$(PG_TEST_URL)"; $(PYTEST); \
	elif [ -n "$(REQUIRE_POSTGRES)" ]; then \
		echo "FAILED: PostgreSQL does not answer at $(PG_TEST_URL), and CI requires the PostgreSQL run." >&2; exit 1; \
	else \
		echo "SKIPPED the PostgreSQL run: nothing answers at $(PG_TEST_URL). Start PostgreSQL or set PG_TEST_URL to run it."; \
	fi

test: lint typecheck contracts pytest ## set up, then lint, type-check, check boundaries and run every test

bench: install ## load benchmark with wrk against a bare-FastAPI ceiling; writes tests/benchmark/results.md
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python -m tests.benchmark.run

clean: ## remove the environment and caches (keeps ./data)
	rm -rf $(VENV) $(PROD_VENV) .tools .mypy_cache .ruff_cache .coverage
