"""List answers: items under an intro (bulleted or plain lines, wrapped labels re-joined), items in a
sentence ('A, B and C'), and items after the intro on its own line."""

from __future__ import annotations

from pipeline.parse.lines import Line, join_clean, join_wrapped
from pipeline.parse.state import ParseState
from pipeline.parse.values import split_top_level
from schemas.vocabulary import MATCH_CACHE_LIMIT

MAX_ITEM_WORDS = 9
_PUNCTUATION_ONLY = "list entry with no text but punctuation"
MAX_WRAPPED_LINES = 4
"""A label is re-joined from at most this many wrapped lines."""


def looks_like_item(state: ParseState, line: Line) -> bool:
    """Short enough for a list item, and no sentence, heading or intro. ``line`` is not blank: its words
    are its spaces plus one (Line.words, without the property call)."""
    text = line[2]
    return text.count(" ") < MAX_ITEM_WORDS and state.template.may_be_item(text)


def starts_prose(lines: list[Line], index: int) -> bool:
    """A hard-wrapped sentence (hyphenated, or continued in lower case on the next line) is prose,
    even when its first line is short enough to pass for a list item."""
    line = lines[index]
    if line[3]:  # tuple indexes (3: bullet, 2: text): this runs for every candidate list item
        return False
    following = lines[index + 1] if index + 1 < len(lines) else None
    if following is None or not following[2] or following[3]:
        return False
    text = line[2]
    if text.endswith("-") and following[2][:1].islower():
        return True
    return text.count(" ") >= 5 and following[2][:1].islower()  # six words or more (see Line.words)


def collect_items(state: ParseState, lines: list[Line], index: int, dimension: str, section: str) -> int:
    """Read the items that start at ``lines[index]``; return the index of the first line after them."""
    taken: list[Line] = []
    previous: Line | None = None
    """The last non-blank line taken."""
    count = len(lines)
    while index < count:
        line = lines[index]
        text = line[2]
        if not text or line[3]:  # blank lines and bullets belong to the list
            taken.append(line)
            if text:
                previous = line
            index += 1
            continue
        continuation = previous is not None and previous[3] and taken[-1] is previous and text[:1].islower()
        if continuation or (looks_like_item(state, line) and not starts_prose(lines, index)):
            taken.append(line)
            previous = line
            index += 1
        else:
            break
    vocabulary = state.template.vocabulary_of(dimension)
    labels = group_labels(state, taken, vocabulary, section)
    state.add_items(dimension, [(label, used[0].number) for label, used in labels], vocabulary)
    state.attribute([line for _, used in labels for line in used], dimension)
    if labels:
        state.list_fact(dimension)
    return index


def group_labels(state: ParseState, lines: list[Line], vocabulary: str, section: str) -> list[tuple[str, list[Line]]]:
    """Cut item lines into labels. A bullet starts an item (lower-case lines continue it);
    plain lines are joined when together they form a known option ('Digital' + 'Governance')
    or when a blank-separated block of up to three short lines matches nothing. Lines whose label is
    nothing but grammar and punctuation (a stray '"' or ';') give no label and are kept as unparsed."""
    for line in lines:
        if line[2] and not line[3]:
            break
    else:
        # bullets only: each is one label, as the general path below cuts them (a bullet's label runs on
        # only over the plain lines after it); one loop, no generator: lists are read in every section
        strip = state.template.list_words.strip
        kept = []
        empty = []
        for line in lines:
            text = line[2]
            if text:
                label = strip(text)
                if label:
                    kept.append((label, [line]))
                else:
                    empty.append(line)
        if empty:
            state.unparsed(empty, section, _PUNCTUATION_ONLY)
        return kept
    labels = _cut_labels(state, lines, vocabulary)
    kept = [(label, used) for label, used in labels if label]
    if len(kept) < len(labels):
        empty = [line for label, used in labels if not label for line in used]
        state.unparsed(empty, section, _PUNCTUATION_ONLY)
    return kept


def _cut_labels(state: ParseState, lines: list[Line], vocabulary: str) -> list[tuple[str, list[Line]]]:
    """group_labels' cut of lines that are not all bullets: labels stripped of their grammar (some empty)."""
    labels: list[tuple[str, list[Line]]] = []
    blocks: list[list[Line]] = [[]]
    for line in lines:
        if not line.text:
            blocks.append([])
        else:
            blocks[-1].append(line)
    end: int | None
    for block in (b for b in blocks if b):
        start = 0
        while start < len(block):
            if block[start].bullet:
                end = start + 1
                while end < len(block) and not block[end].bullet and block[end].text[:1].islower():
                    end += 1
                if end == start + 1:  # one line: its clean text is the label as join_wrapped gives it
                    labels.append((block[start].text, block[start:end]))
                else:
                    labels.append((join_wrapped([x.text for x in block[start:end]]), block[start:end]))
                start = end
                continue
            end = _longest_match(state, block, start, vocabulary)
            if end is None:
                run_end = start + 1
                while run_end < len(block) and not block[run_end].bullet:
                    if _longest_match(state, block, run_end, vocabulary) is not None:
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
    strip = state.template.list_words.strip
    return [(strip(label), used) for label, used in labels]


