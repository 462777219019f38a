"""The parser's shortcuts never change an answer: each cheap path gives what the general one gives.

Each reference below is the general form a shortcut replaced: label_key's words found with a regular
expression, a line's cells cut with the cell pattern, a heading found from the line's full key."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.parse.lines import _CELL_SPLIT, _SPACE, clean_line, normalise_characters
from pipeline.parse.template import load_template
from schemas.vocabulary import label_key, template_data

SOME = settings(max_examples=300, deadline=None)
_SPELLING = {"isation": "ization", "ising": "izing", "ise": "ize", "yse": "yze", "ysing": "yzing", "our": "or"}
_SPELLING |= {"centred": "centered", "programme": "program"}
_SPELLING_PATTERN = re.compile(r"isation|programme|(?:ising|ise|yse|ysing|our|centred)\b")
_SPACES = [" ", "  ", "   ", "\t", "\t\t", "\u00a0", "\u2003", "\u200b", "\u3000", "\f", "\v"]
_WORDS = ["a", "B", "the", "is", "ise", "our", "ys", "ation", "programme", "centred", "Innovation", "&", "'", "’"]
_WORDS += ["é", "İ", "ß", "ﬁ", "\u00ad", "Data", "x-y", "(c)", ":", "ing", "e", "d", "r"]

text_pieces = st.lists(st.sampled_from(_WORDS + _SPACES), max_size=16).map("".join)


def reference_key(label: str) -> str:
    """label_key as it was written with a regular expression for the words and the spelling."""
    if label.isascii():
        text = label.lower()
    else:
        text = unicodedata.normalize("NFKD", label)
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    words = re.findall(r"[a-z0-9]+", text.replace("&", " and "))
    if len(words) > 1 and words[0] in ("a", "an", "the"):
        del words[0]
    return _SPELLING_PATTERN.sub(lambda match: _SPELLING[match.group(0)], " ".join(words))


def reference_cells(raw: str) -> tuple[str, ...]:
    """The cells of a line without bullets or markup: cut with the cell pattern, spaces collapsed."""
    text = normalise_characters(raw).strip()
    cells = (" ".join(_SPACE.sub(" ", part).split()) for part in _CELL_SPLIT.split(text))
    return tuple(cell for cell in cells if cell)


@SOME
@given(text_pieces)
@example("Organisings, analysed programmes & the colour-centred ISE")
@example("Ysing yses our-ours\tcentreds")
def test_label_key_finds_the_words_and_spellings_the_patterns_find(text: str) -> None:
    assert label_key(text) == reference_key(text)


@SOME
@given(text_pieces)
@example("Education\t Transport / mobility \t\tBlight")
@example("Café\u2003\u2003\u2003Bar\u00a0 Baz")
def test_a_lines_cells_are_those_the_cell_pattern_cuts(text: str) -> None:
    assert clean_line(1, text).cells == reference_cells(text)


@SOME
@given(
    st.sampled_from([wording for wordings in template_data()["sections"].values() for wording in wordings]),
    text_pieces,
    text_pieces,
)
def test_the_first_word_check_keeps_every_line_whose_key_is_a_heading(heading: str, before: str, after: str) -> None:
    template = load_template()
    for text in (heading, heading.upper(), f"The {heading}", f"{before}{heading}", f"{heading}{after}"):
        if template.section_keys.get(label_key(text)) is not None:
            assert template.heading(text) is not None, text
