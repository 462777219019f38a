"""The outcomes grid: policy-area cells (tab- or space-separated on a row, or one per line, labels
wrapped over lines re-joined), besides the legend and the note under it."""

from __future__ import annotations

from pipeline.parse.lines import Line, clean_line
from pipeline.parse.lists import group_labels
from pipeline.parse.record import PolicyAreaData, new_object
from pipeline.parse.state import ParseState, Section

_END = clean_line(0, "")
"""A blank line that closes the last block of single cells."""


def read_outcomes(state: ParseState, section: Section) -> None:
    template = state.template
    grid: list[Line] = []
    for line in section.lines:
        if not line.text:
            grid.append(line)
            continue
        role = template.outcomes_role(line.text)
        if role is None:
            grid.append(line)
        else:
            state.attribute([line], role)
    vocabulary = template.outcomes_vocabulary
    cells: list[tuple[str, list[Line]]] = []
    single: list[Line] = []
    for line in [*grid, _END]:
        if len(line.cells) >= 2:
            if single:  # no single lines before this row: nothing to group (most rows follow a row)
                cells.extend(group_labels(state, single, vocabulary, section.name))
                single = []
            cells.extend((cell, [line]) for cell in line.cells)
        else:
            single.append(line)
    cells.extend(group_labels(state, single, vocabulary, section.name))
    areas = state.snapshot.policy_area_data
    append = areas.append
    code_or_other = state.vocab.code_or_other
    position = len(areas)
    for label, used in cells:
        position += 1
        # PolicyAreaData(...) without its __init__, inlined as add_items builds an Item: a grid has a dozen
        area = new_object(PolicyAreaData)
        values = area.__dict__
        values["position"] = position
        values["code"] = code_or_other(vocabulary, label)
        values["label"] = label
        values["data_status"] = "unknown"
        values["source_line"] = used[0][0]
        append(area)
    state.attribute([line for _, used in cells for line in used], "policy_area_data")
