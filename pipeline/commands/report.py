"""``citysnap report``: write the visual report from the published warehouse and print its path."""

import argparse
import webbrowser
from pathlib import Path

from pipeline.paths import DEFAULT_WAREHOUSE_DIR, published_duckdb


def cmd_report(args: argparse.Namespace) -> int:
    from pipeline.paths import REPORT_DIR
    from pipeline.publish.staging import current_version
    from pipeline.report import write_report

    warehouse = Path(args.warehouse)
    database = published_duckdb(warehouse)
    if database is None:
        return 2
    version = current_version(warehouse)
    index = write_report(database, warehouse / REPORT_DIR, version.name if version else None).resolve()
    print(index)
    if args.open:
        webbrowser.open(index.as_uri())
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser("report", help="write warehouse/report/ (HTML + SVG charts) and print its path")
    report.add_argument(
        "--warehouse",
        default=DEFAULT_WAREHOUSE_DIR,
        metavar="DIR",
        help="warehouse folder holding warehouse.duckdb; the report goes to its report/ (default: "
        "$CITYSNAP_WAREHOUSE_DIR or warehouse/)",
    )
    report.add_argument("--open", action="store_true", help="also open it in the default browser")
    report.set_defaults(handler=cmd_report)
