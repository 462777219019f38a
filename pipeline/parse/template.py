"""The snapshot template (``schemas/snapshot_template.yaml``) compiled for the parser."""

from __future__ import annotations

import re
import re._compiler as re_compiler
import re._constants as re_constants
import re._parser as re_parser
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import count
from pathlib import Path

import yaml

from schemas.vocabulary import TEMPLATE_PATH, YAML_LOADER, label_key

MAX_HEADING_WORDS = 12
"""A longer line is never a section heading."""
CACHE_LIMIT = 1 << 15
"""Entries kept per text-keyed cache before it is emptied: bounded memory on any corpus."""
_MISSING = object()
_FIRST_WORD = re.compile(r"[A-Za-z0-9]+")
"""The first word of an ASCII text as label_key cuts words (lower-cased after the match: on ASCII text,
the same word as [a-z0-9]+ finds in the lower-cased text, without lower-casing the whole line)."""
_ARTICLES = frozenset({"a", "an", "the"})
"""Leading words label_key may drop (its _ARTICLE_WORDS)."""
"""A cache miss (dict.get with a default: cheaper than catching KeyError on every new line)."""


NO_ROLE: tuple[str | None, bool, tuple[str, str | None] | None] = (None, False, None)
"""The roles of a content line (no title, no page furniture, no heading); Template.roles returns this object."""
MIN_NEEDLE = 4
"""Shortest literal worth checking before a pattern runs."""


def _needle(pattern: re.Pattern[str]) -> str | None:
    """The longest run of literal characters every match must contain (top level of the pattern,
    outside groups, alternatives and repeats), lower-cased; None if shorter than MIN_NEEDLE."""
    best, run = "", ""
    for op, value in re_parser.parse(pattern.pattern, pattern.flags):
        if op is re_constants.LITERAL:
            run += chr(value)
            best = max(best, run, key=len)
        else:
            run = ""
    return best.lower() if len(best) >= MIN_NEEDLE else None


_CONSUMING = (re_constants.LITERAL, re_constants.NOT_LITERAL, re_constants.IN, re_constants.ANY)
_REPEATS = (re_constants.MAX_REPEAT, re_constants.MIN_REPEAT, re_constants.POSSESSIVE_REPEAT)


def _first_items(items: list[tuple[object, object]]) -> list[tuple[object, object]] | None:
    """The one-character items (literal, class, any) a match of ``items`` must start with, one of them;
    None when a match may be empty or begin otherwise (this analysis then proves nothing)."""
    for op, value in items:
        if op is re_constants.AT:
            continue  # an anchor or word boundary reads no character
        if op in _CONSUMING:
            return [(op, value)]
        if op is re_constants.SUBPATTERN and not value[1] and not value[2]:  # type: ignore[index]
            return _first_items(value[3].data)  # type: ignore[index]
        if op is re_constants.BRANCH:
            found: list[tuple[object, object]] = []
            for alternative in value[1]:  # type: ignore[index]
                first = _first_items(alternative.data)
                if first is None:
                    return None
                found.extend(first)
            return found
        if op in _REPEATS and value[0] >= 1:  # type: ignore[index]
            return _first_items(value[2].data)  # type: ignore[index]
        return None
    return None


