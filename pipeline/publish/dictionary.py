"""The data dictionary: a description for every column the warehouse publishes, in one place.

Base tables are described by their pandera models in ``schemas/models.py``. Aggregates (SQL files in
``pipeline/aggregate/sql``) and the friendly views (``pipeline/publish/views``) are described by the
models below, which reuse the base tables' descriptions for columns they pass through unchanged.
The same catalog feeds DuckDB's ``COMMENT ON`` statements and ``docs/data-dictionary.md``
(``python -m pipeline.publish.dictionary`` or ``make docs`` rewrites it; a test fails when it is stale).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandera.pandas as pa

from pipeline.aggregate.aggregates import aggregate_descriptions
from schemas.models import TABLE_MODELS, YEAR, BaseTable, Bool, Float, Int, Str
from schemas.vocabulary import item_dimensions, load_vocabulary

DICTIONARY_PATH = Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md"
CHANGES = ["gained", "lost", "unchanged", "unknown"]
SIZE_BANDS = ["1: under 100k", "2: 100k-500k", "3: 500k-1m", "4: 1m-5m", "5: 5m and over", "unknown"]


def same_as(table: str, column: str, **overrides: object) -> object:
    """A column passed through from a base table: same description and nullability as there."""
    source = TABLE_MODELS[table].to_schema().columns[column]
    options = {"nullable": source.nullable, "description": source.description, **overrides}
    return pa.Field(**options)


def _wave(description: str = "Survey wave (2018, 2020, ...)") -> object:
    return pa.Field(**YEAR, description=description)


def _count(description: str, nullable: bool = False) -> object:
    return pa.Field(ge=0, nullable=nullable, description=description)


def _pct(description: str) -> object:
    return pa.Field(ge=0, le=100, nullable=True, description=description)


class DerivedTable(BaseTable):
    """A relation computed from the base tables; validated in tests, described in DuckDB."""


# --- aggregates ------------------------------------------------------------------------------------


class OverviewAggregate(DerivedTable):
    survey_wave: Int = _wave()
    cities: Int = _count("Cities (snapshots) in the wave")
    cities_answering_strategy: Int = _count("Cities whose snapshot says whether they have a formal strategy")
    pct_formal_strategy: Float = _pct("Share of those cities with a formal innovation strategy, %")
    cities_answering_funding: Int = _count("Cities whose snapshot says whether they have dedicated funding")
    pct_dedicated_funding: Float = _pct("Share of those cities with dedicated innovation funding, %")
    cities_answering_team: Int = _count("Cities whose snapshot says whether they have a dedicated team")
    pct_dedicated_team: Float = _pct("Share of those cities with a dedicated innovation team, %")
    cities_answering_approach: Int = _count("Cities whose innovation approach is coded")
    pct_approach_holistic: Float = _pct("Share of those cities with a holistic / macro-level approach, %")
    pct_approach_specific: Float = _pct("Share of those cities with an approach in specific policy areas, %")
    pct_approach_both: Float = _pct("Share of those cities with both approaches, %")
    cities_reporting_team_size: Int = _count("Cities stating one number for their team size")
    team_size_min: Int = _count("Smallest team size stated", nullable=True)
    team_size_median: Float = _count("Median team size stated", nullable=True)
    team_size_mean: Float = _count("Mean team size stated", nullable=True)
    team_size_max: Int = _count("Largest team size stated", nullable=True)
    population_median: Int = _count("Median population of the wave's cities", nullable=True)


class ItemFrequencyAggregate(DerivedTable):
    survey_wave: Int = _wave()
    dimension: Str = same_as("snapshot_items", "dimension")
    code: Str = same_as("snapshot_items", "code")
    label: Str = pa.Field(description="Display label of the code, 'Other (free text)' for other")
    cities: Int = _count("Cities naming the code")
    cities_in_wave: Int = _count("Cities (snapshots) in the wave")
    cities_answering: Int = _count("Cities naming at least one item of this list")
    pct_of_cities: Float = _pct("cities / cities_in_wave, %")
    pct_of_answering: Float = _pct("cities / cities_answering, %")


class PolicyAreaDataAggregate(DerivedTable):
    survey_wave: Int = _wave()
    policy_area: Str = same_as("policy_area_data", "policy_area")
    label: Str = pa.Field(description="Display label of the policy area, 'Other (free text)' for other")
    data_status: Str = same_as("policy_area_data", "data_status")
    cities: Int = _count("Cities whose grid gives the area this data status")
    cities_listing: Int = _count("Cities whose grid lists the area at all")
    pct_of_listing: Float = _pct("cities / cities_listing, %")


class ByCountryAggregate(DerivedTable):
    survey_wave: Int = _wave()
    country_code: Str = pa.Field(description="ISO 3166-1 alpha-2 code, 'unknown' when the country is not known")
    country: Str = pa.Field(description="Country as written in the title line (first alphabetically)")
    cities: Int = _count("Cities of the country in the wave")
    pct_formal_strategy: Float = _pct("Share of the country's answering cities with a formal strategy, %")
    pct_dedicated_funding: Float = _pct("Share of the country's answering cities with dedicated funding, %")
    population_total: Int = _count("Sum of the stated populations", nullable=True)
    team_size_mean: Float = _count("Mean team size stated", nullable=True)


class BySizeAggregate(DerivedTable):
    survey_wave: Int = _wave()
    size_band: Str = pa.Field(isin=SIZE_BANDS, description="Population band of the stated population")
    cities: Int = _count("Cities of the band in the wave")
    pct_formal_strategy: Float = _pct("Share of the band's answering cities with a formal strategy, %")
    pct_dedicated_funding: Float = _pct("Share of the band's answering cities with dedicated funding, %")
    team_size_median: Float = _count("Median team size stated", nullable=True)


class BenchmarkCheckAggregate(DerivedTable):
    survey_wave: Int = _wave()
    snapshot_id: Str = same_as("benchmark_claims", "snapshot_id")
    city: Str = same_as("snapshots", "city")
    position: Int = same_as("benchmark_claims", "position")
    topic: Str = same_as("benchmark_claims", "topic")
    city_value: Str = same_as("benchmark_claims", "city_value")
    comparator: Str = same_as("benchmark_claims", "comparator")
    stated_text: Str = same_as("benchmark_claims", "stated_text")
    stated_pct: Float = same_as("benchmark_claims", "stated_pct")
    stated_low: Float = same_as("benchmark_claims", "stated_low")
    stated_high: Float = same_as("benchmark_claims", "stated_high")
    cities_answering: Int = _count("Cities of the same wave answering the claim's topic")
    computed_pct: Float = _pct("Share of those cities the claim describes, recomputed from the warehouse, %")
    difference_pct: Float = pa.Field(
        ge=-100, le=100, nullable=True, description="computed_pct - stated_pct, in percentage points"
    )
    within_stated: Bool = pa.Field(
        nullable=True, description="computed_pct lies within [stated_low, stated_high]; null when not comparable"
    )
    source_line: Int = same_as("benchmark_claims", "source_line")


class CityChangesAggregate(DerivedTable):
    city_key: Str = pa.Field(description="<country code>-<city slug>: the same city across waves")
    city: Str = pa.Field(description="City name as in the later snapshot")
    country_code: Str = same_as("snapshots", "country_code")
    from_wave: Int = _wave("The earlier of two consecutive waves the city answered")
    to_wave: Int = _wave("The later wave")
    from_snapshot_id: Str = pa.Field(description="Snapshot of the earlier wave")
    to_snapshot_id: Str = pa.Field(description="Snapshot of the later wave")
    strategy_from: Bool = pa.Field(nullable=True, description="Formal innovation strategy in the earlier wave")
    strategy_to: Bool = pa.Field(nullable=True, description="Formal innovation strategy in the later wave")
    strategy_change: Str = pa.Field(isin=CHANGES, description="Formal strategy gained, lost, unchanged, or unknown")
    funding_from: Bool = pa.Field(nullable=True, description="Dedicated innovation funding in the earlier wave")
    funding_to: Bool = pa.Field(nullable=True, description="Dedicated innovation funding in the later wave")
    funding_change: Str = pa.Field(isin=CHANGES, description="Dedicated funding gained, lost, unchanged, or unknown")
    approach_from: Str = pa.Field(nullable=True, description="Approach code in the earlier wave")
    approach_to: Str = pa.Field(nullable=True, description="Approach code in the later wave")
    approach_changed: Bool = pa.Field(nullable=True, description="Both approaches known and different")
    team_staff_from: Int = _count("Team size in the earlier wave (one number stated)", nullable=True)
    team_staff_to: Int = _count("Team size in the later wave (one number stated)", nullable=True)
    team_staff_change: Int = pa.Field(nullable=True, description="team_staff_to - team_staff_from")
    skills_added_count: Int = _count("Staff skills named in the later wave but not the earlier")
    skills_added: Str = pa.Field(description="Those skills' labels, '; '-separated, alphabetical")
    skills_removed_count: Int = _count("Staff skills named in the earlier wave but not the later")
    skills_removed: Str = pa.Field(description="Those skills' labels, '; '-separated, alphabetical")


class WaveComparisonAggregate(DerivedTable):
    dimension: Str = pa.Field(
        isin=sorted({"headline", "approach", *item_dimensions()}),
        description="headline (yes/no answers), approach, or the list the code belongs to",
    )
    code: Str = pa.Field(description="Measure or code: formal_strategy, holistic, data_scientist, ...")
    label: Str = pa.Field(description="Display label of the measure or code")
    from_wave: Int = _wave("The earlier of two consecutive survey waves")
    to_wave: Int = _wave("The later wave")
    from_cities: Int = _count("Cities of the earlier wave with this answer or naming this code")
    from_base: Int = _count("Cities the earlier share is taken of: answering (headline, approach) or all")
    from_pct: Float = _pct("from_cities / from_base, %")
    to_cities: Int = _count("Cities of the later wave with this answer or naming this code")
    to_base: Int = _count("Cities the later share is taken of")
    to_pct: Float = _pct("to_cities / to_base, %")
    change_pct_points: Float = pa.Field(ge=-100, le=100, nullable=True, description="to_pct - from_pct")


AGGREGATE_MODELS: dict[str, type[DerivedTable]] = {
    "agg_benchmark_check": BenchmarkCheckAggregate,
    "agg_by_country": ByCountryAggregate,
    "agg_by_size": BySizeAggregate,
    "agg_city_changes": CityChangesAggregate,
    "agg_item_frequency": ItemFrequencyAggregate,
    "agg_overview": OverviewAggregate,
    "agg_policy_area_data": PolicyAreaDataAggregate,
    "agg_wave_comparison": WaveComparisonAggregate,
}


# --- views -----------------------------------------------------------------------------------------


class CityProfileView(DerivedTable):
    snapshot_id: Str = same_as("snapshots", "snapshot_id")
    survey_wave: Int = same_as("snapshots", "survey_wave")
    city_key: Str = pa.Field(description="<country code>-<city slug>: the same city across waves")
    city: Str = same_as("snapshots", "city")
    region: Str = same_as("snapshots", "region")
    country: Str = same_as("snapshots", "country")
    country_code: Str = same_as("snapshots", "country_code")
    mayor: Str = same_as("snapshots", "mayor")
    mayor_title: Str = same_as("snapshots", "mayor_title")
    population: Int = same_as("snapshots", "population")
    population_year: Int = same_as("snapshots", "population_year")
    size_band: Str = pa.Field(isin=SIZE_BANDS, description="Population band, as in agg_by_size")
    website: Str = same_as("snapshots", "website")
    team_location: Str = same_as("snapshots", "team_location")
    has_dedicated_team: Bool = same_as("snapshots", "has_dedicated_team")
    team_staff: Int = same_as("snapshots", "team_staff")
    team_staff_text: Str = same_as("snapshots", "team_staff_text")
    has_formal_strategy: Bool = same_as("snapshots", "has_formal_strategy")
    approach: Str = same_as("snapshots", "approach")
    approach_label: Str = pa.Field(nullable=True, description="Display label of the approach")
    has_dedicated_funding: Bool = same_as("snapshots", "has_dedicated_funding")
    prioritises_policy_areas: Bool = same_as("snapshots", "prioritises_policy_areas")
    uses_data_in_urban_planning: Bool = same_as("snapshots", "uses_data_in_urban_planning")
    budget_aligned_with_priorities: Bool = same_as("snapshots", "budget_aligned_with_priorities")
    publishes_open_data_centrally: Bool = same_as("snapshots", "publishes_open_data_centrally")
    provides_data_guidance: Bool = same_as("snapshots", "provides_data_guidance")
    staff_skill_count: Int = _count("Staff skills named")
    staff_skills: Str = pa.Field(nullable=True, description="Staff skills' display labels, '; '-separated")
    priority_policy_areas: Str = pa.Field(nullable=True, description="Priority policy areas, '; '-separated")
    funding_sources: Str = pa.Field(nullable=True, description="Funding sources, '; '-separated")
    benefits: Str = pa.Field(nullable=True, description="Benefits of innovation named, '; '-separated")
    success_factors: Str = pa.Field(nullable=True, description="Critical success factors, '; '-separated")
    cities_in_wave: Int = _count("Cities (snapshots) in the same wave: the base of every share")
    waves_of_city: Int = _count("Survey waves this city answered")
    source_path: Str = pa.Field(nullable=True, description="Document the snapshot was read from, relative to raw/")


class ItemsLabelledView(DerivedTable):
    snapshot_id: Str = same_as("snapshot_items", "snapshot_id")
    survey_wave: Int = same_as("snapshots", "survey_wave")
    city: Str = same_as("snapshots", "city")
    country_code: Str = same_as("snapshots", "country_code")
    dimension: Str = same_as("snapshot_items", "dimension")
    dimension_label: Str = pa.Field(description="The list's name for people: 'Staff skills', 'Funding sources'")
    position: Int = same_as("snapshot_items", "position")
    code: Str = same_as("snapshot_items", "code")
    display_label: Str = pa.Field(description="The vocabulary's label, or the text as written for 'other'")
    label_as_written: Str = same_as("snapshot_items", "label")
    is_free_text: Bool = pa.Field(description="True when the item matched no vocabulary option (code 'other')")
    cities_naming: Int = _count("Cities of the wave naming the same code")
    cities_in_wave: Int = _count("Cities (snapshots) in the wave")
    pct_of_cities: Float = _pct("cities_naming / cities_in_wave, %")
    source_line: Int = same_as("snapshot_items", "source_line")


class HeadlineSharesView(DerivedTable):
    survey_wave: Int = _wave()
    measure: Str = pa.Field(
        description="formal_strategy, dedicated_funding, dedicated_team, prioritises_policy_areas, approach_<code>"
    )
    label: Str = pa.Field(description="The measure for people")
    cities_with: Int = _count("Cities answering yes (or with this approach)")
    cities_answering: Int = _count("Cities whose snapshot answers the question")
    cities_in_wave: Int = _count("Cities (snapshots) in the wave")
    pct_of_answering: Float = _pct("cities_with / cities_answering, %")


class ItemSharesView(DerivedTable):
    survey_wave: Int = _wave()
    dimension: Str = same_as("snapshot_items", "dimension")
    dimension_label: Str = pa.Field(description="The list's name for people: 'Staff skills', 'Funding sources'")
    code: Str = same_as("snapshot_items", "code")
    label: Str = pa.Field(description="Display label of the code, 'Other (free text)' for other")
    cities: Int = _count("Cities naming the code")
    cities_in_wave: Int = _count("Cities (snapshots) in the wave")
    cities_answering: Int = _count("Cities naming at least one item of this list")
    pct_of_cities: Float = _pct("cities / cities_in_wave, %")
    pct_of_answering: Float = _pct("cities / cities_answering, %")
    rank_in_list: Int = pa.Field(ge=1, description="1 for the code most cities name in this list and wave (ties share)")


VIEW_MODELS: dict[str, type[DerivedTable]] = {
    "v_city_profile": CityProfileView,
    "v_headline_shares": HeadlineSharesView,
    "v_item_shares": ItemSharesView,
    "v_items_labelled": ItemsLabelledView,
}


# --- the catalog -----------------------------------------------------------------------------------

KIND_NAMES = {"table": "Table", "aggregate": "Aggregate table", "view": "View"}
DUCKDB_TYPES = {"string": "VARCHAR", "int64": "BIGINT", "boolean": "BOOLEAN", "float64": "DOUBLE"}


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    type: str
    nullable: bool
    description: str
    allowed: str


@dataclass(frozen=True)
class RelationDoc:
    name: str
    kind: str
    description: str
    key: str
    columns: tuple[ColumnDoc, ...]


def duckdb_type(dtype: object) -> str:
    """The DuckDB type a pandera dtype is published as (pandas string -> VARCHAR, Int64 -> BIGINT...)."""
    name = str(dtype).lower()
    return next((sql for prefix, sql in DUCKDB_TYPES.items() if name.startswith(prefix)), name.upper())


def _allowed(table: str, column: str, checks: list) -> str:
    if table == "snapshot_items" and column == "code":
        return "a code of the item's vocabulary (see Vocabularies), or `other`"
    parts = []
    for check in checks:
        stats = check.statistics or {}
        if check.name == "isin":
            parts.append(", ".join(f"`{value}`" for value in stats["allowed_values"]))
        elif check.name == "greater_than_or_equal_to":
            parts.append(f"≥ {stats['min_value']:,}")
        elif check.name == "less_than_or_equal_to":
            parts.append(f"≤ {stats['max_value']:,}")
        elif check.name == "str_matches":
            parts.append(f"matches `{stats['pattern']}`")
        elif check.name == "str_length":
            parts.append("not empty")
    return "; ".join(parts)


def _relation(name: str, kind: str, model: type[pa.DataFrameModel], description: str) -> RelationDoc:
    schema = model.to_schema()
    key = schema.unique or [column for column, spec in schema.columns.items() if spec.unique]
    columns = tuple(
        ColumnDoc(
            name=column,
            type=duckdb_type(spec.dtype),
            nullable=spec.nullable,
            description=spec.description or "",
            allowed=_allowed(name, column, spec.checks),
        )
        for column, spec in schema.columns.items()
    )
    return RelationDoc(name, kind, description, ", ".join(key or []), columns)


def view_descriptions() -> dict[str, str]:
    from pipeline.publish.views import view_descriptions as descriptions

    return descriptions()


@cache
def catalog() -> tuple[RelationDoc, ...]:
    """Every published table, aggregate and view with its columns, in the order the docs show them."""
    relations = [
        _relation(name, "table", model, " ".join((model.__doc__ or "").split())) for name, model in TABLE_MODELS.items()
    ]
    aggregates = aggregate_descriptions()
    relations += [
        _relation(name, "aggregate", model, aggregates.get(name, "")) for name, model in AGGREGATE_MODELS.items()
    ]
    views = view_descriptions()
    relations += [_relation(name, "view", model, views.get(name, "")) for name, model in VIEW_MODELS.items()]
    return tuple(relations)


def column_descriptions(relation: str) -> dict[str, str]:
    """Column -> description of any published relation (empty when it is not in the catalog)."""
    docs = {doc.name: doc for doc in catalog()}
    return {column.name: column.description for column in docs[relation].columns} if relation in docs else {}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown() -> str:
    """docs/data-dictionary.md: one section per relation, then the vocabularies' codes."""
    kinds = {"table": "Tables", "aggregate": "Aggregates (per survey wave)", "view": "Views for BI tools"}
    lines = [
        "# Data dictionary",
        "",
        "Generated from `schemas/models.py` and `pipeline/publish/dictionary.py` by",
        "`python -m pipeline.publish.dictionary` (`make docs`); `tests/test_dictionary.py` fails when it is stale.",
        "The same descriptions are in DuckDB: `SELECT table_name, column_name, comment FROM duckdb_columns()`.",
        "Types are DuckDB's; shares (`pct_*`) are percentages from 0 to 100.",
        "",
    ]
    relations = catalog()
    for kind, title in kinds.items():
        lines += [f"## {title}", ""]
        lines += [f"- [`{doc.name}`](#{doc.name})" for doc in relations if doc.kind == kind]
        lines.append("")
    for doc in relations:
        lines += [f"### {doc.name}", "", f"{KIND_NAMES[doc.kind]}. {doc.description}", ""]
        if doc.key:
            lines += [f"Unique key: `{doc.key}`.", ""]
        lines += ["| column | type | nullable | description | allowed values |", "|---|---|---|---|---|"]
        lines += [
            f"| `{c.name}` | {c.type} | {'yes' if c.nullable else 'no'} | {_cell(c.description)} | {_cell(c.allowed)} |"
            for c in doc.columns
        ]
        lines.append("")
    vocabulary = load_vocabulary()
    lines += ["## Vocabularies", "", "Codes of `snapshot_items.code` by list (`other` is free text).", ""]
    lists = {
        vocab: [item for item, name in item_dimensions().items() if name == vocab] for vocab in vocabulary.dimensions
    }
    for dimension in vocabulary.dimensions:
        used = ", ".join(f"`{item}`" for item in lists[dimension]) or "`snapshots.approach`"
        lines += [f"### {dimension}", "", f"Used by: {used}.", "", "| code | label |", "|---|---|"]
        codes = sorted((code for code in vocabulary.codes if code.dimension == dimension), key=lambda c: c.code)
        lines += [f"| `{code.code}` | {_cell(code.label)} |" for code in codes]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write (or --check) docs/data-dictionary.md from the schemas.")
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is stale, without writing")
    args = parser.parse_args(argv)
    text = render_markdown()
    if args.check:
        current = DICTIONARY_PATH.read_text(encoding="utf-8") if DICTIONARY_PATH.exists() else ""
        if current != text:
            print(f"{DICTIONARY_PATH} is stale: run `make docs`", file=sys.stderr)
            return 1
        return 0
    DICTIONARY_PATH.parent.mkdir(parents=True, exist_ok=True)
    DICTIONARY_PATH.write_text(text, encoding="utf-8")
    print(DICTIONARY_PATH)
    return 0


if __name__ == "__main__":
    sys.exit(main())
