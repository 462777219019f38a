"""Cut a document into sections at the template's headings; page headers and footers a PDF repeats
on every page are attributed on the way and belong to no section."""

from __future__ import annotations

from pipeline.parse.state import ParseState, Section, new_section
from pipeline.parse.template import NO_ROLE


def split_sections(state: ParseState) -> list[Section]:
    sections: list[Section] = []
    current = new_section("preamble", None, None, [])
    content = current.lines
    roles = state.template.roles
    known = state.template.known_roles
    header_end = state.header_end
    for line in state.lines:
        text = line[2]  # line.text: the lines are many, a tuple index is cheaper than the named field
        if not text:
            content.append(line)
            continue
        if line[0] <= header_end and state.is_attributed(line):  # the title
            continue
        found = known.get(text) or roles(text)
        if found == NO_ROLE:  # equality, not identity: compiled code boxes the tuple anew
            content.append(line)
            continue
        title, furniture, heading = found
        if title is not None and title == state.header_key:
            state.attribute([line], "page_header")
            continue
        if furniture:
            state.attribute([line], "page_footer")
            continue
        if heading:
            sections.append(current)
            current = new_section(heading[0], line, heading[1], [])
            content = current.lines
        else:
            content.append(line)
    sections.append(current)
    return [s for s in sections if s.heading is not None or any(x.text for x in s.lines)]
