"""A snapshot PDF reads like its text, and its outcomes grid's colours become data statuses.

The PDFs are generated (tests/pdf_factory.py) with the Stockholm seed's content, laid out like the
published snapshots: running header and footer, two columns, hyphenated line ends, a coloured grid.
"""

from __future__ import annotations

import re

import pytest

from pipeline.ingest.pdf import PdfExtraction, read_pdf
from pipeline.parse.document import parse_text
from tests.parse_helpers import record_view
from tests.pdf_factory import FOOTER, OTHER_PALETTE, STATUSES, TITLE, SnapshotLayout, snapshot_pdf


def extract(layout: SnapshotLayout | None = None) -> PdfExtraction:
    result = read_pdf(snapshot_pdf(layout))
    assert isinstance(result, PdfExtraction), result
    return result


@pytest.fixture(scope="module")
def extraction() -> PdfExtraction:
    return extract()


def test_the_record_from_the_pdf_equals_the_record_from_the_text_except_statuses(extraction, stockholm_text):
    from_text = parse_text(stockholm_text).record
    from_pdf = parse_text(extraction.text).record
    assert from_text is not None and from_pdf is not None
    text_view, pdf_view = record_view(from_text), record_view(from_pdf)
    text_view["policy_area_data"] = [[code, label] for code, label, _ in text_view.pop("policy_area_data")]
    pdf_view["policy_area_data"] = [[code, label] for code, label, _ in pdf_view.pop("policy_area_data")]
    assert pdf_view == text_view
    assert from_pdf.unparsed_lines == []


def test_every_policy_area_gets_the_status_of_its_cell_colour(extraction):
    assert extraction.policy_area_statuses == STATUSES
    assert len(extraction.policy_area_statuses) == 15
    assert set(extraction.policy_area_statuses.values()) == {"sufficient", "insufficient", "no_response"}


def test_colours_are_learned_from_the_legend_not_hard_coded():
    assert extract(SnapshotLayout(palette=OTHER_PALETTE)).policy_area_statuses == STATUSES


def test_a_legend_whose_phrases_are_printed_in_the_colours_works_like_swatches():
    assert extract(SnapshotLayout(legend="text")).policy_area_statuses == STATUSES


def test_grey_named_in_the_note_without_a_swatch_still_means_no_response():
    assert extract(SnapshotLayout(grey_swatch=False)).policy_area_statuses == STATUSES
    assert extract(SnapshotLayout(grey_swatch=False, palette=OTHER_PALETTE)).policy_area_statuses == STATUSES


def test_without_a_colour_key_no_status_is_guessed():
    result = extract(SnapshotLayout(legend="none"))
    assert result.policy_area_statuses == {}
    assert "Housing\tPolicing and Law Enforcement" in result.text


def test_a_cell_left_white_gets_no_status_but_keeps_its_place_in_the_grid():
    statuses = {label: status for label, status in STATUSES.items() if label != "Housing"}
    result = extract(SnapshotLayout(statuses=statuses))
    assert result.policy_area_statuses == statuses
    assert "Transport / Mobility\tEconomic Development\tHousing\tPolicing and Law Enforcement\tHealth" in result.text


def test_the_grid_comes_out_as_rows_of_tab_separated_cells(extraction):
    rows = [line.split("\t") for line in extraction.text.splitlines() if "\t" in line]
    assert [len(row) for row in rows] == [5, 5, 5]
    assert rows[0][3] == "Policing and Law Enforcement"  # hyphenated inside its cell, re-joined


def test_columns_are_read_left_column_first(extraction):
    text = extraction.text
    order = [
        "Overview",
        "Spotlight | Digital Demo Stockholm",
        "What is the city's innovation vision?",
        "What innovation partnerships exist?",
        "What funding is available?",
        "How is innovation helping the city?",
        "How is data used?",
        "How are outcomes measured?",
    ]
    positions = [text.index(f"\n{heading}\n") for heading in order]
    assert positions == sorted(positions)


def test_each_paragraph_and_bullet_is_one_line_with_words_split_over_lines_rejoined(extraction):
    lines = extraction.text.splitlines()
    assert "Like 50% of cities surveyed, Stockholm has a formal innovation strategy." in lines
    url = "https://start.stockholm/om-stockholms-stad/sa-arbetar-staden/innovation"
    assert f"• Innovation / open data website: {url}" in lines
    assert "• Project Manager" in lines and "• Data Scientist" in lines
    assert "Digital Governance" in lines
    assert not [line for line in lines if re.search(r"[a-z]-$", line)]


def test_the_repeated_header_is_kept_once_as_the_title_and_the_footer_is_dropped(extraction):
    assert extraction.text.count(TITLE) == 1
    assert extraction.text.lstrip().startswith(TITLE)
    assert FOOTER.split(" | ")[0] not in extraction.text
    assert extraction.page_count == 2
