"""Dagster asset for the visual report: a thin wrapper around ``pipeline.report.render_report``, kept
out of the report stage so that the stages import no Dagster."""

from pathlib import Path

import dagster as dg

from pipeline.paths import REPORT_DIR
from pipeline.publish.staging import current_version
from pipeline.report import render_report
from pipeline.settings import OWNERS, WarehouseSettings


@dg.asset(
    group_name="report",
    kinds={"python", "html"},
    owners=OWNERS,
    description="warehouse/report/index.html, one page per city and wave, and the SVG charts of each wave: "
    "works offline; pages whose inputs did not change are carried over from the previous report.",
)
def visual_report(context: dg.AssetExecutionContext, settings: WarehouseSettings, duckdb_warehouse: str) -> str:
    version = current_version(settings.warehouse_path)
    try:
        written = render_report(
            Path(duckdb_warehouse), settings.warehouse_path / REPORT_DIR, version.name if version else None
        )
    except Exception as error:
        raise dg.Failure(
            description=f"the data was published (version {version.name if version else '?'}), but the report "
            f"could not be written: {type(error).__name__}: {error}. The previous report is left as it was; the "
            "next build rewrites it (or run `citysnap report`).",
        ) from error
    context.add_output_metadata(
        {
            "path": dg.MetadataValue.path(str(written.index)),
            "city_pages": written.rendered + written.carried_over,
            "city_pages_rendered": written.rendered,
            "city_pages_carried_over": written.carried_over,
            "rendering_processes": written.processes,
        }
    )
    return str(written.index)


REPORT_ASSETS = [visual_report]
