"""Friendly views for dashboards and BI tools, created inside the DuckDB file being published.

Each ``views/v_*.sql`` file is one view; its leading ``--`` comment is the view's description and
its columns are described by its model in ``schemas/derived.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from pipeline.sqlfiles import SqlFolder, connect, create_macros, quote
from schemas.derived import VIEW_MODELS, typed_frame

VALIDATION_BATCH_ROWS = 25_000
"""View rows validated at a time: memory stays flat however large the warehouse."""

VALIDATION_MEMORY_LIMIT = "256MB"
"""DuckDB's memory while views are validated, on one thread: what it keeps of the file it reads and its
per-thread buffers grow with the warehouse up to the limit (at 10,000 documents +250 MiB with 512 MB and
two threads, +220 MiB so; at 100,000 +657 MiB and +365 MiB). 128 MB is too little at 100,000 documents:
the distinct counts of v_items_labelled need more than that in memory."""

SQL = SqlFolder(Path(__file__).parent / "views", "v_")


def view_queries() -> dict[str, str]:
    return SQL.queries()


def view_descriptions() -> dict[str, str]:
    return SQL.descriptions()


def comment_columns(connection: duckdb.DuckDBPyConnection, relation: str, descriptions: dict[str, str]) -> None:
    existing = {
        row[0]
        for row in connection.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [relation]
        ).fetchall()
    }
    for column, text in descriptions.items():
        if text and column in existing:
            connection.execute(f'COMMENT ON COLUMN "{relation}"."{column}" IS {quote(text)}')


def create_views(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Create the share macros and every view, and comment the views and their columns; return the
    view names."""
    create_macros(connection)
    descriptions = view_descriptions()
    queries = view_queries()
    for name, sql in queries.items():
        connection.execute(f'CREATE OR REPLACE VIEW "{name}" AS {sql}')
        connection.execute(f'COMMENT ON VIEW "{name}" IS {quote(descriptions[name])}')
        if name in VIEW_MODELS:
            columns = VIEW_MODELS[name].to_schema().columns
            comment_columns(connection, name, {column: spec.description or "" for column, spec in columns.items()})
    return list(queries)


def unordered(connection: duckdb.DuckDBPyConnection, sql: str) -> str:
    """``sql`` without its final ORDER BY, rewritten by DuckDB's own parser (``json_serialize_sql``): the
    rows a view shows, in no particular order. Validating them needs no sort of every row of the view."""
    [(serialized,)] = connection.execute("SELECT json_serialize_sql(?)", [sql]).fetchall()
    tree = json.loads(serialized)
    if tree.get("error"):
        raise ValueError(f"DuckDB cannot parse the view: {tree.get('error_message')}")
    [statement] = tree["statements"]
    node = statement["node"]
    node["modifiers"] = [modifier for modifier in node.get("modifiers", []) if modifier["type"] != "ORDER_MODIFIER"]
    [(rewritten,)] = connection.execute("SELECT json_deserialize_sql(?)", [json.dumps(tree)]).fetchall()
    return rewritten


def validate_views(source: Path | dict[str, Path], plan_file: Path | None = None) -> dict[str, int]:
    """Validate the views against their pandera models, a batch of rows at a time (a failing row raises:
    views are computed from validated tables, so a failure is a bug of the view). ``source`` is a built
    DuckDB file, or the Parquet files of the relations the views read: the build validates the views over
    the Parquet files on a second core while the DuckDB file is loaded from the same files, with the same
    view definitions (:func:`view_queries`), less their ORDER BY (:func:`unordered`). With the build's
    ``plan_file`` of an incremental build, a view with a ``snapshot_id`` is validated on the snapshots of
    the documents parsed in this build (the others' rows passed when first published). Returns the rows
    validated per view."""
    validated = {}
    database = source if isinstance(source, Path) else ":memory:"
    with connect(
        database, read_only=database != ":memory:", memory_limit=VALIDATION_MEMORY_LIMIT, threads=1
    ) as connection:
        queries = view_queries()
        if isinstance(source, dict):
            for name, path in source.items():
                connection.execute(f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet({quote(str(path))})')
            create_macros(connection)
            for name, sql in queries.items():
                connection.execute(f'CREATE VIEW "{name}" AS {sql}')  # what the views read
        for name, model in VIEW_MODELS.items():
            query = f'SELECT * FROM "{name}"'  # a file's view as the file defines it
            if isinstance(source, dict):
                query = f"SELECT * FROM ({unordered(connection, queries[name])}) AS v"
            if plan_file is not None and "snapshot_id" in model.to_schema().columns:
                query += (
                    " WHERE snapshot_id IN (SELECT snapshot_id FROM snapshots WHERE document_id IN "
                    f"(SELECT document_id FROM read_parquet({quote(str(plan_file))}) WHERE action = 'parse'))"
                )
            rows = 0
            for batch in connection.sql(query).to_arrow_reader(VALIDATION_BATCH_ROWS):
                model.validate(typed_frame(batch.to_pandas(), model), lazy=True)
                rows += batch.num_rows
            validated[name] = rows
    return validated
