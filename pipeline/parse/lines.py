"""Turn extracted text into clean, numbered lines.

PDF-to-text tools leave bullets, markdown bold, ligatures, odd spaces and curly quotes behind.
Each :class:`Line` keeps its 1-based number in the source so every value stays traceable.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pipeline.parse.layout import reflow_columns

_BULLET = re.compile(r"^(?:(?:[-*+–—](?=\s))|[•●▪■□◦○·▶►▸▹➢➤➔→✓✔✗✘☐☑◆◇❖]|(?:\d{1,2}[.)](?=\s)))\s*")
_HEADING = re.compile(r"^#{1,6}\s+")
_EMPHASIS = re.compile(r"\*\*|__")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"'})
_CELL_SPLIT = re.compile(r"\t+|\s{3,}")
_SPACE = re.compile(r"[ \u00a0\u2000-\u200b\u202f\u205f\u3000\f\v]+")


@dataclass(frozen=True)
class Line:
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
        return len(self.text.split())


def normalise_characters(text: str) -> str:
    """Unicode compatibility forms (ligatures, no-break and thin spaces) and straight quotes."""
    text = text.lstrip("\ufeff")
    text = unicodedata.normalize("NFKC", text)
    return text.translate(_QUOTES).replace("\u00ad", "")


def split_source_lines(text: str) -> list[str]:
    """Split on LF, CRLF or CR only (str.splitlines would also split on form feeds)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def clean_line(number: int, raw: str, column: int = 0) -> Line:
    text = normalise_characters(raw)
    heading = bool(_HEADING.match(text.lstrip()))
    text = _HEADING.sub("", text.lstrip())
    text = _EMPHASIS.sub("", text)
    bullet = False
    while True:
        stripped = text.lstrip()
        match = _BULLET.match(stripped)
        if not match or not stripped[match.end() :].strip():
            break
        bullet = True
        text = stripped[match.end() :]
    cells = tuple(" ".join(_SPACE.sub(" ", cell).split()) for cell in _CELL_SPLIT.split(text.strip()))
    cells = tuple(cell for cell in cells if cell)
    clean = " ".join(_SPACE.sub(" ", text.replace("\t", " ")).split())
    return Line(number, raw, clean, bullet, heading, cells, column)


def to_lines(text: str) -> list[Line]:
    """Numbered clean lines in reading order (two-column layout blocks re-flowed, numbers kept)."""
    return [
        clean_line(source.number, source.text, source.column)
        for source in reflow_columns(split_source_lines(text.lstrip("\ufeff")))
    ]


def join_wrapped(parts: list[str]) -> str:
    """Join wrapped lines into one paragraph, re-joining words hyphenated at a line end."""
    joined = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if re.search(r"[A-Za-z]-$", joined) and part[:1].islower():
            joined = joined[:-1] + part
        elif joined:
            joined = f"{joined} {part}"
        else:
            joined = part
    return joined
