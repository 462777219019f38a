"""Stage a build's files next to the warehouse, then publish them by renaming.

A build writes every Parquet file and the DuckDB file under ``warehouse/.staging/<run>/``.
Only when all of them are complete are they renamed into ``warehouse/parquet/`` and
``warehouse/warehouse.duckdb`` (``os.replace``: atomic on one filesystem), the DuckDB file last,
then the manifest. A build killed before that point leaves the published warehouse untouched.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

STAGING = ".staging"
MANIFEST = "manifest.json"
DUCKDB_FILE = "warehouse.duckdb"


def staging_dir(warehouse_dir: Path, run_id: str) -> Path:
    return warehouse_dir / STAGING / run_id


def clear_stale_staging(warehouse_dir: Path, keep: str | None = None) -> list[str]:
    """Remove what killed builds left behind (call while holding the build lock)."""
    root = warehouse_dir / STAGING
    removed = []
    if root.exists():
        for entry in sorted(root.iterdir()):
            if entry.name != keep:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry.name)
    return removed


def publish(
    staged_parquet: dict[str, Path], staged_duckdb: Path, warehouse_dir: Path, manifest: dict
) -> dict[str, Path]:
    """Rename the staged files into place; drop published Parquet files of tables that no longer
    exist; write the manifest last. Returns the published Parquet paths."""
    parquet_dir = warehouse_dir / "parquet"
    parquet_dir.mkdir(parents=True, exist_ok=True)
    published = {}
    for name, path in sorted(staged_parquet.items()):
        target = parquet_dir / f"{name}.parquet"
        os.replace(path, target)
        published[name] = target
    for stale in parquet_dir.glob("*.parquet"):
        if stale.stem not in staged_parquet:
            stale.unlink()
    os.replace(staged_duckdb, warehouse_dir / DUCKDB_FILE)
    temporary = warehouse_dir / f".{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, warehouse_dir / MANIFEST)
    shutil.rmtree(staged_duckdb.parent, ignore_errors=True)
    return published


def read_manifest(warehouse_dir: Path) -> dict:
    try:
        return json.loads((warehouse_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
