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
)

daily_build = dg.ScheduleDefinition(
    name="daily_build",
    job=build_warehouse_job,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    description="Rebuild the warehouse every morning.",
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


@dg.sensor(job=build_warehouse_job, minimum_interval_seconds=30, description="Build when raw/ changes.")
def raw_folder_sensor(context: dg.SensorEvaluationContext, settings: WarehouseSettings) -> dg.SensorResult:
    fingerprint = folder_fingerprint(settings.raw_path)
    if fingerprint == context.cursor:
        return dg.SensorResult(skip_reason=dg.SkipReason("raw/ unchanged since the last run request"))
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key=fingerprint)], cursor=fingerprint)
