"""Run a build through Dagster, in-process: the one way the CLI, the tests and the benchmark build.

The job, its executor (in-process) and its IO manager are the ones the UI, the schedule and the sensor
use, so a CLI build costs what a scheduled run costs. When ``DAGSTER_HOME`` is set
(the Makefile sets it), the run is recorded in that Dagster instance, so the UI's catalog and run
history show every build, whether it was started from the CLI, the UI, the schedule or the sensor.
Without it, Dagster uses a throw-away instance.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

PROGRESS_EVENTS = {"STEP_SUCCESS", "STEP_FAILURE", "ASSET_CHECK_EVALUATION"}
REPORT_ASSET = dg.AssetKey("visual_report")


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


def recording_instance() -> dg.DagsterInstance | None:
    """The Dagster instance of ``DAGSTER_HOME`` (created on first use), or None for a throw-away one."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return None
    Path(home).mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.get()


def run_build(
    raw_dir: Path,
    warehouse_dir: Path,
    quiet: bool = False,
    report: bool = True,
    allow_empty: bool = False,
    synthetic: bool = False,
    instance: dg.DagsterInstance | None = None,
    storage: dict[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialize every asset and check of ``defs`` in-process, with a progress display; without
    ``report``, everything but the visual report. ``instance`` defaults to :func:`recording_instance`.
    ``storage`` sets ``fragments_url`` or ``publish_url`` of the settings (default: their variables)."""
    from pipeline.definitions import defs

    job = defs.resolve_job_def("build_warehouse")
    selection = None
    if not report:
        selection = [key for key in job.asset_layer.executable_asset_keys if key != REPORT_ASSET]
    handler = _ProgressHandler(len(job.graph.nodes) - (0 if report else 1))

    @dg.logger
    def progress_logger(_init_context: dg.InitLoggerContext) -> logging.Logger:
        logger = logging.Logger("citysnap.progress", level=logging.DEBUG)
        # a logger without a handler falls back to logging.lastResort, which prints every error with
        # Dagster's stack trace: the CLI prints the failing step and its error itself
        logger.addHandler(logging.NullHandler() if quiet else handler)
        return logger

    build_defs = dg.Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        jobs=[job],
        resources=defs.resources,
        loggers={"progress": progress_logger},
    )
    settings = {
        "raw_dir": str(raw_dir),
        "warehouse_dir": str(warehouse_dir),
        "allow_empty": allow_empty,
        "synthetic": synthetic,
        **(storage or {}),
    }
    run_config = {"loggers": {"progress": {}}, "resources": {"settings": {"config": settings}}}
    # what the imports made lives as long as the process: frozen for the run, the collections Dagster's
    # many small objects set off do not walk it again each time (0.4 s of garbage collection per build);
    # unfrozen after it, so a long-lived caller (the tests) collects as usual
    gc.freeze()
    try:
        return build_defs.resolve_job_def("build_warehouse").execute_in_process(
            run_config=run_config,
            raise_on_error=False,
            asset_selection=selection,
            instance=instance if instance is not None else recording_instance(),
        )
    finally:
        gc.unfreeze()


@dataclass(frozen=True)
class StepFailure:
    """A failed step of a build: which step, the error that stopped it, and what to try next."""

    step: str
    error: str
    hint: str
    refused_publish: bool = False


def _root_cause(error) -> tuple[str, str]:
    """(class name, message) of the innermost error: the user code's exception, not Dagster's wrapper."""
    while error.cause is not None:
        error = error.cause
    return error.cls_name or "Error", error.message.strip()


def _hint(cls_name: str, message: str, warehouse_dir: Path) -> str:
    if cls_name == "PermissionError" or "Permission denied" in message or "Read-only file system" in message:
        return (
            "this user may not read or write the path named in the error: fix its permissions (ls -ld PATH), "
            f"or build into another folder than {warehouse_dir} with --warehouse DIR"
        )
    if "No space left on device" in message:
        return "free disk space on the warehouse's file system, then run the build again"
    if cls_name in {"FileNotFoundError", "NotADirectoryError"}:
        return "check the --raw and --warehouse folders, then run the build again"
    return "fix the cause above, then run `citysnap build` again (the Dagster UI, `make dagster`, keeps the full log)"


def step_failures(result: dg.ExecuteInProcessResult, warehouse_dir: Path) -> list[StepFailure]:
    """Every failed step of a run, with its root error and a next thing to try."""
    failures = []
    for event in result.all_events:
        if event.event_type_value != "STEP_FAILURE":
            continue
        data = event.step_failure_data
        user = data.user_failure_data
        if user is not None and user.description:
            refused = "refused_publish" in (user.metadata or {})
            description, _, hint = user.description.partition(" Next: ")
            failures.append(
                StepFailure(event.step_key, description, hint or _hint("", description, warehouse_dir), refused)
            )
            continue
        cls_name, message = _root_cause(data.error)
        failures.append(StepFailure(event.step_key, f"{cls_name}: {message}", _hint(cls_name, message, warehouse_dir)))
    return failures
