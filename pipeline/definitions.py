"""Dagster entry point: ``dagster dev -m pipeline.definitions``."""

import dagster as dg

from pipeline.assets import ALL_ASSETS
from pipeline.automation import build_warehouse_job, daily_build, raw_folder_sensor
from pipeline.checks import ALL_CHECKS
from pipeline.settings import WarehouseSettings

defs = dg.Definitions(
    assets=ALL_ASSETS,
    asset_checks=ALL_CHECKS,
    jobs=[build_warehouse_job],
    schedules=[daily_build],
    sensors=[raw_folder_sensor],
    resources={"settings": WarehouseSettings()},
)
