"""Small multi-city, multi-wave raw folders derived from the Stockholm seed document.

The seed is edited the way real snapshots differ (title, facts, lists), so every derived document
goes through the real parser and the real Dagster build.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import STOCKHOLM, build_warehouse

SEED_SKILLS = [
    "Project Manager",
    "Data Scientist",
    "Strategic Communications / Marketing",
    "Engineer",
    "Designer",
    "Community Engagement",
    "Sociologist",
    "Business and Economics",
]
SEED_FUNDING = [
    "**International/multilateral institution budget**",
    "**Higher levels of government**",
    "**Municipal budget** (operating budget / special funding process)",
    "**External (non-public) funding** (philanthropic or non-profit / academic or think tank resources)",
]
APPROACHES = {
    "both": "both from a holistic / macro level and in specific policy areas",
    "holistic": "from a holistic / macro level",
    "specific": "in specific policy areas",
}


@dataclass(frozen=True)
class CitySpec:
    """What a derived document says; defaults are the seed's answers."""

    city: str
    country: str
    wave: int
    strategy: bool = True
    funding: bool = True
    staff: int = 9
    approach: str = "both"
    population: str = "974 073 (2019)"
    skills: list[str] = field(default_factory=lambda: list(SEED_SKILLS))
    funding_sources: list[str] = field(default_factory=lambda: list(SEED_FUNDING))

    @property
    def filename(self) -> str:
        return f"{self.wave}/{self.city.lower().replace(' ', '_')}.txt"


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, f"the seed no longer contains {old!r}"
    return text.replace(old, new)


def derive_document(spec: CitySpec) -> str:
    """The seed text with the spec's city, answers and lists."""
    text = STOCKHOLM.read_text(encoding="utf-8")
    skills_block = "\n".join(f"- {skill}" for skill in SEED_SKILLS)
    text = _replace_once(text, skills_block, "\n".join(f"- {skill}" for skill in spec.skills))
    text = _replace_once(text, "**9 staff**", f"**{spec.staff} staff**")
    text = _replace_once(text, "974 073 (2019)", spec.population)
    text = _replace_once(text, APPROACHES["both"], APPROACHES[spec.approach])
    if not spec.strategy:
        text = _replace_once(
            text,
            "Like 50% of cities surveyed, Stockholm has a **formal innovation strategy**.",
            "Unlike 50% of cities surveyed, Stockholm **does not have a formal innovation strategy**.",
        )
    funding_block = "\n".join(f"- {source}" for source in SEED_FUNDING)
    text = _replace_once(text, funding_block, "\n".join(f"- {source}" for source in spec.funding_sources))
    if not spec.funding:
        text = _replace_once(
            text,
            "Like 81% of cities surveyed, Stockholm has dedicated funding to support innovation capacity, "
            "which comes from the following sources:",
            "Unlike 81% of cities surveyed, Stockholm does not have dedicated funding to support innovation capacity.",
        )
    text = _replace_once(text, "STOCKHOLM, Sweden", f"{spec.city.upper()}, {spec.country}")
    return text.replace("Stockholm", spec.city)


STOCKHOLM_2018 = CitySpec(
    "Stockholm",
    "Sweden",
    2018,
    strategy=False,
    staff=5,
    approach="holistic",
    skills=["Project Manager", "Engineer", "Designer", "Lawyer"],
)
"""The seed city two years earlier: no strategy yet, a smaller team, different skills."""

OSLO_2020 = CitySpec(
    "Oslo",
    "Norway",
    2020,
    funding=False,
    staff=3,
    approach="specific",
    population="709 037 (2021)",
    skills=["Project Manager", "Data Scientist"],
    funding_sources=[],
)
AARHUS_2020 = CitySpec("Aarhus", "Denmark", 2020, strategy=False, staff=25, population="355 238 (2021)")
OSLO_2018 = CitySpec("Oslo", "Norway", 2018, staff=2, population="690 000 (2018)", skills=["Project Manager"])

CITIES = [STOCKHOLM_2018, OSLO_2018, OSLO_2020, AARHUS_2020]
"""With the seed itself (Stockholm 2020): 2018 has 2 cities, 2020 has 3; Stockholm and Oslo are in both."""


def write_multi_wave_raw(raw: Path, cities: list[CitySpec] = CITIES) -> Path:
    """The seed as raw/2020/stockholm.txt plus the derived documents."""
    (raw / "2020").mkdir(parents=True, exist_ok=True)
    (raw / "2020" / "stockholm.txt").write_text(STOCKHOLM.read_text(encoding="utf-8"), encoding="utf-8")
    for spec in cities:
        path = raw / spec.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(derive_document(spec), encoding="utf-8")
    return raw


_BUILDS: dict[Path, Path] = {}


def multi_wave_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real Dagster build of the multi-wave folder per test session, shared by every module."""
    key = tmp_path_factory.getbasetemp()
    if key not in _BUILDS:
        raw = write_multi_wave_raw(tmp_path_factory.mktemp("multi_wave_raw"))
        warehouse = tmp_path_factory.mktemp("multi_wave_warehouse")
        build_warehouse(raw, warehouse).close()
        _BUILDS[key] = warehouse
    return _BUILDS[key]
