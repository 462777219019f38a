"""Controlled vocabularies: load the YAML files in ``schemas/vocabularies`` and match labels.

Cities word the same survey option in many ways (the website's label, the snapshot's label,
plurals, British or American spelling). Matching therefore works on a normalised *key*, and the
accepted wordings live in data files, so adding a variant never means touching code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import yaml

VOCABULARY_DIR = Path(__file__).parent / "vocabularies"
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader when PyYAML has it: the vocabularies load at every start-up."""
OTHER = "other"
"""Reserved code for a free-text answer that matches no option: kept verbatim, never dropped."""

MATCH_CACHE_LIMIT = 1 << 15
"""Labels whose codes are remembered before the memo is emptied: bounded memory on any corpus."""
_MISSING = object()
_ARTICLE_WORDS = frozenset({"a", "an", "the"})
_QUALIFIER = re.compile(r"\s*\([^)]*\)\s*$")
_SPELLING = {
    "isation": "ization",
    "ising": "izing",
    "ise": "ize",
    "yse": "yze",
    "ysing": "yzing",
    "our": "or",
    "centred": "centered",
    "programme": "program",
}
"""British -> American endings. One pass of one pattern: no replacement creates another's match."""
_SPELLING_PATTERN = re.compile(r"is(?:ation|ing\b|e\b)|programme|ys(?:e|ing)\b|our\b|centred\b")
"""isation|programme|(?:ising|ise|yse|ysing|our|centred)\b, factored by first letters (the alternatives
that share a start differ in a later letter, so the order does not matter): half the scanning time."""
_SPELLING_NEEDLES = ("ise", "ys", "our", "ising", "isation", "programme", "centred")
"""Substrings one of which every match of _SPELLING_PATTERN holds: a text with none needs no scan (most
keys; the scan costs several times the substring tests)."""
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _unless_combining(match: re.Match[str]) -> str:
    """A non-ASCII character kept, or dropped when it is a combining mark (an accent NFKD split off)."""
    character = match.group(0)
    return "" if unicodedata.combining(character) else character


_KEY_CHARACTERS = bytes(c if 0x30 <= c <= 0x39 or 0x61 <= c <= 0x7A else 0x20 for c in range(256))
"""Byte table keeping a-z and 0-9 and turning every other byte into a space: a key's words in one pass."""


@lru_cache(maxsize=1 << 16)
def label_key(label: str) -> str:
    """Normalise a label for matching: case, accents, punctuation, articles, '&', spelling.
    Cached: the same headings and options recur in every document."""
    if label.isascii():
        text = label.lower()
    else:
        text = unicodedata.normalize("NFKD", label)
        if not text.isascii():  # the accents dropped: only non-ASCII characters can be combining marks
            text = _NON_ASCII.sub(_unless_combining, text)
        text = text.lower()
    if "&" in text:
        text = text.replace("&", " and ")
    # the runs of a-z0-9 (what [a-z0-9]+ finds): any other character, '?' for non-ASCII, splits words
    words = text.encode("ascii", "replace").translate(_KEY_CHARACTERS).decode("ascii").split()
    if len(words) > 1 and words[0] in _ARTICLE_WORDS:
        del words[0]
    text = " ".join(words)
    for needle in _SPELLING_NEEDLES:  # the pattern's scan only for a text holding one of its literals
        if needle in text:
            break
    else:
        return text
    if _SPELLING_PATTERN.search(text):
        text = _SPELLING_PATTERN.sub(lambda match: _SPELLING[match.group(0)], text)
    return text


@dataclass(frozen=True)
class Code:
    dimension: str
    code: str
    label: str
    variants: tuple[str, ...]


