"""The headline measures (``schemas/measures.yaml``): the one definition of "formal strategy",
"dedicated funding", ... that the SQL relations, the report and ``citysnap city`` are generated from."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from schemas.vocabulary import YAML_LOADER, load_vocabulary

MEASURES_PATH = Path(__file__).parent / "measures.yaml"
KINDS = ("yes_no", "choice")


@dataclass(frozen=True)
class Measure:
    """One headline question of the snapshot and the ``snapshots`` column holding its answer."""

    code: str
    kind: str
    column: str
    label: str
    short_label: str
    by_wave: bool = False
    vocabulary: str | None = None

    def options(self) -> list[tuple[str, str]]:
        """(code, label) of each answer a choice measure can take, in vocabulary order."""
        if self.vocabulary is None:
            return []
        vocabulary = load_vocabulary()
        return [(code.code, code.label) for code in vocabulary.codes if code.dimension == self.vocabulary]


@cache
def _definition() -> dict:
    return yaml.load(MEASURES_PATH.read_text(encoding="utf-8"), Loader=YAML_LOADER)


@cache
def measures() -> tuple[Measure, ...]:
    """Every headline measure, in the order reports show them."""
    result = tuple(Measure(**entry) for entry in _definition()["measures"])
    unknown = [measure.code for measure in result if measure.kind not in KINDS]
    if unknown:
        raise ValueError(f"schemas/measures.yaml: unknown kind for {unknown}; use one of {KINDS}")
    return result


def yes_no_measures() -> tuple[Measure, ...]:
    return tuple(measure for measure in measures() if measure.kind == "yes_no")


def choice_measures() -> tuple[Measure, ...]:
    return tuple(measure for measure in measures() if measure.kind == "choice")


def measure(code: str) -> Measure:
    return next(item for item in measures() if item.code == code)


def answer_wording(value: bool | None) -> str:
    """'yes', 'no' or 'not stated': how a yes/no answer reads to people."""
    return _definition()["answer_wording"][None if value is None else bool(value)]
