"""A rebuild renders only the report pages whose inputs changed, carries the others over from the previous
report after checking them against its manifest, and gives the same bytes as a report written from scratch."""

import dataclasses
import os
from pathlib import Path

import pytest

import pipeline.report as report_module
from pipeline.report import render_report
from pipeline.report.manifest import MANIFEST_FILE
from tests.conftest import build_warehouse
from tests.report_helpers import AARHUS_2020, CITIES, OSLO_2018, multi_wave_warehouse, write_multi_wave_raw

PAGES = ["2018-no-oslo", "2018-se-stockholm", "2020-dk-aarhus", "2020-no-oslo", "2020-se-stockholm"]


def files(report: Path) -> dict[str, bytes]:
    """Every file of a report (dot files included) by its path under the report."""
    return {str(path.relative_to(report)): path.read_bytes() for path in sorted(report.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def duckdb_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return multi_wave_warehouse(tmp_path_factory) / "warehouse.duckdb"


@pytest.fixture(scope="module")
def from_scratch(duckdb_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    report = tmp_path_factory.mktemp("from_scratch") / "report"
    written = render_report(duckdb_file, report, "v1", reuse=False)
    assert (written.rendered, written.carried_over) == (5, 0)
    return files(report)


@pytest.fixture
def report(duckdb_file: Path, tmp_path: Path) -> Path:
    report = tmp_path / "report"
    render_report(duckdb_file, report, "v1")
    return report


def test_a_report_of_an_unchanged_warehouse_renders_no_page_and_is_byte_identical(duckdb_file, report, from_scratch):
    before = {name: (report / "cities" / f"{name}.html").stat().st_ino for name in PAGES}
    written = render_report(duckdb_file, report, "v1")
    assert (written.rendered, written.carried_over) == (0, 5)
    assert files(report) == from_scratch
    after = {name: (report / "cities" / f"{name}.html").stat().st_ino for name in PAGES}
    assert after == before, "carried over as hard links, not copied"


def test_a_page_edited_since_it_was_written_is_rendered_again(duckdb_file, report, from_scratch):
    page = report / "cities" / "2020-no-oslo.html"
    page.write_bytes(page.read_bytes().replace(b"Oslo", b"Olso"))
    written = render_report(duckdb_file, report, "v1")
    assert (written.rendered, written.carried_over) == (1, 4)
    assert files(report) == from_scratch


def test_a_page_truncated_to_the_same_size_of_zeros_is_rendered_again(duckdb_file, report, from_scratch):
    page = report / "cities" / "2018-se-stockholm.html"
    page.write_bytes(bytes(page.stat().st_size))
    written = render_report(duckdb_file, report, "v1")
    assert (written.rendered, written.carried_over) == (1, 4)
    assert files(report) == from_scratch


def test_a_missing_page_is_rendered_again(duckdb_file, report, from_scratch):
    (report / "cities" / "2020-dk-aarhus.html").unlink()
    written = render_report(duckdb_file, report, "v1")
    assert (written.rendered, written.carried_over) == (1, 4)
    assert files(report) == from_scratch


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda text: b"", id="empty"),
        pytest.param(lambda text: text[: len(text) // 2], id="truncated"),
        pytest.param(lambda text: b"\xff\xfe" + text, id="not utf-8"),
        pytest.param(lambda text: text.replace(b"cities/", b"../../etc/", 1), id="a page outside the report"),
        pytest.param(lambda text: text.replace(b" ", b"  ", 3), id="malformed line"),
        pytest.param(lambda text: text.replace(b"manifest 1 ", b"manifest 1 0", 1), id="another renderer"),
    ],
)
def test_a_damaged_or_foreign_manifest_is_not_trusted_and_every_page_is_rendered(
    duckdb_file, report, from_scratch, damage
):
    manifest = report / MANIFEST_FILE
    manifest.write_bytes(damage(manifest.read_bytes()))
    written = render_report(duckdb_file, report, "v1")
    assert (written.rendered, written.carried_over) == (5, 0)
    assert files(report) == from_scratch


def test_a_manifest_naming_the_wrong_hash_for_a_page_renders_that_page(duckdb_file, report, from_scratch):
    manifest = report / MANIFEST_FILE
    lines = manifest.read_text(encoding="utf-8").split("\n")
    [line] = [line for line in lines if line.endswith("cities/2020-se-stockholm.html")]
    inputs, _, name = line.split(" ")
    manifest.write_text("\n".join(f"{inputs} {'0' * 64} {name}" if x == line else x for x in lines), encoding="utf-8")
    written = render_report(duckdb_file, report, "v1")
    assert (written.rendered, written.carried_over) == (1, 4)
    assert files(report) == from_scratch


def test_reuse_off_renders_every_page_to_the_same_bytes(duckdb_file, report, from_scratch):
    written = render_report(duckdb_file, report, "v1", reuse=False)
    assert (written.rendered, written.carried_over) == (5, 0)
    assert files(report) == from_scratch


def test_a_large_report_renders_half_its_pages_in_a_second_process_to_the_same_bytes(
    duckdb_file, tmp_path, from_scratch, monkeypatch
):
    monkeypatch.setattr(report_module, "PARALLEL_MIN_PAGES", 2)  # five pages count as a large report here
    monkeypatch.setattr(report_module, "BATCH_PAGES", 2)
    written = render_report(duckdb_file, tmp_path / "report", "v1", reuse=False)
    assert (written.rendered, written.processes) == (5, 2)
    assert files(tmp_path / "report") == from_scratch


def test_a_small_report_is_rendered_in_one_process(from_scratch, duckdb_file, tmp_path):
    written = render_report(duckdb_file, tmp_path / "report", "v1", reuse=False)
    assert (written.rendered, written.processes) == (5, 1)


# --- through the Dagster build: one document changed, one removed ---


def report_metadata(result) -> dict:
    [materialization] = result.asset_materializations_for_node("visual_report")
    return {key: value.value for key, value in materialization.metadata.items()}


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory):
    """A warehouse built with its report, then rebuilt after Aarhus changed its team size and Oslo's 2018
    document was removed: (the report before, the rebuild's report metadata, the warehouse)."""
    raw = write_multi_wave_raw(tmp_path_factory.mktemp("reuse_raw"))
    warehouse = tmp_path_factory.mktemp("reuse_warehouse")
    build_warehouse(raw, warehouse).close()
    before = files(warehouse / "report")
    changed = [dataclasses.replace(AARHUS_2020, staff=60) if spec == AARHUS_2020 else spec for spec in CITIES]
    (raw / OSLO_2018.filename).unlink()
    write_multi_wave_raw(raw, [spec for spec in changed if spec != OSLO_2018])
    from pipeline.runner import run_build

    result = run_build(raw, warehouse, quiet=True)
    assert result.success
    return before, report_metadata(result), warehouse


def test_a_rebuild_renders_the_changed_pages_only(rebuilt):
    before, metadata, warehouse = rebuilt
    assert (metadata["city_pages_rendered"], metadata["city_pages_carried_over"]) == (2, 2)
    after = files(warehouse / "report")
    for page in ("cities/2018-se-stockholm.html", "cities/2020-se-stockholm.html"):
        assert after[page] == before[page], f"{page}: its document did not change"
    assert after["cities/2020-dk-aarhus.html"] != before["cities/2020-dk-aarhus.html"]
    assert b"60 staff" in after["cities/2020-dk-aarhus.html"]
    assert 'href="../cities/2018-no-oslo.html"' not in after["cities/2020-no-oslo.html"].decode()
    assert "cities/2018-no-oslo.html" not in after, "a removed document's page is gone"
    assert after["waves/2020/team-size.svg"] != before["waves/2020/team-size.svg"], "the wave's chart follows"


def test_the_rebuilt_report_is_byte_identical_to_one_written_from_scratch(rebuilt, tmp_path):
    _, _, warehouse = rebuilt
    scratch = tmp_path / "report"
    version = (warehouse / "report" / ".source").read_text(encoding="utf-8").strip()
    render_report(warehouse / "warehouse.duckdb", scratch, version, reuse=False)
    assert files(scratch) == files(warehouse / "report")
    assert not [path for path in os.listdir(warehouse) if path.startswith(".report.")], "no staging left behind"
