"""Assemble the published tables with DuckDB: this build's fragments plus the published rows of the
documents that did not change, sorted by each model's keys, written as Parquet.

No row passes through Python. Rows of unchanged documents are carried over from the published
Parquet by a semi-join on the plan; which document holds a city's snapshot when two claim it (the one
with the smaller path) is decided here, across all fragments and the carried-over rows, so the result
does not depend on how documents were split into batches and chunks. Each table is streamed into a
Parquet writer in fixed-size row groups, so memory stays flat and the bytes are the same every time.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.normalize.tables import duplicate_rejection, vocabulary_rows
from pipeline.publish.files import (
    PARQUET_COMPRESSION,
    arrow_schema,
    duckdb_type,
)
from pipeline.publish.fragments import FRAGMENT_TABLES, SOURCE_PATH
from pipeline.publish.storage import Location, location, replaced_atomically
from pipeline.sqlfiles import connect, quote
from schemas.models import SORT_KEYS, TABLE_MODELS
from schemas.vocabulary import load_vocabulary

ASSEMBLY_MEMORY_LIMIT_MB = 128
"""The assembly's DuckDB memory at first; beyond it the sorts spill to the staging folder, and an
assembly that still runs out of it runs again with twice as much, up to ASSEMBLY_MEMORY_CEILING_MB
(:func:`assemble_tables`). Each table's union of new and carried-over rows is materialized before it is
sorted (:func:`_table_query`): sorted straight from the union, a one-changed rebuild of 100,000
documents ran out of memory at 256, 384 and 512 MB alike. Materialized, the assembly of 100,000
documents (full or one-changed) took the same time at 128 MB as at 256 MB, and its process peaked
85-100 MiB lower (423 against 510 MiB, full build); 10,000: 359 against 412 MiB. 64 MB ran out."""
ASSEMBLY_MEMORY_CEILING_MB = 1024
ROW_GROUP_ROWS = 25_000
"""Rows per Parquet row group of a published table: fixed, so the bytes do not depend on batching, and small
enough (about 5 MB of text) that the batches held before a group is written, and DuckDB reading a published
table back, stay small (100,000-row groups: 634 MiB peak for the 100,000-document assembly above)."""


def _columns(table: str) -> list[str]:
    return list(TABLE_MODELS[table].to_schema().columns)


def _select(table: str, overrides: dict[str, str] | None = None) -> str:
    """The table's columns in model order; ``overrides`` gives some of them as expressions."""
    overrides = overrides or {}
    return ", ".join(overrides.get(column, f'"{column}"') for column in _columns(table))


def _empty_relation(table: str, extra: str = "") -> str:
    """No rows, with the model's column types: a table no fragment or published file has."""
    columns = TABLE_MODELS[table].to_schema().columns
    typed = [f'NULL::{duckdb_type(spec.dtype)} AS "{name}"' for name, spec in columns.items()]
    return f"SELECT {', '.join(typed)}{extra} WHERE false"


def _fragments(folder: Location, table: str) -> str:
    files = folder.glob(f"{table}/*.parquet")
    if not files:
        return _empty_relation(table, f", NULL::VARCHAR AS {SOURCE_PATH}")
    listed = ", ".join(quote(folder.uri(path)) for path in files)
    return f"SELECT * FROM read_parquet([{listed}])"


@dataclass(frozen=True)
class AssembledTables:
    files: dict[str, Path]
    rows: dict[str, int]
    duplicates: int
    """Documents not loaded because another document holds the same city and wave."""
    parsed: int
    """Documents this build's fragments hold (a row each in ``documents``): the plan's ``to_parse``."""
    memory_mb: int
    """The DuckDB memory the assembly ran in: ASSEMBLY_MEMORY_LIMIT_MB, or more after running out of it."""


