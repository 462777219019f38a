"""The job that builds everything, its daily schedule, and a sensor watching raw/."""

import hashlib
from pathlib import Path

import dagster as dg

from pipeline.ingest.documents import discover
from pipeline.settings import WarehouseSettings

build_warehouse_job = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.all(),
    description="Ingest raw/, parse, validate, and publish Parquet, aggregates and DuckDB.",
    # every step in the run's own process: the parse step's worker processes already use every core, and
    # steps hand each other file paths, so a process per step would only add start-up (seconds per step)
    executor_def=dg.in_process_executor,
)

daily_build = dg.ScheduleDefinition(
    name="daily_build",
    job=build_warehouse_job,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    description="Rebuild the warehouse every morning (a no-change build publishes nothing and takes seconds).",
    # on by default, as a scheduled pipeline's user expects; switch off in the UI (Automation) or with
    # `dagster schedule stop daily_build`, or set default_status=STOPPED here
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


def folder_fingerprint(raw_dir: Path) -> str:
    """A hash of every file's path, size and modification time: changes when a file is added,
    changed or removed."""
    digest = hashlib.sha256()
    if raw_dir.exists():
        for found in discover(raw_dir):
            try:
                stat = found.path.lstat()
            except OSError:  # removed since it was listed: the next evaluation sees the change
                continue
            digest.update(f"{found.relative}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@dg.sensor(
    job=build_warehouse_job,
    minimum_interval_seconds=30,
    description="Build when raw/ changes.",
    # on by default (switch off in the UI or with `dagster sensor stop raw_folder_sensor`)
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def raw_folder_sensor(context: dg.SensorEvaluationContext, settings: WarehouseSettings) -> dg.SensorResult:
    fingerprint = folder_fingerprint(settings.raw_path)
    if fingerprint == context.cursor:
        return dg.SensorResult(skip_reason=dg.SkipReason("raw/ unchanged since the last run request"))
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key=fingerprint)], cursor=fingerprint)
