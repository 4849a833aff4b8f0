# `make` lists the targets. Everything runs inside .venv.
VENV ?= .venv
BIN := $(VENV)/bin
TEST_ENV := MALL_TEST_DATABASE_URL=$${MALL_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/mall_test} \
            MALL_TEST_REDIS_URL=$${MALL_TEST_REDIS_URL:-redis://127.0.0.1:6379/9}

.PHONY: help install dev test test-local test-fast lint format typecheck migrate migration bench ci

help: ## show this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/mall:
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'

install: $(BIN)/mall ## create .venv and install mall with its dev tools

dev: install ## quick start on the embedded PostgreSQL and Redis (mall dev)
	$(BIN)/mall dev

test: install ## the test suite on embedded servers (or MALL_TEST_* when set)
	$(BIN)/pytest

test-local: install ## the test suite on the local PostgreSQL and Redis (127.0.0.1)
	$(TEST_ENV) $(BIN)/pytest

test-fast: install ## the fast inner loop: everything but tests/system (processes, browser)
	$(TEST_ENV) $(BIN)/pytest -m "not system"

lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## ruff format and autofix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install ## mypy
	$(BIN)/mypy

migrate: install ## bring MALL_DATABASE_URL to the newest migration
	$(BIN)/mall migrate

migration: install ## generate a migration after a model change: make migration NAME=what
	AERICH_NO_TORTOISE_V1_WARNING=1 $(BIN)/aerich migrate --name $(NAME)

bench: install ## run every benchmark (prints tables; see README)
	for b in bench/*.py; do MALL_RATE_LIMIT_ENABLED=false $(BIN)/python $$b || exit 1; done

ci: ## what CI runs
	bash .ci/run
