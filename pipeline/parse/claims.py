"""Benchmark claims: 'Like 50% of cities surveyed, Stockholm has a formal innovation strategy' gives
the topic, the city's own answer, the comparator and the share of cities stated."""

from __future__ import annotations

import re

from pipeline.parse.record import BenchmarkClaim, frozen_instance
from pipeline.parse.state import ParseState
from pipeline.parse.template import fold
from schemas.vocabulary import OTHER

_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def read_claims(state: ParseState, text: str, line_number: int, folded: str | None) -> int:
    """Add every claim a paragraph makes; return how many. ``folded``: see template.fold."""
    template = state.template
    claims = state.snapshot.benchmark_claims
    found = 0
    for match in template.benchmark.finditer_folded(text, folded):
        end = _SENTENCE_END.search(text, match.end())
        sentence = text[match.start() : end.end() if end else len(text)].strip()
        topic, city_value = _topic(state, sentence, folded if sentence == text else fold(sentence))
        comparator = " ".join(match.group("comparator").lower().split())
        share = " ".join(match.group("share").lower().split())
        pct = low = high = None
        if share.endswith("%"):
            pct = float(share.rstrip("% ").replace(",", "."))
            low = high = pct
        else:
            low, high = _share_range(state, share)
        # BenchmarkClaim(...) built by frozen_instance: its fields in order
        claim: dict[str, object] = {
            "topic": topic,
            "city_value": city_value,
            "comparator": comparator,
            "refers_to_city_value": comparator not in template.contrast_comparators,
            "stated_pct": pct,
            "stated_text": share,
            "stated_low": low,
            "stated_high": high,
            "sentence": sentence,
            "source_line": line_number,
        }
        claims.append(frozen_instance(BenchmarkClaim, claim))
        found += 1
    return found


def approach_code(state: ParseState, phrase: str) -> str | None:
    """The approach option a phrase names, exactly or as the longest option inside it."""
    vocabulary = state.template.approach_vocabulary
    return state.vocab.match(vocabulary, phrase) or state.vocab.find_within(vocabulary, phrase)


def _share_range(state: ParseState, share: str) -> tuple[float | None, float | None]:
    spec = state.template.share_phrase(share)
    return (None, None) if spec is None else (spec.low, spec.high)


def _topic(state: ParseState, sentence: str, folded: str | None) -> tuple[str, str | None]:
    """The claim's topic and the city's own answer on it. ``folded``: fold(sentence), which is the
    paragraph's when the claim is the whole paragraph (as usual)."""
    template = state.template
    for topic, pattern in template.benchmark_topics.items():
        if not pattern.found(sentence, folded):
            continue
        if topic == "approach":
            phrase = template.approach_sentence.group(sentence, folded, "approach")  # one scan, mostly
            if phrase is None:  # no match (or a match without the group): as the search reads it
                match = template.approach_sentence.search(sentence)
                phrase = match.group("approach") if match else sentence
            return topic, approach_code(state, phrase)
        fact = template.topic_fact(topic)
        if fact is not None:
            value = fact.read(sentence, folded)
            return topic, None if value is None else ("yes" if value else "no")
        return topic, None
    return OTHER, None
