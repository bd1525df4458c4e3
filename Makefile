# esf-monitor — two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export ESF_DATA_DIR ?= $(CURDIR)/data
# Filters pip's noise about this machine's optional local mirrors (harmless, not ours).
PIP_QUIET := sed "/is ignored: it is neither a file nor a directory/d"

.PHONY: venv demo run test test-fast test-deps ui portal bench clean-data docs lint lint-sql

# Progress while installing (also into a log, where pip draws no bar): a line per phase, and
# pip's own "Collecting <package>" line for each of the pinned packages it fetches.
PIP_PROGRESS := sed -u -n -e "s/^Collecting /  Paket \/ package: /p" -e "/ERROR/p"

$(BIN)/.installed: requirements.lock pyproject.toml
	@echo "[1/4] Python-Umgebung / virtual environment $(VENV)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "[2/4] Abhängigkeiten / dependencies: $$(grep -c '==' requirements.lock) Pakete / packages (requirements.lock) — einige Minuten / a few minutes"
	@$(BIN)/pip install --progress-bar off -r requirements.lock 2>&1 | $(PIP_QUIET) | $(PIP_PROGRESS)
	@echo "[3/4] esf-monitor selbst / the project itself (pip install -e .)"
	@$(BIN)/pip install -q --no-deps -e . 2>&1 | $(PIP_QUIET)
	@echo "[4/4] Prüfe Importe / checking imports"
	@$(BIN)/python -c "import dagster, dagster_dbt, duckdb, polars, pandera, great_expectations, django, axes, django_otp, waitress, xstatic.pkg.bootstrap"
	@touch $@
	@echo "Umgebung bereit / environment ready: $(VENV)"

venv: $(BIN)/.installed

## make demo: install, generate demo data into ./data (if empty), run the whole pipeline.
## Freshly generated files are complete when the generator returns: the run right after it
## reads them at once (ESF_SETTLE_SECONDS=0) instead of waiting the contract's settle time
## for copies that cannot be under way (docs/decisions.md, "Settle time"); later runs wait.
demo: venv
	@settle=""; if [ ! -f "$(ESF_DATA_DIR)/reference/projects.csv" ]; then \
	  echo "Demo-Daten erzeugen / generating demo data into $(ESF_DATA_DIR) ..."; \
	  $(BIN)/esf-monitor generate --out "$(ESF_DATA_DIR)" --seed 42 --scale 1; \
	  settle="ESF_SETTLE_SECONDS=0"; \
	fi; \
	echo "Pipeline / pipeline: esf-monitor run (jeder Dagster-Schritt / every Dagster step) ..."; \
	env $$settle $(BIN)/esf-monitor run || [ $$? -eq 3 ]   # 3 = some files rejected (see their reports)
	$(BIN)/python -m portal demo-accounts     # one portal account per provider + analyst + admin

run: venv
	$(BIN)/esf-monitor run || [ $$? -eq 3 ]

## make test: the whole suite (creates the venv if needed).
test: venv test-deps
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

## make test-fast: the unit tests only (no Dagster run, no dbt, no browser), well under a minute.
test-fast: venv
	$(BIN)/python -m pytest -n 2 --dist loadfile -q -m "not integration" tests/unit

## make lint: ruff (lint + format check) and sqlfluff over the dbt models (.sqlfluff). sqlfluff's
## dbt templater opens the profile, whose DuckDB path reads ESF_DATA_DIR: a throwaway empty
## warehouse folder, so a fresh clone without a data folder lints too.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) --no-print-directory lint-sql

## make lint-sql: sqlfluff only.
lint-sql: venv
	lintdir=$$(mktemp -d) && mkdir -p "$$lintdir/warehouse" && rc=0 && \
	  { ESF_DATA_DIR="$$lintdir" $(BIN)/sqlfluff lint dbt_project/models || rc=$$?; } && \
	  rm -rf "$$lintdir" && exit $$rc

## Debian packages the tests need (headless chromium, PostgreSQL), installed when missing.
test-deps:
	scripts/test-deps.sh

## make ui: Dagster UI on http://127.0.0.1:3000 over the same data folder (with the daemon).
ui: venv
	$(BIN)/esf-monitor ui

## make portal: the web portal on http://127.0.0.1:8000 over the same data folder (beside make ui).
portal: venv
	$(BIN)/esf-monitor portal

## make bench: speed and memory, recorded in BENCHMARKS.md (never part of make test).
bench: venv
	$(BIN)/python -m bench
	$(BIN)/python -m bench.latency
	$(BIN)/python -m bench.portal

docs: venv
	$(BIN)/esf-monitor dbt-docs

clean-data:
	rm -rf "$(ESF_DATA_DIR)"
