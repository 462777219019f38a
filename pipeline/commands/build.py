"""``citysnap build``: materialize every asset and check through Dagster, in-process."""

import argparse
import logging
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
from tabulate import tabulate

from pipeline.publish.lock import BuildInProgress, build_lock
from pipeline.publish.staging import clear_stale_staging
from pipeline.settings import DEFAULT_RAW_DIR, DEFAULT_WAREHOUSE_DIR

PROGRESS_EVENTS = {"STEP_SUCCESS", "STEP_FAILURE", "ASSET_CHECK_EVALUATION"}


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


def run_build(
    raw_dir: Path, warehouse_dir: Path, quiet: bool = False, report: bool = True
) -> dg.ExecuteInProcessResult:
    """Materialize every asset and check of ``defs`` in-process, with a progress display;
    without ``report``, everything but the visual report (for a warehouse-only run)."""
    from pipeline.definitions import defs

    job = defs.resolve_job_def("build_warehouse")
    selection = None
    if not report:
        selection = [key for key in job.asset_layer.executable_asset_keys if key != dg.AssetKey("visual_report")]
    handler = _ProgressHandler(len(job.graph.nodes) - (0 if report else 1))

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
        # one process: values pass between steps in memory instead of being pickled to disk
        resources={**defs.resources, "io_manager": dg.mem_io_manager},
        loggers={"progress": progress_logger},
    )
    run_config = {
        "loggers": {"progress": {}},
        "resources": {"settings": {"config": {"raw_dir": str(raw_dir), "warehouse_dir": str(warehouse_dir)}}},
    }
    return build_defs.resolve_job_def("build_warehouse").execute_in_process(
        run_config=run_config, raise_on_error=False, asset_selection=selection
    )


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
    warehouse = Path(args.warehouse)
    try:
        with build_lock(warehouse, wait=args.wait):
            clear_stale_staging(warehouse)
            result = run_build(Path(args.raw), warehouse, quiet=args.quiet, report=not args.skip_report)
    except BuildInProgress as busy:
        print(f"build not started: {busy}", file=sys.stderr)
        return 3
    if not result.success:
        print("build FAILED: the previous warehouse, if any, is unchanged", file=sys.stderr)
        return 1
    if not result.asset_materializations_for_node("duckdb_warehouse"):
        print("warehouse already up to date: raw/ and the code are unchanged since the last build")
    print(build_summary(Path(args.warehouse)))
    print(f"built in {time.monotonic() - started:.1f}s")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    build = commands.add_parser("build", help="build the warehouse from raw/ through Dagster")
    build.add_argument("--raw", default=DEFAULT_RAW_DIR, help="folder of documents (default: raw/)")
    build.add_argument("--warehouse", default=DEFAULT_WAREHOUSE_DIR, help="output folder (default: warehouse/)")
    build.add_argument("--quiet", action="store_true", help="no progress lines")
    build.add_argument("--wait", action="store_true", help="wait for a running build instead of stopping")
    build.add_argument("--skip-report", action="store_true", help="build the warehouse without the visual report")
    build.set_defaults(handler=cmd_build)
