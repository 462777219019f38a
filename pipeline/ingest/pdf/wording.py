"""The snapshot wording the PDF reader looks for, taken from the snapshot template: the title, the
outcomes heading and the legend's phrases. Nothing here spells a phrase itself."""

from __future__ import annotations

import re
from functools import cache

from schemas.vocabulary import label_key, template_data


def _words_pattern(wording: str) -> str:
    return r"\s+".join(re.escape(word) for word in wording.split())


@cache
def title_pattern() -> re.Pattern[str]:
    """Any of the template's title prefixes ('City Innovation Snapshot'), spacing and case free."""
    prefixes = template_data()["header_prefixes"]
    return re.compile("|".join(_words_pattern(prefix) for prefix in prefixes), re.IGNORECASE)


@cache
def _outcomes_keys() -> tuple[frozenset[str], tuple[str, ...]]:
    keys = [label_key(heading) for heading in template_data()["sections"]["outcomes"]]
    return frozenset(keys), tuple(key for key in keys if len(key.split()) >= 3)


def is_outcomes_heading(text: str) -> bool:
    """The outcomes section's heading: a line whose key is one of its headings, or holds one of at least
    three words ('How are outcomes measured?' on a line of its own or run into other text)."""
    exact, phrases = _outcomes_keys()
    key = label_key(text)
    return key in exact or any(phrase in key for phrase in phrases)


def legend_key(word: str) -> str:
    """A word as legend phrases are compared: letters only, lower case."""
    return re.sub(r"[^a-z]", "", word.lower())


@cache
def legend_phrases() -> dict[tuple[str, str], str]:
    """(first word, second word) of each legend phrase -> the data status it names."""
    phrases: dict[tuple[str, str], str] = {}
    for status, wordings in template_data()["outcomes_legend_phrases"].items():
        for wording in wordings:
            first, second = (legend_key(word) for word in wording.split()[:2])
            phrases[(first, second)] = status
    return phrases


@cache
def grey_pattern() -> re.Pattern[str]:
    """The colour words of a legend note that names grey cells without drawing a swatch."""
    words = "|".join(re.escape(word) for word in template_data()["outcomes_grey_words"])
    return re.compile(rf"\b(?:{words})\b", re.IGNORECASE)
