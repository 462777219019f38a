"""The overview: 'Label: value' lines (mayor, term, innovation lead, population, website); a value
may sit on the line after its label."""

from __future__ import annotations

import re

from pipeline.parse.state import ParseState, Section
from pipeline.parse.values import parse_population, parse_term
from schemas.vocabulary import label_key

_LABEL_LINE = re.compile(r"^(?P<label>[A-Za-z][A-Za-z /()'&.-]{0,60}?)\s*:\s*(?P<value>.*)$")
"""A 'Label: value' line. The reference for label_and_value, which reads the same without the lazy scan."""
_LABEL = re.compile(r"[A-Za-z][A-Za-z /()'&.-]{0,60}")


def label_and_value(text: str) -> tuple[str, str] | None:
    """(label, value) of a 'Label: value' line as _LABEL_LINE's groups give them, else None. No label
    character is a colon or white space other than the space, so a match ends at the first colon and
    its label is the text before it without trailing white space: a fullmatch of that label replaces
    the lazy scan, which tries the colon after every character."""
    colon = text.find(":")
    if colon < 1:
        return None
    label = text[:colon].rstrip()
    if _LABEL.fullmatch(label) is None:
        return None
    return label, text[colon + 1 :].lstrip()


_URL = re.compile(r"https?://[^\s<>]+|www\.[^\s<>]+", re.IGNORECASE)


def read_overview(state: ParseState, section: Section) -> None:
    lines = section.lines
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.text:
            continue
        parts = label_and_value(line.text)
        if parts is None or parts[1].startswith("//"):
            state.unparsed([line], "overview", "overview line without a known 'Label: value' form")
            continue
        label = parts[0].strip()
        field = state.template.overview_keys.get(label_key(label))
        if field is None:
            state.unparsed([line], "overview", f"unknown overview label {label!r}")
            continue
        used = [line]
        value = parts[1].strip()
        if not value:
            while index < len(lines) and (not lines[index].text or not value):
                nxt = lines[index]
                if nxt.text and (label_and_value(nxt.text) is not None and not _URL.search(nxt.text)):
                    break
                index += 1
                if nxt.text:
                    used.append(nxt)
                    value = nxt.text
                    break
        if _read_value(state, field, label, value):
            state.attribute(used, field)
        else:
            state.unparsed(used, "overview", f"{label}: value {value!r} could not be read")


def _read_value(state: ParseState, field: str, label: str, value: str) -> bool:
    record = state.snapshot
    if field == "mayor":
        record.mayor, record.mayor_title = value or None, label
        return bool(value)
    if field == "term":
        record.term_start, record.term_end = parse_term(value)
        return record.term_start is not None
    if field == "innovation_lead":
        if label_key(value) in state.template.no_value:
            return True
        leads = state.template.list_words.lead_separator.split(value)
        record.innovation_leads = [lead.strip() for lead in leads if lead.strip()]
        return True
    if field == "population":
        record.population_text = value
        record.population, record.population_year = parse_population(value)
        return record.population is not None
    if field == "website":
        url = _URL.search(value)
        record.website = url.group(0).rstrip(".,>") if url else value.strip("<> ") or None
        return record.website is not None
    return False
