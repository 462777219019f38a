# Two commands: `make warehouse` builds the warehouse from raw/, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup warehouse test lint dagster clean bench report docs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

warehouse: $(STAMP)
	$(BIN)/citysnap build --raw raw --warehouse warehouse

report: $(STAMP)
	$(BIN)/citysnap report --warehouse warehouse

docs: $(STAMP)
	$(BIN)/python -m pipeline.publish.dictionary

test: $(STAMP)
	$(BIN)/ruff check pipeline schemas tests bench
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check pipeline schemas tests bench
	$(BIN)/ruff format --check pipeline schemas tests bench

dagster: $(STAMP)
	DAGSTER_HOME=$(CURDIR)/.dagster_home $(BIN)/dagster dev -m pipeline.definitions

clean:
	rm -rf warehouse/parquet warehouse/warehouse.duckdb warehouse/report warehouse/manifest.json warehouse/current warehouse/versions warehouse/.cache warehouse/.staging .dagster_home

bench: $(STAMP)
	$(BIN)/python bench/bench.py
