"""Where documents are read from and the warehouse is written, from the environment or the defaults.

No Dagster, no pandas: the light CLI commands (``sql``, ``city``, ``check``) import only this.

Environment variables (each optional):

- ``CITYSNAP_RAW_DIR``: folder of documents (default: ``raw/`` of the project);
- ``CITYSNAP_WAREHOUSE_DIR``: folder of the published warehouse (default: ``warehouse/`` of the project);
- ``CITYSNAP_PARSE_BATCHES``: parse partitions (default 4): side by side under a distributed executor;
- ``CITYSNAP_FRAGMENTS_URL``: where parse workers stage their fragments, ``<url>/<run id>/`` (default: the
  run's staging folder in the warehouse); any fsspec URL, such as ``s3://bucket/prefix``;
- ``CITYSNAP_PUBLISH_URL``: a copy of every published version, switched by one pointer object written
  last (default: none); any fsspec URL.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RAW_DIR = os.environ.get("CITYSNAP_RAW_DIR", str(PROJECT_ROOT / "raw"))
DEFAULT_WAREHOUSE_DIR = os.environ.get("CITYSNAP_WAREHOUSE_DIR", str(PROJECT_ROOT / "warehouse"))
PARSE_BATCHES = int(os.environ.get("CITYSNAP_PARSE_BATCHES", "4"))
"""Parse partitions: side by side under a multiprocess or distributed executor; the tables do not depend on it."""
DEFAULT_FRAGMENTS_URL = os.environ.get("CITYSNAP_FRAGMENTS_URL", "")
DEFAULT_PUBLISH_URL = os.environ.get("CITYSNAP_PUBLISH_URL", "")
DUCKDB_FILE = "warehouse.duckdb"
PARQUET_DIR = "parquet"
MANIFEST = "manifest.json"
VERSIONS = "versions"
"""``warehouse/versions/<version>/`` holds each published build; see :mod:`pipeline.publish.staging`."""
CURRENT = "current"
"""The symlink to the current version; ``warehouse.duckdb``, ``parquet`` and ``manifest.json`` link through it."""
STAGING = ".staging"
CACHE_DIR = ".cache"
REPORT_DIR = "report"
STAMPS_FILE = "file_stamps.json"
"""Under ``CACHE_DIR``: the content hash of every file as last seen, by size, times and inode."""


def published_duckdb(warehouse_dir: str | Path) -> Path | None:
    """The published DuckDB file of a warehouse folder, or None (after saying how to build it)."""
    path = Path(warehouse_dir) / DUCKDB_FILE
    if path.exists():
        return path
    print(f"no warehouse at {path}: run `citysnap build` (or `make warehouse`) first", file=sys.stderr)
    return None