def _longest_match(state: ParseState, block: list[Line], start: int, vocabulary: str) -> int | None:
    """The end of the longest run of up to MAX_WRAPPED_LINES lines from ``start`` (no bullet after its
    first line) that joined is an option, else None. Runs once for every plain line of every list."""
    match = state.vocab.match
    window = block[start : start + MAX_WRAPPED_LINES]
    texts = [x[2] for x in window]  # tuple indexes (2: text, 3: bullet), as in the readers
    bullets = [x[3] for x in window]
    for size in range(len(window), 1, -1):
        if True in bullets[1:size]:
            continue
        if match(vocabulary, join_clean(texts[:size])):
            return start + size
    return start + 1 if window and match(vocabulary, texts[0]) else None


def read_prose_list(state: ParseState, dimension: str, items_text: str, line_number: int) -> None:
    """The items a sentence lists; the data-partnership sentence may also state its purpose."""
    template = state.template
    if dimension == template.purpose_list:
        purpose = template.data_partnership_purpose.search(items_text)
        if purpose:
            label = template.list_words.strip(purpose.group("purpose"))
            purposes = template.purpose_dimension
            state.add_item(purposes, label, line_number, template.vocabulary_of(purposes))
            items_text = items_text[: purpose.start()] + items_text[purpose.end() :]
        items_text = template.list_words.clause_joint.sub(", ", items_text)
    vocabulary = template.vocabulary_of(dimension)
    labels = split_prose_list(state, items_text, vocabulary)
    state.add_items(dimension, [(label, line_number) for label in labels], vocabulary)


def split_prose_list(state: ParseState, text: str, vocabulary: str) -> list[str]:
    """'A, B and C' -> [A, B, C], keeping options that contain 'and' whole
    ('training staff and building capacity'); an 'and' splits only when both sides are options."""
    labels: list[str] = []
    derived = state.vocab.derived
    words = state.template.list_words
    for segment in split_top_level(text):
        key = ("prose_list", words.key, vocabulary, segment)
        found = derived.get(key)
        if found is None:  # each segment is split once: list options recur in every document
            stripped = words.strip(segment)
            found = tuple(_split_and(state, stripped, vocabulary)) if stripped else ()
            if len(derived) >= MATCH_CACHE_LIMIT:
                derived.clear()
            derived[key] = found
        labels.extend(found)
    return labels


def _split_and(state: ParseState, segment: str, vocabulary: str) -> list[str]:
    """Split 'A and B' where A is a known option, preferring the longest A and a split whose
    parts are all options; a remainder that matches nothing is the next item, as free text."""
    match_option = state.vocab.match
    if match_option(vocabulary, segment):
        return [segment]
    words = state.template.list_words
    strip = words.strip
    fallback: list[str] | None = None
    joints = list(words.joint.finditer(segment))
    for joint in reversed(joints):
        left = strip(segment[: joint.start()])
        right = strip(segment[joint.end() :])
        if left and right and match_option(vocabulary, left):
            rest = _split_and(state, right, vocabulary)
            if all(match_option(vocabulary, part) for part in rest):
                return [left, *rest]
            fallback = fallback or [left, *rest]
    if fallback is None:
        # 'private philanthropy and other cities': free text, then a known option.
        for joint in joints:
            left = strip(segment[: joint.start()])
            right = strip(segment[joint.end() :])
            if left and right and match_option(vocabulary, right):
                return [left, right]
    return fallback or [segment]


def inline_items(state: ParseState, dimension: str, paragraph: list[Line], text: str, section: str) -> list[str]:
    """Items on the intro's own line ('Staff skills and profiles include: Astronaut; Chef') belong to
    the list; text there that reads as no list is kept as unparsed, so no part of a line is lost.
    Returns the fields the paragraph gave."""
    tail = state.template.after_list_intro(text, dimension)
    if not tail:
        return []
    vocabulary = state.template.vocabulary_of(dimension)
    labels = split_prose_list(state, tail, vocabulary)
    if labels and all(len(label.split()) <= MAX_ITEM_WORDS for label in labels):
        state.add_items(dimension, [(label, paragraph[0].number) for label in labels], vocabulary)
        state.list_fact(dimension)
        return [dimension, f"{dimension}:intro"]
    state.unparsed_part(paragraph[-1], tail, section, "text after the list introduction is not a list of items")
    return [f"{dimension}:intro"]
