"""The visual report: static HTML pages and SVG charts, written next to the warehouse.

``write_report`` reads the published DuckDB file read-only and writes ``index.html``, one page per city and
wave under ``cities/`` and the charts of each wave under ``waves/``. A city page depends only on that city's
own rows, so a rebuild renders the pages whose inputs changed and carries the others over from the previous
report (checked against its manifest first). The report is built in a temporary folder and swapped in, so a
browser never sees a half-written report; the same warehouse gives the same bytes, incremental or not.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.paths import REPORT_DIR
from pipeline.publish.staging import current_version
from pipeline.report.charts import standalone
from pipeline.report.data import load_index, page_digests, page_inputs, stage_profiles, staged_pages
from pipeline.report.layout import STYLESHEET, city_page_name, wave_chart_name
from pipeline.report.manifest import (
    MANIFEST_FILE,
    Manifest,
    file_hash,
    read_manifest,
    renderer_fingerprint,
    trusted_page,
)
from pipeline.report.pages import city_page, index_page, stylesheet, wave_charts
from pipeline.sqlfiles import connect
from pipeline.synthetic import notice_of, with_banner

SOURCE_STAMP = ".source"
"""Names the warehouse version the pages were rendered from, so a stale or missing report is noticed."""


@dataclass(frozen=True)
class ReportWrite:
    """A written report: its index, and how many city pages were rendered or carried over unchanged."""

    index: Path
    rendered: int
    carried_over: int
    processes: int = 1
    """Processes the rendered pages were split between."""


def report_is_current(report_dir: Path, version: str | None) -> bool:
    """Whether ``report_dir`` holds a complete report of the warehouse version ``version``."""
    try:
        stamp = (report_dir / SOURCE_STAMP).read_text(encoding="utf-8").strip()
    except OSError:
        return False
    return version is not None and stamp == version and (report_dir / "index.html").is_file()


def warehouse_report_is_current(warehouse_dir: Path) -> bool:
    """Whether the warehouse's report folder holds the report of its current published version."""
    version = current_version(warehouse_dir)
    return report_is_current(warehouse_dir / REPORT_DIR, version.name if version else None)


def clear_report_leftovers(report_dir: Path) -> None:
    """Remove the temporary folders of report writes that were killed or failed."""
    for leftover in report_dir.parent.glob(f".{report_dir.name}.*.tmp"):
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in report_dir.parent.glob(f".{report_dir.name}.*.old"):
        shutil.rmtree(leftover, ignore_errors=True)


BATCH_PAGES = 500
"""City pages rendered together: their rows are fetched in one query per part, and memory stays flat."""


