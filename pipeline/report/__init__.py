"""The visual report: static HTML pages with inline SVG charts, written next to the warehouse.

``write_report`` reads the published DuckDB file read-only and writes ``index.html`` plus one page per
city and wave under ``cities/``. The pages are built in a temporary folder and swapped in, so a browser
never sees a half-written report.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pipeline.report.data import load_report_data
from pipeline.report.pages import city_page, city_page_name, index_page
from pipeline.synthetic import warehouse_notice, with_banner

REPORT_DIR = "report"


def write_report(duckdb_path: Path, report_dir: Path) -> Path:
    """Render every page from ``duckdb_path`` into ``report_dir``; return the index's path."""
    data = load_report_data(duckdb_path)
    notice = warehouse_notice(duckdb_path)
    staging = report_dir.with_name(f".{report_dir.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "cities").mkdir(parents=True)
    (staging / "index.html").write_text(with_banner(index_page(data), notice), encoding="utf-8")
    for snapshot_id in data.profiles["snapshot_id"]:
        (staging / city_page_name(snapshot_id)).write_text(
            with_banner(city_page(data, snapshot_id), notice), encoding="utf-8"
        )
    retired = report_dir.with_name(f".{report_dir.name}.{os.getpid()}.old")
    shutil.rmtree(retired, ignore_errors=True)
    if report_dir.exists():
        os.replace(report_dir, retired)
    os.replace(staging, report_dir)
    shutil.rmtree(retired, ignore_errors=True)
    return report_dir / "index.html"
