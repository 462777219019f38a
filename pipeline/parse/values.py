"""Small pure functions that read one value out of a piece of text.

Each returns ``None`` (or an empty part) rather than guessing: a number is stored only where the
text states one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat

_WORD_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "a dozen": 12, "dozen": 12,
}  # fmt: skip
_MULTIPLIERS = {"million": 1_000_000, "mn": 1_000_000, "m": 1_000_000, "thousand": 1_000,
                "k": 1_000, "billion": 1_000_000_000, "bn": 1_000_000_000}  # fmt: skip
_YEAR = r"(?:19|20)\d{2}"
_POPULATION_YEAR = re.compile(
    rf"\(\s*(?:[^()]*?\b)?(?P<y1>{_YEAR})\b[^()]*\)|\b(?:in|as of|year|census|est\.?)\s+(?P<y2>{_YEAR})\b",
    re.IGNORECASE,
)
_GROUPED = re.compile(r"^\d{1,3}(?:([ ,.'])\d{3})(?:\1\d{3})*$")
_NUMBER_WITH_UNIT = re.compile(
    r"(?P<num>\d[\d ,.']*\d|\d)\s*(?P<unit>million|mn|m|thousand|k|billion|bn)?\b", re.IGNORECASE
)


def _to_number(number: str, unit: str | None) -> int | None:
    number = number.strip()
    if unit:
        decimal = number.replace(" ", "").replace("'", "").replace(",", ".")
        if decimal.count(".") > 1:
            return None
        try:
            return round(float(decimal) * _MULTIPLIERS[unit.lower()])
        except ValueError:
            return None
    if number.isdigit():
        return int(number)
    if _GROUPED.match(number):
        return int(re.sub(r"[ ,.']", "", number))
    return None


@lru_cache(maxsize=1 << 12)
def parse_population(text: str) -> tuple[int | None, int | None]:
    """'974 073 (2019)' -> (974073, 2019); '1.2 million' -> (1200000, None); thousands separators
    may be a space, comma, dot, apostrophe, or a no-break or thin space (normalised to spaces)."""
    text = unicodedata.normalize("NFKC", text)
    year = None
    match = _POPULATION_YEAR.search(text)
    if match:
        year = int(match.group("y1") or match.group("y2"))
        text = text[: match.start()] + " " + text[match.end() :]
    number = _NUMBER_WITH_UNIT.search(text)
    if not number:
        return None, year
    return _to_number(number.group("num"), number.group("unit")), year


_TERM = re.compile(
    rf"(?P<start>{_YEAR})\s*(?:-|–|—|to|until|through)\s*(?P<end>{_YEAR}|present|now|current)?",
    re.IGNORECASE,
)
_SINCE = re.compile(rf"(?:since|from)\s+(?P<start>{_YEAR})", re.IGNORECASE)


@lru_cache(maxsize=1 << 12)
def parse_term(text: str) -> tuple[int | None, int | None]:
    """'2018–2022' -> (2018, 2022); 'since 2019' -> (2019, None)."""
    match = _TERM.search(text)
    if match:
        end = match.group("end")
        return int(match.group("start")), int(end) if end and end.isdigit() else None
    match = _SINCE.search(text) or re.fullmatch(rf"\s*(?P<start>{_YEAR})\s*", text)
    if match:
        return int(match.group("start")), None
    return None, None


@dataclass(frozen=True)
class StaffCount:
    """A team size as stated: ``exact`` only for one stated number, a range keeps its bounds."""

    exact: int | None
    minimum: int | None
    maximum: int | None


_QUANTITY = r"(?:\d+|" + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)) + r")"


def _quantity(token: str) -> int:
    token = token.lower()
    return int(token) if token.isdigit() else _WORD_NUMBERS[token]


_STAFF_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"\b(?P<a>{_QUANTITY})\s*(?:-|–|—|to)\s*(?P<b>{_QUANTITY})\b", re.I), "range"),
    (re.compile(rf"\b(?:less|fewer) than\s+(?P<a>{_QUANTITY})\b", re.I), "below"),
    (re.compile(rf"\b(?:under|up to|at most|maximum of)\s+(?P<a>{_QUANTITY})\b", re.I), "at_most"),
    (re.compile(rf"\b(?:more than|over)\s+(?P<a>{_QUANTITY})\b", re.I), "above"),
    (re.compile(rf"\b(?:at least|minimum of)\s+(?P<a>{_QUANTITY})\b", re.I), "at_least"),
    (
        re.compile(rf"\b(?:around|about|approx(?:imately|\.)?|roughly|some|nearly)\s+{_QUANTITY}\b", re.I),
        "vague",
    ),
    (re.compile(rf"\balmost\s+{_QUANTITY}\b", re.I), "vague"),
    (re.compile(rf"^(?:a team of\s+|an? )?(?P<a>{_QUANTITY})\b", re.I), "exact"),
    (re.compile(rf"\bteam of\s+(?P<a>{_QUANTITY})\b", re.I), "exact"),
    (re.compile(r"^(?:a|one)\s+(?:single\s+)?(?:staff|person|employee)", re.I), "one"),
)  # fmt: skip


@lru_cache(maxsize=1 << 12)
def parse_staff(text: str) -> StaffCount:
    """'9 staff' -> 9; 'a team of two' -> 2; '8-10 staff' -> range 8..10; 'less than 5' -> ..4;
    'more than 100 staff in around 20 teams' -> 101..; 'around 20' -> nothing (never guess)."""
    text = text.strip()
    for pattern, kind in _STAFF_RULES:
        match = pattern.search(text)
        if not match:
            continue
        if kind == "vague":
            return StaffCount(None, None, None)
        if kind == "one":
            return StaffCount(1, 1, 1)
        a = _quantity(match.group("a"))
        if kind == "range":
            low, high = sorted((a, _quantity(match.group("b"))))
            return StaffCount(None, low, high)
        if kind == "below":  # no lower bound is stated: None, not 0
            return StaffCount(None, None, max(a - 1, 0))
        if kind == "at_most":
            return StaffCount(None, None, a)
        if kind == "above":
            return StaffCount(None, a + 1, None)
        if kind == "at_least":
            return StaffCount(None, a, None)
        return StaffCount(a, a, a)
    return StaffCount(None, None, None)


_SMALL_WORDS = {"de", "del", "la", "las", "los", "da", "do", "dos", "das", "di", "van", "von",
                "der", "den", "y", "e", "of", "upon", "on", "am", "im", "an", "sur", "les"}  # fmt: skip


def smart_title(name: str) -> str:
    """Title-case an upper-case name: 'TEL AVIV-YAFO' -> 'Tel Aviv-Yafo', "BE'ER SHEVA" -> "Be'er Sheva"."""

    def word(token: str, first: bool) -> str:
        lower = token.lower()
        if not first and lower in _SMALL_WORDS:
            return lower
        parts = re.split(r"(-)", lower)
        out = []
        for part in parts:
            if "'" in part:
                head, _, tail = part.partition("'")
                # L'Hospitalet keeps the capital after a one-letter elision; Be'er does not.
                tail = tail.capitalize() if len(head) == 1 else tail
                part = f"{head.capitalize()}'{tail}"
            else:
                part = part.capitalize()
            out.append(part)
        return "".join(out)

    return " ".join(word(token, index == 0) for index, token in enumerate(name.split()))


def restore_case(name: str, body: str) -> str:
    """An all-caps header name takes the casing it has in the body text, else smart title case."""
    if not name.isupper():
        return name
    flattened = _flattened(body) if name.isascii() else None
    if flattened is not None:
        return _restore_case_found(name, *flattened)
    pattern = re.compile(r"(?<!\w)" + re.escape(name).replace(r"\ ", r"\s+") + r"(?!\w)", re.I)
    for match in pattern.finditer(body):
        found = " ".join(match.group(0).split())
        if found[:1].isupper() and not found.isupper():
            return found
    return smart_title(name)


def restore_case_in_lines(name: str, texts: list[str]) -> str:
    """restore_case(name, "\n".join(texts)) without joining (nor lower-casing) the whole body when the
    name is one ASCII word, as most are: a word never spans two lines, so the lines are searched in turn
    and the search stops at the first proper-case match, usually in the first lines. A line start or end
    counts as a word boundary, as the newline does in the body. A body with 'İ' (whose lower case is two
    characters) takes restore_case's own path."""
    if not name.isupper():
        return name
    needle = " ".join(name.lower().split())
    if not name.isascii() or " " in needle or any(map(str.__contains__, texts, repeat("\u0130"))):
        return restore_case(name, "\n".join(texts))
    size = len(needle)
    for text in texts:
        lowered = text.lower()  # offsets kept: no 'İ', and every other character lower-cases to one
        start = lowered.find(needle)
        while start >= 0:
            end = start + size
            before, after = text[start - 1 : start] if start else "", text[end : end + 1]
            if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
                found = text[start:end]
                if found[:1].isupper() and not found.isupper():
                    return found
            start = lowered.find(needle, start + 1)
    return smart_title(name)


