"""Parse the text of one City Innovation Snapshot into a :class:`SnapshotRecord`.

The parser is plain Python (no Dagster), driven by two data files: the template
(``schemas/snapshot_template.yaml``: headings, labels, sentence patterns, and which reader takes each
section) and the vocabularies (``schemas/vocabularies``). Every non-blank line ends up either attributed
to a field (``record.line_fields``) or in ``record.unparsed_lines`` with its number, column, section and
a reason.

This module only orchestrates; each part of a snapshot has its reader, all sharing one
:class:`~pipeline.parse.state.ParseState`: :mod:`.header`, :mod:`.sections`, :mod:`.overview`,
:mod:`.prose` (facts, team, approach, spotlight), :mod:`.lists`, :mod:`.claims`, :mod:`.outcomes`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pipeline.core import Rejection
from pipeline.parse.header import find_header
from pipeline.parse.lines import to_lines
from pipeline.parse.outcomes import read_outcomes
from pipeline.parse.overview import read_overview
from pipeline.parse.prose import read_body, read_spotlight
from pipeline.parse.record import ParseResult
from pipeline.parse.sections import split_sections
from pipeline.parse.state import ParseState, Section
from pipeline.parse.template import Template, load_template
from schemas.vocabulary import Vocabulary, load_vocabulary

__all__ = ["HANDLERS", "Section", "parse_text"]

HANDLERS: dict[str, Callable[[ParseState, Section], None]] = {
    "overview": read_overview,
    "spotlight": read_spotlight,
    "outcomes_grid": read_outcomes,
    "prose": read_body,
}
"""The readers the template's ``section_handlers`` may name."""
_SENTENCE_END = re.compile(r"[.!?:;\"')\]]$")


def parse_text(
    text: str,
    vocabulary: Vocabulary | None = None,
    template: Template | None = None,
) -> ParseResult:
    """Parse decoded document text. Returns a record, or a rejection with a specific reason."""
    state = ParseState(to_lines(text), template or load_template(), vocabulary or load_vocabulary())
    header = find_header(state)
    if isinstance(header, Rejection):
        return ParseResult(None, header)
    sections = split_sections(state)
    body_sections = [s.name for s in sections if s.name != "preamble"]
    if not body_sections:
        return ParseResult(
            None,
            Rejection(
                "no_sections",
                "the title line is present but no snapshot section heading follows "
                f"({state.template.examples[1]}, ...)",
                header,
            ),
        )
    record = state.snapshot
    record.sections_found = body_sections
    for section in sections:
        if section.heading is not None:
            state.attribute([section.heading], f"heading:{section.name}")
        HANDLERS[state.template.handler_of(section.name)](state, section)
    truncated = _truncation(state)
    if truncated:
        return ParseResult(None, truncated)
    return ParseResult(record, None)


def _truncation(state: ParseState) -> Rejection | None:
    """A document cut off mid-sentence would yield half a list: reject it instead."""
    last = next((line for line in reversed(state.lines) if line.text), None)
    if last is None or state.last_prose is None or state.last_prose[0] is not last:
        return None
    if _SENTENCE_END.search(state.last_prose[1]):
        return None
    return Rejection(
        "truncated",
        f"document ends mid-sentence at line {last.number} ({last.text[-60:]!r}): the file looks cut off",
        last.number,
    )
