"""Unit specifications of the small pure functions in values.py, lines.py and layout.py."""

from __future__ import annotations

import pytest

from pipeline.parse.layout import LEFT, RIGHT, reflow_columns
from pipeline.parse.lines import clean_line, join_wrapped, normalise_characters, split_source_lines, to_lines
from pipeline.parse.values import parse_population, parse_staff, parse_term, restore_case, smart_title


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("974 073 (2019)", (974073, 2019)),
        ("1,234,567", (1234567, None)),
        ("665 000", (665000, None)),
        ("1.2 million", (1200000, None)),
        ("1.2 million (2018)", (1200000, 2018)),
        ("262\u2009219 (2019)", (262219, 2019)),
        ("1,234,567 (2017 estimate)", (1234567, 2017)),
        ("not reported", (None, None)),
    ],
)
def test_population_reads_separators_units_and_an_optional_year(text: str, expected: tuple) -> None:
    assert parse_population(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018–2022", (2018, 2022)),
        ("2016 to 2020", (2016, 2020)),
        ("since 1998", (1998, None)),
        ("2018–", (2018, None)),
    ],
)
def test_term_reads_start_and_optional_end(text: str, expected: tuple) -> None:
    assert parse_term(text) == expected


@pytest.mark.parametrize(
    ("text", "exact", "low", "high"),
    [
        ("9 staff", 9, 9, 9),
        ("a team of two", 2, 2, 2),
        ("8-10 full-time and part-time staff", None, 8, 10),
        ("less than 5 staff", None, None, 4),
        ("more than 100 staff in around 20 teams", None, 101, None),
        ("approximately 40 staff", None, None, None),
    ],
)
def test_staff_count_stores_a_number_only_where_one_is_stated(text: str, exact, low, high) -> None:
    count = parse_staff(text)
    assert (count.exact, count.minimum, count.maximum) == (exact, low, high)


@pytest.mark.parametrize(
    ("upper", "title"),
    [("TEL AVIV-YAFO", "Tel Aviv-Yafo"), ("BE'ER SHEVA", "Be'er Sheva"), ("UMEÅ", "Umeå"),
     ("SAN PEDRO GARZA GARCÍA", "San Pedro Garza García")],
)  # fmt: skip
def test_smart_title_handles_hyphens_apostrophes_and_accents(upper: str, title: str) -> None:
    assert smart_title(upper) == title


def test_restore_case_prefers_the_casing_used_in_the_body() -> None:
    assert restore_case("SEONGNAM", "Seongnam's team") == "Seongnam"
    assert restore_case("MEXICO CITY", "nothing here") == "Mexico City"


def test_normalise_characters_folds_ligatures_spaces_quotes_and_bom() -> None:
    assert normalise_characters("\ufeffproﬁles ﬂow\u00a0“city’s”") == 'profiles flow "city\'s"'


def test_split_source_lines_accepts_crlf_and_cr() -> None:
    assert split_source_lines("a\r\nb\rc\nd") == ["a", "b", "c", "d"]


def test_clean_line_strips_bullets_and_markdown() -> None:
    line = clean_line(3, "- ▶ **Mayor:** Anna")
    assert (line.number, line.text, line.bullet) == (3, "Mayor: Anna", True)
    assert clean_line(1, "## Overview").heading


def test_join_wrapped_rejoins_words_hyphenated_at_line_ends() -> None:
    assert join_wrapped(["a formal innova-", "tion strategy"]) == "a formal innovation strategy"
    assert join_wrapped(["Tel Aviv-", "Yafo"]) == "Tel Aviv- Yafo"


def _columns(left: list[str], right: list[str], gutter: int = 54) -> list[str]:
    return [(a.ljust(gutter) + b).rstrip() for a, b in zip(left, right, strict=True)]


def test_reflow_reads_the_left_column_before_the_right_one_and_keeps_line_numbers() -> None:
    left = [f"left sentence number {i} runs nearly to the gutter" for i in range(5)]
    right = [f"right {i}" for i in range(5)]
    out = [(s.number, s.text, s.column) for s in reflow_columns(_columns(left, right)) if s.text]
    assert out[:5] == [(i + 1, left[i], LEFT) for i in range(5)]
    assert out[5:] == [(i + 1, right[i], RIGHT) for i in range(5)]


def test_reflow_leaves_label_value_tables_alone() -> None:
    table = [f"{label}:{' ' * (30 - len(label))}value" for label in ("Mayor", "Term", "Lead", "Population", "Web")]
    assert [s.text for s in reflow_columns(table)] == table


def test_reflow_leaves_tab_separated_grids_alone() -> None:
    grid = ["Transport\tHousing\tHealth"] * 5
    assert [s.text for s in reflow_columns(grid)] == grid


def test_to_lines_numbers_both_halves_of_a_two_column_line_with_the_source_line() -> None:
    left = [f"left sentence number {i} runs nearly to the gutter" for i in range(4)]
    right = [f"right sentence {i}" for i in range(4)]
    lines = [line for line in to_lines("\n".join(_columns(left, right))) if not line.blank]
    assert sorted({(line.number, line.column) for line in lines}) == [(n, c) for n in range(1, 5) for c in (1, 2)]
