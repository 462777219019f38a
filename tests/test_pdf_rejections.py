"""Bad PDFs are rejected with a reason that says what to do, and none of them raises."""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.lib.pdfencrypt import StandardEncryption

from pipeline.core import Rejection
from pipeline.ingest.documents import read_document
from pipeline.ingest.pdf import PdfExtraction, read_pdf
from pipeline.parse.source import DATA_STATUS_FIELD, parse_source
from schemas.models import REJECTION_REASONS
from tests.pdf_factory import GRID, STATUSES, SnapshotLayout, image_only_pdf, snapshot_pdf, text_pdf


def corrupt_pdf() -> bytes:
    """Header and trailer intact, the objects in between overwritten."""
    good = snapshot_pdf()
    return good[:200] + b"\x00garbage" * 50 + good[-300:]


BAD_PDFS = {
    "encrypted": (lambda: snapshot_pdf(password="secret"), "pdf_encrypted", "password"),
    "scanned": (image_only_pdf, "pdf_needs_ocr", "OCR"),
    "blank": (lambda: text_pdf([]), "pdf_needs_ocr", "no text"),
    "truncated": (lambda: snapshot_pdf()[:3000], "truncated", "cut off"),
    "corrupt": (corrupt_pdf, "pdf_corrupt", "cannot be read"),
    "renamed": (lambda: b"Meeting notes, saved with the wrong extension\n", "pdf_corrupt", "not a PDF"),
}


@pytest.mark.parametrize("name", sorted(BAD_PDFS))
def test_a_bad_pdf_gets_its_specific_rejection(name):
    make, reason, hint = BAD_PDFS[name]
    result = read_pdf(make())
    assert isinstance(result, Rejection)
    assert (result.reason, hint in result.message) == (reason, True)
    assert result.reason in REJECTION_REASONS


def test_a_pdf_that_is_not_a_snapshot_is_rejected_by_the_parser_like_text(tmp_path: Path):
    (tmp_path / "2020").mkdir()
    path = tmp_path / "2020" / "minutes.pdf"
    path.write_bytes(text_pdf(["Minutes of the board meeting", "", "Nothing about a city snapshot here."]))
    parsed = parse_source(read_document(tmp_path, path))
    assert parsed.record is None and parsed.rejection is not None
    assert parsed.rejection.reason == "no_snapshot_header"


def test_a_pdf_with_only_an_owner_password_is_readable():
    restricted = snapshot_pdf(password=StandardEncryption("", ownerPassword="owner", canModify=0))
    result = read_pdf(restricted)
    assert isinstance(result, PdfExtraction)
    assert result.policy_area_statuses == STATUSES


def test_a_pdf_under_a_wave_folder_is_ingested_as_pdf_with_its_statuses(tmp_path: Path):
    (tmp_path / "2020").mkdir()
    path = tmp_path / "2020" / "stockholm.pdf"
    path.write_bytes(snapshot_pdf())
    source = read_document(tmp_path, path)
    assert (source.source_format, source.rejection) == ("pdf", None)
    assert dict(source.policy_area_statuses) == STATUSES
    parsed = parse_source(source)
    assert parsed.record is not None
    assert {a.label: a.data_status for a in parsed.record.policy_area_data} == STATUSES
    assert parsed.layout_fields == (DATA_STATUS_FIELD,)


def test_a_status_is_only_set_for_a_label_the_pdf_coloured(tmp_path: Path):
    """Housing and the whole last row are left white: they stay in the grid, with status unknown."""
    last_row = GRID[-1]
    coloured = {label: status for label, status in STATUSES.items() if label != "Housing" and label not in last_row}
    (tmp_path / "2020").mkdir()
    path = tmp_path / "2020" / "stockholm.pdf"
    path.write_bytes(snapshot_pdf(SnapshotLayout(statuses=coloured)))
    parsed = parse_source(read_document(tmp_path, path))
    assert parsed.record is not None
    statuses = {a.label: a.data_status for a in parsed.record.policy_area_data}
    assert statuses == {label: coloured.get(label, "unknown") for row in GRID for label in row}


def test_a_pdf_without_a_wave_folder_is_rejected_before_it_is_opened(tmp_path: Path):
    path = tmp_path / "stockholm.pdf"
    path.write_bytes(snapshot_pdf())
    source = read_document(tmp_path, path)
    assert source.rejection is not None and source.rejection.reason == "no_wave_folder"
