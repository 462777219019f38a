"""Dagster asset for the visual report: a thin wrapper around ``pipeline.report.write_report``."""

from pathlib import Path

import dagster as dg

from pipeline.paths import REPORT_DIR
from pipeline.publish.staging import current_version
from pipeline.report import write_report
from pipeline.settings import WarehouseSettings


@dg.asset(
    group_name="report",
    description="warehouse/report/index.html and one page per city and wave: inline SVG charts, works offline.",
)
def visual_report(context: dg.AssetExecutionContext, settings: WarehouseSettings, duckdb_warehouse: str) -> str:
    version = current_version(settings.warehouse_path)
    try:
        index = write_report(
            Path(duckdb_warehouse), settings.warehouse_path / REPORT_DIR, version.name if version else None
        )
    except Exception as error:
        raise dg.Failure(
            description=f"the data was published (version {version.name if version else '?'}), but the report "
            f"could not be written: {type(error).__name__}: {error}. The previous report is left as it was; the "
            "next build rewrites it (or run `citysnap report`).",
        ) from error
    pages = sorted((index.parent / "cities").glob("*.html"))
    context.add_output_metadata({"path": dg.MetadataValue.path(str(index)), "city_pages": len(pages)})
    return str(index)


REPORT_ASSETS = [visual_report]
