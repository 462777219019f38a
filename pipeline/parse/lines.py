"""Turn extracted text into clean, numbered lines.

PDF-to-text tools leave bullets, markdown bold, ligatures, odd spaces and curly quotes behind.
Each :class:`Line` keeps its 1-based number in the source so every value stays traceable.
"""

from __future__ import annotations

import re
import unicodedata
from functools import partial
from itertools import count
from operator import add
from typing import NamedTuple

from pipeline.parse.layout import lines_may_have_columns, reflow_columns

_BULLET = re.compile(r"^(?:(?:[-*+–—](?=\s))|[•●▪■□◦○·▶►▸▹➢➤➔→✓✔✗✘☐☑◆◇❖]|(?:\d{1,2}[.)](?=\s)))\s*")
_HEADING = re.compile(r"^#{1,6}\s+")
_EMPHASIS = re.compile(r"\*\*|__")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"'})
_QUOTE_PAIRS = tuple((chr(old), new) for old, new in _QUOTES.items())
"""_QUOTES as (curly, straight) pairs: str.translate with a dict costs microseconds per line even when
no curly quote is there, a substring test per quote a fraction of that."""
_CELL_SPLIT = re.compile(r"\t+|\s{3,}")
_SPACE = re.compile(r"[ \u00a0\u2000-\u200b\u202f\u205f\u3000\f\v]+")
_OTHER_SPACE = re.compile(r"[^\S ]")
"""Any white space but the plain space (tabs, other Unicode spaces): where _CELL_SPLIT may cut a line."""
_BULLET_START = frozenset("-*+–—•●▪■□◦○·▶►▸▹➢➤➔→✓✔✗✘☐☑◆◇❖0123456789")
"""First characters a bullet can start with: any other line skips the bullet pattern."""
_WRAP_HYPHEN = re.compile(r"[A-Za-z]-$")


class Line(NamedTuple):
    """One cleaned line. A named tuple rather than a frozen dataclass: as immutable, and a document
    makes one per line, where a frozen dataclass's __init__ costs several times more."""

    number: int
    raw: str
    text: str
    bullet: bool
    heading: bool
    cells: tuple[str, ...]
    column: int = 0
    """0 for a full-width line; 1 or 2 for the left or right fragment of a two-column line."""

    @property
    def blank(self) -> bool:
        return not self.text

    @property
    def words(self) -> int:
        """Words in the text (its spaces are single: clean_line collapses them)."""
        return self.text.count(" ") + 1 if self.text else 0


def normalise_characters(text: str) -> str:
    """Unicode compatibility forms (ligatures, no-break and thin spaces) and straight quotes."""
    if text.isascii():
        return text
    text = text.lstrip("\ufeff")
    text = unicodedata.normalize("NFKC", text)
    for curly, straight in _QUOTE_PAIRS:  # text.translate(_QUOTES), done only where a quote occurs
        if curly in text:
            text = text.replace(curly, straight)
    return text.replace("\u00ad", "") if "\u00ad" in text else text


def split_source_lines(text: str) -> list[str]:
    """Split on LF, CRLF or CR only (str.splitlines would also split on form feeds)."""
    if "\r" not in text:
        return text.split("\n")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def clean_line(number: int, raw: str, column: int = 0) -> Line:
    """One line cleaned without the cache (to_lines builds the same lines with it)."""
    return Line(number, raw, *_clean(raw), column)


CLEAN_CACHE_LIMIT = 1 << 15
"""Raw lines whose cleaning _CLEANED keeps before it is emptied: bounded memory on any corpus."""


class _Cleaned(dict[str, tuple[str, bool, bool, tuple[str, ...], int]]):
    """_clean's answer per raw line, then the column of a full-width line (0): the fields of its Line after
    the number and the raw text. Headings, labels and list options recur in every document; a plain
    dict answers a known line in C (cheaper than lru_cache, which also reorders its entries)."""

    def __missing__(self, raw: str) -> tuple[str, bool, bool, tuple[str, ...], int]:
        if len(self) >= CLEAN_CACHE_LIMIT:
            self.clear()
        cleaned = self[raw] = (*_clean(raw), 0)
        return cleaned


