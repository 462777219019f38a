"""Where the pipeline reads documents and writes the warehouse (a Dagster resource)."""

import os
import sys
from pathlib import Path

import dagster as dg

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RAW_DIR = os.environ.get("CITYSNAP_RAW_DIR", str(PROJECT_ROOT / "raw"))
DEFAULT_WAREHOUSE_DIR = os.environ.get("CITYSNAP_WAREHOUSE_DIR", str(PROJECT_ROOT / "warehouse"))
PARSE_BATCHES = int(os.environ.get("CITYSNAP_PARSE_BATCHES", "4"))
"""Parse partitions: parallel under a multiprocess executor; the tables do not depend on it."""


class WarehouseSettings(dg.ConfigurableResource):
    """Folders of one warehouse: documents come from ``raw_dir``, tables go to ``warehouse_dir``."""

    raw_dir: str = DEFAULT_RAW_DIR
    warehouse_dir: str = DEFAULT_WAREHOUSE_DIR

    @property
    def raw_path(self) -> Path:
        return Path(self.raw_dir)

    @property
    def warehouse_path(self) -> Path:
        return Path(self.warehouse_dir)

    @property
    def cache_path(self) -> Path:
        return Path(self.warehouse_dir) / ".cache" / "parse"

    @property
    def stamps_path(self) -> Path:
        return Path(self.warehouse_dir) / ".cache" / "file_stamps.json"

    @property
    def parquet_path(self) -> Path:
        return Path(self.warehouse_dir) / "parquet"

    @property
    def duckdb_path(self) -> Path:
        return Path(self.warehouse_dir) / "warehouse.duckdb"


def published_duckdb(warehouse_dir: str | Path) -> Path | None:
    """The published DuckDB file of a warehouse folder, or None (after saying how to build it)."""
    path = Path(warehouse_dir) / "warehouse.duckdb"
    if path.exists():
        return path
    print(f"no warehouse at {path}: run `citysnap build` (or `make warehouse`) first", file=sys.stderr)
    return None
