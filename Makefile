# Two commands do all set-up on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
JCP_DB ?= data/dashboard.duckdb
PORT ?= 8501
export JCP_DB

.PHONY: install run db test lint format browser java axe libreoffice nginx bench bench-100m clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

install: $(STAMP)

# Rebuild the database when it is missing or older than any file of the sample extract, or than
# the loader and the tables it builds.
$(JCP_DB): $(STAMP) $(wildcard sample_data/*.csv sample_data/*.parquet sample_data/extract.toml) \
		$(wildcard queries/facts/*.sql) jcp/extract/load.py jcp/extract/facts.py jcp/extract/contract.py
	$(PY) -m jcp load sample_data --db $(JCP_DB)

db: $(JCP_DB)

run: $(JCP_DB)
	$(PY) -m jcp serve --server.port $(PORT) --server.headless true

# Browser tests drive Debian's Chromium; install it when it is missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

# The Spark engine's tests run PySpark, which needs a Java runtime (17 or newer).
java:
	@command -v java >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq openjdk-17-jre-headless; }

# The accessibility tests inject axe-core (npm, pinned in tests/accessibility/package-lock.json)
# into each page; install it when it is missing.
AXE := tests/accessibility/node_modules/axe-core/axe.min.js
$(AXE): tests/accessibility/package.json tests/accessibility/package-lock.json
	npm ci --prefix tests/accessibility --no-audit --no-fund --silent
	@touch $(AXE)

axe: $(AXE)

# The spreadsheet tests open the ODS and XLSX files in LibreOffice headless (soffice).
libreoffice:
	@command -v soffice >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libreoffice-calc-nogui; }

# tests/test_proxy.py and `python -m jcp loadtest --instances N` put nginx in front of the apps.
nginx:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx-light; }

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# All tests, then the hand-worked measure figures again on the Spark engine (tests/extracts.py),
# each on two workers (pytest-xdist), one per core, a test file to a worker (so a module's
# app server or Spark session is started once, and its tests run in their order). The Parquet
# engine's figures are checked against the database's in tests/test_parquet_engine.py; the
# hand-worked tests run on it too with JCP_TEST_ENGINE=parquet (not here: a minute more).
test: $(STAMP) browser java axe libreoffice nginx lint
	$(PY) -m pytest -n 2 --dist loadfile
	JCP_TEST_ENGINE=spark $(PY) -m pytest -q -n 2 --dist loadfile $(wildcard tests/test_measures_*.py)

# `make bench CLAIMS=10000000`: timings and the pandas comparison; see docs/performance.md.
# GEOGRAPHY=sample for the old 6-district network; national (37 districts, 380 offices) by default.
CLAIMS ?= 1000000
GEOGRAPHY ?= national
RUNS ?= 4
bench: $(STAMP) browser
	$(PY) -m jcp bench --claims $(CLAIMS) --geography $(GEOGRAPHY) --runs $(RUNS) --parquet

# The 100M-claim run, by hand (not part of `make test`): about an hour on this machine and ~40 GB
# of disk in bench/ (extract, database, spill). The load is held to 10 GB (its peak resident memory
# was 12.2 GB under a 12 GB limit: DuckDB limits its buffers, not the whole process) and
# spills to bench/spill; the pandas peer would need ~80 GB of memory at this scale, so it is left out.
bench-100m: $(STAMP) browser
	mkdir -p bench/spill
	$(PY) -m jcp bench --claims 100000000 --geography national --runs 3 --no-pandas \
		--memory-limit 10GB --temp-dir bench/spill

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache tests/artifacts bench/cache bench/results bench/spill \
		tests/accessibility/node_modules
