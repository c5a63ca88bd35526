# Every target installs what it needs first; `make test` works on a fresh clone.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup test test-api-pooled lint typecheck check clean-venv

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/development/ensure_postgres.sh scripts/development/ensure_chromium.sh scripts/development/ensure_scale_engines.sh
	bash scripts/development/ensure_postgres.sh
	bash scripts/development/ensure_chromium.sh
	bash scripts/development/ensure_scale_engines.sh
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The README's test command and CI's: lint, types, then the whole suite on real PostgreSQL.
test: lint typecheck
	$(PY) -m pytest -q

# The API's tests with the server connected through pgbouncer (transaction mode), on demand.
test-api-pooled: setup
	SEARXNG_COOL_TEST_POOLER=1 $(PY) -m pytest -q tests/api

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy

check: test

clean-venv:
	rm -rf $(VENV)