def assemble_tables(
    fragments: Path | str, plan_file: Path, previous_parquet: Path | None, out_dir: Path
) -> AssembledTables:
    """Write every table of this build to ``out_dir``: new rows from ``fragments`` (a folder or an fsspec
    URL) plus, for documents the plan reuses, the rows of ``previous_parquet``. An assembly that runs out
    of DuckDB memory runs again with twice as much, up to ASSEMBLY_MEMORY_CEILING_MB (each table file is
    replaced only once complete, so a failed attempt leaves none half-written)."""
    limit = max(ASSEMBLY_MEMORY_LIMIT_MB, 1)
    while True:
        try:
            return _assemble(location(fragments), plan_file, previous_parquet, out_dir, limit)
        except (duckdb.OutOfMemoryException, OSError) as error:
            # running out mid-stream reaches Python through Arrow's reader, as an OSError with DuckDB's message
            if not str(error).startswith("Out of Memory Error") or limit >= ASSEMBLY_MEMORY_CEILING_MB:
                raise
            limit *= 2


def _assemble(
    folder: Location, plan_file: Path, previous_parquet: Path | None, out_dir: Path, memory_mb: int
) -> AssembledTables:
    out_dir.mkdir(parents=True, exist_ok=True)
    spill = out_dir.parent / ".duckdb_spill"
    # every result is ORDER BY the model's keys, so insertion order need not be kept (keeping it stops
    # DuckDB from spilling large unions to disk); beyond the memory limit, sorts spill to the staging folder
    connection = connect(preserve_insertion_order=False, temp_directory=str(spill), memory_limit=f"{memory_mb}MB")
    try:
        if not folder.local:  # DuckDB reads the fragments through fsspec (no httpfs extension to download)
            connection.register_filesystem(folder.fs)
        for table in FRAGMENT_TABLES:
            connection.execute(f'CREATE VIEW "new_{table}" AS {_fragments(folder, table)}')
            if previous_parquet is not None and (previous_parquet / f"{table}.parquet").exists():
                source = f"SELECT * FROM read_parquet({quote(str(previous_parquet / f'{table}.parquet'))})"
            else:
                source = _empty_relation(table)
            connection.execute(f'CREATE VIEW "old_{table}" AS {source}')
        connection.execute(
            f"CREATE TEMP TABLE reuse AS SELECT path, document_id FROM read_parquet({quote(str(plan_file))}) "
            "WHERE action = 'reuse'"
        )
        connection.execute(
            "CREATE TEMP TABLE kept_documents AS "
            "SELECT d.* FROM old_documents AS d SEMI JOIN reuse USING (path, document_id)"
        )
        connection.execute(
            """CREATE TEMP TABLE claims AS
               SELECT path, document_id, snapshot_id FROM new_documents WHERE status = 'loaded'
               UNION ALL
               SELECT path, document_id, snapshot_id FROM kept_documents WHERE status = 'loaded'"""
        )
        connection.execute(
            """CREATE TEMP TABLE losers AS
               SELECT c.path, c.document_id, c.snapshot_id, o.owner
               FROM claims AS c JOIN (SELECT snapshot_id, min(path) AS owner FROM claims GROUP BY snapshot_id) AS o
                   USING (snapshot_id)
               WHERE c.path <> o.owner"""
        )
        [(parsed,)] = connection.execute("SELECT count(*) FROM new_documents").fetchall()
        duplicates = _duplicate_rejections(connection)
        connection.register("duplicate_rejections", duplicates)
        connection.execute(
            "CREATE TEMP TABLE kept_ids AS SELECT DISTINCT document_id FROM kept_documents "
            "WHERE status = 'loaded' AND path NOT IN (SELECT path FROM losers)"
        )
        files: dict[str, Path] = {}
        rows: dict[str, int] = {}
        for table in TABLE_MODELS:
            query = _table_query(table)
            target = out_dir / f"{table}.parquet"
            if query is None:
                vocabulary = sorted(vocabulary_rows(load_vocabulary()), key=lambda row: (row["dimension"], row["code"]))
                rows[table] = write_arrow(table, pa.Table.from_pylist(vocabulary), target)
            else:
                rows[table] = write_query(connection, table, query, target)
            files[table] = target
    finally:
        connection.close()
        shutil.rmtree(spill, ignore_errors=True)
    return AssembledTables(files, rows, duplicates.num_rows, parsed, memory_mb)


