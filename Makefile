# pyhotmesh developer commands. `make test` and `make demo` work on a fresh machine: they
# create the virtualenv, install what is missing and start their own throwaway Postgres.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: setup test test-sql test-python demo bench migrate clean

$(VENV)/.installed: pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,fast]'
	touch $@

setup: $(VENV)/.installed
	@bash tools/ensure_pgtap.sh

# Everything: pgTAP (pg_prove on sql/tests) and pytest, on a throwaway Postgres
# (or on HOTMESH_TEST_DSN). Exits non-zero when anything fails.
test: setup
	$(PY) tools/run_tests.py

test-sql: setup
	$(PY) tools/run_tests.py --sql-only

test-python: setup
	$(PY) tools/run_tests.py --python-only

# The demo on HOTMESH_DSN, or on an embedded Postgres in ./.hotmesh/ when none is set.
demo: $(VENV)/.installed
	$(PY) -m pyhotmesh demo

bench: setup
	$(PY) tools/bench.py

migrate: $(VENV)/.installed
	$(PY) -m pyhotmesh migrate

clean:
	rm -rf $(VENV) .hotmesh build *.egg-info .pytest_cache
