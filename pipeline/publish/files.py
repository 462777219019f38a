"""Write Parquet and DuckDB files so that readers only ever see complete files.

Every file is written under a temporary name in the same folder and renamed into place with
``os.replace`` (atomic on POSIX): a reader holding the old file keeps reading it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.publish.views import create_views
from schemas.models import TABLE_MODELS

PARQUET_COMPRESSION = "zstd"
DUCKDB_FILE = "warehouse.duckdb"


@contextmanager
def replaced_atomically(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success rename it over ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def write_parquet(table: pd.DataFrame, target: Path) -> Path:
    """Deterministic Parquet: no pandas index or metadata, zstd, one row group, stats on."""
    arrow = pa.Table.from_pandas(table, preserve_index=False).replace_schema_metadata(None)
    with replaced_atomically(target) as temporary:
        pq.write_table(arrow, temporary, compression=PARQUET_COMPRESSION, row_group_size=max(len(table), 1))
    return target


def table_description(name: str) -> tuple[str, dict[str, str]]:
    """Table and column descriptions from the pandera model (docstring and Field descriptions)."""
    model = TABLE_MODELS.get(name)
    if model is None:
        return "", {}
    schema = model.to_schema()
    doc = " ".join((model.__doc__ or "").split())
    return doc, {col: column.description or "" for col, column in schema.columns.items()}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def build_duckdb(parquet_files: dict[str, Path], target: Path, descriptions: dict[str, str]) -> Path:
    """Load every Parquet file as a table of a new DuckDB file, comment it, and swap it in."""
    with replaced_atomically(target) as temporary:
        connection = duckdb.connect(str(temporary))
        try:
            for name, path in parquet_files.items():
                connection.execute(f'CREATE TABLE "{name}" AS SELECT * FROM read_parquet({_quote(str(path))})')
                doc, columns = table_description(name)
                comment = doc or descriptions.get(name, "")
                if comment:
                    connection.execute(f'COMMENT ON TABLE "{name}" IS {_quote(comment)}')
                for column, text in columns.items():
                    if text:
                        connection.execute(f'COMMENT ON COLUMN "{name}"."{column}" IS {_quote(text)}')
            create_views(connection)
            connection.execute("CHECKPOINT")
        finally:
            connection.close()
    return target
