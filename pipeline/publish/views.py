"""Friendly views for dashboards and BI tools, created inside the DuckDB file being published.

Each ``views/v_*.sql`` file is one view; its leading ``--`` comment is the view's description and
its columns are described by its model in ``schemas/derived.py``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.sqlfiles import SqlFolder, create_macros, quote

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
    from pipeline.publish.dictionary import column_descriptions
    from schemas.derived import VIEW_MODELS

    create_macros(connection)
    descriptions = view_descriptions()
    queries = view_queries()
    for name, sql in queries.items():
        connection.execute(f'CREATE OR REPLACE VIEW "{name}" AS {sql}')
        connection.execute(f'COMMENT ON VIEW "{name}" IS {quote(descriptions[name])}')
        if name in VIEW_MODELS:
            comment_columns(connection, name, column_descriptions(name))
    return list(queries)
