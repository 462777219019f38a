"""``citysnap sql``: run a query against the published warehouse, strictly read-only.

Only queries run (SELECT, WITH ... SELECT, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN): COPY, ATTACH, INSTALL,
LOAD, SET, PRAGMA, CREATE and every other statement are refused before anything runs. The database is
opened read-only, extensions are neither downloaded nor loaded, and files can be read only from the
warehouse's Parquet folder (``read_parquet('warehouse/parquet/snapshots.parquet')``): no
``read_text('/etc/passwd')``. Several statements separated by ``;`` run in order; only the last one's
result is printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.commands.formatting import FORMATS
from pipeline.paths import DEFAULT_WAREHOUSE_DIR, PARQUET_DIR, published_duckdb

QUERY_TYPES = {"SELECT", "EXPLAIN"}
"""DuckDB statement types that only read (DESCRIBE, SHOW and SUMMARIZE parse as SELECT)."""


class NotAQuery(ValueError):
    """A statement that is not a read-only query."""


def read_only_connection(database: Path):
    """An in-memory DuckDB with ``database`` attached read-only as the default catalog, and external
    access limited to the warehouse's Parquet twins. (Attached rather than opened, so a process that
    already holds the file open with other settings, a test or a notebook, can still run queries.)"""
    import duckdb

    parquet = database.parent / PARQUET_DIR
    allowed = sorted({f"{parquet.absolute()}/", f"{parquet.resolve()}/"})
    # no extension is installed or loaded behind the query's back, and nothing spills to a temporary folder
    config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False, "temp_directory": ""}
    connection = duckdb.connect(config=config)
    connection.execute("ATTACH ? AS warehouse (READ_ONLY)", [str(database)])
    connection.execute("USE warehouse")
    # then external access is switched off (it cannot be switched back on), except the Parquet folder,
    # and the configuration is locked against SET in the query
    connection.execute("SET allowed_directories = ?", [allowed])
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")
    return connection


def query_statements(query: str) -> list:
    """The statements of ``query``, each checked to be a query; raises :class:`NotAQuery` otherwise."""
    import duckdb

    statements = duckdb.extract_statements(query)
    if not statements:
        raise NotAQuery("no statement given")
    for statement in statements:
        kind = statement.type.name
        if kind not in QUERY_TYPES:
            raise NotAQuery(f"{kind} statements are not allowed: `citysnap sql` only runs read-only queries")
    return statements


def run_query(database: Path, query: str) -> tuple[list[str], list[tuple]]:
    """Columns and rows of the last statement of ``query``, run read-only against ``database``."""
    statements = query_statements(query)
    with read_only_connection(database) as connection:
        for statement in statements:
            cursor = connection.execute(statement)
        columns = [column[0] for column in cursor.description or []]
        return columns, cursor.fetchall()


def cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from pipeline.commands.formatting import format_rows

    query = sys.stdin.read() if args.query == "-" else args.query
    path = published_duckdb(args.warehouse)
    if path is None:
        return 2
    try:
        columns, rows = run_query(path, query)
    except NotAQuery as refused:
        print(f"SQL refused: {refused}", file=sys.stderr)
        return 2
    except duckdb.Error as error:
        print(f"SQL error: {error}", file=sys.stderr)
        return 2
    print(format_rows(columns, rows, args.format))
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    sql = commands.add_parser(
        "sql",
        help="run a read-only query against warehouse.duckdb",
        description=__doc__.replace("``", "`"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sql.add_argument("query", metavar="QUERY", help="SQL query, in quotes; `-` reads it from standard input")
    sql.add_argument(
        "--warehouse",
        default=DEFAULT_WAREHOUSE_DIR,
        metavar="DIR",
        help="warehouse folder holding warehouse.duckdb (default: $CITYSNAP_WAREHOUSE_DIR or warehouse/)",
    )
    sql.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table (default), vertical (one column per line, for wide rows), csv, json or markdown; NULL "
        "prints as NULL (null in JSON)",
    )
    sql.set_defaults(handler=cmd_sql)