def _duplicate_rejections(connection: duckdb.DuckDBPyConnection) -> pa.Table:
    """Rejection rows for documents whose city and wave a document with a smaller path holds; the
    wording is the normalize stage's (few rows: built in Python)."""
    losers = connection.execute(
        f"""SELECT l.path, l.document_id, s.city, s.country, s.survey_wave, l.owner
            FROM losers AS l
            JOIN (SELECT {SOURCE_PATH} AS path, city, country, survey_wave FROM new_snapshots
                  UNION ALL
                  SELECT k.path, s.city, s.country, s.survey_wave
                  FROM kept_documents AS k JOIN old_snapshots AS s USING (document_id, snapshot_id)) AS s
                USING (path)
            ORDER BY l.path"""
    ).fetchall()
    rows = []
    for path, document_id, city, country, wave, owner in losers:
        rejection = duplicate_rejection(city, country, wave, owner)
        rows.append(
            {"document_id": document_id, "path": path, "reason": rejection.reason, "message": rejection.message,
             "line": None}
        )  # fmt: skip
    return pa.Table.from_pylist(rows, schema=arrow_schema("rejected_documents").remove_metadata())


def _table_query(table: str) -> str | None:
    order = ", ".join(f'"{key}"' for key in SORT_KEYS[table])
    columns = _select(table)
    if table == "vocabulary":
        return None
    if table == "documents":
        lost = "path IN (SELECT path FROM losers)"
        shown = _select(
            table,
            {
                "status": f"CASE WHEN {lost} THEN 'rejected' ELSE status END AS status",
                "snapshot_id": f"CASE WHEN {lost} THEN NULL ELSE snapshot_id END AS snapshot_id",
            },
        )
        return f"""SELECT {shown}
                   FROM (SELECT {columns} FROM new_documents UNION ALL SELECT {columns} FROM kept_documents)
                   ORDER BY {order}"""
    if table == "rejected_documents":
        return f"""SELECT {columns} FROM new_rejected_documents
                   UNION ALL SELECT {columns} FROM duplicate_rejections
                   ORDER BY {order}"""
    # the union is materialized before it is sorted: DuckDB sorting a UNION ALL straight from its two scans
    # ran out of memory whatever the limit (512 MB: snapshot_items of a one-changed rebuild of 100,000
    # documents), while the materialized rows, spilled as needed, sort in 256 MB
    return f"""WITH assembled AS MATERIALIZED (
                   SELECT {columns} FROM "new_{table}" WHERE {SOURCE_PATH} NOT IN (SELECT path FROM losers)
                   UNION ALL
                   SELECT {columns} FROM "old_{table}" SEMI JOIN kept_ids USING (document_id))
               SELECT * FROM assembled ORDER BY {order}"""


def write_query(connection: duckdb.DuckDBPyConnection, table: str, query: str, target: Path) -> int:
    """Stream a query's rows into ``target`` with the table's schema, in row groups of ROW_GROUP_ROWS."""
    reader = connection.sql(query).to_arrow_reader(ROW_GROUP_ROWS)
    return _write_batches(table, reader, target)


def write_arrow(table: str, data: pa.Table, target: Path) -> int:
    return _write_batches(table, data.to_batches(ROW_GROUP_ROWS), target)


def _write_batches(table: str, batches, target: Path) -> int:
    schema = arrow_schema(table)
    written = 0
    with replaced_atomically(target) as temporary:
        with pq.ParquetWriter(temporary, schema, compression=PARQUET_COMPRESSION) as writer:
            pending: list[pa.RecordBatch] = []
            pending_rows = 0
            for batch in batches:
                pending.append(batch)
                pending_rows += batch.num_rows
                while pending_rows >= ROW_GROUP_ROWS:
                    block = pa.Table.from_batches(pending)
                    writer.write_table(_typed(block.slice(0, ROW_GROUP_ROWS), schema), row_group_size=ROW_GROUP_ROWS)
                    rest = block.slice(ROW_GROUP_ROWS)
                    pending, pending_rows = rest.to_batches(), rest.num_rows
                    written += ROW_GROUP_ROWS
            if pending_rows or not written:
                block = pa.Table.from_batches(pending, schema=None if pending else _bare(schema))
                writer.write_table(_typed(block, schema), row_group_size=ROW_GROUP_ROWS)
                written += pending_rows
    return written


def _bare(schema: pa.Schema) -> pa.Schema:
    return pa.schema([field.remove_metadata() for field in schema])


def _typed(block: pa.Table, schema: pa.Schema) -> pa.Table:
    """The block with the published schema (types, field descriptions), whatever DuckDB returned."""
    return block.select(schema.names).cast(schema)
