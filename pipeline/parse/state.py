"""What the readers of one document share: its lines, the template and vocabulary, the record being
filled, and which (line, column) pairs a field has already taken.

Each part of a snapshot (header, sections, overview, lists, claims, outcome grid, prose) is read by
its own module; they all work on one :class:`ParseState`, so the bookkeeping that keeps every line
either attributed or kept as unparsed lives here, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.parse.lines import Line
from pipeline.parse.record import Item, SnapshotRecord, UnparsedLine, new_object
from pipeline.parse.template import Template
from schemas.vocabulary import OTHER, Vocabulary

_MISSING = object()


@dataclass(frozen=True)
class Section:
    """A heading and the lines under it ('preamble' for text before the first heading)."""

    name: str
    heading: Line | None
    title: str | None
    lines: list[Line]


def new_section(name: str, heading: Line | None, title: str | None, lines: list[Line]) -> Section:
    """``Section(...)``: a document has a dozen."""
    return Section(name, heading, title, lines)


@dataclass
class ParseState:
    lines: list[Line]
    template: Template
    vocab: Vocabulary
    record: SnapshotRecord | None = None
    """Set once the title line is found; every reader after the header fills it."""
    positions: dict[str, int] = field(default_factory=dict)
    """Items added so far per list dimension (the next item's position)."""
    last_prose: tuple[Line, str] | None = None
    """The last sentence read and its line: a document ending inside it was cut off."""
    header_key: str = ""
    header_end: int = 0
    """The title's key (a page header repeats it) and the number of its last line."""
    attributed: set[tuple[int, int]] = field(default_factory=set)
    """(line number, column) of every attributed half of a two-column line (column 1 or 2): the two
    halves are accounted for separately, so one half never hides the other from unparsed_lines. A
    full-width line (column 0) is the only line with its number: it is attributed when its number is
    in the record's line_fields (see is_attributed)."""

    @property
    def snapshot(self) -> SnapshotRecord:
        """The record being filled (readers run only after the header created it)."""
        assert self.record is not None, "the header is read first"
        return self.record

    def attribute(self, lines: list[Line], field: str) -> None:
        """Record that ``lines`` gave ``field`` (comma-separated fields add up per line)."""
        assert self.record is not None
        line_fields = self.record.line_fields
        single = "," not in field
        existing: str | None
        for number, _, text, _, _, _, column in lines:
            if not text:
                continue
            if column:
                self.attributed.add((number, column))
            if single:
                existing = line_fields.setdefault(number, field)
                if existing is field or existing == field:
                    continue
            else:
                existing = line_fields.get(number)
            parts = dict.fromkeys([*(existing or "").split(","), *field.split(",")])
            line_fields[number] = ",".join(part for part in parts if part)

    def unparsed(self, lines: list[Line], section: str, reason: str) -> None:
        """Keep the lines no field took, with the reason (never a line already attributed)."""
        kept = self.snapshot.unparsed_lines
        for line in lines:
            if line.text and not self.is_attributed(line):
                kept.append(UnparsedLine(line.number, line.raw.strip(), section, reason, line.column))

    def is_attributed(self, line: Line) -> bool:
        """Whether a field took ``line`` (its half of the line, for a two-column line)."""
        if line.column:
            return (line.number, line.column) in self.attributed
        return self.record is not None and line.number in self.record.line_fields

    def unparsed_part(self, line: Line, text: str, section: str, reason: str) -> None:
        """Keep the part of a line that no field took (the rest of the line was attributed)."""
        self.snapshot.unparsed_lines.append(UnparsedLine(line.number, text, section, reason, line.column))

    def add_item(self, dimension: str, label: str, line_number: int, vocabulary: str) -> None:
        """Append an item to a list, coded with its vocabulary ('other' for free text)."""
        self.add_items(dimension, [(label, line_number)], vocabulary)

    def add_items(self, dimension: str, labels: list[tuple[str, int]], vocabulary: str) -> None:
        """Append items (label, line number) to a list in order, as add_item does one by one."""
        assert self.record is not None
        append = self.record.items.append
        known = self.vocab.known_matches
        code_or_other = self.vocab.code_or_other
        position = self.positions.get(dimension, 0)
        for label, line_number in labels:
            position += 1
            code = known.get((vocabulary, label), _MISSING)  # code_or_other inlined for a known label
            # Item(...) without its __init__, inlined: the fields set in order in the new instance's dict
            # (cheaper than a dict of them set as its __dict__, and no frozen __setattr__ per field)
            item = new_object(Item)
            values = item.__dict__
            values["dimension"] = dimension
            values["position"] = position
            values["code"] = code_or_other(vocabulary, label) if code is _MISSING else code or OTHER
            values["label"] = label
            values["source_line"] = line_number
            append(item)
        self.positions[dimension] = position

    def list_fact(self, dimension: str) -> None:
        """A list with entries states its fact (a priority-area list means the city prioritises areas)."""
        fact = self.template.list_facts.get(dimension)
        if fact and getattr(self.record, fact) is None:
            setattr(self.record, fact, True)
