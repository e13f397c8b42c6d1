# Sahay: `make demo` sets up and serves a demo; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/sahay
PYTEST_ARGS ?= -n 2

.PHONY: demo test lint typecheck pytest test-postgres bench messages lock clean report-pages

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Sahay needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-app
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

demo: $(VENV)/.installed-app
	$(BIN)/sahay demo

test: lint typecheck security pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sahay makemigrations --check --dry-run

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy sahay tests conftest.py benchmarks

# Goals 19 and 20 of the security goals: bandit (medium and above; a reviewed false positive says why, inline), pip-audit of the lock
# (a vulnerability passes only under a dated waiver in security/pip-audit-waivers.txt) and the SBOM.
.PHONY: security
security: $(VENV)/.installed-dev
	$(BIN)/bandit -c pyproject.toml -r sahay -ll -q
	$(BIN)/python security/audit_dependencies.py
	mkdir -p build
	$(BIN)/cyclonedx-py requirements requirements.lock --of JSON -o build/sbom.cdx.json

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS)

# The same suite on PostgreSQL (the test database is created next to POSTGRES_URL's database).
test-postgres: $(VENV)/.installed-dev
	DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest $(PYTEST_ARGS)

# The engine (about 5 participations and services per person), checked against DuckDB, at a size per database:
# SQLite is meant for small installations. BENCH_PEOPLE, when given, sets both.
BENCH_PEOPLE_SQLITE ?= $(or $(BENCH_PEOPLE),200000)
BENCH_PEOPLE_POSTGRES ?= $(or $(BENCH_PEOPLE),1000000)
BENCH_FUZZ_EXAMPLES ?= 100
bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks --people $(BENCH_PEOPLE_SQLITE)
	$(BIN)/python -m benchmarks.imports
	$(BIN)/python -m benchmarks.duplicates
	# Goal 29: every hostile import file at full size through the page, `sahay import` and a worker (Redis at 6379).
	$(BIN)/python -m benchmarks.hostile
	psql -q -h 127.0.0.1 -U postgres -c 'DROP DATABASE IF EXISTS sahay_bench' -c 'CREATE DATABASE sahay_bench'
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/sahay_bench $(BIN)/python -m benchmarks --people $(BENCH_PEOPLE_POSTGRES)
	psql -q -h 127.0.0.1 -U postgres -c 'DROP DATABASE IF EXISTS sahay_bench' -c 'CREATE DATABASE sahay_bench'
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/sahay_bench $(BIN)/python -m benchmarks.imports
	# The API fuzzed deeper than in `make test`: many generated calls per operation, mode and role.
	SAHAY_FUZZ_EXAMPLES=$(BENCH_FUZZ_EXAMPLES) $(BIN)/pytest -p no:xdist -q -s sahay/api/tests/test_fuzzing.py
	# A worker killed mid-import on every broker (make test does it on Redis only).
	SAHAY_FAULT_BROKERS=redis,rabbitmq $(BIN)/pytest -p no:xdist -q sahay/jobs/tests/test_faults.py
	$(BIN)/python -m benchmarks.loadtest

# The demo's 2017-H1 report as page images in docs/, for review (run after changing how reports look).
REPORT_PAGES_VAR := var/report-pages
report-pages: $(VENV)/.installed-dev
	SAHAY_VAR_DIR=$(REPORT_PAGES_VAR) $(BIN)/sahay demo --no-serve > /dev/null
	rm -rf docs/report-2017-H1
	for lang in en nl; do \
	  SAHAY_VAR_DIR=$(REPORT_PAGES_VAR) $(BIN)/sahay report --period 2017-H1 --lang $$lang --format pdf --out $(REPORT_PAGES_VAR)/report-$$lang.pdf && \
	  SAHAY_VAR_DIR=$(REPORT_PAGES_VAR) $(BIN)/sahay shell -c "from pathlib import Path; from sahay.reports.rendering import pdf_pages_to_png; pdf_pages_to_png(Path('$(REPORT_PAGES_VAR)/report-$$lang.pdf').read_bytes(), Path('docs/report-2017-H1/$$lang'), dpi=72)"; \
	done

messages: $(VENV)/.installed-dev
	cd sahay && ../$(BIN)/sahay makemessages -l nl --no-obsolete && ../$(BIN)/sahay compilemessages

lock: $(BIN)/python
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
