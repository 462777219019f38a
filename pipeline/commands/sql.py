"""``citysnap sql``: run a query against the published warehouse, read-only."""

import argparse
import sys

import duckdb

from pipeline.commands.formatting import FORMATS, format_frame
from pipeline.settings import DEFAULT_WAREHOUSE_DIR, published_duckdb


def cmd_sql(args: argparse.Namespace) -> int:
    path = published_duckdb(args.warehouse)
    if path is None:
        return 2
    with duckdb.connect(str(path), read_only=True) as connection:
        try:
            frame = connection.execute(args.query).df()
        except duckdb.Error as error:
            print(f"SQL error: {error}", file=sys.stderr)
            return 2
    print(format_frame(frame, args.format))
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    sql = commands.add_parser("sql", help="run a query against warehouse.duckdb (read-only)")
    sql.add_argument("query")
    sql.add_argument("--warehouse", default=DEFAULT_WAREHOUSE_DIR)
    sql.add_argument("--format", choices=FORMATS, default="table")
    sql.set_defaults(handler=cmd_sql)
