"""Write Parquet and DuckDB files so that readers only ever see complete files.

Every file is written under a temporary name in the same folder and renamed into place with
``os.replace`` (atomic on POSIX): a reader holding the old file keeps reading it.

Types come from the pandera models, never from the data: a column keeps its declared type when a
table is empty or a column all NULL. The Parquet schema carries each column's description (Arrow field
metadata ``description``, read by pyarrow, polars and Spark's Arrow readers) and the table's.
The DuckDB file is written in storage format ``STORAGE_VERSION`` so that DuckDB 1.4+ clients (BI
tools bundling an older driver) open it too.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.publish.storage import replaced_atomically
from pipeline.publish.views import create_views
from pipeline.sqlfiles import connect, quote
from schemas.derived import AGGREGATE_MODELS, VIEW_MODELS
from schemas.models import TABLE_MODELS

PARQUET_COMPRESSION = "zstd"
STORAGE_VERSION = "v1.4.0"
"""Oldest DuckDB release whose storage format the published file uses: DuckDB 1.4, 1.5 and 2.x read it."""
COLUMN_TYPES = {
    "string": ("VARCHAR", pa.string()),
    "int64": ("BIGINT", pa.int64()),
    "boolean": ("BOOLEAN", pa.bool_()),
    "float64": ("DOUBLE", pa.float64()),
    "date": ("DATE", pa.date32()),
}
"""pandera dtype (by prefix) -> the DuckDB and Arrow type it is published as."""
RELATION_MODELS = {**TABLE_MODELS, **AGGREGATE_MODELS, **VIEW_MODELS}


def _published_type(dtype: object) -> tuple[str, pa.DataType]:
    name = str(dtype).lower()
    for prefix, types in COLUMN_TYPES.items():
        if name.startswith(prefix):
            return types
    raise TypeError(f"no published type for pandera dtype {dtype!r}: add it to COLUMN_TYPES")


def duckdb_type(dtype: object) -> str:
    """The DuckDB type a pandera dtype is published as (pandas string -> VARCHAR, Int64 -> BIGINT...)."""
    return _published_type(dtype)[0]


def table_description(name: str, fallback: str = "") -> tuple[str, dict[str, str]]:
    """Table and column descriptions from the pandera model (docstring and Field descriptions); a model
    without a docstring (an aggregate, described by its SQL file) takes ``fallback``."""
    model = RELATION_MODELS.get(name)
    if model is None:
        return fallback, {}
    schema = model.to_schema()
    doc = " ".join((model.__doc__ or "").split()) or fallback
    return doc, {col: column.description or "" for col, column in schema.columns.items()}


def arrow_schema(name: str, description: str = "") -> pa.Schema:
    """The Arrow schema of a published table: its model's columns, types and descriptions (``description``
    for a model without a docstring)."""
    columns = RELATION_MODELS[name].to_schema().columns
    doc, _ = table_description(name, description)
    fields = [
        pa.field(
            column,
            _published_type(spec.dtype)[1],
            nullable=True,
            metadata={"description": spec.description or ""},
        )
        for column, spec in columns.items()
    ]
    return pa.schema(fields, metadata={"description": doc} if doc else None)


def write_parquet(table: pd.DataFrame, target: Path, description: str = "") -> Path:
    """Deterministic Parquet typed by the table's model (named by the file's stem): no pandas index or
    metadata, zstd, one row group, stats on, descriptions in the schema."""
    schema = arrow_schema(target.stem, description)
    arrow = pa.Table.from_pandas(table[schema.names], schema=schema, preserve_index=False)
    arrow = arrow.replace_schema_metadata(schema.metadata)  # not pandas': it names library versions
    with replaced_atomically(target) as temporary:
        pq.write_table(arrow, temporary, compression=PARQUET_COMPRESSION, row_group_size=max(len(table), 1))
    return target


LOAD_MEMORY_LIMIT = "128MB"
"""DuckDB's memory while it loads the tables into the DuckDB file, on one thread: loading is bound by writing,
and more memory only raises the peak. The build validates the views on a second thread meanwhile, so the two
share the step's peak: at 10,000 documents both at once peaked at 387 MiB (the load alone in 256 MB, then
the validation: 394 MiB, 1.1 s longer); at 100,000, 648 MiB against 531 MiB, in 18.5 s against 27.3 s."""


def build_duckdb(parquet_files: dict[str, Path], target: Path, descriptions: dict[str, str]) -> Path:
    """Load every Parquet file as a table of a new DuckDB file (storage ``STORAGE_VERSION``), comment
    it, add the views, and swap it in."""
    with replaced_atomically(target) as temporary:
        connection = connect(memory_limit=LOAD_MEMORY_LIMIT, threads=1)
        try:
            connection.execute(
                f"ATTACH {quote(str(temporary))} AS warehouse (STORAGE_VERSION {quote(STORAGE_VERSION)})"
            )
            connection.execute("USE warehouse")
            for name, path in parquet_files.items():
                connection.execute(f'CREATE TABLE "{name}" AS SELECT * FROM read_parquet({quote(str(path))})')
                comment, columns = table_description(name, descriptions.get(name, ""))
                if comment:
                    connection.execute(f'COMMENT ON TABLE "{name}" IS {quote(comment)}')
                for column, text in columns.items():
                    if text:
                        connection.execute(f'COMMENT ON COLUMN "{name}"."{column}" IS {quote(text)}')
            create_views(connection)
            connection.execute("CHECKPOINT warehouse")
            connection.execute("USE memory")
            connection.execute("DETACH warehouse")
        finally:
            connection.close()
    return target
