"""Cross-city aggregate tables, computed by DuckDB over the published Parquet tables.

Each ``sql/<name>.sql`` file is one aggregate table; its leading comment is its description.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from schemas.vocabulary import item_dimensions

SQL_DIR = Path(__file__).parent / "sql"


def aggregate_queries() -> dict[str, str]:
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(SQL_DIR.glob("agg_*.sql"))}


def aggregate_descriptions() -> dict[str, str]:
    """The leading ``--`` comment of each query, as one sentence."""
    descriptions = {}
    for name, sql in aggregate_queries().items():
        lines = [line[2:].strip() for line in sql.splitlines() if line.startswith("--")]
        descriptions[name] = " ".join(lines)
    return descriptions


def compute_aggregates(parquet_files: dict[str, Path]) -> dict[str, pd.DataFrame]:
    """Run every aggregate query against views over the base tables' Parquet files."""
    connection = duckdb.connect()
    try:
        for name, path in parquet_files.items():
            connection.execute(f"CREATE VIEW \"{name}\" AS SELECT * FROM read_parquet('{path}')")
        dimensions = pd.DataFrame(sorted(item_dimensions().items()), columns=["dimension", "vocabulary"])
        connection.register("item_dimensions", dimensions)
        return {name: connection.execute(sql).df() for name, sql in aggregate_queries().items()}
    finally:
        connection.close()
