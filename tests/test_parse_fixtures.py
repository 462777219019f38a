"""Every fixture document parses to exactly the record written by hand in tests/fixtures/expected."""

from __future__ import annotations

import pytest

from tests.parse_helpers import (
    COMPARED_FIELDS,
    SCALAR_FIELDS,
    fixture_names,
    load_expected,
    non_blank_line_numbers,
    parse_fixture,
    read_document,
    record_view,
)

NAMES = fixture_names()
RECORD_NAMES = [name for name in NAMES if "rejection" not in load_expected(name)]
REJECTED_NAMES = [name for name in NAMES if "rejection" in load_expected(name)]


def test_the_corpus_has_at_least_thirty_documents_each_with_an_expectation() -> None:
    assert len(NAMES) >= 30
    for name in NAMES:
        assert load_expected(name) is not None, name


@pytest.mark.parametrize("name", RECORD_NAMES)
def test_expected_file_states_every_scalar_field(name: str) -> None:
    missing = [field for field in COMPARED_FIELDS if field not in load_expected(name)]
    assert not missing, f"{name}.json does not state {missing}"


@pytest.mark.parametrize("name", RECORD_NAMES)
def test_document_parses_to_its_expected_record(name: str) -> None:
    result = parse_fixture(name)
    assert result.rejection is None, f"{name}: rejected: {result.rejection}"
    assert result.record is not None
    actual = record_view(result.record)
    expected = load_expected(name)
    problems = []
    for field in (*SCALAR_FIELDS, "policy_area_data", "benchmark_claims", "unparsed_lines"):
        if actual[field] != expected[field]:
            problems.append(f"  {field}:\n    expected {expected[field]!r}\n    actual   {actual[field]!r}")
    dimensions = sorted(set(actual["items"]) | set(expected["items"]))
    for dimension in dimensions:
        want, got = expected["items"].get(dimension, []), actual["items"].get(dimension, [])
        if want != got:
            problems.append(f"  items[{dimension}]:\n    expected {want!r}\n    actual   {got!r}")
    assert not problems, f"{name}: {len(problems)} field(s) differ\n" + "\n".join(problems)


@pytest.mark.parametrize("name", RECORD_NAMES)
def test_every_non_blank_line_is_attributed_or_kept_as_unparsed(name: str) -> None:
    text = read_document(name)
    record = parse_fixture(name).record
    assert record is not None
    unparsed = {u.line_number for u in record.unparsed_lines}
    unaccounted = non_blank_line_numbers(text) - set(record.line_fields) - unparsed
    assert not unaccounted, f"{name}: lines {sorted(unaccounted)} are neither attributed nor kept"


@pytest.mark.parametrize("name", REJECTED_NAMES)
def test_document_is_rejected_with_its_expected_reason(name: str) -> None:
    result = parse_fixture(name)
    assert result.record is None, f"{name}: expected rejection, got a record"
    assert result.rejection is not None
    assert result.rejection.reason == load_expected(name)["rejection"]
