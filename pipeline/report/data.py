"""What the report shows, read from the published DuckDB file (read-only) through the friendly views,
so the report and any BI dashboard see the same numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import duckdb

from pipeline.report.layout import city_page_name
from pipeline.report.tables import CHANGE_ROW, cities_rows_sql
from pipeline.sqlfiles import render
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
    return _rows(connection, "SELECT * FROM v_headline_shares WHERE survey_wave = ?", [int(wave)])


@dataclass(frozen=True)
class WaveData:
    """What every page of one wave compares against: aggregates over the wave, a few rows per chart."""

    wave: int
    cities: int
    headline: list[dict]
    """The wave's rows of v_headline_shares, in the order of schemas/measures.yaml."""
    item_shares: dict[str, list[dict]]
    """list -> its codes with label, cities and interval, most named first."""
    team_bins: Counter
    """team-size bin -> cities (None: no single number stated)."""
    claims: list[dict]
    """Each distinct claim with its recomputed share and ``documents``, the number of documents making it."""


@dataclass(frozen=True)
class IndexData:
    waves: list[WaveData]
    """Latest first: the report leads with the newest survey."""
    cities_html: str
    """The rows of the table of cities, by city then wave, each linking to its page."""
    changes_html: str
    """The rows of the table of changes between waves, by city and wave."""


CLAIM_OWN_COLUMNS = ("position", "topic", "city_value", "comparator", "stated_text", "stated_low", "stated_high")
"""What a document itself says in a benchmark claim; the recomputed share next to it is the wave's."""
CLAIM_WAVE_COLUMNS = ("computed_pct", "cities_answering", "ci_low_pct", "ci_high_pct")


