# qlvb: two commands do everything. `make run` serves the demo province; `make test` tests it.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
QLVB := $(VENV)/bin/qlvb
PYTEST := $(VENV)/bin/pytest
export QLVB_DATA_DIR ?= $(CURDIR)/data

.PHONY: setup system venv assets messages run serve test test-sqlite test-postgres lint bench bench-quick clean loadtest

setup: system venv assets messages

system:
	@scripts/ensure-system-packages.sh

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e ".[dev]"
	@touch $@

venv: $(VENV)/.installed

assets:
	@scripts/build-assets.sh

messages: venv
	@cd src/qlvb && ../../$(QLVB) compilemessages -v 0

run: setup
	$(QLVB) migrate --noinput
	$(QLVB) demo
	@scripts/serve.sh

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: setup lint test-sqlite test-postgres

test-sqlite:
	@echo "=== pytest on SQLite ==="
	env -u DATABASE_URL QLVB_DATA_DIR=$(CURDIR)/data/test-sqlite $(PYTEST) -q $(PYTEST_ARGS)

test-postgres:
	@echo "=== pytest on PostgreSQL ==="
	QLVB_DATA_DIR=$(CURDIR)/data/test-postgres scripts/with-postgres.sh $(PYTEST) -q $(PYTEST_ARGS)

# Locust's working morning against gunicorn on PostgreSQL (DATABASE_URL: a generated province).
loadtest: setup
	scripts/loadtest.sh

# Both databases, each in its own scratch database (never the demo's); fails if either misses.
bench: setup
	@rc=0; \
	echo "=== benchmarks on SQLite ==="; \
	env -u DATABASE_URL QLVB_DATA_DIR=$(CURDIR)/data/bench-sqlite $(QLVB) bench $(BENCH_ARGS) || rc=1; \
	echo "=== benchmarks on PostgreSQL ==="; \
	QLVB_DATA_DIR=$(CURDIR)/data/bench-postgres \
	  QLVB_TEST_POSTGRES_URL=$${QLVB_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/qlvb_bench} \
	  scripts/with-postgres.sh $(QLVB) bench $(BENCH_ARGS) || rc=1; \
	exit $$rc

# Smaller data (50 000 documents on PostgreSQL, 20 000 on SQLite), fewer samples: for development.
bench-quick:
	@$(MAKE) --no-print-directory bench BENCH_ARGS="--quick $(BENCH_ARGS)"

clean:
	rm -rf $(VENV) node_modules src/qlvb/web/static/vendor data
