"""Undo the page layout of ``pdftotext -layout``: re-flow two side-by-side columns into reading order.

With ``-layout`` a two-column page comes out as lines holding a left-column fragment, a gutter of
spaces and a right-column fragment. Read line by line, sentences of the two columns interleave.
A gutter is recognised as a run of 3+ spaces that ends at (almost) the same character offset on
many lines of a block; that block is re-flowed as the whole left column, then the whole right
column. Every fragment keeps the number of the source line it came from (provenance), plus a
column number so that two fragments of one source line stay distinguishable.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import filterfalse
from typing import NamedTuple

FULL_WIDTH, LEFT, RIGHT = 0, 1, 2
MIN_GUTTER_OFFSET = 25
"""A right column starting further left than this is a 'Label:   value' table, not a page column."""
MIN_SPLIT_LINES = 4
"""How many lines must show the same gutter before a block is treated as two columns."""
TOLERANCE = 2
"""pdftotext may shift a right-column fragment by a character or two (bullets, indentation)."""
MIN_LEFT_FILL = 0.55
"""Left fragments of prose columns run close to the gutter; short labels before a gap do not."""

_SPACE = "[ \u00a0\u2000-\u200a\u202f\u205f\u3000]"
_GAP = re.compile(rf"{_SPACE}{{3,}}(?=[^\s\u00a0\u2000-\u200a\u202f\u205f\u3000])")
_LEADING = re.compile(rf"^{_SPACE}*")


class SourceLine(NamedTuple):
    """A line (or one column's fragment of a line) in reading order, with its source line number."""

    number: int
    text: str
    column: int = FULL_WIDTH


def _gap_ends(text: str) -> list[int]:
    """Offsets where text resumes after an internal run of 3+ spaces (indentation excluded)."""
    indent = _LEADING.match(text).end()  # type: ignore[union-attr]
    return [match.end() for match in _GAP.finditer(text, indent) if match.start() > indent]


_WIDE_SPACES = frozenset("\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000")


def may_have_columns(text: str) -> bool:
    """False when no line of ``text`` has a gap (three spaces or a wide space): nothing to re-flow."""
    if "   " in text:
        return True
    # one substring search per wide space: several times faster than a character-class scan
    return not text.isascii() and any(space in text for space in _WIDE_SPACES)


def lines_may_have_columns(text: str, lines: list[str]) -> bool:
    """may_have_columns(text) for ``text`` split into ``lines``: the wide spaces are looked for in the
    lines beyond ASCII only (a few per document; str.isascii reads a flag), not all over a text that
    one bullet or dash puts beyond ASCII."""
    if "   " in text:
        return True
    if text.isascii():
        return False
    beyond = "".join(filterfalse(str.isascii, lines))
    return any(space in beyond for space in _WIDE_SPACES)


def _may_have_gap(text: str) -> bool:
    """A cheap test first: a line without three spaces in a row or any wide space has no gap."""
    return "   " in text or not (text.isascii() or _WIDE_SPACES.isdisjoint(text))


def _indent(text: str) -> int:
    return _LEADING.match(text).end()  # type: ignore[union-attr]


def _fits(text: str, gutter: int) -> str | None:
    """How a line relates to a gutter: 'split', 'right', 'left', 'blank', or None (breaks the block)."""
    if not text.strip():
        return "blank"
    if "\t" in text:
        return None
    if any(abs(end - gutter) <= TOLERANCE for end in _gap_ends(text)):
        return "split"
    if abs(_indent(text) - gutter) <= TOLERANCE:
        return "right"
    if len(text.rstrip()) < gutter - 1 and not _gap_ends(text):
        return "left"
    return None


def _split_at(text: str, gutter: int) -> tuple[str, str]:
    ends = [end for end in _gap_ends(text) if abs(end - gutter) <= TOLERANCE]
    cut = ends[0]
    return text[:cut].rstrip(), text[cut:].strip()


def _candidate_gutters(raw: list[str]) -> list[int]:
    """Gutter offsets shared by enough single-gap lines whose left fragments look like prose."""
    ends: Counter[int] = Counter()
    fills: dict[int, list[int]] = {}
    for text in raw:
        if "\t" in text or not _may_have_gap(text):
            continue
        gaps = _gap_ends(text)
        if len(gaps) == 1 and gaps[0] >= MIN_GUTTER_OFFSET:
            ends[gaps[0]] += 1
            fills.setdefault(gaps[0], []).append(len(text[: gaps[0]].rstrip()))
    gutters: list[int] = []
    for offset, _ in ends.most_common():
        if any(abs(offset - g) <= TOLERANCE for g in gutters):
            continue
        near = [o for o in ends if abs(o - offset) <= TOLERANCE]
        support = sum(ends[o] for o in near)
        lengths = sorted(length for o in near for length in fills[o])
        median = lengths[len(lengths) // 2]
        if support >= MIN_SPLIT_LINES and median >= MIN_LEFT_FILL * offset:
            gutters.append(offset)
    return gutters


def _blocks(raw: list[str], gutter: int, taken: set[int]) -> list[tuple[int, int]]:
    """Index ranges [start, end) of blocks laid out in two columns around ``gutter``."""
    blocks: list[tuple[int, int]] = []
    index = 0
    while index < len(raw):
        if index in taken or _fits(raw[index], gutter) not in ("split", "right"):
            index += 1
            continue
        start = end = index
        splits = 0
        probe = index
        while probe < len(raw) and probe not in taken and _fits(raw[probe], gutter) is not None:
            kind = _fits(raw[probe], gutter)
            if kind in ("split", "right"):
                end = probe + 1
                splits += kind == "split"
            probe += 1
        if splits >= MIN_SPLIT_LINES:
            blocks.append((start, end))
        index = max(end, index + 1)
    return blocks


def reflow_columns(raw: list[str]) -> list[SourceLine]:
    """Source lines in reading order: two-column blocks become left column, then right column.

    Lines outside such blocks are returned unchanged; a document without columns comes back as is.
    """
    gutters = _candidate_gutters(raw)
    if not gutters:
        return [SourceLine(index, text) for index, text in enumerate(raw, start=1)]
    taken: set[int] = set()
    blocks: dict[int, tuple[int, int, int]] = {}
    for gutter in gutters:
        for start, end in _blocks(raw, gutter, taken):
            blocks[start] = (end, gutter, start)
            taken.update(range(start, end))
    out: list[SourceLine] = []
    index = 0
    while index < len(raw):
        if index not in blocks:
            out.append(SourceLine(index + 1, raw[index]))
            index += 1
            continue
        end, gutter, _ = blocks[index]
        left: list[SourceLine] = []
        right: list[SourceLine] = []
        for position in range(index, end):
            text = raw[position]
            kind = _fits(text, gutter)
            if kind == "split":
                left_text, right_text = _split_at(text, gutter)
            elif kind == "right":
                left_text, right_text = "", text.strip()
            else:
                left_text, right_text = text.rstrip(), ""
            left.append(SourceLine(position + 1, left_text, LEFT))
            right.append(SourceLine(position + 1, right_text, RIGHT))
        out.extend(left)
        out.append(SourceLine(end, "", RIGHT))  # a paragraph break between the two columns
        out.extend(right)
        index = end
    return out
