"""Page geometry of a PDF: words with their boxes, fonts and colours, the lines they form, and the
filled rectangles and rules on the page (read with pdfplumber)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

RGB = tuple[float, float, float]


WORD_GAP = 0.15
"""Characters further apart than this share of the font size are separate words (a space is ~0.28)."""


_CID = re.compile(r"(?:\(cid:\d+\))+")


_URL_END = re.compile(r"(?:https?://|www\.)\S*[/\-.?=&_]$")


_HYPHENATED = re.compile(r"[A-Za-zÀ-ÿ][-\u00ad]$")


@dataclass
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    colour: RGB | None


@dataclass
class TextLine:
    """Words on one baseline (or one column's share of them), left to right."""

    words: list[Word]
    tabbed: bool = False
    """In the outcomes grid: cells far apart on the line are separated by tabs, as in the seed text."""

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def size(self) -> float:
        return max(w.size for w in self.words)

    @property
    def text(self) -> str:
        if self.tabbed:
            return "\t".join(" ".join(w.text for w in f.words) for f in split_fragments(self))
        return " ".join(w.text for w in self.words)


@dataclass
class Rect:
    x0: float
    x1: float
    top: float
    bottom: float
    colour: RGB | None

    def holds(self, word: Word) -> bool:
        cx, cy = (word.x0 + word.x1) / 2, (word.top + word.bottom) / 2
        return self.x0 <= cx <= self.x1 and self.top <= cy <= self.bottom


@dataclass
class Page:
    number: int
    width: float
    height: float
    lines: list[TextLine]
    rects: list[Rect]
    rules: list[Rect]
    images: int


@dataclass
class Cell:
    label: str
    colour: RGB | None
    x0: float
    x1: float
    top: float
    bottom: float


def rgb(colour: Any) -> RGB | None:
    """Grey, RGB or CMYK fill -> RGB in 0..1; patterns and other spaces -> None."""
    if isinstance(colour, int | float):
        colour = (colour,)
    if not isinstance(colour, tuple | list) or not all(isinstance(c, int | float) for c in colour):
        return None
    values = [float(c) for c in colour]
    if len(values) == 1:
        return (values[0],) * 3  # type: ignore[return-value]
    if len(values) == 3:
        return (values[0], values[1], values[2])
    if len(values) == 4:
        c, m, y, k = values
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return None


def read_page(page: Any, number: int) -> Page:
    words = [
        Word(
            text=_glyphs(w["text"]),
            x0=w["x0"],
            x1=w["x1"],
            top=w["top"],
            bottom=w["bottom"],
            size=float(w.get("size") or 10.0),
            colour=_majority_colour(w.get("chars", [])),
        )
        for w in page.extract_words(extra_attrs=["size"], return_chars=True, x_tolerance_ratio=WORD_GAP)
        if _glyphs(w["text"]).strip()
    ]
    rects, rules = [], []
    for r in page.rects:
        rect = Rect(r["x0"], r["x1"], r["top"], r["bottom"], rgb(r.get("non_stroking_color")))
        if r.get("fill"):
            rects.append(rect)
        if r.get("fill") or r.get("stroke"):
            rules.append(rect)
    rules += [Rect(ln["x0"], ln["x1"], ln["top"], ln["bottom"], None) for ln in page.lines]
    return Page(number, float(page.width), float(page.height), group_lines(words), rects, rules, len(page.images))


def _glyphs(text: str) -> str:
    """A glyph the font maps to no character comes out as '(cid:N)': on its own it is a symbol
    (in a snapshot, a bullet or an icon), inside a word it is dropped."""
    if _CID.fullmatch(text):
        return "•"
    return _CID.sub("", text)


def _majority_colour(chars: Iterable[dict]) -> RGB | None:
    colours = Counter(rgb(c.get("non_stroking_color")) for c in chars if c.get("text", "").strip())
    return colours.most_common(1)[0][0] if colours else None


def group_lines(words: list[Word]) -> list[TextLine]:
    """Words sharing a baseline (within a third of the font size) form one physical line."""
    lines: list[TextLine] = []
    for word in sorted(words, key=lambda w: (round(w.bottom, 1), w.x0)):
        if lines and abs(lines[-1].bottom - word.bottom) <= 0.35 * min(word.size, lines[-1].size):
            lines[-1].words.append(word)
        else:
            lines.append(TextLine([word]))
    for line in lines:
        line.words.sort(key=lambda w: w.x0)
    return lines


def split_fragments(line: TextLine) -> list[TextLine]:
    """A line cut where words are further apart than a word space could be (1 em)."""
    parts: list[TextLine] = [TextLine([line.words[0]])]
    for word in line.words[1:]:
        previous = parts[-1].words[-1]
        if word.x0 - previous.x1 > max(previous.size, word.size):
            parts.append(TextLine([word]))
        else:
            parts[-1].words.append(word)
    return parts


def paragraph(lines: Sequence[TextLine]) -> str:
    """Join wrapped lines: a word hyphenated at a line end, or a URL broken after '/', is re-joined."""
    text = ""
    for line in lines:
        part = line.text.strip()
        last = text.rsplit(" ", 1)[-1] if text else ""
        if not text:
            text = part
        elif _URL_END.search(last):
            text += part
        elif _HYPHENATED.search(text) and part[:1].islower():
            text = text[:-1] + part
        else:
            text = f"{text} {part}"
    return text
