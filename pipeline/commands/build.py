"""``citysnap build``: materialize every asset and check through Dagster, in-process.

Exit codes (also in the README): 0 built or up to date, no document rejected; 1 the build failed
(the failing step, its error and what to do are printed); 2 wrong arguments (e.g. a --raw folder that
does not exist); 3 another build is writing the warehouse; 4 built, but some documents were rejected
(listed in the summary); 5 refused to publish a build that loaded no document over a warehouse that
holds some (``--allow-empty`` publishes it anyway).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from pipeline.paths import DEFAULT_RAW_DIR, DEFAULT_WAREHOUSE_DIR, DUCKDB_FILE

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY, EXIT_REJECTIONS, EXIT_REFUSED = 0, 1, 2, 3, 4, 5
REPORT_STEP = "visual_report"


def __getattr__(name: str):
    """``run_build`` moved to :mod:`pipeline.runner`; kept importable from here without importing Dagster
    for every ``citysnap`` command."""
    if name == "run_build":
        from pipeline.runner import run_build

        return run_build
    raise AttributeError(name)


def counts_table(counts: list[tuple[str, int]]) -> str:
    """Each table and its rows, laid out as tabulate's "simple" format does (importing tabulate costs 0.1 s,
    a tenth of a build that finds nothing to do): a header padded by two, left-aligned names, right-aligned
    counts."""
    names = max([len("table") + 2, *(len(name) for name, _ in counts)])
    rows = max([len("rows") + 2, *(len(str(count)) for _, count in counts)])
    header = f"{'table':<{names}}  {'rows':>{rows}}" if counts else f"{'table':<{names}}  rows"  # no numbers
    lines = [header, f"{'-' * names}  {'-' * rows}"]
    return "\n".join(lines + [f"{name:<{names}}  {count:>{rows}}" for name, count in counts])


def build_summary(warehouse_dir: Path) -> str:
    """Documents loaded and rejected (each rejection with its reason), and every table's row count."""
    import duckdb

    from pipeline.synthetic import notice_of

    with duckdb.connect(str(warehouse_dir / DUCKDB_FILE), read_only=True) as connection:
        notice = notice_of(connection)
        status = dict(connection.execute("SELECT status, count(*) FROM documents GROUP BY status").fetchall())
        tables = [
            row[0]
            for row in connection.execute("SELECT table_name FROM duckdb_tables() ORDER BY table_name").fetchall()
        ]
        counts = [(name, connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]) for name in tables]
        rejected = connection.execute("SELECT path, reason, message FROM rejected_documents ORDER BY path").fetchall()
    lines = [
        *([notice] if notice else []),
        f"documents: {status.get('loaded', 0)} loaded, {status.get('rejected', 0)} rejected",
        *(f"  rejected {path}: {reason}: {message}" for path, reason, message in rejected),
        counts_table(counts),
        f"warehouse: {warehouse_dir / DUCKDB_FILE}",
    ]
    return "\n".join(lines)


def rejected_count(warehouse_dir: Path) -> int:
    import duckdb

    with duckdb.connect(str(warehouse_dir / DUCKDB_FILE), read_only=True) as connection:
        return connection.execute("SELECT count(*) FROM rejected_documents").fetchone()[0]


def report_failures(failures: list, warehouse: Path) -> int:
    """Print each failed step, its error and what to do; return the exit code."""
    if not failures:
        print("build FAILED before any step ran (see the Dagster run log: `make dagster`, Runs)", file=sys.stderr)
        print("nothing was published: the previous warehouse, if any, is unchanged", file=sys.stderr)
        return EXIT_FAILED
    only_report = all(failure.step == REPORT_STEP for failure in failures)
    for failure in failures:
        print(f"build FAILED at step {failure.step}: {failure.error}", file=sys.stderr)
        print(f"  what to do: {failure.hint}", file=sys.stderr)
    if only_report:
        print(f"the warehouse was published; only the report failed: `citysnap report --warehouse {warehouse}` "
              "rewrites it", file=sys.stderr)  # fmt: skip
    else:
        print("nothing was published: the previous warehouse, if any, is unchanged", file=sys.stderr)
    return EXIT_REFUSED if any(failure.refused_publish for failure in failures) else EXIT_FAILED


PARSE_SINK_MODULE = "pipeline.publish.fragments"
"""The module of the parse workers' sink (``write_fragment``), by name: the build starts the workers'
fork server with it before importing Dagster, so the two sets of imports run on two cores at once."""


