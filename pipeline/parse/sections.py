"""Cut a document into sections at the template's headings; page headers and footers a PDF repeats
on every page are attributed on the way and belong to no section."""

from __future__ import annotations

from pipeline.parse.state import ParseState, Section


def split_sections(state: ParseState) -> list[Section]:
    sections: list[Section] = []
    current = Section("preamble", None, None, [])
    roles = state.template.roles
    for line in state.lines:
        if not line.text:
            current.lines.append(line)
            continue
        if line.number <= state.header_end and (line.number, line.column) in state.attributed:  # the title
            continue
        title, furniture, heading = roles(line.text)
        if title is not None and title == state.header_key:
            state.attribute([line], "page_header")
            continue
        if furniture:
            state.attribute([line], "page_footer")
            continue
        if heading:
            sections.append(current)
            current = Section(heading[0], line, heading[1], [])
        else:
            current.lines.append(line)
    sections.append(current)
    return [s for s in sections if s.heading is not None or any(x.text for x in s.lines)]
