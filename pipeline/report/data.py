"""What the report shows, read from the published DuckDB file (read-only) through the friendly views,
so the report and any BI dashboard see the same numbers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import duckdb
import pandas as pd

from schemas.measures import answer_wording, measures

REPORT_DIMENSIONS = {
    "staff_skills": "Staff skills",
    "priority_policy_areas": "Priority policy areas",
    "success_factors": "Success factors",
    "benefits": "Benefits of innovation",
    "funding_sources": "Funding sources",
}
"""The lists charted as 'share of cities per ...', in the order the report shows them."""

TEAM_BINS = [(0, 2), (3, 5), (6, 10), (11, 20), (21, 50), (51, None)]
BY_WAVE_MEASURES = [measure.code for measure in measures() if measure.by_wave]
"""Headline measures the index charts wave by wave (``by_wave`` in schemas/measures.yaml)."""
TOPIC_LABELS = {measure.code: measure.short_label for measure in measures()}


@dataclass(frozen=True)
class CityAnswer:
    """A city's answer to one headline measure, next to how all cities of its wave answered."""

    measure: str
    kind: str
    question: str
    label: str
    answer: str
    has_it: bool
    cities_with: int
    cities_answering: int
    same_answer: int | None
    ci_low_pct: float | None
    ci_high_pct: float | None


@cache
def _measure_options() -> dict[str, tuple]:
    """v_headline_shares.measure -> (its measure, the choice's option or None for a yes/no measure)."""
    lookup: dict[str, tuple] = {}
    for item in measures():
        if item.kind == "yes_no":
            lookup[item.code] = (item, None)
        for option, _ in item.options():
            lookup[f"{item.code}_{option}"] = (item, option)
    return lookup


def city_answers(city: dict, wave_shares: list[dict]) -> list[CityAnswer]:
    """The city's answer to every headline measure (``schemas/measures.yaml``), with the number of cities
    of its wave giving the same answer: what ``citysnap city`` prints and the city page charts.
    ``wave_shares`` are the wave's rows of v_headline_shares; ``city`` is its row of v_city_profile."""
    lookup = _measure_options()
    answers = []
    for row in wave_shares:
        item, option = lookup[row["measure"]]
        value = city[item.column]
        with_it, answering = int(row["cities_with"]), int(row["cities_answering"])
        if option is None:
            has_it, text = bool(value), answer_wording(value)
            same = None if value is None else (with_it if value else answering - with_it)
        else:
            has_it, text = value == option, value or answer_wording(None)
            same = with_it if has_it else None
        answers.append(
            CityAnswer(
                measure=str(row["measure"]),
                kind=item.kind,
                question=item.label,
                label=str(row["label"]),
                answer=str(text),
                has_it=has_it,
                cities_with=with_it,
                cities_answering=answering,
                same_answer=same,
                ci_low_pct=row.get("ci_low_pct"),
                ci_high_pct=row.get("ci_high_pct"),
            )
        )
    return answers


def headline_shares(connection: duckdb.DuckDBPyConnection, wave: int) -> list[dict]:
    """The wave's rows of v_headline_shares, in the order of schemas/measures.yaml."""
    return _frame(connection, f"SELECT * FROM v_headline_shares WHERE survey_wave = {int(wave)}").to_dict("records")


