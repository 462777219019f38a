"""What the report shows, read from the published DuckDB file (read-only) through the friendly views,
so the report and any BI dashboard see the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

REPORT_DIMENSIONS = {
    "staff_skills": "Staff skills",
    "priority_policy_areas": "Priority policy areas",
    "success_factors": "Success factors",
    "benefits": "Benefits of innovation",
    "funding_sources": "Funding sources",
}
"""The lists charted as 'share of cities per ...', in the order the report shows them."""

TEAM_BINS = [(0, 2), (3, 5), (6, 10), (11, 20), (21, 50), (51, None)]
HEADLINE_MEASURES = ["formal_strategy", "dedicated_funding", "dedicated_team"]
TOPIC_LABELS = {
    "formal_strategy": "Formal strategy",
    "dedicated_funding": "Dedicated funding",
    "dedicated_team": "Dedicated team",
    "prioritises_policy_areas": "Priority policy areas",
    "approach": "Approach",
}


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
        return self.profiles[self.profiles["survey_wave"] == wave]


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
