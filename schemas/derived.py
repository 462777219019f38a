"""pandera models of the derived relations: the aggregate tables (``pipeline/aggregate/sql``) and the
friendly views (``pipeline/publish/views``). Like the base tables' models in ``schemas/models.py`` they
are the one place each relation's columns, types, keys and descriptions are declared; columns passed
through from a base table reuse its description (``same_as``).

Every share ``pct_*`` / ``*_pct`` is followed by its 95 % Wilson interval: ``ci_low_pct`` and
``ci_high_pct`` when the relation has one share, ``<share>_ci_low`` and ``<share>_ci_high`` otherwise.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.engines.pandas_engine import Date

from schemas.models import TABLE_MODELS, YEAR, BaseTable, Bool, Float, Int, Str
from schemas.vocabulary import item_dimensions

CHANGES = ["gained", "lost", "unchanged", "unknown"]
SIZE_BANDS = ["1: under 100k", "2: 100k-500k", "3: 500k-1m", "4: 1m-5m", "5: 5m and over", "unknown"]
WaveDate = pa.typing.Series[Date]


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


def _ci_low(share: str = "the share") -> object:
    return _pct(f"Lower bound of the 95% Wilson score interval of {share}, %")


def _ci_high(share: str = "the share") -> object:
    return _pct(f"Upper bound of the 95% Wilson score interval of {share}, %")


def _wave_date() -> object:
    return pa.Field(description="First day of the survey wave's year (DATE), for time-series charts")


class DerivedTable(BaseTable):
    """A relation computed from the base tables; validated in tests, described in DuckDB."""


# --- aggregates ------------------------------------------------------------------------------------


class OverviewAggregate(DerivedTable):
    survey_wave: Int = _wave()
    cities: Int = _count("Cities (snapshots) in the wave")
    cities_answering_strategy: Int = _count("Cities whose snapshot says whether they have a formal strategy")
    pct_formal_strategy: Float = _pct("Share of those cities with a formal innovation strategy, %")
    pct_formal_strategy_ci_low: Float = _ci_low("pct_formal_strategy")
    pct_formal_strategy_ci_high: Float = _ci_high("pct_formal_strategy")
    cities_answering_funding: Int = _count("Cities whose snapshot says whether they have dedicated funding")
    pct_dedicated_funding: Float = _pct("Share of those cities with dedicated innovation funding, %")
    pct_dedicated_funding_ci_low: Float = _ci_low("pct_dedicated_funding")
    pct_dedicated_funding_ci_high: Float = _ci_high("pct_dedicated_funding")
    cities_answering_team: Int = _count("Cities whose snapshot says whether they have a dedicated team")
    pct_dedicated_team: Float = _pct("Share of those cities with a dedicated innovation team, %")
    pct_dedicated_team_ci_low: Float = _ci_low("pct_dedicated_team")
    pct_dedicated_team_ci_high: Float = _ci_high("pct_dedicated_team")
    cities_answering_approach: Int = _count("Cities whose innovation approach is coded")
    pct_approach_holistic: Float = _pct("Share of those cities with a holistic / macro-level approach, %")
    pct_approach_holistic_ci_low: Float = _ci_low("pct_approach_holistic")
    pct_approach_holistic_ci_high: Float = _ci_high("pct_approach_holistic")
    pct_approach_specific: Float = _pct("Share of those cities with an approach in specific policy areas, %")
    pct_approach_specific_ci_low: Float = _ci_low("pct_approach_specific")
    pct_approach_specific_ci_high: Float = _ci_high("pct_approach_specific")
    pct_approach_both: Float = _pct("Share of those cities with both approaches, %")
    pct_approach_both_ci_low: Float = _ci_low("pct_approach_both")
    pct_approach_both_ci_high: Float = _ci_high("pct_approach_both")
    cities_reporting_team_size: Int = _count("Cities stating one number for their team size")
    team_size_min: Int = _count("Smallest team size stated", nullable=True)
    team_size_median: Float = _count("Median team size stated", nullable=True)
    team_size_mean: Float = _count("Mean team size stated", nullable=True)
    team_size_max: Int = _count("Largest team size stated", nullable=True)
    population_median: Int = _count("Median population of the wave's cities", nullable=True)

    class Config:
        unique = ("survey_wave",)


class ItemFrequencyAggregate(DerivedTable):
    survey_wave: Int = _wave()
    dimension: Str = same_as("snapshot_items", "dimension")
    code: Str = same_as("snapshot_items", "code")
    label: Str = pa.Field(description="Display label of the code, 'Other (free text)' for other")
    cities: Int = _count("Cities naming the code")
    cities_in_wave: Int = _count("Cities (snapshots) in the wave")
    cities_answering: Int = _count("Cities naming at least one item of this list")
    pct_of_cities: Float = _pct("cities / cities_in_wave, %")
    pct_of_cities_ci_low: Float = _ci_low("pct_of_cities")
    pct_of_cities_ci_high: Float = _ci_high("pct_of_cities")
    pct_of_answering: Float = _pct("cities / cities_answering, %")
    pct_of_answering_ci_low: Float = _ci_low("pct_of_answering")
    pct_of_answering_ci_high: Float = _ci_high("pct_of_answering")

    class Config:
        unique = ("survey_wave", "dimension", "code")


class PolicyAreaDataAggregate(DerivedTable):
    survey_wave: Int = _wave()
    policy_area: Str = same_as("policy_area_data", "policy_area")
    label: Str = pa.Field(description="Display label of the policy area, 'Other (free text)' for other")
    data_status: Str = same_as("policy_area_data", "data_status")
    cities: Int = _count("Cities whose grid gives the area this data status")
    cities_listing: Int = _count("Cities whose grid lists the area at all")
    pct_of_listing: Float = _pct("cities / cities_listing, %")
    ci_low_pct: Float = _ci_low("pct_of_listing")
    ci_high_pct: Float = _ci_high("pct_of_listing")

    class Config:
        unique = ("survey_wave", "policy_area", "data_status")


class ByCountryAggregate(DerivedTable):
    survey_wave: Int = _wave()
    country_code: Str = pa.Field(description="ISO 3166-1 alpha-2 code, 'unknown' when the country is not known")
    country: Str = pa.Field(description="Country as written in the title line (first alphabetically)")
    cities: Int = _count("Cities of the country in the wave")
    pct_formal_strategy: Float = _pct("Share of the country's answering cities with a formal strategy, %")
    pct_formal_strategy_ci_low: Float = _ci_low("pct_formal_strategy")
    pct_formal_strategy_ci_high: Float = _ci_high("pct_formal_strategy")
    pct_dedicated_funding: Float = _pct("Share of the country's answering cities with dedicated funding, %")
    pct_dedicated_funding_ci_low: Float = _ci_low("pct_dedicated_funding")
    pct_dedicated_funding_ci_high: Float = _ci_high("pct_dedicated_funding")
    population_total: Int = _count("Sum of the stated populations", nullable=True)
    team_size_mean: Float = _count("Mean team size stated", nullable=True)

    class Config:
        unique = ("survey_wave", "country_code")


class BySizeAggregate(DerivedTable):
    survey_wave: Int = _wave()
    size_band: Str = pa.Field(isin=SIZE_BANDS, description="Population band of the stated population")
    cities: Int = _count("Cities of the band in the wave")
    pct_formal_strategy: Float = _pct("Share of the band's answering cities with a formal strategy, %")
    pct_formal_strategy_ci_low: Float = _ci_low("pct_formal_strategy")
    pct_formal_strategy_ci_high: Float = _ci_high("pct_formal_strategy")
    pct_dedicated_funding: Float = _pct("Share of the band's answering cities with dedicated funding, %")
    pct_dedicated_funding_ci_low: Float = _ci_low("pct_dedicated_funding")
    pct_dedicated_funding_ci_high: Float = _ci_high("pct_dedicated_funding")
    team_size_median: Float = _count("Median team size stated", nullable=True)

    class Config:
        unique = ("survey_wave", "size_band")


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
    cities_matching: Int = _count("Of those, cities the claim describes (same answer, or the other for 'unlike')")
    computed_pct: Float = _pct("Share of those cities the claim describes, recomputed from the warehouse, %")
    ci_low_pct: Float = _ci_low("computed_pct")
    ci_high_pct: Float = _ci_high("computed_pct")
    difference_pct: Float = pa.Field(
        ge=-100, le=100, nullable=True, description="computed_pct - stated_pct, in percentage points"
    )
    within_stated: Bool = pa.Field(
        nullable=True,
        description="Exact check: computed_pct lies within [stated_low, stated_high]; null when not comparable",
    )
    stated_within_ci: Bool = pa.Field(
        nullable=True,
        description="Small-sample check: the stated figure (or a point of the stated range) lies within "
        "[ci_low_pct, ci_high_pct]; null when not comparable",
    )
    source_line: Int = same_as("benchmark_claims", "source_line")

    class Config:
        unique = ("snapshot_id", "position")


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

    class Config:
        unique = ("city_key", "to_wave")


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
    from_pct_ci_low: Float = _ci_low("from_pct")
    from_pct_ci_high: Float = _ci_high("from_pct")
    to_cities: Int = _count("Cities of the later wave with this answer or naming this code")
    to_base: Int = _count("Cities the later share is taken of")
    to_pct: Float = _pct("to_cities / to_base, %")
    to_pct_ci_low: Float = _ci_low("to_pct")
    to_pct_ci_high: Float = _ci_high("to_pct")
    change_pct_points: Float = pa.Field(ge=-100, le=100, nullable=True, description="to_pct - from_pct")

    class Config:
        unique = ("dimension", "code", "from_wave")


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
    wave_date: WaveDate = _wave_date()
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

    class Config:
        unique = ("snapshot_id",)


class ItemsLabelledView(DerivedTable):
    snapshot_id: Str = same_as("snapshot_items", "snapshot_id")
    survey_wave: Int = same_as("snapshots", "survey_wave")
    wave_date: WaveDate = _wave_date()
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
    ci_low_pct: Float = _ci_low("pct_of_cities")
    ci_high_pct: Float = _ci_high("pct_of_cities")
    source_line: Int = same_as("snapshot_items", "source_line")

    class Config:
        unique = ("snapshot_id", "dimension", "position")


class HeadlineSharesView(DerivedTable):
    survey_wave: Int = _wave()
    wave_date: WaveDate = _wave_date()
    measure: Str = pa.Field(
        description="The measure of schemas/measures.yaml: formal_strategy, dedicated_funding, dedicated_team, "
        "prioritises_policy_areas, approach_<code>"
    )
    label: Str = pa.Field(description="The measure for people")
    cities_with: Int = _count("Cities answering yes (or with this approach)")
    cities_answering: Int = _count("Cities whose snapshot answers the question")
    cities_in_wave: Int = _count("Cities (snapshots) in the wave")
    pct_of_answering: Float = _pct("cities_with / cities_answering, %")
    ci_low_pct: Float = _ci_low("pct_of_answering")
    ci_high_pct: Float = _ci_high("pct_of_answering")

    class Config:
        unique = ("survey_wave", "measure")


class ItemSharesView(DerivedTable):
    survey_wave: Int = _wave()
    wave_date: WaveDate = _wave_date()
    dimension: Str = same_as("snapshot_items", "dimension")
    dimension_label: Str = pa.Field(description="The list's name for people: 'Staff skills', 'Funding sources'")
    code: Str = same_as("snapshot_items", "code")
    label: Str = pa.Field(description="Display label of the code, 'Other (free text)' for other")
    cities: Int = _count("Cities naming the code")
    cities_in_wave: Int = _count("Cities (snapshots) in the wave")
    cities_answering: Int = _count("Cities naming at least one item of this list")
    pct_of_cities: Float = _pct("cities / cities_in_wave, %")
    pct_of_cities_ci_low: Float = _ci_low("pct_of_cities")
    pct_of_cities_ci_high: Float = _ci_high("pct_of_cities")
    pct_of_answering: Float = _pct("cities / cities_answering, %")
    pct_of_answering_ci_low: Float = _ci_low("pct_of_answering")
    pct_of_answering_ci_high: Float = _ci_high("pct_of_answering")
    rank_in_list: Int = pa.Field(ge=1, description="1 for the code most cities name in this list and wave (ties share)")

    class Config:
        unique = ("survey_wave", "dimension", "code")


VIEW_MODELS: dict[str, type[DerivedTable]] = {
    "v_city_profile": CityProfileView,
    "v_headline_shares": HeadlineSharesView,
    "v_item_shares": ItemSharesView,
    "v_items_labelled": ItemsLabelledView,
}


def typed_frame(frame: pd.DataFrame, model: type[pa.DataFrameModel]) -> pd.DataFrame:
    """``frame`` with every column cast to its model's dtype, in the model's order: an empty or all-NULL
    column keeps its declared type instead of becoming ``object`` (NULL-typed in Parquet and DuckDB)."""
    columns = model.to_schema().columns
    return pd.DataFrame({name: frame[name].astype(spec.dtype.type) for name, spec in columns.items()})
