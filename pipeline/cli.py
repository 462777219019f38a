"""``citysnap``: build the warehouse through Dagster, query it, or check documents without building."""

import argparse
import dataclasses
import json
import logging
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
from tabulate import tabulate

from pipeline.ingest.documents import decode
from pipeline.normalize.tables import parse_report
from pipeline.parse.document import parse_text
from pipeline.parse.record import Rejection, SnapshotRecord
from pipeline.settings import DEFAULT_RAW_DIR, DEFAULT_WAREHOUSE_DIR

PROGRESS_EVENTS = {"STEP_SUCCESS", "STEP_FAILURE", "ASSET_CHECK_EVALUATION"}
MAX_CELL_WIDTH = 60


class _ProgressHandler(logging.Handler):
    """Print one line per finished Dagster step or check, instead of Dagster's debug stream."""

    def __init__(self, total_steps: int) -> None:
        super().__init__()
        self.total = total_steps
        self.done = 0
        self.started = time.monotonic()
        self.checks: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        event = (getattr(record, "dagster_meta", None) or {}).get("dagster_event")
        if event is None or event.event_type_value not in PROGRESS_EVENTS:
            return
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            severity = getattr(getattr(data, "severity", None), "value", "ERROR")
            verdict = "passed" if data.passed else ("warning" if severity == "WARN" else "FAILED")
            self.checks[event.step_key] = f"check {verdict}"
            return
        self.done += 1
        outcome = "done" if event.event_type_value == "STEP_SUCCESS" else "FAILED"
        outcome = self.checks.get(event.step_key, outcome)
        elapsed = time.monotonic() - self.started
        print(f"[{self.done:2d}/{self.total}] {elapsed:5.1f}s  {event.step_key}: {outcome}", file=sys.stderr)


def run_build(raw_dir: Path, warehouse_dir: Path, quiet: bool = False) -> dg.ExecuteInProcessResult:
    """Materialize every asset and check of ``defs`` in-process, with a progress display."""
    from pipeline.definitions import defs

    job = defs.resolve_job_def("build_warehouse")
    handler = _ProgressHandler(len(job.graph.nodes))

    @dg.logger
    def progress_logger(_init_context: dg.InitLoggerContext) -> logging.Logger:
        logger = logging.Logger("citysnap.progress", level=logging.DEBUG)
        if not quiet:
            logger.addHandler(handler)
        return logger

    build_defs = dg.Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        jobs=[job],
        resources=defs.resources,
        loggers={"progress": progress_logger},
    )
    run_config = {
        "loggers": {"progress": {}},
        "resources": {"settings": {"config": {"raw_dir": str(raw_dir), "warehouse_dir": str(warehouse_dir)}}},
    }
    return build_defs.resolve_job_def("build_warehouse").execute_in_process(run_config=run_config, raise_on_error=False)


def build_summary(warehouse_dir: Path) -> str:
    with duckdb.connect(str(warehouse_dir / "warehouse.duckdb"), read_only=True) as connection:
        status = dict(connection.execute("SELECT status, count(*) FROM documents GROUP BY status").fetchall())
        tables = [
            row[0]
            for row in connection.execute("SELECT table_name FROM duckdb_tables() ORDER BY table_name").fetchall()
        ]
        counts = [(name, connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]) for name in tables]
        rejected = connection.execute("SELECT path, reason, message FROM rejected_documents ORDER BY path").fetchall()
    lines = [
        f"documents: {status.get('loaded', 0)} loaded, {status.get('rejected', 0)} rejected",
        *(f"  rejected {path}: {reason}: {message}" for path, reason, message in rejected),
        tabulate(counts, headers=["table", "rows"], tablefmt="simple"),
        f"warehouse: {warehouse_dir / 'warehouse.duckdb'}",
    ]
    return "\n".join(lines)


def cmd_build(args: argparse.Namespace) -> int:
    started = time.monotonic()
    result = run_build(Path(args.raw), Path(args.warehouse), quiet=args.quiet)
    if not result.success:
        print("build FAILED: the previous warehouse, if any, is unchanged", file=sys.stderr)
        return 1
    print(build_summary(Path(args.warehouse)))
    print(f"built in {time.monotonic() - started:.1f}s")
    return 0


def _shorten(value: object) -> object:
    if isinstance(value, str) and len(value) > MAX_CELL_WIDTH:
        return value[: MAX_CELL_WIDTH - 1] + "…"
    return value


