"""Dagster entry point: ``dagster dev -m pipeline.definitions``."""

import os

# Arrow's default allocator (mimalloc) keeps the memory a step freed, so every later step of a run started
# about 50-100 MiB higher at 10,000 documents; the system allocator gives it back. Arrow reads this when it
# first allocates, so it is set here, before the stages load, in every process that runs the job (CLI, UI,
# schedule, a multiprocess or Dask step). The parse workers' fork server sets it too (WORKER_ENVIRONMENT).
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

import dagster as dg
from dagster._core.storage.fs_io_manager import PickledObjectFilesystemIOManager  # not exported by dagster

from pipeline.assets import ALL_ASSETS
from pipeline.automation import build_warehouse_job, daily_build, raw_folder_sensor
from pipeline.checks import ALL_CHECKS
from pipeline.report_assets import REPORT_ASSETS
from pipeline.settings import WarehouseSettings


class _OwnPathIOManager(PickledObjectFilesystemIOManager):
    def get_metadata(self, context: dg.OutputContext, obj: object) -> dict:
        """The ``path`` the step itself recorded (the Parquet or DuckDB file it wrote), in place of the one
        Dagster's filesystem IO manager records (where it pickled the step's small output)."""
        own = (context.output_metadata or {}).get("path")
        return {"path": own} if own is not None else {}


class HandoffIOManager(dg.FilesystemIOManager):
    """Dagster's filesystem IO manager (outputs pickled under the instance's storage, readable by every
    executor's processes), except that a materialization's ``path`` stays the file the step wrote."""

    def create_io_manager(self, context: dg.InitResourceContext) -> PickledObjectFilesystemIOManager:
        assert context.instance is not None
        return _OwnPathIOManager(base_dir=self.base_dir or context.instance.storage_directory())


defs = dg.Definitions(
    assets=[*ALL_ASSETS, *REPORT_ASSETS],
    asset_checks=ALL_CHECKS,
    jobs=[build_warehouse_job],
    schedules=[daily_build],
    sensors=[raw_folder_sensor],
    resources={
        "settings": WarehouseSettings(),
        # steps hand each other paths and counts (a few hundred bytes): pickled under the instance's storage,
        # which every executor's processes can read, so the in-process, multiprocess and Dask runs behave alike
        "io_manager": HandoffIOManager(),
    },
)


def resolved_build_job() -> dg.JobDefinition:
    """The build job with its resources, importable by a multiprocess (or remote) executor."""
    return defs.resolve_job_def("build_warehouse")