def ascii_initials(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The ASCII characters a match of ``pattern`` can start with, or None if unknown. A text whose first
    character is ASCII and not among them has no match at its start: ``pattern.match`` need not run
    (a regular expression call costs more than the test). Each first item is compiled alone with the
    pattern's flags and asked about every ASCII character, so case folding is sre's own."""
    parsed = re_parser.parse(pattern.pattern, pattern.flags)
    items = _first_items(parsed.data)
    if items is None:
        return None
    initials: set[str] = set()
    for item in items:
        one = re_compiler.compile(re_parser.SubPattern(parsed.state, [item]), pattern.flags)
        initials.update(character for character in map(chr, range(128)) if one.match(character))
    return frozenset(initials)


def may_match_at_start(initials: frozenset[str] | None, text: str) -> bool:
    """False when ``text`` cannot start a match of the pattern with these ascii_initials."""
    if initials is None:
        return True
    first = text[:1]
    return first in initials or not first.isascii()


def fold(text: str) -> str | None:
    """``text`` lower-cased for needle checks, or None when it is not ASCII: there ``lower()`` and a
    pattern's case folding can disagree (e.g. 'İ'), so no check may turn the text away."""
    return text.lower() if text.isascii() else None


class Prepared:
    """A compiled case-insensitive pattern that first checks, with a plain substring test, for a
    literal every match contains: most paragraphs are turned away without running the pattern, and
    results never change. Callers reading one text with many patterns fold it once and pass it."""

    __slots__ = ("lowercase", "needle", "pattern")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.needle = _needle(pattern) if pattern.flags & re.IGNORECASE else None
        source = pattern.pattern
        letters = source.replace("(?P<", "").replace("(?P=", "")  # group syntax, not text to match
        plain = letters == letters.lower() and not any(escape in source for escape in ("\\x", "\\u", "\\N"))
        self.lowercase = re.compile(source) if plain and pattern.flags & re.IGNORECASE else None
        """The pattern without case folding, for lower-cased ASCII text: its source has no capital letter
        (so no \\S, \\W, \\D), and on text with none either, it matches where the folded pattern would."""

    def search(self, text: str, folded: str | None = None) -> re.Match[str] | None:
        needle = self.needle
        if needle is not None:
            if folded is None:
                folded = fold(text)
            if folded is not None and needle not in folded:
                return None
        if folded is not None and self.lowercase is not None and self.lowercase.search(folded) is None:
            return None  # the cheaper case-sensitive scan of the folded text says there is no match
        return self.pattern.search(text)

    def group(self, text: str, folded: str | None, name: str) -> str | None:
        """``search(text, folded).group(name)``, or None when nothing matches. On ASCII text the match on
        the folded text is the match (same offsets): its group is cut from ``text``, no second scan."""
        needle = self.needle
        if needle is not None:
            if folded is None:
                folded = fold(text)
            if folded is not None and needle not in folded:
                return None
        if folded is not None and self.lowercase is not None:
            match = self.lowercase.search(folded)
            if match is None:
                return None
            start, end = match.span(name)
            return text[start:end] if start >= 0 else None
        found = self.pattern.search(text)
        return None if found is None else found.group(name)

    def finditer(self, text: str, folded: str | None = None) -> Iterator[re.Match[str]]:
        needle = self.needle
        if needle is not None:
            if folded is None:
                folded = fold(text)
            if folded is not None and needle not in folded:
                return iter(())
        return self.pattern.finditer(text)

    def found(self, text: str, folded: str | None) -> bool:
        """Whether the pattern occurs in ``text`` (case-sensitively on the folded text when it may)."""
        if folded is None:
            return self.pattern.search(text) is not None
        if self.needle is not None and self.needle not in folded:
            return False
        if self.lowercase is not None:
            return self.lowercase.search(folded) is not None
        return self.pattern.search(text) is not None

    def finditer_folded(self, text: str, folded: str | None) -> Iterator[re.Match[str]]:
        """Like finditer, but run case-sensitively on the folded text when the pattern allows it (about
        twice as fast as case-insensitive matching). Offsets are the text's; group values are lower-cased."""
        if folded is None or self.lowercase is None:
            return self.finditer(text, folded)
        needle = self.needle
        if needle is not None:
            found = folded.count(needle)
            if found == 0:
                return iter(())
            if found == 1:
                # every match holds the needle, and two matches would hold two of it: at most one match,
                # found by a search that stops there (finditer would scan on to the end of the text)
                match = self.lowercase.search(folded)
                return iter(()) if match is None else iter((match,))
        return self.lowercase.finditer(folded)


def _prepare(pattern: str) -> Prepared:
    return Prepared(re.compile(pattern, re.IGNORECASE))


def _compile(patterns: list[str]) -> tuple[Prepared, ...]:
    return tuple(_prepare(pattern) for pattern in patterns)


def any_of(patterns: Iterable[Prepared]) -> re.Pattern[str] | None:
    """One pattern that matches where any of ``patterns`` does (None for none): one scan, not many."""
    sources = [f"(?:{prepared.pattern.pattern})" for prepared in patterns]
    return re.compile("|".join(sources), re.IGNORECASE) if sources else None


def _title_or_furniture(prefixes: str, furniture: Iterable[Prepared]) -> re.Pattern[str]:
    """A title prefix at the start, or page furniture filling the whole text: None from its match means
    neither (a match may be either: roles then asks each pattern)."""
    furniture_pattern = any_of(furniture)
    if furniture_pattern is None:
        return re.compile(prefixes, re.IGNORECASE)
    return re.compile(rf"(?:{prefixes})|(?:{furniture_pattern.pattern})\Z", re.IGNORECASE)


@dataclass(frozen=True)
class Fact:
    name: str
    sections: frozenset[str] | None
    negative: tuple[Prepared, ...]
    positive: tuple[Prepared, ...]
    needles: tuple[str, ...] | None = field(init=False, repr=False, compare=False)
    """One literal of each pattern, when every pattern has one: a text holding none states nothing."""
    _last: list[str | bool | None] = field(default_factory=lambda: [None, None], init=False, repr=False, compare=False)
    """The last text read and its answer (see read)."""

    def __post_init__(self) -> None:
        needles = [p.needle for p in (*self.negative, *self.positive)]
        usable = all(needle is not None for needle in needles)
        # a needle holding another is present only where that one is: the shorter one is check enough
        distinct = dict.fromkeys(needles)
        minimal = tuple(n for n in distinct if not any(o != n and o in n for o in distinct))  # type: ignore[operator]
        object.__setattr__(self, "needles", minimal if usable else None)

    def may_be_in(self, folded: str | None) -> bool:
        """False when ``folded`` (see fold) holds none of the fact's needles: the fact is not stated."""
        needles = self.needles
        if folded is None or needles is None:
            return True
        for needle in needles:
            if needle in folded:
                return True
        return False

    def read(self, text: str, folded: str | None = None) -> bool | None:
        """What ``text`` states of the fact (``folded``: see fold). The last text's answer is kept: a
        benchmark claim's topic is read off its sentence, usually the very paragraph read next for facts."""
        last = self._last
        if text == last[0]:
            return last[1]  # type: ignore[return-value]
        value = self._read(text, folded)
        last[:] = text, value
        return value

    def _read(self, text: str, folded: str | None) -> bool | None:
        folded = folded if folded is not None else fold(text)
        if not self.may_be_in(folded):
            return None
        for pattern in self.negative:
            if pattern.found(text, folded):
                return False
        for pattern in self.positive:
            if pattern.found(text, folded):
                return True
        return None


@dataclass(frozen=True)
class FirstMatch:
    """Several patterns tried in order, used like one compiled pattern (each may reuse group names)."""

    patterns: tuple[Prepared, ...]
    _last: list[str | None] = field(default_factory=lambda: [None, None, None], init=False, repr=False, compare=False)
    """The last (text, group name) of group and its answer: a benchmark claim on the approach reads the group
    off its sentence, usually the very paragraph the approach reader reads next."""

    def search(self, text: str, folded: str | None = None) -> re.Match[str] | None:
        for pattern in self.patterns:
            match = pattern.search(text, folded)
            if match:
                return match
        return None

    def group(self, text: str, folded: str | None, name: str) -> str | None:
        """``search(text, folded).group(name)``, or None when no pattern matches: the group of the first
        pattern that matches, read as Prepared.group reads it (off the folded match, no second scan)."""
        last = self._last
        if text == last[0] and name == last[1]:
            return last[2]
        found = self._group(text, folded, name)
        last[:] = text, name, found
        return found

    def _group(self, text: str, folded: str | None, name: str) -> str | None:
        if folded is None:
            for pattern in self.patterns:
                match = pattern.search(text)
                if match:
                    return match.group(name)
            return None
        for pattern in self.patterns:
            needle = pattern.needle
            if needle is not None and needle not in folded:
                continue
            lowercase = pattern.lowercase
            if lowercase is None:
                match = pattern.pattern.search(text)
                if match:
                    return match.group(name)
                continue
            found = lowercase.search(folded)
            if found is not None:
                start, end = found.span(name)
                return text[start:end] if start >= 0 else None
        return None


def _alternatives(words: Iterable[str]) -> str:
    """The words as one regex alternation, matched as written, a longer wording before any it starts with."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_LIST_WORDS_SERIAL = count(1)


class ListWords:
    """The template's words that join a list written as a sentence (``list_words``), compiled."""

    __slots__ = (
        "article",
        "article_initials",
        "clause_joint",
        "joint",
        "key",
        "lead_separator",
        "leading",
        "leading_initials",
        "strip",
    )

    def __init__(self, spec: dict[str, list[str]]) -> None:
        self.key = f"list_words:{next(_LIST_WORDS_SERIAL)}"
        """Names this set of words in caches kept elsewhere (the vocabulary's derived results)."""
        self.joint = re.compile(rf"\s+(?:{_alternatives(spec['joining'])})\s+")
        """Between two entries ('A and B')."""
        self.clause_joint = re.compile(rf",?\s+(?:{_alternatives(spec['clause_joining'])})\s+")
        """A second list joined to a data-partnership sentence: read as a comma."""
        self.leading = re.compile(rf"^(?:{_alternatives(spec['leading'])})\s+", re.IGNORECASE)
        self.article = re.compile(rf"^(?:{_alternatives(spec['articles'])})\s+", re.IGNORECASE)
        self.leading_initials = frozenset(w[:1] for word in spec["leading"] for w in (word.lower(), word.upper()))
        self.article_initials = frozenset(w[:1] for word in spec["articles"] for w in (word.lower(), word.upper()))
        """First letters (either case) of the leading words and articles: a segment starting otherwise keeps
        its first word without running the patterns."""
        names = "|".join(rf"\b{re.escape(word)}\b" for word in spec["name_joining"])
        self.lead_separator = re.compile(rf"\s*(?:;|,|{names}|&|/)\s*")
        """Between the names of the innovation leads ('Ana Ruiz and Ben Li; Chen Wu')."""
        self.strip = lru_cache(maxsize=CACHE_LIMIT)(self._strip)
        """The entry without its grammar (see _strip). Cached: list options recur in every document."""

    def _strip(self, segment: str) -> str:
        """Drop the grammar around a list entry: a leading 'and'/'or'/'as well as', articles, end marks."""
        segment = segment.strip().strip(".:;").strip()
        if segment[:1] in self.leading_initials:
            segment = self.leading.sub("", segment, count=1)
        if segment[:1] in self.article_initials:
            segment = self.article.sub("", segment, count=1)
        return segment.strip().strip('"').strip()


@dataclass(frozen=True)
class SharePhrase:
    """The range of percentages a phrase such as 'more than half' states (bounds inclusive)."""

    low: float
    high: float


@dataclass(frozen=True)
class Template:
    header_prefixes: tuple[str, ...]
    section_keys: dict[str, str]
    spotlight_prefix: str
    overview_keys: dict[str, str]
    list_intro_keys: dict[str, str]
    item_dimensions: dict[str, str]
    prose_lists: dict[str, tuple[frozenset[str], tuple[Prepared, ...]]]
    section_lists: dict[str, str]
    outcomes_legend: tuple[str, ...]
    outcomes_note: tuple[str, ...]
    data_partnership_purpose: re.Pattern[str]
    facts: tuple[Fact, ...]
    team_location: tuple[Prepared, ...]
    team_staff: tuple[Prepared, ...]
    approach_sentence: FirstMatch
    benchmark: Prepared
    share_phrases: dict[str, SharePhrase]
    benchmark_topics: dict[str, Prepared]
    list_words: ListWords
    page_furniture: tuple[Prepared, ...] = ()
    list_facts: dict[str, str] = field(default_factory=dict)
    list_intro_phrases: dict[str, tuple[re.Pattern[str], ...]] = field(default_factory=dict)
    """Each list's intro wordings as patterns, longest first: where the intro ends in a line."""
    section_handlers: dict[str, str] = field(default_factory=dict)
    default_handler: str = "prose"
    no_value: frozenset[str] = frozenset({""})
    """Keys of overview values that state there is nobody ('none', 'vacant')."""
    purpose_list: str = "data_partners"
    purpose_dimension: str = "data_partnership_purposes"
    """The list whose sentence may hold a purpose clause, and the dimension the purpose goes to."""
    team_sections: frozenset[str] = frozenset()
    approach_sections: frozenset[str] = frozenset()
    approach_vocabulary: str = "approaches"
    outcomes_vocabulary: str = "policy_areas"
    contrast_comparators: frozenset[str] = frozenset()
    """Benchmark comparators whose share is of the cities unlike this one ('unlike')."""
    examples: tuple[str, str] = ("", "")
    """The title and a section heading as the template words them, for rejection messages."""
    _header: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _furniture: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _title_or_furniture: re.Pattern[str] = field(init=False, repr=False, compare=False)
    """Matches where _header matches or _furniture fully matches: most lines are neither, one scan says so."""
    _spotlight: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _initials: tuple[frozenset[str] | None, frozenset[str] | None] = field(init=False, repr=False, compare=False)
    """ascii_initials of _title_or_furniture and _spotlight: a line new to the process starting with any
    other ASCII character is neither a title, furniture nor a spotlight heading without a pattern call."""
    _share_keys: dict[str, SharePhrase] = field(init=False, repr=False, compare=False)
    _first_words: dict[str, bool] = field(init=False, repr=False, compare=False)
    """_may_be_section_key's answer per first token (text up to its first space) when it decides it."""
    _intro_filter: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _headings: dict[str, tuple[str, str | None] | None] = field(init=False, repr=False, compare=False)
    _intros: dict[str, str | None] = field(init=False, repr=False, compare=False)
    _items: dict[str, bool] = field(init=False, repr=False, compare=False)
    _readers: dict[str, tuple[tuple[Fact, ...], tuple[tuple[str, tuple[Prepared, ...]], ...]]] = field(
        init=False, repr=False, compare=False
    )
    _intro_words: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _grid_words: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _roles: dict[str, tuple[str | None, bool, tuple[str, str | None] | None]] = field(
        init=False, repr=False, compare=False
    )
    _section_first_words: frozenset[str] = field(init=False, repr=False, compare=False)
    _topic_facts: dict[str, Fact | None] = field(init=False, repr=False, compare=False)
    _after_intros: dict[tuple[str, str], str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Patterns prepared once per template: one scan per line instead of one per wording."""
        prefixes = "|".join(re.escape(prefix) for prefix in self.header_prefixes)
        spotlight = rf"^{self.spotlight_prefix}\b\s*(?:[|:–—-]\s*)?(?P<title>.*)$"
        intro_keys = "|".join(re.escape(key) for key in self.list_intro_keys)
        for name, value in (
            ("_header", re.compile(prefixes, re.IGNORECASE)),
            ("_furniture", any_of(self.page_furniture)),
            ("_title_or_furniture", _title_or_furniture(prefixes, self.page_furniture)),
            ("_spotlight", re.compile(spotlight, re.IGNORECASE)),
            ("_first_words", {}),
            ("_share_keys", _first_per_key(self.share_phrases)),
            ("_intro_filter", re.compile(intro_keys)),
            ("_headings", {}),
            ("_intros", {}),
            ("_items", {}),
            ("_readers", {}),
            ("_intro_words", tuple(dict.fromkeys(_verbatim_word(key) for key in self.list_intro_keys))),
            (
                "_grid_words",
                tuple(dict.fromkeys(_verbatim_word(key) for key in (*self.outcomes_legend, *self.outcomes_note))),
            ),
            ("_roles", {}),
            ("_topic_facts", {}),
            ("_after_intros", {}),
            ("_section_first_words", frozenset(key.split()[0] for key in self.section_keys if key)),
        ):
            object.__setattr__(self, name, value)
        initials = (ascii_initials(self._title_or_furniture), ascii_initials(self._spotlight))
        object.__setattr__(self, "_initials", initials)

    @property
    def known_roles(self) -> dict[str, tuple[str | None, bool, tuple[str, str | None] | None]]:
        """The roles of the line texts classified so far (read-only: a miss goes through roles)."""
        return self._roles

    def roles(self, text: str) -> tuple[str | None, bool, tuple[str, str | None] | None]:
        """What a non-blank line can be, from its text alone: (key of a title line, page furniture,
        section heading). Cached, so a line's text is classified once however often it recurs."""
        cached = self._roles.get(text, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        # header_place and is_page_furniture inlined: each line new to the process is classified here;
        # one scan turns away the lines that are neither (most), the few others are asked one by one
        initials = self._initials[0]
        first = text[:1]  # may_match_at_start inlined: every line new to the process asks
        if (initials is not None and first not in initials and first.isascii()) or self._title_or_furniture.match(
            text
        ) is None:
            title, furniture = None, False
        else:
            title = label_key(text) if self._header.match(text) else None
            furniture = self._furniture is not None and self._furniture.fullmatch(text) is not None
        heading = self.heading(text) if text.count(" ") < MAX_HEADING_WORDS else None
        if title is None and heading is None and not furniture:
            found = NO_ROLE
        else:
            found = (title, furniture, heading)
        if len(self._roles) >= CACHE_LIMIT:
            self._roles.clear()
        self._roles[text] = found
        return found

    def may_be_item(self, text: str) -> bool:
        """A short line can be a list item unless it ends a sentence or is a heading, a list intro or a
        benchmark claim. Cached: list options recur in every document."""
        cached = self._items.get(text, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        item = (
            not text.endswith((".", ":"))
            and self.heading(text) is None
            and self.list_intro(text) is None
            and not self.benchmark.search(text)
        )
        if len(self._items) >= CACHE_LIMIT:
            self._items.clear()
        self._items[text] = item
        return item

    def share_phrase(self, share: str) -> SharePhrase | None:
        """The stated share phrase ('more than half') whose key is the key of ``share``, the first in the
        template's order: one lookup, not a key per phrase."""
        return self._share_keys.get(label_key(share))

    def is_page_furniture(self, text: str) -> bool:
        """A page number or running footer, repeated by the PDF on every page."""
        return self._furniture is not None and self._furniture.fullmatch(text) is not None

    def header_place(self, text: str) -> str | None:
        """The place part of a title line ('STOCKHOLM, Sweden'), '' if on the next line, else None."""
        match = self._header.match(text)
        return text[match.end() :].strip(" -–|:") if match else None

    def heading(self, text: str) -> tuple[str, str | None] | None:
        """(section, spotlight title) of a heading line, else None. Cached: headings recur."""
        cached = self._headings.get(text, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        name = self.section_keys.get(label_key(text)) if self._may_be_section_key(text) else None
        found: tuple[str, str | None] | None = (name, None) if name else None
        if found is None and may_match_at_start(self._initials[1], text):
            match = self._spotlight.match(text)
            if match:
                found = ("spotlight", match.group("title").strip() or None)
        if len(self._headings) >= CACHE_LIMIT:
            self._headings.clear()
        self._headings[text] = found
        return found

    def _may_be_section_key(self, text: str) -> bool:
        """False when the key of a text cannot be a section's: its first word (spelled as label_key
        spells words, one by one) starts no section key. Spares most lines a full key. A text beyond
        ASCII is judged so when it is ASCII up to the character after that word: label_key's Unicode
        steps (NFKD, accents dropped, lower case) change no character there, so the word is the same."""
        head = text.partition(" ")[0]
        if head.isascii() and "&" not in text:
            # the first word lies in the first token when that holds a letter or digit: the token decides,
            # and its answer is kept (most lines start with a word seen before)
            known = self._first_words.get(head)
            if known is not None:
                return known
            first = _FIRST_WORD.search(head)
            if first is not None:
                word = first.group(0).lower()
                known = word in _ARTICLES or label_key(word) in self._section_first_words
                if len(self._first_words) >= CACHE_LIMIT:
                    self._first_words.clear()
                self._first_words[head] = known
                return known
        first = _FIRST_WORD.search(text)  # on ASCII text: the first word of text.lower(), not lowered
        if first is None:
            return True
        if not text.isascii() and not text[: first.end() + 1].isascii():
            return True
        if "&" in text:
            return True
        word = first.group(0).lower()
        return word in _ARTICLES or label_key(word) in self._section_first_words

    def readers_of(self, section: str) -> tuple[tuple[Fact, ...], tuple[tuple[str, tuple[Prepared, ...]], ...]]:
        """The facts and the sentence lists a paragraph of ``section`` may state, in template order.
        Cached per section: every paragraph of a document asks."""
        try:
            return self._readers[section]
        except KeyError:
            pass
        facts = tuple(fact for fact in self.facts if not fact.sections or section in fact.sections)
        lists = tuple((dim, patterns) for dim, (sections, patterns) in self.prose_lists.items() if section in sections)
        self._readers[section] = (facts, lists)
        return facts, lists

    def topic_fact(self, topic: str) -> Fact | None:
        """The first fact named ``topic`` or ``has_<topic>``: what a benchmark claim on it says."""
        found = self._topic_facts.get(topic, _MISSING)
        if found is _MISSING:
            found = next((fact for fact in self.facts if fact.name in (topic, f"has_{topic}")), None)
            self._topic_facts[topic] = found
        return found  # type: ignore[return-value]

    def handler_of(self, section: str) -> str:
        """The name of the reader of a section (overview, spotlight, outcomes_grid, prose)."""
        return self.section_handlers.get(section, self.default_handler)

    def vocabulary_of(self, dimension: str) -> str:
        return self.item_dimensions.get(dimension, dimension)

    def list_intro(self, text: str) -> str | None:
        """The list dimension a line such as 'Staff skills and profiles include:' introduces
        (the longest intro wording found in the line's key wins)."""
        cached = self._intros.get(text, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        key = "" if self._no_intro_word(text) else label_key(text)
        found = None
        if key and self._intro_filter.search(key):
            found = next((dim for intro_key, dim in self.list_intro_keys.items() if intro_key in key), None)
        if len(self._intros) >= CACHE_LIMIT:
            self._intros.clear()
        self._intros[text] = found
        return found

    def outcomes_role(self, text: str) -> str | None:
        """'outcomes_legend' or 'outcomes_note' for a line of the outcomes section whose key holds a
        legend or note wording, else None (a grid cell). An ASCII line lacking every such wording's
        verbatim word is a cell without computing its key."""
        if text.isascii():
            folded = text.lower()
            for word in self._grid_words:
                if word in folded:
                    break
            else:
                return None
        key = label_key(text)
        if any(marker in key for marker in self.outcomes_legend):
            return "outcomes_legend"
        if any(marker in key for marker in self.outcomes_note):
            return "outcomes_note"
        return None

    def _no_intro_word(self, text: str) -> bool:
        """True when an ASCII text lacks a word that every list intro's key keeps verbatim: then no
        intro can be in it, and its key need not be computed."""
        if not text.isascii():
            return False
        folded = text.lower()
        for word in self._intro_words:  # a loop, not any(): this runs for every paragraph
            if word in folded:
                return False
        return True

    def after_list_intro(self, text: str, dimension: str) -> str:
        """What a line says after its intro of ``dimension``'s list ('Staff skills include: Astronaut;
        Chef' -> 'Astronaut; Chef'), '' when nothing follows; the intro's own words are not part of it.
        Cached: an intro line is usually worded the same in every document."""
        cached = self._after_intros.get((text, dimension))
        if cached is not None:
            return cached
        found = ""
        for pattern in self.list_intro_phrases.get(dimension, ()):
            match = pattern.search(text)
            if match:
                found = text[match.end() :].strip(" :;,–—-\t")
                break
        if len(self._after_intros) >= CACHE_LIMIT:
            self._after_intros.clear()
        self._after_intros[(text, dimension)] = found
        return found


_SPELLING_OUTPUTS = re.compile(r"iz|yz|center|program|or$")
_COMMON_WORDS = frozenset({"innovation", "city", "cities", "the"})


def _verbatim_word(key: str) -> str:
    """A word of a label key that any text with that key holds as written (lower-cased): one that no
    spelling rule of label_key produces; the longest, preferring words most paragraphs do not use."""
    words = [word for word in key.split() if not _SPELLING_OUTPUTS.search(word)]
    if not words:
        raise ValueError(f"list intro {key!r} has no word that label_key keeps verbatim")
    return max(words, key=lambda word: (word not in _COMMON_WORDS, len(word)))


def _phrase_pattern(wording: str) -> re.Pattern[str]:
    """A wording matched word by word, whatever the punctuation and spacing between the words."""
    words = re.findall(r"[^\W_]+", wording)
    return re.compile(r"\b" + r"[\W_]+".join(map(re.escape, words)) + r"\b", re.IGNORECASE)


def _first_per_key(phrases: dict[str, SharePhrase]) -> dict[str, SharePhrase]:
    """Each phrase's key -> the first phrase with that key (as a scan in order finds it)."""
    by_key: dict[str, SharePhrase] = {}
    for phrase, spec in phrases.items():
        by_key.setdefault(label_key(phrase), spec)
    return by_key


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _keys(mapping: dict[str, list[str]]) -> dict[str, str]:
    return {label_key(variant): name for name, variants in mapping.items() for variant in variants}


@cache
def load_template(path: Path = TEMPLATE_PATH) -> Template:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    bench = data["benchmark"]
    phrases = {
        phrase: SharePhrase(float(spec["low"]), float(spec["high"])) for phrase, spec in bench["phrases"].items()
    }
    comparators = "|".join(
        re.escape(word).replace(r"\ ", r"\s+") for word in sorted(bench["comparators"], key=len, reverse=True)
    )
    shares = "|".join(
        re.escape(p).replace(r"\ ", r"\s+").replace(r"\-", r"[-\s]") for p in sorted(phrases, key=len, reverse=True)
    )
    benchmark = _prepare(
        rf"\b(?P<comparator>{comparators})\s+(?P<share>\d+(?:[.,]\d+)?\s?%|{shares})\s+(?:of\s+)?"
        r"(?:the\s+|all\s+|other\s+)*cities(?:\s+surveyed)?"
    )
    facts = tuple(
        Fact(
            name,
            frozenset(spec["sections"]) if spec.get("sections") else None,
            _compile(spec.get("negative", [])),
            _compile(spec.get("positive", [])),
        )
        for name, spec in data["facts"].items()
    )
    return Template(
        header_prefixes=tuple(data["header_prefixes"]),
        section_keys=_keys(data["sections"]),
        spotlight_prefix=data["spotlight_prefix"],
        overview_keys=_keys(data["overview_labels"]),
        list_intro_keys=dict(sorted(_keys(data["list_intros"]).items(), key=lambda kv: len(kv[0]), reverse=True)),
        item_dimensions=data["item_dimensions"],
        prose_lists={
            dim: (frozenset(spec["sections"]) | {"preamble"}, _compile(spec["patterns"]))
            for dim, spec in data["prose_lists"].items()
        },
        section_lists=data["section_lists"],
        outcomes_legend=tuple(label_key(text) for text in data["outcomes_legend"]),
        outcomes_note=tuple(label_key(text) for text in data["outcomes_note"]),
        data_partnership_purpose=re.compile(data["data_partnership_purpose"]["pattern"], re.IGNORECASE),
        purpose_list=data["data_partnership_purpose"]["list"],
        purpose_dimension=data["data_partnership_purpose"]["dimension"],
        section_handlers=dict(data["section_handlers"]),
        default_handler=data["default_handler"],
        no_value=frozenset(label_key(value) for value in data["no_value"]) | {""},
        team_sections=frozenset(data["team_sections"]) | {"preamble"},
        approach_sections=frozenset(data["approach_sections"]) | {"preamble"},
        approach_vocabulary=data["approach_vocabulary"],
        outcomes_vocabulary=data["outcomes_vocabulary"],
        contrast_comparators=frozenset(" ".join(word.lower().split()) for word in bench.get("contrast", [])),
        examples=(
            data["header_prefixes"][0],
            ", ".join(variants[0] for variants in list(data["sections"].values())[:2]),
        ),
        facts=facts,
        team_location=_compile(data["team_location"]),
        team_staff=_compile(data["team_staff"]),
        approach_sentence=FirstMatch(_compile(_as_list(data["approach_sentence"]))),
        benchmark=benchmark,
        share_phrases=phrases,
        benchmark_topics={k: _prepare(v) for k, v in bench["topics"].items()},
        list_words=ListWords(data["list_words"]),
        page_furniture=_compile(data.get("page_furniture", [])),
        list_facts=dict(data.get("list_facts", {})),
        list_intro_phrases={
            dimension: tuple(_phrase_pattern(wording) for wording in sorted(variants, key=len, reverse=True))
            for dimension, variants in data["list_intros"].items()
        },
    )
