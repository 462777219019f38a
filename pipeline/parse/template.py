"""The snapshot template (``schemas/snapshot_template.yaml``) compiled for the parser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from schemas.vocabulary import TEMPLATE_PATH, YAML_LOADER, label_key


def _compile(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern, re.IGNORECASE) for pattern in patterns)


@dataclass(frozen=True)
class Fact:
    name: str
    sections: frozenset[str] | None
    negative: tuple[re.Pattern[str], ...]
    positive: tuple[re.Pattern[str], ...]

    def read(self, text: str) -> bool | None:
        if any(p.search(text) for p in self.negative):
            return False
        if any(p.search(text) for p in self.positive):
            return True
        return None


@dataclass(frozen=True)
class FirstMatch:
    """Several patterns tried in order, used like one compiled pattern (each may reuse group names)."""

    patterns: tuple[re.Pattern[str], ...]

    def search(self, text: str) -> re.Match[str] | None:
        for pattern in self.patterns:
            match = pattern.search(text)
            if match:
                return match
        return None


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
    prose_lists: dict[str, tuple[frozenset[str], tuple[re.Pattern[str], ...]]]
    section_lists: dict[str, str]
    outcomes_legend: tuple[str, ...]
    outcomes_note: tuple[str, ...]
    data_partnership_purpose: re.Pattern[str]
    facts: tuple[Fact, ...]
    team_location: tuple[re.Pattern[str], ...]
    team_staff: tuple[re.Pattern[str], ...]
    approach_sentence: FirstMatch
    benchmark: re.Pattern[str]
    share_phrases: dict[str, SharePhrase]
    benchmark_topics: dict[str, re.Pattern[str]]
    page_furniture: tuple[re.Pattern[str], ...] = ()
    list_facts: dict[str, str] = field(default_factory=dict)
    list_intro_phrases: tuple[re.Pattern[str], ...] = ()
    """Each list intro's wording as a pattern, longest first: where the intro ends in a line."""

    def is_page_furniture(self, text: str) -> bool:
        """A page number or running footer, repeated by the PDF on every page."""
        return any(pattern.fullmatch(text) for pattern in self.page_furniture)

    def vocabulary_of(self, dimension: str) -> str:
        return self.item_dimensions.get(dimension, dimension)

    def list_intro(self, text: str) -> str | None:
        """The list dimension a line such as 'Staff skills and profiles include:' introduces."""
        key = label_key(text)
        for intro_key, dimension in self.list_intro_keys.items():
            if key == intro_key or key.endswith(" " + intro_key) or intro_key in key:
                return dimension
        return None

    def after_list_intro(self, text: str) -> str:
        """What a line says after its list intro ('Staff skills include: Astronaut; Chef' -> 'Astronaut;
        Chef'), '' when nothing follows; the intro's own wording and punctuation are not part of it."""
        for pattern in self.list_intro_phrases:
            match = pattern.search(text)
            if match:
                return text[match.end() :].strip(" :;,–—-\t")
        return ""


def _phrase_pattern(wording: str) -> re.Pattern[str]:
    """A wording matched word by word, whatever the punctuation and spacing between the words."""
    words = re.findall(r"[^\W_]+", wording)
    return re.compile(r"\b" + r"[\W_]+".join(map(re.escape, words)) + r"\b", re.IGNORECASE)


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
    benchmark = re.compile(
        rf"\b(?P<comparator>{comparators})\s+(?P<share>\d+(?:[.,]\d+)?\s?%|{shares})\s+(?:of\s+)?"
        r"(?:the\s+|all\s+|other\s+)*cities(?:\s+surveyed)?",
        re.IGNORECASE,
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
        data_partnership_purpose=re.compile(data["data_partnership_purpose"], re.IGNORECASE),
        facts=facts,
        team_location=_compile(data["team_location"]),
        team_staff=_compile(data["team_staff"]),
        approach_sentence=FirstMatch(_compile(_as_list(data["approach_sentence"]))),
        benchmark=benchmark,
        share_phrases=phrases,
        benchmark_topics={k: re.compile(v, re.IGNORECASE) for k, v in bench["topics"].items()},
        page_furniture=_compile(data.get("page_furniture", [])),
        list_facts=dict(data.get("list_facts", {})),
        list_intro_phrases=tuple(
            _phrase_pattern(wording)
            for wording in sorted(
                (w for variants in data["list_intros"].values() for w in variants), key=len, reverse=True
            )
        ),
    )