_LOWER_NOT_ONE_NON_ASCII = ("\u0130", "\u212a")
"""The characters beyond ASCII whose lower case is not one character beyond ASCII ('İ' gives two, the
Kelvin sign 'k'); a test checks every code point."""


@lru_cache(maxsize=2)
def _flattened(body: str) -> tuple[str, str | bytes] | None:
    """The body on one line, and lower-cased, when lower-casing keeps every offset (no character
    lower-cases to two, as 'İ' does); computed once for the city, region and country. Without those
    characters the lower case is bytes (ASCII letters lower-cased, '?' for every other character): an
    ASCII name is found at the same offsets, without str.lower's per-character look-ups beyond ASCII."""
    flat = body.replace("\n", " ").replace("\t", " ")
    if flat.isascii() or not any(character in flat for character in _LOWER_NOT_ONE_NON_ASCII):
        return flat, flat.encode("ascii", "replace").lower()
    lowered = flat.lower()
    return (flat, lowered) if len(lowered) == len(flat) else None


def _restore_case_found(name: str, flat: str, lowered: str | bytes) -> str:
    """restore_case for an ASCII name without compiling a pattern per document: the name is found
    with str.find in the lower-cased body (its words may be wrapped onto the next line)."""
    needle = " ".join(name.lower().split())
    if isinstance(lowered, bytes) and "?" in needle:
        lowered = flat.lower()  # '?' stands for any non-ASCII character in the bytes: compare text
    key = needle.encode("ascii") if isinstance(lowered, bytes) else needle
    start = lowered.find(key)  # type: ignore[arg-type]
    while start >= 0:
        end = start + len(needle)
        before, after = flat[start - 1 : start], flat[end : end + 1]
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            found = flat[start:end]
            if found[:1].isupper() and not found.isupper():
                return found
        start = lowered.find(key, start + 1)  # type: ignore[arg-type]
    return smart_title(name)


def split_top_level(text: str, separators: str = ",;") -> list[str]:
    """Split on separators that are not inside parentheses."""
    parts: list[str]
    if "(" not in text:
        if separators:  # every separator made the first, then one str.split: a cut at each of them
            first = separators[0]
            for separator in separators[1:]:
                text = text.replace(separator, first)
            parts = text.split(first)
        else:
            parts = [text]
        return [stripped for stripped in map(str.strip, parts) if stripped]
    parts = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        if ch in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]