def _rows(connection: duckdb.DuckDBPyConnection, sql: str, parameters: list | None = None) -> list[dict]:
    cursor = connection.execute(sql, parameters or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _dimensions_sql() -> str:
    return ", ".join(f"'{name}'" for name in REPORT_DIMENSIONS)


def load_waves(connection: duckdb.DuckDBPyConnection) -> list[WaveData]:
    """Every wave's aggregates, in a handful of grouped queries (rows per wave x code, not per city)."""
    cities = dict(connection.execute("SELECT survey_wave, count(*) FROM v_city_profile GROUP BY 1").fetchall())
    headline: dict[int, list[dict]] = {}
    for row in _rows(connection, "SELECT * FROM v_headline_shares"):
        headline.setdefault(int(row["survey_wave"]), []).append(row)
    shares: dict[int, dict[str, list[dict]]] = {}
    for row in _rows(
        connection,
        f"SELECT * FROM v_item_shares WHERE dimension IN ({_dimensions_sql()}) "
        "ORDER BY survey_wave, dimension, cities DESC, label, code",
    ):
        shares.setdefault(int(row["survey_wave"]), {}).setdefault(str(row["dimension"]), []).append(row)
    bins: dict[int, Counter] = {}
    for wave, staff, count in connection.execute(
        "SELECT survey_wave, team_staff, count(*) FROM v_city_profile GROUP BY ALL ORDER BY ALL"
    ).fetchall():
        bins.setdefault(int(wave), Counter())[team_bin(staff)] += count
    claims: dict[int, list[dict]] = {}
    keys = ", ".join(CLAIM_OWN_COLUMNS[1:] + CLAIM_WAVE_COLUMNS)
    for row in _rows(
        connection,
        f"SELECT survey_wave, {keys}, count(*) AS documents FROM agg_benchmark_check GROUP BY ALL ORDER BY ALL",
    ):
        claims.setdefault(int(row["survey_wave"]), []).append(row)
    return [
        WaveData(
            wave,
            int(cities[wave]),
            headline.get(wave, []),
            shares.get(wave, {}),
            bins.get(wave, Counter()),
            claims.get(wave, []),
        )
        for wave in sorted(cities, reverse=True)
    ]


def load_index(connection: duckdb.DuckDBPyConnection) -> IndexData:
    """The waves' aggregates and the index's long tables, whose rows DuckDB writes (``tables``)."""
    prefix, suffix = city_page_name("\0").split("\0")
    [cities] = connection.execute(cities_rows_sql(prefix, suffix)).fetchone()
    [changes] = connection.execute(
        f"SELECT coalesce(string_agg({CHANGE_ROW}, '' ORDER BY city_key, to_wave), '') FROM agg_city_changes"
    ).fetchone()
    return IndexData(load_waves(connection), cities, changes)


PROFILE_COLUMNS = (
    "snapshot_id",
    "survey_wave",
    "city_key",
    "city",
    "region",
    "country",
    "mayor",
    "mayor_title",
    "population",
    "population_year",
    "website",
    "team_location",
    "team_staff",
    "team_staff_text",
    "approach_label",
    "source_path",
)
"""The columns of v_city_profile a city page shows (with the answer column of every headline measure)."""


def _profile_columns() -> list[str]:
    return list(dict.fromkeys([*PROFILE_COLUMNS, *(item.column for item in measures())]))


PROFILES_TABLE = "report_profiles"


@dataclass(frozen=True)
class PagePart:
    """One kind of row a city page shows: ``sql`` selects ``snapshot_id`` and the columns shown, never a
    figure of the wave. The page's digest is taken over exactly these rows, so an unchanged digest means
    the same bytes."""

    name: str
    sql: str
    order: str
    """How the page orders its rows of this part (columns of ``sql``)."""
    many: bool = True


def page_parts() -> list[PagePart]:
    """The profile, list answers, benchmark claims, changes since the previous wave, and the city's other waves.
    Lists come from the tables, not v_items_labelled, which computes each code's share of the wave (slow, and
    not shown on a city page)."""
    return [
        PagePart("profile", f"SELECT * FROM {PROFILES_TABLE}", "snapshot_id", many=False),
        PagePart(
            "items",
            render(
                "SELECT i.snapshot_id, i.dimension, i.position, i.code, coalesce(v.label, i.label) AS label, "
                "i.code = 'other' AS is_free_text FROM snapshot_items AS i "
                "JOIN {item_dimensions} ON item_dimensions.dimension = i.dimension "
                "LEFT JOIN vocabulary AS v ON v.dimension = item_dimensions.vocabulary AND v.code = i.code "
                f"WHERE i.dimension IN ({_dimensions_sql()})"
            ),
            "dimension, position",
        ),
        PagePart("claims", f"SELECT snapshot_id, {', '.join(CLAIM_OWN_COLUMNS)} FROM agg_benchmark_check", "position"),
        PagePart(
            "changes",
            f"SELECT to_snapshot_id AS snapshot_id, from_wave, {CHANGE_ROW} AS html FROM agg_city_changes",
            "from_wave",
        ),
        PagePart(
            "others",
            f"SELECT a.snapshot_id, b.snapshot_id AS other_id, b.survey_wave FROM {PROFILES_TABLE} AS a "
            f"JOIN {PROFILES_TABLE} AS b ON a.city_key = b.city_key AND a.snapshot_id <> b.snapshot_id",
            "survey_wave, other_id",
        ),
    ]


def stage_profiles(connection: duckdb.DuckDBPyConnection) -> None:
    """The city profiles the pages show, once per report in a temporary table (v_city_profile is a view)."""
    connection.execute(
        f"CREATE OR REPLACE TEMPORARY TABLE {PROFILES_TABLE} AS SELECT {', '.join(_profile_columns())} "
        "FROM v_city_profile"
    )


def page_digests(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """snapshot -> digest of every row its page shows, computed in SQL (after ``stage_profiles``): one short
    string per page reaches Python. Each row is hashed whole, with its part's name and its position, and a
    page's digest sums them."""
    rows = " UNION ALL ".join(
        f"SELECT r.snapshot_id, hash('{part.name}', r)::HUGEINT AS h FROM ({part.sql}) AS r" for part in page_parts()
    )
    return dict(
        connection.execute(
            f"SELECT snapshot_id, CAST(sum(h) AS VARCHAR) FROM ({rows}) GROUP BY snapshot_id ORDER BY snapshot_id"
        ).fetchall()
    )


def _staged(part: PagePart) -> str:
    return f"report_page_{part.name}"


@contextmanager
def staged_pages(connection: duckdb.DuckDBPyConnection, snapshot_ids: list[str]) -> Iterator[None]:
    """The rows of the pages of ``snapshot_ids``, each part in a temporary table (after ``stage_profiles``): each
    part's query (a join for the list answers) runs once, not once per batch of pages. Dropped on leaving, so
    their memory is free again before the index is built."""
    parts = page_parts()
    try:
        for part in parts:
            connection.execute(
                f"CREATE OR REPLACE TEMPORARY TABLE {_staged(part)} AS SELECT * FROM ({part.sql}) AS r "
                "WHERE snapshot_id IN (SELECT unnest(?::VARCHAR[]))",
                [snapshot_ids],
            )
        yield
    finally:
        for part in parts:
            connection.execute(f"DROP TABLE IF EXISTS {_staged(part)}")


ITEM_COLUMNS = "dimension, label, is_free_text"
"""What a city page shows of each list answer: its rows reach Python as tuples, by list (the most rows of a page)."""


def page_inputs(connection: duckdb.DuckDBPyConnection, snapshot_ids: list[str]) -> dict[str, dict]:
    """snapshot -> what its page shows (part -> rows, or the row for the profile; list answers as list ->
    (label, is_free_text) tuples), for the sorted ``snapshot_ids``, consecutive among those staged
    (``staged_pages``): a range of the staged rows. Flat rows, one query per part: no query per city, no
    nested values to convert."""
    pages: dict[str, dict] = {}
    for part in page_parts():
        columns = ITEM_COLUMNS if part.name == "items" else "* EXCLUDE (snapshot_id)"
        cursor = connection.execute(
            f"SELECT snapshot_id, {columns} FROM {_staged(part)} WHERE snapshot_id BETWEEN ? AND ? "
            f"ORDER BY snapshot_id, {part.order}",
            [snapshot_ids[0], snapshot_ids[-1]],
        )
        names = [column[0] for column in cursor.description]
        for row in cursor.fetchall():
            page = pages.get(row[0]) or pages.setdefault(
                row[0], {"items": {}, "claims": [], "changes": [], "others": []}
            )
            if part.name == "items":
                page["items"].setdefault(row[1], []).append(row[2:])
            elif part.many:
                page[part.name].append(dict(zip(names, row, strict=True)))
            else:
                page[part.name] = dict(zip(names, row, strict=True))
    return pages


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
