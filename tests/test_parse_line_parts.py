"""Every part of a line is accounted for: the two halves of a two-column line are kept apart (and
both load), and text after a list's intro phrase on the same line is read, not dropped."""

from __future__ import annotations

from pipeline.core import Document
from pipeline.normalize.tables import build_tables
from pipeline.parse.document import parse_text
from pipeline.parse.source import ParsedDocument
from pipeline.validate.validation import validate_tables
from tests.parse_helpers import read_document


def test_both_halves_of_an_unread_two_column_line_are_kept_with_their_column() -> None:
    record = parse_text(read_document("stockholm_two_column_unparsed")).record
    assert record is not None
    kept = [(u.line_number, u.column) for u in record.unparsed_lines]
    assert kept == [(n, 1) for n in range(93, 99)] + [(n, 2) for n in range(93, 99)]
    left, right = record.unparsed_lines[0], record.unparsed_lines[6]
    assert left.text == "Notes from the city's workshop series"
    assert right.text == "Minutes kept by the innovation office"


def test_a_document_with_unread_two_column_lines_loads_and_its_unparsed_rows_name_the_column() -> None:
    text = read_document("stockholm_two_column_unparsed")
    result = parse_text(text)
    source = Document("c" * 64, "2020/stockholm.txt", 2020, len(text), "text", text, None)
    cleaned, failures = validate_tables(build_tables([ParsedDocument(source, result.record, result.rejection)]))
    assert failures == []
    assert list(cleaned["documents"]["status"]) == ["loaded"]
    unparsed = cleaned["unparsed_lines"]
    assert sorted(zip(unparsed["line_number"], unparsed["column"], strict=True)) == sorted(
        [(n, 1) for n in range(93, 99)] + [(n, 2) for n in range(93, 99)]
    )


def test_items_after_a_list_intro_on_the_same_line_are_read(stockholm_text: str) -> None:
    intro = "Staff skills and profiles include:"
    text = stockholm_text.replace(intro, f"{intro} Astronaut; Chef")
    record = parse_text(text).record
    assert record is not None
    skills = [(item.code, item.label) for item in record.items_of("staff_skills")]
    assert skills[:2] == [("other", "Astronaut"), ("other", "Chef")]
    assert len(skills) == 10
    line = next(n for n, line in enumerate(text.splitlines(), start=1) if "Astronaut" in line)
    assert "staff_skills" in record.line_fields[line].split(",")
    assert [u.line_number for u in record.unparsed_lines] == []


def test_text_after_an_intro_that_reads_as_no_item_is_kept_as_unparsed(stockholm_text: str) -> None:
    intro = "Staff skills and profiles include:"
    text = stockholm_text.replace(intro, f"{intro} (see the annex on page 4 for the full list of roles and profiles).")
    record = parse_text(text).record
    assert record is not None
    line = next(n for n, line in enumerate(text.splitlines(), start=1) if "annex" in line)
    [kept] = record.unparsed_lines
    assert (kept.line_number, kept.text) == (line, "(see the annex on page 4 for the full list of roles and profiles).")
    assert "staff_skills:intro" in record.line_fields[line].split(",")
    assert len(record.items_of("staff_skills")) == 8


def test_a_free_text_answer_before_a_known_option_joined_by_and_is_its_own_item(stockholm_text: str) -> None:
    text = stockholm_text.replace(
        "a culture of innovation within the municipal administration and leadership from the Mayor",
        "strong civic pride and leadership from the Mayor",
    )
    record = parse_text(text).record
    assert record is not None
    factors = [(item.code, item.label) for item in record.items_of("success_factors")]
    assert factors[-2:] == [("other", "strong civic pride"), ("leadership_from_mayor", "leadership from the Mayor")]


PUNCTUATION_LINES = ['"', "'", "-", "*", "•", "|", ".", ";", "…", '""', "- .", '* "', '"   "']
"""Lines of punctuation alone (a stray quote or bullet a PDF extractor leaves on its own line)."""


def _after_each_heading(text: str, junk: str) -> list[tuple[str, int]]:
    """The document with ``junk`` on its own line after each heading or list intro, and that line's number."""
    lines = text.splitlines()
    variants = []
    for index, line in enumerate(lines):
        if line.endswith(("?", ":")):
            mutated = [*lines[: index + 1], junk, *lines[index + 1 :]]
            variants.append(("\n".join(mutated), index + 2))
    return variants


def test_a_quote_alone_after_the_outcomes_heading_is_kept_as_unparsed(stockholm_text: str) -> None:
    # found by hypothesis (test_injected_noise_lines_are_kept_or_attributed): the grid read the line as a
    # cell, stripped its quote away and dropped the line with the empty label
    heading = "How are outcomes measured?"
    text = stockholm_text.replace(heading, f'{heading}\n"')
    record = parse_text(text).record
    assert record is not None
    line = text.splitlines().index('"') + 1
    [kept] = [u for u in record.unparsed_lines if u.line_number == line]
    assert (kept.text, kept.section) == ('"', "outcomes")
    assert [p.label for p in record.policy_area_data] == [
        p.label for p in (parse_text(stockholm_text).record or record).policy_area_data
    ]


def test_punctuation_alone_on_a_line_in_any_section_is_kept_or_attributed(stockholm_text: str) -> None:
    lost = []
    for junk in PUNCTUATION_LINES:
        for text, line in _after_each_heading(stockholm_text, junk):
            record = parse_text(text).record
            assert record is not None
            kept = {u.line_number for u in record.unparsed_lines}
            if line not in kept and line not in record.line_fields:
                lost.append((junk, text.splitlines()[line - 2]))
    assert lost == []