def format_frame(frame: pd.DataFrame, fmt: str) -> str:
    frame = frame.astype(object).where(frame.notna(), None)
    if fmt == "csv":
        return frame.to_csv(index=False).rstrip("\n")
    if fmt == "json":
        return json.dumps(frame.to_dict("records"), ensure_ascii=False, indent=2, default=str)
    if fmt == "markdown":
        return tabulate(frame.values.tolist(), headers=list(frame.columns), tablefmt="github")
    if fmt == "vertical":
        blocks = []
        width = max((len(c) for c in frame.columns), default=0)
        for number, row in enumerate(frame.to_dict("records"), start=1):
            blocks.append(f"-[ row {number} ]" + "-" * 20)
            blocks.extend(f"{column:<{width}} | {'' if value is None else value}" for column, value in row.items())
        return "\n".join(blocks)
    rows = [[_shorten(value) for value in row] for row in frame.values.tolist()]
    return tabulate(rows, headers=list(frame.columns), tablefmt="psql", missingval="NULL")


def cmd_sql(args: argparse.Namespace) -> int:
    path = Path(args.warehouse) / "warehouse.duckdb"
    if not path.exists():
        print(f"no warehouse at {path}: run `citysnap build` (or `make warehouse`) first", file=sys.stderr)
        return 2
    with duckdb.connect(str(path), read_only=True) as connection:
        try:
            frame = connection.execute(args.query).df()
        except duckdb.Error as error:
            print(f"SQL error: {error}", file=sys.stderr)
            return 2
    print(format_frame(frame, args.format))
    return 0


def check_file(path: Path) -> tuple[SnapshotRecord | None, Rejection | None]:
    decoded = decode(path.read_bytes())
    if isinstance(decoded, Rejection):
        return None, decoded
    result = parse_text(decoded)
    return result.record, result.rejection


def describe_record(record: SnapshotRecord) -> str:
    fields = {
        field.name: getattr(record, field.name)
        for field in dataclasses.fields(record)
        if field.name not in {"items", "policy_area_data", "benchmark_claims", "unparsed_lines", "line_fields"}
    }
    lines = [f"  {name}: {_shorten(value)}" for name, value in fields.items() if value not in (None, [])]
    dimensions: dict[str, list[str]] = {}
    for item in record.items:
        dimensions.setdefault(item.dimension, []).append(f"{item.label} [{item.code}]")
    lines += [f"  {dim}: {'; '.join(labels)}" for dim, labels in dimensions.items()]
    if record.policy_area_data:
        areas = "; ".join(f"{a.label} [{a.code}: {a.data_status}]" for a in record.policy_area_data)
        lines.append(f"  policy_area_data: {areas}")
    lines += [f"  claim: {c.comparator} {c.stated_text} -> {c.topic}={c.city_value}" for c in record.benchmark_claims]
    report = parse_report(record)
    lines.append(
        f"  report: {report['fields_found']} fields found, {report['fields_missing']} missing"
        f"{' (' + report['missing_fields'] + ')' if report['missing_fields'] else ''}, "
        f"{report['unparsed_line_count']} unparsed lines, {report['other_label_count']} labels coded other"
    )
    lines += [f"  unparsed line {u.line_number} [{u.section}]: {u.text} ({u.reason})" for u in record.unparsed_lines]
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    failed = 0
    for name in args.files:
        path = Path(name)
        record, rejection = check_file(path)
        if rejection is not None:
            failed += 1
            where = f" (line {rejection.line})" if rejection.line else ""
            print(f"{path}: REJECTED {rejection.reason}{where}: {rejection.message}")
            continue
        assert record is not None
        print(f"{path}: OK {record.city}, {record.country}")
        print(describe_record(record))
    return 1 if failed else 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="citysnap", description=__doc__)
    commands = main.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build the warehouse from raw/ through Dagster")
    build.add_argument("--raw", default=DEFAULT_RAW_DIR, help="folder of documents (default: raw/)")
    build.add_argument("--warehouse", default=DEFAULT_WAREHOUSE_DIR, help="output folder (default: warehouse/)")
    build.add_argument("--quiet", action="store_true", help="no progress lines")
    build.set_defaults(handler=cmd_build)
    sql = commands.add_parser("sql", help="run a query against warehouse.duckdb (read-only)")
    sql.add_argument("query")
    sql.add_argument("--warehouse", default=DEFAULT_WAREHOUSE_DIR)
    sql.add_argument("--format", choices=["table", "vertical", "csv", "json", "markdown"], default="table")
    sql.set_defaults(handler=cmd_sql)
    check = commands.add_parser("check", help="parse documents without building; non-zero exit if any is rejected")
    check.add_argument("files", nargs="+")
    check.set_defaults(handler=cmd_check)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
