# Two commands on a fresh machine with Python 3.11+ and make: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help run test lint typecheck contracts pytest migrate revision create-admin slice \
	openapi-snapshot hooks bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(VENV)/.synced ## create .venv from the lock file

run: install migrate ## set up, migrate the SQLite database under ./data, serve on 127.0.0.1:8000
	@echo "Serving on http://$(HOST):$(PORT) - interactive docs at http://$(HOST):$(PORT)/docs"
	$(BIN)/uvicorn main:app --host $(HOST) --port $(PORT) --no-proxy-headers

migrate: install ## apply the database migrations (alembic upgrade head)
	$(BIN)/python -c "from shared.config import get_settings; from shared.db import upgrade_to_head; upgrade_to_head(get_settings().database_url)"

revision: install ## new migration from the model: make revision m="what changed"
	$(BIN)/python -c "import sys; from alembic import command; from shared.config import get_settings; from shared.db import alembic_config; command.revision(alembic_config(get_settings().database_url), message=sys.argv[1], autogenerate=True)" "$(m)"

create-admin: install ## create or promote an admin: make create-admin email=you@example.com
	$(BIN)/python main.py create-admin "$(email)"

slice: install ## scaffold a new slice: make slice name=verb_noun
	$(BIN)/python main.py new-slice "$(name)"

openapi-snapshot: install ## accept the current OpenAPI document as tests/openapi.snapshot.json
	$(BIN)/python -m tests.test_openapi_snapshot

hooks: install ## install the git pre-commit and commit-msg hooks
	$(BIN)/pre-commit install --hook-type pre-commit --hook-type commit-msg

lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install ## mypy --strict
	$(BIN)/mypy

contracts: install ## import-linter: slice boundaries
	$(BIN)/lint-imports

pytest: install ## the test suite with coverage (fails under 90%)
	$(BIN)/pytest -n auto --cov --cov-report=term --cov-fail-under=90

test: lint typecheck contracts pytest ## set up, then lint, type-check, check boundaries and run every test

bench: install ## load benchmark with wrk against a bare-FastAPI ceiling; writes tests/benchmark/results.md
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python -m tests.benchmark.run

clean: ## remove the environment and caches (keeps ./data)
	rm -rf $(VENV) .tools .mypy_cache .ruff_cache .coverage
