"""Parse the text of one City Innovation Snapshot into a :class:`SnapshotRecord`.

The parser is plain Python (no Dagster), driven by two data files: the template
(``schemas/snapshot_template.yaml``: headings, labels, sentence patterns) and the vocabularies
(``schemas/vocabularies``). Every non-blank line ends up either attributed to a field
(``record.line_fields``) or in ``record.unparsed_lines`` with its number, section and a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.core import Rejection
from pipeline.parse.lines import Line, join_wrapped, to_lines
from pipeline.parse.record import (
    BenchmarkClaim,
    Item,
    ParseResult,
    PolicyAreaData,
    SnapshotRecord,
    UnparsedLine,
)
from pipeline.parse.template import MAX_HEADING_WORDS, Template, fold, load_template
from pipeline.parse.values import (
    parse_population,
    parse_staff,
    parse_term,
    restore_case,
    split_top_level,
    strip_list_word,
)
from schemas.countries import country_code
from schemas.vocabulary import OTHER, Vocabulary, label_key, load_vocabulary

HEADER_SEARCH_LINES = 40
"""The title line must appear among the first non-blank lines; later it is only a page header."""
MAX_ITEM_WORDS = 9
MAX_WRAPPED_LINES = 4
_LABEL_LINE = re.compile(r"^(?P<label>[A-Za-z][A-Za-z /()'&.-]{0,60}?)\s*:\s*(?P<value>.*)$")
_URL = re.compile(r"https?://[^\s<>]+|www\.[^\s<>]+", re.IGNORECASE)
_NO_VALUE = {"none", "n a", "na", "not applicable", "vacant", "no innovation lead", "tbd", ""}
_SENTENCE_END = re.compile(r"[.!?:;\"')\]]$")


@dataclass(frozen=True)
class Section:
    name: str
    heading: Line | None
    title: str | None
    lines: list[Line]


def parse_text(
    text: str,
    vocabulary: Vocabulary | None = None,
    template: Template | None = None,
) -> ParseResult:
    """Parse decoded document text. Returns a record, or a rejection with a specific reason."""
    parser = _DocumentParser(text, vocabulary or load_vocabulary(), template or load_template())
    return parser.parse()


class _DocumentParser:
    def __init__(self, text: str, vocabulary: Vocabulary, template: Template) -> None:
        self.text = text
        self.vocab = vocabulary
        self.template = template
        self.lines = to_lines(text)
        self.record: SnapshotRecord | None = None
        self.positions: dict[str, int] = {}
        self.last_prose: tuple[Line, str] | None = None
        self.header_key = ""
        self.header_end = 0
        """The title's key (a page header repeats it) and the number of its last line."""
        self.attributed: set[tuple[int, int]] = set()
        """(line number, column) of every attributed line: the two halves of a two-column line
        are accounted for separately, so one half never hides the other from unparsed_lines."""

    # ----------------------------------------------------------------- orchestration
    def parse(self) -> ParseResult:
        header = self._find_header()
        if isinstance(header, Rejection):
            return ParseResult(None, header)
        sections = self._split_sections()
        body_sections = [s.name for s in sections if s.name not in ("preamble",)]
        if not body_sections:
            return ParseResult(
                None,
                Rejection(
                    "no_sections",
                    "the title line is present but no snapshot section heading follows "
                    "(Overview, What is the organisational structure?, ...)",
                    header,
                ),
            )
        record = self.record
        assert record is not None
        record.sections_found = body_sections
        for section in sections:
            handler = {
                "overview": self._overview,
                "spotlight": self._spotlight,
                "outcomes": self._outcomes,
            }.get(section.name, self._body)
            if section.heading is not None:
                self._attribute([section.heading], f"heading:{section.name}")
            handler(section)
        truncated = self._truncation()
        if truncated:
            return ParseResult(None, truncated)
        return ParseResult(record, None)

    def _attribute(self, lines: list[Line], field: str) -> None:
        assert self.record is not None
        line_fields = self.record.line_fields
        for line in lines:
            if line.blank:
                continue
            self.attributed.add((line.number, line.column))
            existing = line_fields.get(line.number)
            if existing is None and "," not in field:
                line_fields[line.number] = field
                continue
            parts = dict.fromkeys([*(existing or "").split(","), *field.split(",")])
            line_fields[line.number] = ",".join(part for part in parts if part)

    def _unparsed(self, lines: list[Line], section: str, reason: str) -> None:
        assert self.record is not None
        for line in lines:
            if not line.blank and (line.number, line.column) not in self.attributed:
                self.record.unparsed_lines.append(
                    UnparsedLine(line.number, line.raw.strip(), section, reason, line.column)
                )

    # ----------------------------------------------------------------- header
    def _is_header(self, line: Line) -> str | None:
        """The place part of a title line ('STOCKHOLM, Sweden'), '' if on the next line, else None."""
        return self.template.header_place(line.text)

    def _find_header(self) -> int | Rejection:
        non_blank = [line for line in self.lines if not line.blank]
        for index, line in enumerate(non_blank[:HEADER_SEARCH_LINES]):
            place = self._is_header(line)
            if place is None:
                continue
            used = [line]
            if not place and index + 1 < len(non_blank):
                used.append(non_blank[index + 1])
                place = non_blank[index + 1].text
            parts = [p.strip() for p in split_top_level(place, ",")]
            if len(parts) == 1:
                match = re.match(r"^(.+?)\s*(?:\((.+)\)|[-–|]\s+(.+))$", place)
                if match:
                    parts = [match.group(1), match.group(2) or match.group(3)]
            if len(parts) < 2 or not parts[0]:
                return Rejection(
                    "no_country_in_header",
                    f"title line {place!r} does not name '<CITY>, <Country>'",
                    line.number,
                )
            body = "\n".join(x.text for x in self.lines)
            city = restore_case(parts[0], body)
            country = restore_case(parts[-1], body)
            region = ", ".join(parts[1:-1]) or None
            self.record = SnapshotRecord(
                city=city,
                country=country,
                region=restore_case(region, body) if region else None,
                country_code=country_code(country),
            )
            self._attribute(used, "header")
            self.header_key = label_key(line.text)
            self.header_end = used[-1].number
            return line.number
        return Rejection(
            "no_snapshot_header",
            "no 'City Innovation Snapshot <CITY>, <Country>' title line among the first "
            f"{HEADER_SEARCH_LINES} non-blank lines: not a snapshot document",
            None,
        )

    # ----------------------------------------------------------------- sections
    def _heading(self, line: Line) -> tuple[str, str | None] | None:
        if line.blank or line.words > MAX_HEADING_WORDS:
            return None
        return self.template.heading(line.text)

    def _split_sections(self) -> list[Section]:
        sections: list[Section] = []
        current = Section("preamble", None, None, [])
        roles = self.template.roles
        for line in self.lines:
            if line.blank:
                current.lines.append(line)
                continue
            if line.number <= self.header_end and (line.number, line.column) in self.attributed:  # the title
                continue
            title, furniture, heading = roles(line.text)
            if title is not None and title == self.header_key:
                self._attribute([line], "page_header")
                continue
            if furniture:
                self._attribute([line], "page_footer")
                continue
            if heading:
                sections.append(current)
                current = Section(heading[0], line, heading[1], [])
            else:
                current.lines.append(line)
        sections.append(current)
        return [s for s in sections if s.heading is not None or any(not x.blank for x in s.lines)]

    # ----------------------------------------------------------------- overview
    def _overview(self, section: Section) -> None:
        lines = section.lines
        index = 0
        while index < len(lines):
            line = lines[index]
            index += 1
            if line.blank:
                continue
            match = _LABEL_LINE.match(line.text)
            if not match or match.group("value").startswith("//"):
                self._unparsed([line], "overview", "overview line without a known 'Label: value' form")
                continue
            label = match.group("label").strip()
            field = self.template.overview_keys.get(label_key(label))
            if field is None:
                self._unparsed([line], "overview", f"unknown overview label {label!r}")
                continue
            used = [line]
            value = match.group("value").strip()
            if not value:
                while index < len(lines) and (lines[index].blank or not value):
                    nxt = lines[index]
                    if not nxt.blank and (_LABEL_LINE.match(nxt.text) and not _URL.search(nxt.text)):
                        break
                    index += 1
                    if not nxt.blank:
                        used.append(nxt)
                        value = nxt.text
                        break
            if self._overview_value(field, label, value):
                self._attribute(used, field)
            else:
                self._unparsed(used, "overview", f"{label}: value {value!r} could not be read")

    def _overview_value(self, field: str, label: str, value: str) -> bool:
        record = self.record
        assert record is not None
        if field == "mayor":
            record.mayor, record.mayor_title = value or None, label
            return bool(value)
        if field == "term":
            record.term_start, record.term_end = parse_term(value)
            return record.term_start is not None
        if field == "innovation_lead":
            if label_key(value) in _NO_VALUE:
                return True
            leads = re.split(r"\s*(?:;|,|\band\b|&|/)\s*", value)
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

    # ----------------------------------------------------------------- spotlight
    def _spotlight(self, section: Section) -> None:
        record = self.record
        assert record is not None
        content = [line for line in section.lines if not line.blank]
        title = section.title
        if title is None and content:
            title = content[0].text
            self._attribute([content[0]], "spotlight_title")
            content = content[1:]
        record.spotlight_title = title
        paragraphs: list[list[str]] = [[]]
        for line in section.lines:
            if line.blank:
                paragraphs.append([])
            elif line in content:
                paragraphs[-1].append(line.text)
        text = "\n\n".join(join_wrapped(p) for p in paragraphs if p)
        record.spotlight_text = text or None
        self._attribute(content, "spotlight_text")
        if content:
            self.last_prose = (content[-1], text)

    # ----------------------------------------------------------------- outcomes grid
    def _outcomes(self, section: Section) -> None:
        grid: list[Line] = []
        for line in section.lines:
            key = label_key(line.text)
            if line.blank:
                grid.append(line)
            elif any(marker in key for marker in self.template.outcomes_legend):
                self._attribute([line], "outcomes_legend")
            elif any(marker in key for marker in self.template.outcomes_note):
                self._attribute([line], "outcomes_note")
            else:
                grid.append(line)
        cells: list[tuple[str, list[Line]]] = []
        single: list[Line] = []
        for line in [*grid, Line(0, "", "", False, False, ())]:  # a blank line ends the last block
            if len(line.cells) >= 2:
                cells.extend(self._group_labels(single, "policy_areas"))
                single = []
                cells.extend((cell, [line]) for cell in line.cells)
            else:
                single.append(line)
        cells.extend(self._group_labels(single, "policy_areas"))
        record = self.record
        assert record is not None
        for label, used in cells:
            code = self.vocab.code_or_other("policy_areas", label)
            record.policy_area_data.append(
                PolicyAreaData(len(record.policy_area_data) + 1, code, label, "unknown", used[0].number)
            )
            self._attribute(used, "policy_area_data")

    # ----------------------------------------------------------------- prose sections
    def _body(self, section: Section) -> None:
        lines = section.lines
        pending = self.template.section_lists.get(section.name)
        bare_intro: list[Line] | None = None
        """An introducing sentence that states nothing else: attributed only once items follow it."""
        index = 0
        while index < len(lines):
            line = lines[index]
            if line.blank:
                index += 1
                continue
            item_like = line.bullet or self._looks_like_item(line)
            if pending and item_like and not self._starts_prose(lines, index):
                if bare_intro is not None:
                    self._attribute(bare_intro, f"{pending}:intro")
                    bare_intro = None
                index = self._collect_items(lines, index, pending, section.name)
                pending = None
                continue
            self._flag_empty_intro(bare_intro, section.name)
            bare_intro = None
            paragraph = [line]
            index += 1
            while (
                not line.text.endswith(":")
                and index < len(lines)
                and not lines[index].blank
                and not lines[index].bullet
            ):
                line = lines[index]
                paragraph.append(line)
                index += 1
            text = join_wrapped([x.text for x in paragraph])
            fields = self._prose(section.name, text, paragraph[0].number)
            intro = self.template.list_intro(text)
            pending = intro
            if intro:
                fields.extend(self._inline_items(intro, paragraph, section.name))
            if intro and not fields:
                bare_intro = paragraph
            elif intro:
                fields.append(f"{intro}:intro")
            if fields:
                self._attribute(paragraph, ",".join(dict.fromkeys(fields)))
            elif not intro:
                self._unparsed(paragraph, section.name, f"sentence not recognised in section {section.name}")
            if not paragraph[-1].bullet and len(text.split()) >= 6:
                self.last_prose = (paragraph[-1], text)
        self._flag_empty_intro(bare_intro, section.name)

    def _inline_items(self, dimension: str, paragraph: list[Line], section: str) -> list[str]:
        """Items on the intro's own line ('Staff skills and profiles include: Astronaut; Chef') belong to
        the list; text there that reads as no list is kept as unparsed, so no part of a line is lost."""
        tail = self.template.after_list_intro(join_wrapped([x.text for x in paragraph]))
        if not tail:
            return []
        vocabulary = self.template.vocabulary_of(dimension)
        labels = self._split_prose_list(tail, vocabulary)
        if labels and all(len(label.split()) <= MAX_ITEM_WORDS for label in labels):
            for label in labels:
                self._add_item(dimension, label, paragraph[0].number, vocabulary)
            self._list_fact(dimension)
            return [dimension, f"{dimension}:intro"]
        assert self.record is not None
        last = paragraph[-1]
        reason = "text after the list introduction is not a list of items"
        self.record.unparsed_lines.append(UnparsedLine(last.number, tail, section, reason, last.column))
        return [f"{dimension}:intro"]

    def _list_fact(self, dimension: str) -> None:
        """A list with entries states its fact (a priority-area list means the city prioritises areas)."""
        fact = self.template.list_facts.get(dimension)
        if fact and getattr(self.record, fact) is None:
            setattr(self.record, fact, True)

    def _flag_empty_intro(self, paragraph: list[Line] | None, section: str) -> None:
        """A list heading with nothing under it answers nothing: keep it flagged, set no fact."""
        if paragraph is not None:
            self._unparsed(paragraph, section, "list introduction with no items under it")

    def _starts_prose(self, lines: list[Line], index: int) -> bool:
        """A hard-wrapped sentence (hyphenated, or continued in lower case on the next line) is prose,
        even when its first line is short enough to pass for a list item."""
        line = lines[index]
        if line.bullet:
            return False
        following = lines[index + 1] if index + 1 < len(lines) else None
        if following is None or following.blank or following.bullet:
            return False
        if line.text.endswith("-") and following.text[:1].islower():
            return True
        return line.words >= 6 and following.text[:1].islower()

    def _looks_like_item(self, line: Line) -> bool:
        return line.words <= MAX_ITEM_WORDS and self.template.may_be_item(line.text)

    def _collect_items(self, lines: list[Line], index: int, dimension: str, section: str) -> int:
        taken: list[Line] = []
        previous: Line | None = None
        """The last non-blank line taken."""
        while index < len(lines):
            line = lines[index]
            continuation = (
                previous is not None
                and previous.bullet
                and taken[-1] is previous
                and not line.bullet
                and line.text[:1].islower()
            )
            if (
                line.blank
                or line.bullet
                or continuation
                or (self._looks_like_item(line) and not self._starts_prose(lines, index))
            ):
                taken.append(line)
                if line.text:
                    previous = line
                index += 1
            else:
                break
        vocabulary = self.template.vocabulary_of(dimension)
        labels = self._group_labels(taken, vocabulary)
        for label, used in labels:
            self._add_item(dimension, label, used[0].number, vocabulary)
            self._attribute(used, dimension)
        if labels:
            self._list_fact(dimension)
        return index

    def _group_labels(self, lines: list[Line], vocabulary: str) -> list[tuple[str, list[Line]]]:
        """Cut item lines into labels. A bullet starts an item (lower-case lines continue it);
        plain lines are joined when together they form a known option ('Digital' + 'Governance')
        or when a blank-separated block of up to three short lines matches nothing."""
        labels: list[tuple[str, list[Line]]] = []
        blocks: list[list[Line]] = [[]]
        for line in lines:
            if line.blank:
                blocks.append([])
            else:
                blocks[-1].append(line)
        for block in (b for b in blocks if b):
            start = 0
            while start < len(block):
                if block[start].bullet:
                    end = start + 1
                    while end < len(block) and not block[end].bullet and block[end].text[:1].islower():
                        end += 1
                    labels.append((join_wrapped([x.text for x in block[start:end]]), block[start:end]))
                    start = end
                    continue
                end = self._longest_match(block, start, vocabulary)
                if end is None:
                    run_end = start + 1
                    while run_end < len(block) and not block[run_end].bullet:
                        if self._longest_match(block, run_end, vocabulary) is not None:
                            break
                        run_end += 1
                    run = block[start:run_end]
                    if len(run) == len(block) and len(run) <= 3 and all(x.words <= 3 for x in run):
                        labels.append((join_wrapped([x.text for x in run]), run))
                    else:
                        labels.extend((x.text, [x]) for x in run)
                    start = run_end
                    continue
                labels.append((join_wrapped([x.text for x in block[start:end]]), block[start:end]))
                start = end
        stripped = [(strip_list_word(label), used) for label, used in labels]
        return [(label, used) for label, used in stripped if label]

    def _longest_match(self, block: list[Line], start: int, vocabulary: str) -> int | None:
        for end in range(min(len(block), start + MAX_WRAPPED_LINES), start, -1):
            if any(x.bullet for x in block[start + 1 : end]):
                continue
            if self.vocab.match(vocabulary, join_wrapped([x.text for x in block[start:end]])):
                return end
        return None

    def _add_item(self, dimension: str, label: str, line_number: int, vocabulary: str) -> None:
        record = self.record
        assert record is not None
        position = self.positions.get(dimension, 0) + 1
        self.positions[dimension] = position
        code = self.vocab.code_or_other(vocabulary, label)
        record.items.append(Item(dimension, position, code, label, line_number))

    def _prose(self, section: str, text: str, line_number: int) -> list[str]:
        """Read every fact, list and benchmark claim a paragraph states; return the fields found."""
        record = self.record
        assert record is not None
        fields: list[str] = []
        folded = fold(text)
        if self._claims(text, line_number, folded):
            fields.append("benchmark_claims")
        for fact in self.template.facts:
            if (fact.sections and section not in fact.sections) or getattr(record, fact.name) is not None:
                continue
            value = fact.read(text, folded)
            if value is not None and getattr(record, fact.name) is None:
                setattr(record, fact.name, value)
                fields.append(fact.name)
        for dimension, (sections, patterns) in self.template.prose_lists.items():
            if section not in sections:
                continue
            for pattern in patterns:
                match = pattern.search(text, folded)
                if match:
                    self._prose_list(dimension, match.group("items"), line_number)
                    fields.append(dimension)
                    break
        if section in ("organisation", "preamble"):
            fields.extend(self._team(text, folded))
        if section in ("approach", "preamble") and record.approach is None:
            match = self.template.approach_sentence.search(text, folded)
            if match:
                phrase = match.group("approach")
                record.approach_text = phrase
                record.approach = (
                    self.vocab.match("approaches", phrase) or self.vocab.find_within("approaches", phrase) or OTHER
                )
                fields.append("approach")
        return fields

    def _prose_list(self, dimension: str, items_text: str, line_number: int) -> None:
        if dimension == "data_partners":
            purpose = self.template.data_partnership_purpose.search(items_text)
            if purpose:
                label = strip_list_word(purpose.group("purpose"))
                self._add_item("data_partnership_purposes", label, line_number, "data_partnership_purposes")
                items_text = items_text[: purpose.start()] + items_text[purpose.end() :]
            items_text = re.sub(r",?\s+as well as(?: with)?\s+", ", ", items_text)
        vocabulary = self.template.vocabulary_of(dimension)
        for label in self._split_prose_list(items_text, vocabulary):
            self._add_item(dimension, label, line_number, vocabulary)

    def _split_prose_list(self, text: str, vocabulary: str) -> list[str]:
        """'A, B and C' -> [A, B, C], keeping options that contain 'and' whole
        ('training staff and building capacity'); an 'and' splits only when both sides are options."""
        labels: list[str] = []
        for segment in split_top_level(text):
            segment = strip_list_word(segment)
            if segment:
                labels.extend(self._split_and(segment, vocabulary))
        return labels

    def _split_and(self, segment: str, vocabulary: str) -> list[str]:
        """Split 'A and B' where A is a known option, preferring the longest A and a split whose
        parts are all options; a remainder that matches nothing is the next item, as free text."""
        if self.vocab.match(vocabulary, segment):
            return [segment]
        fallback: list[str] | None = None
        for match in reversed(list(re.finditer(r"\s+(?:and|as well as)\s+", segment))):
            left = strip_list_word(segment[: match.start()])
            right = strip_list_word(segment[match.end() :])
            if left and right and self.vocab.match(vocabulary, left):
                rest = self._split_and(right, vocabulary)
                if all(self.vocab.match(vocabulary, part) for part in rest):
                    return [left, *rest]
                fallback = fallback or [left, *rest]
        if fallback is None:
            # 'private philanthropy and other cities': free text, then a known option.
            for match in re.finditer(r"\s+(?:and|as well as)\s+", segment):
                left = strip_list_word(segment[: match.start()])
                right = strip_list_word(segment[match.end() :])
                if left and right and self.vocab.match(vocabulary, right):
                    return [left, right]
        return fallback or [segment]

    def _team(self, text: str, folded: str | None) -> list[str]:
        record = self.record
        assert record is not None
        fields = []
        for pattern in self.template.team_location if record.team_location is None else ():
            match = pattern.search(text, folded)
            if match:
                record.team_location = match.group("location").strip()
                fields.append("team_location")
                break
        for pattern in self.template.team_staff if record.team_staff_text is None else ():
            match = pattern.search(text, folded)
            if match:
                staff_text = match.group("staff").strip()
                count = parse_staff(staff_text)
                record.team_staff_text = staff_text
                record.team_staff = count.exact
                record.team_staff_min = count.minimum
                record.team_staff_max = count.maximum
                fields.append("team_staff")
                break
        return fields

    def _claims(self, text: str, line_number: int, folded: str | None) -> int:
        record = self.record
        assert record is not None
        found = 0
        for match in self.template.benchmark.finditer(text, folded):
            end = re.search(r"[.!?](?:\s|$)", text[match.end() :])
            sentence = text[match.start() : match.end() + (end.end() if end else len(text))].strip()
            topic, city_value = self._claim_topic(sentence)
            comparator = " ".join(match.group("comparator").lower().split())
            share = " ".join(match.group("share").lower().split())
            pct = low = high = None
            if share.endswith("%"):
                pct = float(share.rstrip("% ").replace(",", "."))
                low = high = pct
            else:
                low, high = self._phrase(share)
            record.benchmark_claims.append(
                BenchmarkClaim(
                    topic=topic,
                    city_value=city_value,
                    comparator=comparator,
                    refers_to_city_value=comparator != "unlike",
                    stated_pct=pct,
                    stated_text=share,
                    stated_low=low,
                    stated_high=high,
                    sentence=sentence,
                    source_line=line_number,
                )
            )
            found += 1
        return found

    def _phrase(self, share: str) -> tuple[float | None, float | None]:
        key = label_key(share)
        for phrase, spec in self.template.share_phrases.items():
            if label_key(phrase) == key:
                return spec.low, spec.high
        return None, None

    def _claim_topic(self, sentence: str) -> tuple[str, str | None]:
        for topic, pattern in self.template.benchmark_topics.items():
            if not pattern.search(sentence):
                continue
            if topic == "approach":
                match = self.template.approach_sentence.search(sentence)
                phrase = match.group("approach") if match else sentence
                code = self.vocab.match("approaches", phrase) or self.vocab.find_within("approaches", phrase)
                return topic, code
            for fact in self.template.facts:
                if fact.name in (topic, f"has_{topic}"):
                    value = fact.read(sentence)
                    return topic, None if value is None else ("yes" if value else "no")
            return topic, None
        return OTHER, None

    # ----------------------------------------------------------------- truncation
    def _truncation(self) -> Rejection | None:
        """A document cut off mid-sentence would yield half a list: reject it instead."""
        last = next((line for line in reversed(self.lines) if not line.blank), None)
        if last is None or self.last_prose is None or self.last_prose[0] is not last:
            return None
        if _SENTENCE_END.search(self.last_prose[1]):
            return None
        return Rejection(
            "truncated",
            f"document ends mid-sentence at line {last.number} ({last.text[-60:]!r}): the file looks cut off",
            last.number,
        )
