"""Friendly views for dashboards and BI tools, created inside the DuckDB file being published.

Each ``views/v_*.sql`` file is one view; its leading ``--`` comment is the view's description and
its columns are described in ``pipeline.publish.dictionary.VIEW_MODELS``. ``create_views`` also
comments the aggregate tables' columns, so every column of the warehouse carries a description.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from schemas.vocabulary import item_dimensions

VIEWS_DIR = Path(__file__).parent / "views"


def view_queries() -> dict[str, str]:
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(VIEWS_DIR.glob("v_*.sql"))}


def view_descriptions() -> dict[str, str]:
    """The leading ``--`` comment of each view's SQL, as one sentence."""
    descriptions = {}
    for name, sql in view_queries().items():
        lines = [line[2:].strip() for line in sql.splitlines() if line.startswith("--")]
        descriptions[name] = " ".join(lines)
    return descriptions


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def item_dimensions_sql() -> str:
    """The list -> vocabulary mapping as an inline relation, so views need no extra table."""
    rows = ", ".join(f"({_quote(item)}, {_quote(vocab)})" for item, vocab in sorted(item_dimensions().items()))
    return f"(VALUES {rows}) AS item_dimensions(dimension, vocabulary)"


def view_sql(name: str) -> str:
    return view_queries()[name].replace("{item_dimensions}", item_dimensions_sql())


def comment_columns(connection: duckdb.DuckDBPyConnection, relation: str, descriptions: dict[str, str]) -> None:
    existing = {
        row[0]
        for row in connection.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [relation]
        ).fetchall()
    }
    for column, text in descriptions.items():
        if text and column in existing:
            connection.execute(f'COMMENT ON COLUMN "{relation}"."{column}" IS {_quote(text)}')


def create_views(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Create and comment every view, and comment the aggregate tables' columns; return the view names."""
    from pipeline.publish.dictionary import AGGREGATE_MODELS, VIEW_MODELS, column_descriptions

    tables = {row[0] for row in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    for name in AGGREGATE_MODELS:
        if name in tables:
            comment_columns(connection, name, column_descriptions(name))
    descriptions = view_descriptions()
    for name in view_queries():
        connection.execute(f'CREATE OR REPLACE VIEW "{name}" AS {view_sql(name)}')
        connection.execute(f'COMMENT ON VIEW "{name}" IS {_quote(descriptions[name])}')
        if name in VIEW_MODELS:
            comment_columns(connection, name, column_descriptions(name))
    return list(view_queries())