@dataclass(frozen=True)
class Vocabulary:
    """All dimensions with their codes, and an index from label key to code."""

    codes: tuple[Code, ...]
    descriptions: dict[str, str]
    _index: dict[tuple[str, str], str]
    _keys_by_dimension: dict[str, tuple[tuple[str, str], ...]] = field(init=False, repr=False, compare=False)
    """Each dimension's (key, code) pairs, longest key first, each key between two spaces: find_within
    scans one dimension for whole words without building a padded key per option."""
    _matches: dict[tuple[str, str], str | None] = field(init=False, repr=False, compare=False)
    """match's answers per (dimension, label): list options recur in every document."""
    derived: dict[tuple[str, ...], tuple[str, ...]] = field(init=False, repr=False, compare=False)
    """Results of pure functions of this vocabulary that its users keep (keyed by a name first), so a
    result computed with one vocabulary is never given for another; emptied at MATCH_CACHE_LIMIT."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_matches", {})
        object.__setattr__(self, "derived", {})
        by_dimension: dict[str, list[tuple[str, str]]] = {}
        for (dimension, key), code in self._index.items():
            if key:
                by_dimension.setdefault(dimension, []).append((key, code))
        prepared = {
            dim: tuple((f" {key} ", code) for key, code in sorted(pairs, key=lambda pair: -len(pair[0])))
            for dim, pairs in by_dimension.items()
        }
        object.__setattr__(self, "_keys_by_dimension", prepared)

    @property
    def dimensions(self) -> list[str]:
        return sorted(self.descriptions)

    def match(self, dimension: str, label: str) -> str | None:
        """Return the code whose label or a variant has the same key as ``label``, else None.

        A trailing parenthetical qualifier ("Municipal budget (operating budget ...)") is tried
        with and without the parenthesis, so a qualified label matches its bare option.
        """
        cached = self._matches.get((dimension, label), _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        if dimension not in self.descriptions:
            raise KeyError(f"unknown vocabulary dimension {dimension!r}")
        code = self._index.get((dimension, label_key(label)))
        if code is None and ")" in label:
            bare = _QUALIFIER.sub("", label)
            if bare != label:
                code = self._index.get((dimension, label_key(bare)))
        if len(self._matches) >= MATCH_CACHE_LIMIT:
            self._matches.clear()
        self._matches[(dimension, label)] = code
        return code

    def find_within(self, dimension: str, text: str) -> str | None:
        """The code whose longest wording occurs inside ``text`` as whole words, else None."""
        haystack = f" {label_key(text)} "
        for padded, code in self._keys_by_dimension.get(dimension, ()):
            if padded in haystack:
                return code
        return None

    @property
    def known_matches(self) -> dict[tuple[str, str], str | None]:
        """match's answers so far per (dimension, label), read-only: a caller coding many labels looks a
        known one up itself (a miss goes through match)."""
        return self._matches

    def code_or_other(self, dimension: str, label: str) -> str:
        code = self._matches.get((dimension, label), _MISSING)
        if code is _MISSING:
            code = self.match(dimension, label)
        return code or OTHER  # type: ignore[return-value]

    def label_of(self, dimension: str, code: str) -> str | None:
        for entry in self.codes:
            if entry.dimension == dimension and entry.code == code:
                return entry.label
        return None

    def codes_of(self, dimension: str) -> set[str]:
        return {entry.code for entry in self.codes if entry.dimension == dimension}


def _load_file(path: Path) -> tuple[str, str, list[Code]]:
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    dimension = document["dimension"]
    if dimension != path.stem:
        raise ValueError(f"{path.name}: dimension {dimension!r} differs from the file name")
    codes = [
        Code(dimension, entry["code"], entry["label"], tuple(entry.get("variants") or ()))
        for entry in document["codes"]
    ]
    return dimension, document.get("description", ""), codes


def build_vocabulary(directory: Path = VOCABULARY_DIR) -> Vocabulary:
    """Load every ``*.yaml`` vocabulary; refuse a variant that maps to two codes of one dimension."""
    codes: list[Code] = []
    descriptions: dict[str, str] = {}
    index: dict[tuple[str, str], str] = {}
    for path in sorted(directory.glob("*.yaml")):
        dimension, description, file_codes = _load_file(path)
        descriptions[dimension] = description
        for entry in file_codes:
            if entry.code == OTHER:
                raise ValueError(f"{path.name}: code 'other' is reserved for free text")
            for wording in (entry.label, *entry.variants):
                key = (dimension, label_key(wording))
                existing = index.setdefault(key, entry.code)
                if existing != entry.code:
                    raise ValueError(f"{path.name}: {wording!r} maps to both {existing!r} and {entry.code!r}")
            codes.append(entry)
    return Vocabulary(tuple(codes), descriptions, index)


@cache
def load_vocabulary() -> Vocabulary:
    """The project's vocabulary, loaded once per process."""
    return build_vocabulary()


TEMPLATE_PATH = Path(__file__).parent / "snapshot_template.yaml"


@cache
def template_data() -> dict:
    """The snapshot template as loaded from YAML: every stage that needs the snapshot's wording
    (the parser, the PDF reader) reads it from here, so the wording lives in one file."""
    return yaml.load(TEMPLATE_PATH.read_text(encoding="utf-8"), Loader=YAML_LOADER)


def item_dimensions() -> dict[str, str]:
    """Each list dimension of a snapshot -> the vocabulary its items are coded with."""
    return template_data()["item_dimensions"]


def allowed_item_codes() -> dict[str, set[str]]:
    """Each list dimension -> its vocabulary's codes plus ``other``."""
    vocabulary = load_vocabulary()
    return {dim: vocabulary.codes_of(vocab) | {OTHER} for dim, vocab in item_dimensions().items()}
