# Two commands: `make warehouse` builds the warehouse from raw/, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The project's Dagster instance (committed .dagster_home/dagster.yaml): CLI builds and the UI share it.
DAGSTER_HOME ?= $(CURDIR)/.dagster_home
DAGSTER_PORT ?= 3000
export DAGSTER_HOME

.PHONY: setup warehouse test lint dagster clean bench report docs lock demo

UV_VERSION := 0.13.8
UV := $(BIN)/uv
# --compile-bytecode: the packages' bytecode is written at install; without it every process compiles Dagster,
# pandas and the rest from source again where PYTHONDONTWRITEBYTECODE is set (a 1-document build: 14.5 s, not 8)
UV_PIP := $(UV) pip install --quiet --compile-bytecode --python $(BIN)/python

# Installs exactly the versions of requirements.lock (what CI tested, with their hashes) through uv, a
# pinned wheel from PyPI; then the project itself, editable (compat mode: a plain path in the venv, so
# `citysnap` starts without setuptools' import hook). `make lock` refreshes the lock after a change to
# pyproject.toml (newest versions within its bounds: `make lock UPGRADE=--upgrade`).
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(UV_PIP) --require-hashes --requirement requirements.lock
	$(UV_PIP) --no-deps --config-settings editable_mode=compat --editable .
	touch $(STAMP)

lock: $(STAMP)
	$(UV) pip compile pyproject.toml --extra dev --universal --generate-hashes --python-version 3.11 --quiet \
		$(UPGRADE) -o requirements.lock

# The parser compiled by mypyc (pipeline/parse/compile.py): rebuilt when a parser module changes; it is used
# only while its stamp matches the sources, and without a C compiler the parser runs as Python.
PARSER_BUILD := build/parser/stamp.json
$(PARSER_BUILD): $(STAMP) $(wildcard pipeline/parse/*.py)
	$(BIN)/python -m pipeline.parse.compile

# The project's bytecode, written now: an editable install leaves it to the first import, which does not
# write it where PYTHONDONTWRITEBYTECODE is set, so every command compiled ~100 modules again (0.1 s).
setup: $(STAMP) $(PARSER_BUILD)
	$(BIN)/python -m compileall -q pipeline schemas

# exit code 4 (built, some documents rejected: listed in the summary) is not a failure of make
warehouse: setup
	$(BIN)/citysnap build --raw raw --warehouse warehouse || [ $$? -eq 4 ]

# A warehouse to look at on day one: a few hundred generated snapshots over both waves, built into demo/
# (never warehouse/); every table, the summary and every report page say the data is synthetic.
DEMO := demo
demo: setup
	rm -rf $(DEMO)/raw
	$(BIN)/citysnap synth --count 300 --seed 0 --out $(DEMO)/raw
	$(BIN)/citysnap build --raw $(DEMO)/raw --warehouse $(DEMO)/warehouse --skip-report || [ $$? -eq 4 ]
	$(BIN)/citysnap report --warehouse $(DEMO)/warehouse --open

report: setup
	$(BIN)/citysnap report --warehouse warehouse

docs: $(STAMP)
	$(BIN)/python -m pipeline.dictionary

test: setup
	$(BIN)/ruff check pipeline schemas tests bench
	env -u DAGSTER_HOME $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check pipeline schemas tests bench
	$(BIN)/ruff format --check pipeline schemas tests bench

# `dg dev` (dagster-dg-cli) finds the project through [tool.dg] in pyproject.toml; VIRTUAL_ENV tells it
# which environment runs the code (the project's .venv, activated or not)
dagster: setup
	mkdir -p $(DAGSTER_HOME)
	VIRTUAL_ENV=$(CURDIR)/$(VENV) PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/dg dev --host 127.0.0.1 --port $(DAGSTER_PORT)

clean:
	rm -rf warehouse/parquet warehouse/warehouse.duckdb warehouse/report warehouse/manifest.json warehouse/current warehouse/versions warehouse/.cache warehouse/.staging
	find .dagster_home -mindepth 1 -maxdepth 1 ! -name dagster.yaml -exec rm -rf {} +

bench: setup
	$(BIN)/python bench/bench.py
