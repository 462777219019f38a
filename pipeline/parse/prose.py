"""Prose sections: paragraphs stating facts, benchmark claims, the team and the approach, lists in a
sentence, and the lists that follow an intro (read by :mod:`pipeline.parse.lists`); and the spotlight."""

from __future__ import annotations

from pipeline.parse.claims import approach_code, read_claims
from pipeline.parse.lines import Line, join_wrapped
from pipeline.parse.lists import collect_items, inline_items, looks_like_item, read_prose_list, starts_prose
from pipeline.parse.state import ParseState, Section
from pipeline.parse.template import fold
from pipeline.parse.values import parse_staff
from schemas.vocabulary import OTHER

TRUNCATION_WORDS = 6
"""A paragraph this long is a sentence: a document that ends inside it was cut off."""


def read_body(state: ParseState, section: Section) -> None:
    # Lines are read by tuple index (2: text, 3: bullet): a section's lines are many, and a tuple index
    # is cheaper than the named field.
    lines = section.lines
    name = section.name
    count = len(lines)
    list_intro = state.template.list_intro
    pending = state.template.section_lists.get(name)
    bare_intro: list[Line] | None = None
    """An introducing sentence that states nothing else: attributed only once items follow it."""
    index = 0
    while index < count:
        line = lines[index]
        text = line[2]
        if not text:
            index += 1
            continue
        if pending and (line[3] or looks_like_item(state, line)) and not starts_prose(lines, index):
            if bare_intro is not None:
                state.attribute(bare_intro, f"{pending}:intro")
                bare_intro = None
            index = collect_items(state, lines, index, pending, name)
            pending = None
            continue
        if bare_intro is not None:
            _flag_empty_intro(state, bare_intro, name)
            bare_intro = None
        paragraph = [line]
        index += 1
        while not text.endswith(":") and index < count:
            following = lines[index]
            if not following[2] or following[3]:
                break
            line = following
            text = line[2]
            paragraph.append(line)
            index += 1
        if len(paragraph) > 1:
            text = join_wrapped([x[2] for x in paragraph])
        fields = read_paragraph(state, name, text, paragraph[0][0])
        intro = list_intro(text)
        pending = intro
        if intro:
            fields.extend(inline_items(state, intro, paragraph, text, name))
            if fields:
                fields.append(f"{intro}:intro")
            else:
                bare_intro = paragraph
        if fields:
            state.attribute(paragraph, fields[0] if len(fields) == 1 else ",".join(dict.fromkeys(fields)))
        elif not intro:
            state.unparsed(paragraph, name, f"sentence not recognised in section {name}")
        if not line[3] and text.count(" ") + 1 >= TRUNCATION_WORDS:
            state.last_prose = (line, text)
    _flag_empty_intro(state, bare_intro, name)


def _flag_empty_intro(state: ParseState, paragraph: list[Line] | None, section: str) -> None:
    """A list heading with nothing under it answers nothing: keep it flagged, set no fact."""
    if paragraph is not None:
        state.unparsed(paragraph, section, "list introduction with no items under it")


def read_paragraph(state: ParseState, section: str, text: str, line_number: int) -> list[str]:
    """Read every fact, list and benchmark claim a paragraph states; return the fields found.

    Each reader's literal needles are checked inline on the folded text before any call or pattern
    runs: most paragraphs state one or two of the many things a section may state."""
    template = state.template
    record = state.snapshot
    fields: list[str] = []
    folded = fold(text)
    claims_needle = template.benchmark.needle
    if (folded is None or claims_needle is None or claims_needle in folded) and read_claims(
        state, text, line_number, folded
    ):
        fields.append("benchmark_claims")
    facts, lists = template.readers_of(section)
    values = record.__dict__  # the fields by name: a dict lookup per fact, not a getattr call
    for fact in facts:
        if values[fact.name] is not None:
            continue
        needles = fact.needles
        if folded is not None and needles is not None:
            # Fact.may_be_in inlined: most paragraphs state few of the facts, and calls add up
            for needle in needles:
                if needle in folded:
                    break
            else:
                continue
        value = fact.read(text, folded)
        if value is not None:
            setattr(record, fact.name, value)
            fields.append(fact.name)
    for dimension, patterns in lists:
        for pattern in patterns:
            list_needle = pattern.needle
            if folded is not None and list_needle is not None and list_needle not in folded:
                continue  # Prepared.group's first check, inlined
            items = pattern.group(text, folded, "items")
            if items is not None:
                read_prose_list(state, dimension, items, line_number)
                fields.append(dimension)
                break
    if section in template.team_sections:
        fields.extend(_team(state, text, folded))
    if section in template.approach_sections and record.approach is None:
        phrase = template.approach_sentence.group(text, folded, "approach")
        if phrase is not None:
            record.approach_text = phrase
            record.approach = approach_code(state, phrase) or OTHER
            fields.append("approach")
    return fields


def _team(state: ParseState, text: str, folded: str | None) -> list[str]:
    record = state.snapshot
    fields = []
    for pattern in state.template.team_location if record.team_location is None else ():
        location = pattern.group(text, folded, "location")
        if location is not None:
            record.team_location = location.strip()
            fields.append("team_location")
            break
    for pattern in state.template.team_staff if record.team_staff_text is None else ():
        staff = pattern.group(text, folded, "staff")
        if staff is not None:
            staff_text = staff.strip()
            count = parse_staff(staff_text)
            record.team_staff_text = staff_text
            record.team_staff = count.exact
            record.team_staff_min = count.minimum
            record.team_staff_max = count.maximum
            fields.append("team_staff")
            break
    return fields


def read_spotlight(state: ParseState, section: Section) -> None:
    record = state.snapshot
    content = [line for line in section.lines if line.text]
    title = section.title
    if title is None and content:
        title = content[0].text
        state.attribute([content[0]], "spotlight_title")
        content = content[1:]
    record.spotlight_title = title
    paragraphs: list[list[str]] = [[]]
    for line in section.lines:
        if not line.text:
            paragraphs.append([])
        elif line in content:
            paragraphs[-1].append(line.text)
    text = "\n\n".join(join_wrapped(p) for p in paragraphs if p)
    record.spotlight_text = text or None
    state.attribute(content, "spotlight_text")
    if content:
        state.last_prose = (content[-1], text)
