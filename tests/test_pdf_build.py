"""A generated snapshot PDF dropped into raw/2020/ builds into the warehouse through Dagster,
with its policy-area statuses from the grid's colours; bad PDFs next to it are rejected, not skipped."""

from __future__ import annotations

import pytest

from tests.conftest import build_warehouse
from tests.pdf_factory import STATUSES, image_only_pdf, snapshot_pdf, text_pdf

BAD = {
    "encrypted.pdf": ("pdf_encrypted", lambda: snapshot_pdf(password="secret")),
    "scanned.pdf": ("pdf_needs_ocr", image_only_pdf),
    "cut_off.pdf": ("truncated", lambda: snapshot_pdf()[:3000]),
    "renamed.pdf": ("pdf_corrupt", lambda: b"not a pdf at all\n"),
    "minutes.pdf": ("no_snapshot_header", lambda: text_pdf(["Minutes of the board meeting"])),
}


@pytest.fixture(scope="module")
def pdf_build(tmp_path_factory: pytest.TempPathFactory):
    raw = tmp_path_factory.mktemp("raw")
    wave = raw / "2020"
    wave.mkdir()
    (wave / "stockholm.pdf").write_bytes(snapshot_pdf())
    for name, (_, make) in BAD.items():
        (wave / name).write_bytes(make())
    connection = build_warehouse(raw, tmp_path_factory.mktemp("warehouse"))
    yield connection
    connection.close()


def test_the_pdf_snapshot_loads_with_its_15_statuses_from_the_colours(pdf_build):
    rows = pdf_build.execute(
        "SELECT label, data_status FROM policy_area_data WHERE snapshot_id = '2020-se-stockholm' ORDER BY position"
    ).fetchall()
    assert len(rows) == 15
    assert dict(rows) == STATUSES


def test_documents_record_the_pdf_source_format(pdf_build):
    rows = pdf_build.execute("SELECT path, source_format, status FROM documents ORDER BY path").fetchall()
    assert ("2020/stockholm.pdf", "pdf", "loaded") in rows
    assert {fmt for _, fmt, _ in rows} == {"pdf"}


def test_the_parse_report_names_the_fields_read_from_the_layout(pdf_build):
    [(layout_fields, unparsed)] = pdf_build.execute(
        "SELECT layout_fields, unparsed_line_count FROM parse_reports WHERE path = '2020/stockholm.pdf'"
    ).fetchall()
    assert (layout_fields, unparsed) == ("policy_area_data.data_status", 0)


def test_the_snapshot_facts_match_the_text_seed(pdf_build):
    row = pdf_build.execute(
        "SELECT city, country_code, population, term_start, term_end, team_staff, approach, website FROM snapshots"
    ).fetchone()
    assert row == (
        "Stockholm", "SE", 974073, 2018, 2022, 9, "both",
        "https://start.stockholm/om-stockholms-stad/sa-arbetar-staden/innovation",
    )  # fmt: skip


def test_every_bad_pdf_is_listed_with_its_reason_and_none_is_skipped(pdf_build):
    rejected = dict(pdf_build.execute("SELECT path, reason FROM rejected_documents").fetchall())
    assert rejected == {f"2020/{name}": reason for name, (reason, _) in BAD.items()}
    [(documents,)] = pdf_build.execute("SELECT count(*) FROM documents").fetchall()
    assert documents == len(BAD) + 1


def test_the_aggregate_counts_cities_per_status(pdf_build):
    rows = pdf_build.execute(
        "SELECT data_status, sum(cities) FROM agg_policy_area_data GROUP BY data_status ORDER BY data_status"
    ).fetchall()
    assert rows == [("insufficient", 5), ("no_response", 5), ("sufficient", 5)]


def test_a_text_snapshot_still_has_unknown_statuses_and_no_layout_fields(messy_build):
    connection, _ = messy_build
    assert connection.execute("SELECT DISTINCT data_status FROM policy_area_data").fetchall() == [("unknown",)]
    assert connection.execute("SELECT DISTINCT layout_fields FROM parse_reports").fetchall() == [("",)]


def test_pdf_factory_is_deterministic():
    assert snapshot_pdf() == snapshot_pdf()
