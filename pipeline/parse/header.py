"""The title line: 'City Innovation Snapshot STOCKHOLM, Sweden' names the city, region and country."""

from __future__ import annotations

import re
from itertools import islice
from operator import itemgetter

from pipeline.core import Rejection
from pipeline.parse.record import SnapshotRecord
from pipeline.parse.state import ParseState
from pipeline.parse.values import restore_case_in_lines, split_top_level
from schemas.countries import country_code
from schemas.vocabulary import label_key

HEADER_SEARCH_LINES = 40
"""The title line must appear among the first non-blank lines; later it is only a page header."""
_TEXT = itemgetter(2)
"""A line's clean text (Line.text), fetched in C."""
_PLACE_IN_BRACKETS = re.compile(r"^(.+?)\s*(?:\((.+)\)|[-–|]\s+(.+))$")


def find_header(state: ParseState) -> int | Rejection:
    """Create the record from the title line and return its line number, or say why there is none."""
    # the title and the line after it are among the first HEADER_SEARCH_LINES + 1 non-blank lines, read
    # lazily (filtered in C): the title is usually the first of them
    non_blank = islice(filter(_TEXT, state.lines), HEADER_SEARCH_LINES + 1)
    for line in islice(non_blank, HEADER_SEARCH_LINES):
        place = state.template.header_place(line.text)
        if place is None:
            continue
        used = [line]
        following = next(non_blank, None) if not place else None
        if following is not None:
            used.append(following)
            place = following.text
        parts = [p.strip() for p in split_top_level(place, ",")]
        if len(parts) == 1:
            match = _PLACE_IN_BRACKETS.match(place)
            if match:
                parts = [match.group(1), match.group(2) or match.group(3)]
        if len(parts) < 2 or not parts[0]:
            return Rejection(
                "no_country_in_header",
                f"title line {place!r} does not name '<CITY>, <Country>'",
                line.number,
            )
        texts = list(map(_TEXT, state.lines))
        city = restore_case_in_lines(parts[0], texts)
        country = restore_case_in_lines(parts[-1], texts)
        region = ", ".join(parts[1:-1]) or None
        state.record = SnapshotRecord(
            city=city,
            country=country,
            region=restore_case_in_lines(region, texts) if region else None,
            country_code=country_code(country),
        )
        state.attribute(used, "header")
        state.header_key = label_key(line.text)
        state.header_end = used[-1].number
        return line.number
    return Rejection(
        "no_snapshot_header",
        f"no '{state.template.examples[0]} <CITY>, <Country>' title line among the first "
        f"{HEADER_SEARCH_LINES} non-blank lines: not a snapshot document",
        None,
    )