def _carry_over(source: str, target: str) -> None:
    """A hard link (no bytes copied) where the file system allows one, else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _reuse(
    old: str, new: str, previous: Manifest | None, digests: list[tuple[str, str]]
) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """Carry over the pages of ``digests`` (snapshot, inputs digest) that the previous report holds intact;
    return (page -> (digest, file hash) carried over, snapshot -> digest still to render)."""
    if previous is None:
        return {}, dict(digests)
    carried, to_render = {}, {}
    for snapshot_id, digest in digests:
        name = city_page_name(snapshot_id)
        sha = trusted_page(old, previous, name, digest)
        if sha is None:
            to_render[snapshot_id] = digest
        else:
            _carry_over(f"{old}/{name}", f"{new}/{name}")
            carried[name] = (digest, sha)
    return carried, to_render


def _batches(items: list, size: int) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _write_city_pages(
    connection: duckdb.DuckDBPyConnection, digests: dict[str, str], staging: str, notice: str | None
) -> dict[str, tuple[str, str]]:
    """Render the pages of ``digests`` (snapshot -> inputs digest, sorted) into ``staging``; page -> (inputs
    digest, file hash)."""
    written = {}
    for snapshot_id, inputs in page_inputs(connection, list(digests)).items():
        name = city_page_name(snapshot_id)
        data = with_banner(city_page(inputs), notice).encode("utf-8")
        with open(f"{staging}/{name}", "wb") as file:
            file.write(data)
        written[name] = (digests[snapshot_id], file_hash(data))
    return written


PARALLEL_MIN_PAGES = 2 * BATCH_PAGES
"""Pages to render from which a second process renders half of them: below it, starting the process and
staging its profiles cost more than it saves."""


def render_pages(
    duckdb_path: str, to_render: list[tuple[str, str]], staging: str, notice: str | None
) -> dict[str, tuple[str, str]]:
    """Render the pages of ``to_render`` (snapshot, inputs digest; sorted) with a read-only connection of
    its own: what the second process of a large report runs."""
    with connect(duckdb_path, read_only=True) as connection:
        stage_profiles(connection)
        return _render_staged(connection, to_render, staging, notice)


def _render_staged(
    connection: duckdb.DuckDBPyConnection, to_render: list[tuple[str, str]], staging: str, notice: str | None
) -> dict[str, tuple[str, str]]:
    pages: dict[str, tuple[str, str]] = {}
    with staged_pages(connection, [snapshot_id for snapshot_id, _ in to_render]):
        for batch in _batches(to_render, BATCH_PAGES):
            pages |= _write_city_pages(connection, dict(batch), staging, notice)
    return pages


def _render_all(
    connection: duckdb.DuckDBPyConnection, duckdb_path: Path, to_render: list[tuple[str, str]], staging: str,
    notice: str | None,
) -> tuple[dict[str, tuple[str, str]], int]:  # fmt: skip
    """Render ``to_render``; a large report on a machine of several cores renders its second half in a
    process of its own (started by the parse workers' fork server, which has the report's imports), both
    halves at once. A page's bytes do not depend on which process wrote it. Returns the pages and the
    number of processes that rendered them."""
    if len(to_render) < PARALLEL_MIN_PAGES or (os.cpu_count() or 1) < 2:
        return (_render_staged(connection, to_render, staging, notice) if to_render else {}), 1
    from pipeline.parse.workers import main_script_hidden, start_fork_server

    middle = len(to_render) // 2
    with ProcessPoolExecutor(max_workers=1, mp_context=start_fork_server()) as pool:
        with main_script_hidden():  # the process starts here
            second = pool.submit(render_pages, str(duckdb_path), to_render[middle:], staging, notice)
        pages = _render_staged(connection, to_render[:middle], staging, notice)
        return pages | second.result(), 2


def write_report(duckdb_path: Path, report_dir: Path, version: str | None = None, *, reuse: bool = True) -> Path:
    """Render the report of ``duckdb_path`` into ``report_dir`` (see ``render_report``); return the index's path."""
    return render_report(duckdb_path, report_dir, version, reuse=reuse).index


def render_report(
    duckdb_path: Path,
    report_dir: Path,
    version: str | None = None,
    *,
    reuse: bool = True,
) -> ReportWrite:
    """Render the report of ``duckdb_path`` into ``report_dir``, stamped with the warehouse ``version``; return
    what was written. City pages whose inputs did not change are carried over from the previous report
    (``reuse=False`` renders every page); the others are rendered in batches. Pages are written to a temporary
    folder removed if anything fails."""
    clear_report_leftovers(report_dir)
    staging = report_dir.with_name(f".{report_dir.name}.{os.getpid()}.tmp")
    try:
        (staging / "cities").mkdir(parents=True)
        with connect(duckdb_path, read_only=True) as connection:
            notice = notice_of(connection)
            renderer = renderer_fingerprint(notice)
            previous = read_manifest(report_dir, renderer) if reuse else None
            stage_profiles(connection)
            digests = sorted(page_digests(connection).items())
            pages, to_render = _reuse(str(report_dir), str(staging), previous, digests)
            carried_over = len(pages)
            rendered, processes = _render_all(connection, duckdb_path, sorted(to_render.items()), str(staging), notice)
            pages |= rendered
            index = load_index(connection)
        charts = {wave.wave: wave_charts(wave) for wave in index.waves}
        for wave, wave_svgs in charts.items():
            (staging / wave_chart_name(wave, "x")).parent.mkdir(parents=True)
            for chart, svg in wave_svgs.items():
                (staging / wave_chart_name(wave, chart)).write_text(standalone(svg), encoding="utf-8")
        (staging / STYLESHEET).write_text(stylesheet(), encoding="utf-8")
        (staging / "index.html").write_text(with_banner(index_page(index, charts), notice), encoding="utf-8")
        (staging / MANIFEST_FILE).write_text(Manifest(renderer, pages).text(), encoding="utf-8")
        if version is not None:
            (staging / SOURCE_STAMP).write_text(version + "\n", encoding="utf-8")
        retired = report_dir.with_name(f".{report_dir.name}.{os.getpid()}.old")
        if report_dir.exists():
            os.replace(report_dir, retired)
        os.replace(staging, report_dir)
        shutil.rmtree(retired, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ReportWrite(report_dir / "index.html", len(pages) - carried_over, carried_over, processes)
