"""Typed output of the parser: one :class:`SnapshotRecord` per document, or a :class:`Rejection`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from pipeline.core import Rejection

T = TypeVar("T")


@dataclass(frozen=True)
class Item:
    """One entry of a list answer (a skill, a policy area, a funding source...)."""

    dimension: str
    position: int
    code: str
    label: str
    source_line: int


new_object = object.__new__
set_attribute = object.__setattr__
"""``set_attribute(instance, "__dict__", fields)`` gives a new ``new_object(cls)`` all its fields at once:
what :func:`frozen_instance` does, for loops that inline it."""


def frozen_instance(cls: type[T], fields: dict[str, object]) -> T:
    """``cls(**fields)`` for a frozen dataclass without its __init__ (one object.__setattr__ call per
    field): the same instance at about half the cost, for the objects a document makes dozens of.
    ``fields`` must name every field of ``cls``, in order."""
    instance = new_object(cls)
    set_attribute(instance, "__dict__", fields)
    return instance


@dataclass(frozen=True)
class PolicyAreaData:
    """One cell of the "How are outcomes measured?" grid."""

    position: int
    code: str
    label: str
    data_status: str
    source_line: int


@dataclass(frozen=True)
class BenchmarkClaim:
    """A sentence such as "Like 50% of cities surveyed, Stockholm has a formal innovation strategy"."""

    topic: str
    city_value: str | None
    comparator: str
    refers_to_city_value: bool
    stated_pct: float | None
    stated_text: str
    stated_low: float | None
    stated_high: float | None
    sentence: str
    source_line: int


@dataclass(frozen=True)
class UnparsedLine:
    """A line, or the part of a line, that no field took: kept with the reason, never dropped."""

    line_number: int
    text: str
    section: str
    reason: str
    column: int = 0
    """0 for a full-width line; 1 or 2 for the left or right half of a two-column line, so the two
    halves of one source line stay two rows with distinct keys."""


@dataclass
class SnapshotRecord:
    """Everything one snapshot document says, with the line each field came from."""

    city: str
    country: str
    region: str | None = None
    country_code: str | None = None
    mayor: str | None = None
    mayor_title: str | None = None
    term_start: int | None = None
    term_end: int | None = None
    innovation_leads: list[str] = field(default_factory=list)
    population: int | None = None
    population_year: int | None = None
    population_text: str | None = None
    website: str | None = None
    team_location: str | None = None
    has_dedicated_team: bool | None = None
    team_staff: int | None = None
    team_staff_min: int | None = None
    team_staff_max: int | None = None
    team_staff_text: str | None = None
    spotlight_title: str | None = None
    spotlight_text: str | None = None
    has_formal_strategy: bool | None = None
    approach: str | None = None
    approach_text: str | None = None
    prioritises_policy_areas: bool | None = None
    has_dedicated_funding: bool | None = None
    uses_data_in_urban_planning: bool | None = None
    budget_aligned_with_priorities: bool | None = None
    publishes_open_data_centrally: bool | None = None
    provides_data_guidance: bool | None = None
    items: list[Item] = field(default_factory=list)
    policy_area_data: list[PolicyAreaData] = field(default_factory=list)
    benchmark_claims: list[BenchmarkClaim] = field(default_factory=list)
    unparsed_lines: list[UnparsedLine] = field(default_factory=list)
    line_fields: dict[int, str] = field(default_factory=dict)
    sections_found: list[str] = field(default_factory=list)

    @property
    def innovation_lead(self) -> str | None:
        return "; ".join(self.innovation_leads) or None

    def items_of(self, dimension: str) -> list[Item]:
        return [item for item in self.items if item.dimension == dimension]


@dataclass(frozen=True)
class ParseResult:
    record: SnapshotRecord | None
    rejection: Rejection | None

    @property
    def ok(self) -> bool:
        return self.record is not None
