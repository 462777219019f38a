"""Where the pipeline reads documents and writes the warehouse (a Dagster resource)."""

from pathlib import Path

import dagster as dg

from pipeline.paths import (
    CACHE_DIR,
    DEFAULT_FRAGMENTS_URL,
    DEFAULT_PUBLISH_URL,
    DEFAULT_RAW_DIR,
    DEFAULT_WAREHOUSE_DIR,
    DUCKDB_FILE,
    PARQUET_DIR,
    PARSE_BATCHES,
    PROJECT_ROOT,
    STAMPS_FILE,
    published_duckdb,
)

__all__ = [
    "DEFAULT_RAW_DIR",
    "DEFAULT_WAREHOUSE_DIR",
    "OWNERS",
    "PARSE_BATCHES",
    "PROJECT_ROOT",
    "WarehouseSettings",
    "published_duckdb",
]


OWNERS = ["team:city-innovation-data"]
"""Who answers for every asset of the build (shown in the Dagster UI)."""


class WarehouseSettings(dg.ConfigurableResource):
    """Folders of one warehouse: documents come from ``raw_dir``, tables go to ``warehouse_dir``."""

    raw_dir: str = DEFAULT_RAW_DIR
    warehouse_dir: str = DEFAULT_WAREHOUSE_DIR
    allow_empty: bool = False
    """Publish even when the build would replace loaded documents with none (an empty or wrong raw
    folder, or every document rejected); off by default so such a build cannot erase a warehouse."""
    synthetic: bool = False
    """The documents are generated (``citysnap synth``): the warehouse, its summary and its report say so."""
    fragments_url: str = DEFAULT_FRAGMENTS_URL
    """Where the parse steps stage their fragments, under ``<fragments_url>/<run id>/`` (removed once the
    build is published); empty: the run's staging folder. Any fsspec URL (``s3://bucket/prefix``)."""
    publish_url: str = DEFAULT_PUBLISH_URL
    """Where every published version is copied as well (:mod:`pipeline.publish.mirror`); empty: nowhere."""

    @property
    def raw_path(self) -> Path:
        return Path(self.raw_dir)

    @property
    def warehouse_path(self) -> Path:
        return Path(self.warehouse_dir)

    @property
    def cache_path(self) -> Path:
        return Path(self.warehouse_dir) / CACHE_DIR / "parse"

    @property
    def stamps_path(self) -> Path:
        return Path(self.warehouse_dir) / CACHE_DIR / STAMPS_FILE

    @property
    def parquet_path(self) -> Path:
        return Path(self.warehouse_dir) / PARQUET_DIR

    @property
    def duckdb_path(self) -> Path:
        return Path(self.warehouse_dir) / DUCKDB_FILE