_CLEANED = _Cleaned()


def _clean(raw: str) -> tuple[str, bool, bool, tuple[str, ...]]:
    """(text, bullet, heading, cells) of a raw line (ASCII lines skip the Unicode work entirely)."""
    text = (raw if raw.isascii() else normalise_characters(raw)).lstrip()
    heading = text[:1] == "#" and bool(_HEADING.match(text))
    if heading:
        text = _HEADING.sub("", text)
    if "__" in text:
        text = _EMPHASIS.sub("", text)
    elif "**" in text:
        text = text.replace("**", "")  # the same left-to-right removal when there is no '__'
    bullet = False
    while text[:1] in _BULLET_START:
        stripped = text.lstrip()
        match = _BULLET.match(stripped)
        if not match or not stripped[match.end() :].strip():
            break
        bullet = True
        text = stripped[match.end() :].lstrip()
    single = "  " not in text and text[:1] != " " and text[-1:] != " "
    if single and text.isprintable():
        # no white space but single inner spaces (every other kind, ASCII or not, is unprintable):
        # collapsing the spaces would give the text, and there is nothing to split cells at
        return text, bullet, heading, (text,) if text else ()
    if text.isascii():
        clean = " ".join(text.split())
        if "\t" not in text and "   " not in text and "\f" not in text and "\v" not in text:
            return clean, bullet, heading, (clean,) if clean else ()
        if "   " not in text and text.replace("\t", " ").isprintable():
            # tabs are the only separators (no other control character, no run of 3 spaces): the
            # cells are the tab-separated parts, each with its spaces collapsed, empty ones dropped
            parts = text.split("\t")
            if single and " \t" not in text and "\t " not in text:
                return clean, bullet, heading, tuple(filter(None, parts))  # no part has spaces to collapse
            cells = tuple(" ".join(cell.split()) for cell in parts)
            return clean, bullet, heading, tuple(cell for cell in cells if cell)
    else:
        clean = " ".join(_SPACE.sub(" ", text.replace("\t", " ")).split())
        if "   " not in text and not _OTHER_SPACE.search(text):
            return clean, bullet, heading, (clean,) if clean else ()  # nothing to split cells at
    cells = tuple(" ".join(_SPACE.sub(" ", cell).split()) for cell in _CELL_SPLIT.split(text.strip()))
    return clean, bullet, heading, tuple(cell for cell in cells if cell)


_new_line = partial(tuple.__new__, Line)
"""Line(*fields) without the named tuple's Python-level __new__."""


def to_lines(text: str) -> list[Line]:
    """Numbered clean lines in reading order (two-column layout blocks re-flowed, numbers kept).

    The lines are built by C iterators only (map, zip, the lookup of _CLEANED): no Python bytecode runs
    for a line cleaned before, which makes this several times cheaper than a loop over the lines."""
    raw_lines = split_source_lines(text.lstrip("\ufeff"))
    if not lines_may_have_columns(text, raw_lines):
        # (number, raw) + (text, bullet, heading, cells, 0): each Line's fields in one tuple, no transposing
        return list(map(_new_line, map(add, zip(count(1), raw_lines), map(_CLEANED.__getitem__, raw_lines))))
    numbers, reflowed, columns = zip(*reflow_columns(raw_lines), strict=True)
    texts, bullets, headings, cells, _ = zip(*map(_CLEANED.__getitem__, reflowed), strict=True)
    return list(map(_new_line, zip(numbers, reflowed, texts, bullets, headings, cells, columns, strict=True)))


def join_wrapped(parts: list[str]) -> str:
    """Join wrapped lines into one paragraph, re-joining words hyphenated at a line end."""
    joined = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if joined.endswith("-") and _WRAP_HYPHEN.search(joined) and part[:1].islower():
            joined = joined[:-1] + part
        elif joined:
            joined = f"{joined} {part}"
        else:
            joined = part
    return joined


def join_clean(texts: list[str]) -> str:
    """join_wrapped of clean line texts (none empty, none with white space at either end): a plain join
    when no text before the last ends in a hyphen, which is when no "- " is in that join."""
    joined = " ".join(texts)
    return join_wrapped(texts) if "- " in joined else joined
