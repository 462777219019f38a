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

SOURCE_STAMP = ".source"
"""Names the warehouse version the pages were rendered from, so a stale or missing report is noticed."""


def report_is_current(report_dir: Path, version: str | None) -> bool:
    """Whether ``report_dir`` holds a complete report of the warehouse version ``version``."""
    try:
        stamp = (report_dir / SOURCE_STAMP).read_text(encoding="utf-8").strip()
    except OSError:
        return False
    return version is not None and stamp == version and (report_dir / "index.html").is_file()


def clear_report_leftovers(report_dir: Path) -> None:
    """Remove the temporary folders of report writes that were killed or failed."""
    for leftover in report_dir.parent.glob(f".{report_dir.name}.*.tmp"):
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in report_dir.parent.glob(f".{report_dir.name}.*.old"):
        shutil.rmtree(leftover, ignore_errors=True)


def write_report(duckdb_path: Path, report_dir: Path, version: str | None = None) -> Path:
    """Render every page from ``duckdb_path`` into ``report_dir``, stamped with the warehouse ``version``;
    return the index's path. Pages are written to a temporary folder that is removed if anything fails."""
    clear_report_leftovers(report_dir)
    data = load_report_data(duckdb_path)
    notice = warehouse_notice(duckdb_path)
    staging = report_dir.with_name(f".{report_dir.name}.{os.getpid()}.tmp")
    try:
        (staging / "cities").mkdir(parents=True)
        (staging / "index.html").write_text(with_banner(index_page(data), notice), encoding="utf-8")
        for snapshot_id in data.profiles["snapshot_id"]:
            (staging / city_page_name(snapshot_id)).write_text(
                with_banner(city_page(data, snapshot_id), notice), encoding="utf-8"
            )
        if version is not None:
            (staging / SOURCE_STAMP).write_text(version + "\n", encoding="utf-8")
        retired = report_dir.with_name(f".{report_dir.name}.{os.getpid()}.old")
        if report_dir.exists():
            os.replace(report_dir, retired)
        os.replace(staging, report_dir)
        shutil.rmtree(retired, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report_dir / "index.html"