def already_up_to_date(raw: Path, warehouse: Path, report: bool) -> bool:
    """Whether the job's first two steps would find nothing to do: the same inventory, verification of
    the published files against their manifest and plan, computed without Dagster (whose import and run
    cost seconds) in a staging folder removed afterwards. False sends the build through the job, which
    also rewrites a missing or stale report when ``report`` is asked for, and reports a folder it cannot
    read or write at the step that meets it."""
    import shutil

    from pipeline.paths import CACHE_DIR, PARSE_BATCHES, STAMPS_FILE
    from pipeline.publish.plan import INVENTORY_FILE, plan_current_build, take_inventory
    from pipeline.publish.staging import current_version, staging_dir
    from pipeline.report import warehouse_report_is_current

    if current_version(warehouse) is None:
        return False  # nothing published, nothing up to date: the inventory is the job's (1.4 s at 10,000)
    folder = staging_dir(warehouse, f"up-to-date-check-{os.getpid()}")
    try:
        take_inventory(raw, warehouse / CACHE_DIR / STAMPS_FILE, folder / INVENTORY_FILE, PARSE_BATCHES)
        unchanged = plan_current_build(folder / INVENTORY_FILE, warehouse).unchanged
    except OSError:
        return False  # the job meets the same error in its step, and reports it with what to do
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return unchanged and (not report or warehouse_report_is_current(warehouse)) and _copy_is_current(warehouse)


def _copy_is_current(warehouse: Path) -> bool:
    """Whether the copy at CITYSNAP_PUBLISH_URL, if one is asked for, names the current version (when it
    does not, the job's plan step copies it)."""
    from pipeline.paths import DEFAULT_PUBLISH_URL
    from pipeline.publish.staging import current_version

    if not DEFAULT_PUBLISH_URL:
        return True
    from pipeline.publish.mirror import copied_version

    version = current_version(warehouse)
    try:
        return version is not None and copied_version(DEFAULT_PUBLISH_URL) == version.name
    except (ImportError, OSError, ValueError):  # no fsspec package for it, unreachable: the job says why
        return False


def cmd_build(args: argparse.Namespace) -> int:
    from pipeline.publish.guard import missing_raw_folder

    started = time.monotonic()
    raw, warehouse = Path(args.raw), Path(args.warehouse)
    if problem := missing_raw_folder(raw):
        print(f"build not started: {problem}", file=sys.stderr)
        return EXIT_USAGE

    from pipeline.publish.lock import BuildInProgress, build_lock
    from pipeline.publish.staging import clear_stale_staging

    try:
        with build_lock(warehouse, wait=args.wait):
            clear_stale_staging(warehouse)
            result = None
            if not already_up_to_date(raw, warehouse, report=not args.skip_report):
                from pipeline.parse.workers import start_fork_server

                start_fork_server(PARSE_SINK_MODULE)  # its imports run on the other core while Dagster's do
                from pipeline.runner import run_build

                result = run_build(
                    raw, warehouse, quiet=args.quiet, report=not args.skip_report, allow_empty=args.allow_empty
                )
    except BuildInProgress as busy:
        print(f"build not started: {busy}", file=sys.stderr)
        return EXIT_BUSY
    except OSError as error:
        print(
            f"build FAILED: cannot write the warehouse folder {warehouse}: {error.strerror or error}", file=sys.stderr
        )
        print(f"  what to do: make {warehouse} writable for this user (ls -ld {warehouse}), or build into another "
              "folder with --warehouse DIR; nothing was published", file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    if result is not None and not result.success:
        from pipeline.runner import step_failures

        return report_failures(step_failures(result, warehouse), warehouse)
    if result is None or not result.asset_materializations_for_node("duckdb_warehouse"):
        print("warehouse already up to date: raw/ and the code are unchanged since the last build")
    print(build_summary(warehouse))
    print(f"built in {time.monotonic() - started:.1f}s")
    if rejected := rejected_count(warehouse):
        print(f"{rejected} document(s) rejected (listed above): exit code {EXIT_REJECTIONS}", file=sys.stderr)
        return EXIT_REJECTIONS
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    build = commands.add_parser(
        "build",
        help="build the warehouse from raw/ through Dagster",
        description=__doc__.replace("``", "`"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument(
        "--raw", default=DEFAULT_RAW_DIR,
        metavar="DIR", help="folder of documents, <year>/<city>.txt|.md|.pdf (default: "
        "$CITYSNAP_RAW_DIR or raw/)"
    )  # fmt: skip
    build.add_argument(
        "--warehouse", default=DEFAULT_WAREHOUSE_DIR,
        metavar="DIR", help="output folder (default: $CITYSNAP_WAREHOUSE_DIR or "
        "warehouse/)"
    )  # fmt: skip
    build.add_argument("--quiet", action="store_true", help="no progress lines")
    build.add_argument("--wait", action="store_true", help="wait for a running build instead of stopping (exit 3)")
    build.add_argument("--skip-report", action="store_true", help="build the warehouse without the visual report")
    build.add_argument(
        "--allow-empty",
        action="store_true",
        help="publish even if this build loads no document while the warehouse holds some (exit 5 without it)",
    )
    build.set_defaults(handler=cmd_build)
