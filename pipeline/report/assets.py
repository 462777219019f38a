"""Dagster asset for the visual report: a thin wrapper around ``pipeline.report.write_report``."""

from pathlib import Path

import dagster as dg

from pipeline.report import REPORT_DIR, write_report
from pipeline.settings import WarehouseSettings


@dg.asset(
    group_name="report",
    description="warehouse/report/index.html and one page per city and wave: inline SVG charts, works offline.",
)
def visual_report(context: dg.AssetExecutionContext, settings: WarehouseSettings, duckdb_warehouse: str) -> str:
    index = write_report(Path(duckdb_warehouse), Path(settings.warehouse_dir) / REPORT_DIR)
    pages = sorted((index.parent / "cities").glob("*.html"))
    context.add_output_metadata({"path": dg.MetadataValue.path(str(index)), "city_pages": len(pages)})
    return str(index)


REPORT_ASSETS = [visual_report]
