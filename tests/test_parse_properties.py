"""Property-based specifications: whatever is done to a valid snapshot, the parser answers with a record or
a structured rejection (never an exception), and a record accounts for every non-blank input line."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.parse.document import parse_text
from pipeline.parse.record import ParseResult
from tests.parse_helpers import fixture_names, load_expected, non_blank_line_numbers, read_document

VALID = [read_document(name) for name in fixture_names() if "rejection" not in load_expected(name)]
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

documents = st.sampled_from(VALID)
seeds = st.integers(min_value=0, max_value=2**32 - 1)
noise = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), min_size=1, max_size=80
)


def assert_well_formed(text: str, result: ParseResult) -> None:
    """Exactly one of record / rejection; a record attributes or keeps every non-blank line."""
    assert (result.record is None) != (result.rejection is None)
    if result.rejection is not None:
        assert result.rejection.reason and result.rejection.message
        return
    record = result.record
    assert record is not None
    kept = {line.line_number for line in record.unparsed_lines}
    missing = non_blank_line_numbers(text) - set(record.line_fields) - kept
    assert not missing, f"lines {sorted(missing)} are neither attributed nor kept as unparsed"
    for line in record.unparsed_lines:
        assert line.reason and line.section
    keys = [(line.line_number, line.column) for line in record.unparsed_lines]
    assert len(keys) == len(set(keys)), "two unparsed rows share a line and column (the table's key)"


def blocks(text: str) -> list[str]:
    return [block for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()]


@FAST
@given(documents, seeds)
def test_shuffled_sections_still_parse_or_reject_cleanly(text: str, seed: int) -> None:
    parts = blocks(text)
    head, rest = parts[:1], parts[1:]
    random.Random(seed).shuffle(rest)
    mutated = "\n\n".join(head + rest)
    assert_well_formed(mutated, parse_text(mutated))


@FAST
@given(documents, seeds, st.floats(min_value=0.0, max_value=0.6))
def test_dropped_lines_are_never_fatal(text: str, seed: int, share: float) -> None:
    rng = random.Random(seed)
    mutated = "\n".join(line for line in text.splitlines() if rng.random() >= share)
    assert_well_formed(mutated, parse_text(mutated))


@FAST
@given(documents, st.lists(st.tuples(st.integers(min_value=0, max_value=200), noise), max_size=8))
def test_injected_noise_lines_are_kept_or_attributed(text: str, injections: list[tuple[int, str]]) -> None:
    lines = text.splitlines()
    for position, junk in injections:
        lines.insert(min(position, len(lines)), junk)
    mutated = "\n".join(lines)
    assert_well_formed(mutated, parse_text(mutated))


@FAST
@given(documents, st.integers(min_value=12, max_value=90))
def test_rewrapped_lines_are_accounted_for(text: str, width: int) -> None:
    wrapped: list[str] = []
    for line in text.splitlines():
        while len(line) > width:
            cut = line.rfind(" ", 0, width)
            cut = cut if cut > 0 else width
            wrapped.append(line[:cut])
            line = line[cut:].lstrip()
        wrapped.append(line)
    mutated = "\n".join(wrapped)
    assert_well_formed(mutated, parse_text(mutated))


@FAST
@given(documents, st.lists(st.tuples(st.integers(min_value=0), st.binary(min_size=1, max_size=16)), max_size=6))
def test_random_bytes_decoded_with_replacement_never_crash_the_parser(
    text: str, chunks: list[tuple[int, bytes]]
) -> None:
    data = bytearray(text.encode("utf-8"))
    for position, chunk in chunks:
        at = position % (len(data) + 1)
        data[at:at] = chunk
    mutated = data.decode("utf-8", errors="replace")
    assert_well_formed(mutated, parse_text(mutated))


@FAST
@given(
    documents,
    st.sampled_from(["\r\n", "\r", "\n"]),
    st.booleans(),
    st.sampled_from([" ", "\u00a0", "\u2009", "\t"]),
)
def test_line_ends_bom_and_space_kinds_do_not_change_the_verdict(
    text: str, newline: str, bom: bool, space: str
) -> None:
    mutated = ("\ufeff" if bom else "") + text.replace("\r\n", "\n").replace("\n", newline).replace("  ", space * 2)
    result = parse_text(mutated)
    assert_well_formed(mutated, result)
    assert result.record is not None


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_is_rejected_or_parsed_never_raises(text: str) -> None:
    assert_well_formed(text, parse_text(text))


@FAST
@given(documents, st.integers(min_value=1, max_value=400))
def test_truncated_documents_are_rejected_or_parsed_without_error(text: str, keep_lines: int) -> None:
    mutated = "\n".join(text.splitlines()[:keep_lines])
    assert_well_formed(mutated, parse_text(mutated))