@dataclass(frozen=True)
class ReportData:
    profiles: pd.DataFrame
    item_shares: pd.DataFrame
    items: pd.DataFrame
    headline: pd.DataFrame
    benchmarks: pd.DataFrame
    changes: pd.DataFrame

    @property
    def waves(self) -> list[int]:
        """Latest first: the report leads with the newest survey."""
        return sorted({int(wave) for wave in self.profiles["survey_wave"]}, reverse=True)

    def wave_profiles(self, wave: int) -> pd.DataFrame:
        return self._profiles_by_wave.get(wave, self.profiles.iloc[0:0])

    # Lookups built once per report: a city page must cost O(its own rows), not O(all cities),
    # or thousands of pages take hours.
    @cached_property
    def _profiles_by_wave(self) -> dict[int, pd.DataFrame]:
        return {int(wave): frame for wave, frame in self.profiles.groupby("survey_wave", sort=True)}

    @cached_property
    def profile_by_id(self) -> dict[str, dict]:
        return {row["snapshot_id"]: row for row in self.profiles.to_dict("records")}

    @cached_property
    def profiles_by_city(self) -> dict[str, list[dict]]:
        """city -> its snapshots (dicts with snapshot_id and survey_wave), oldest wave first."""
        by_city: dict[str, list[dict]] = {}
        ordered = self.profiles.sort_values(["city_key", "survey_wave"])
        for key, sid, wave in zip(ordered["city_key"], ordered["snapshot_id"], ordered["survey_wave"], strict=True):
            by_city.setdefault(key, []).append({"snapshot_id": sid, "survey_wave": wave})
        return by_city

    @cached_property
    def shares_by_list(self) -> dict[tuple[int, str], list[dict]]:
        """(wave, list) -> its codes with label, cities and cities_answering, most named first."""
        return {
            (int(wave), str(dimension)): frame.sort_values(["cities", "label"], ascending=[False, True]).to_dict(
                "records"
            )
            for (wave, dimension), frame in self.item_shares.groupby(["survey_wave", "dimension"])
        }

    @cached_property
    def codes_named(self) -> dict[tuple[str, str], set[str]]:
        """(snapshot, list) -> the codes the city named."""
        named: dict[tuple[str, str], set[str]] = {}
        for sid, dimension, code in zip(
            self.items["snapshot_id"], self.items["dimension"], self.items["code"], strict=True
        ):
            named.setdefault((sid, dimension), set()).add(code)
        return named

    @cached_property
    def headline_by_wave(self) -> dict[int, list[dict]]:
        return {int(wave): frame.to_dict("records") for wave, frame in self.headline.groupby("survey_wave")}

    @cached_property
    def benchmarks_by_wave(self) -> dict[int, list[dict]]:
        return {int(wave): frame.to_dict("records") for wave, frame in self.benchmarks.groupby("survey_wave")}

    @cached_property
    def benchmarks_by_snapshot(self) -> dict[str, list[dict]]:
        by_snapshot: dict[str, list[dict]] = {}
        for row in self.benchmarks.to_dict("records"):
            by_snapshot.setdefault(row["snapshot_id"], []).append(row)
        return by_snapshot

    @cached_property
    def changes_by_snapshot(self) -> dict[str, pd.DataFrame]:
        return {sid: frame for sid, frame in self.changes.groupby("to_snapshot_id")}

    @cached_property
    def team_bins_by_wave(self) -> dict[int, Counter]:
        """wave -> how many cities fall in each team-size bin (None: no single number stated)."""
        return {
            wave: Counter(team_bin(staff) for staff in frame["team_staff"])
            for wave, frame in self._profiles_by_wave.items()
        }


def _frame(connection: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    frame = connection.execute(sql).df()
    return frame.astype(object).where(frame.notna(), None)


def load_report_data(duckdb_path: Path) -> ReportData:
    dimensions = ", ".join(f"'{name}'" for name in REPORT_DIMENSIONS)
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        return ReportData(
            profiles=_frame(connection, "SELECT * FROM v_city_profile ORDER BY survey_wave, city"),
            item_shares=_frame(
                connection,
                f"SELECT * FROM v_item_shares WHERE dimension IN ({dimensions}) "
                "ORDER BY survey_wave, dimension, cities DESC, label",
            ),
            items=_frame(connection, f"SELECT * FROM v_items_labelled WHERE dimension IN ({dimensions})"),
            headline=_frame(connection, "SELECT * FROM v_headline_shares"),
            benchmarks=_frame(
                connection, "SELECT * FROM agg_benchmark_check ORDER BY survey_wave, snapshot_id, position"
            ),
            changes=_frame(connection, "SELECT * FROM agg_city_changes ORDER BY city_key, to_wave"),
        )


def team_bin(staff: int | None) -> str | None:
    if staff is None:
        return None
    for low, high in TEAM_BINS:
        if staff >= low and (high is None or staff <= high):
            return bin_label(low, high)
    return None


def bin_label(low: int, high: int | None) -> str:
    if high is None:
        return f"{low}+"
    return f"≤ {high}" if low == 0 else f"{low}–{high}"
