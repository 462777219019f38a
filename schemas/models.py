"""pandera models of every warehouse table: the single source of truth for columns, types,
nullability, keys, allowed codes and plausible ranges. Descriptions here feed the DuckDB
``COMMENT ON`` statements and Dagster's column schemas.
"""

from __future__ import annotations

import importlib
import sys

import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc
from pandera import extensions
from pandera.engines import pandas_engine
from pandera.typing import Series

from pipeline.core import REJECTION_REASONS
from schemas.countries import country_codes
from schemas.vocabulary import allowed_item_codes, item_dimensions, load_vocabulary

OPTIONAL_PROBES = {"pandera.typing.dask": "dask.dataframe", "pandera.strategies.base_strategies": "hypothesis"}
"""pandera module -> the optional package it imports when installed, for features these models never use."""


def _skip_pandera_optional_probes() -> None:
    """Building a model makes pandera import ``pandera.typing.dask``, which imports ``dask.dataframe``
    when dask is installed (the dev extra's Dask test); its first validation imports its data-synthesis
    strategies, which import ``hypothesis`` (the dev extra's property tests). Together 2 s of every
    build's start-up, in the CLI and in the parse workers' fork server, for models that only validate
    pandas frames. A ``None`` entry in ``sys.modules`` makes each probe an ImportError, which pandera
    handles by recording the package as absent; the entry is removed at once, so the package itself
    still imports for whoever uses it."""
    for module, probe in OPTIONAL_PROBES.items():
        if module in sys.modules or probe in sys.modules:
            continue
        sys.modules[probe] = None  # type: ignore[assignment]
        try:
            importlib.import_module(module)
        finally:
            del sys.modules[probe]


_skip_pandera_optional_probes()


class Text(pandas_engine.STRING):
    """pandas text (``str``), checked per column: pandera's own string type answers its dtype check with
    one verdict per row, and pandera then builds a (empty) frame of failure cases and its printout for
    every text column of every validation, passing or not: 6 ms a column, a third of a fragment's
    validation. The rule is the same: the column's dtype is the text dtype."""

    def check(self, pandera_dtype: object, data_container: pd.Series | None = None) -> bool:
        verdict = super().check(pandera_dtype, data_container)
        return verdict if isinstance(verdict, bool) else bool(verdict.all())


Str = Series[Text]
Int = Series[pd.Int64Dtype]
Bool = Series[pd.BooleanDtype]
Float = Series[pd.Float64Dtype]

SHA256 = r"^[0-9a-f]{64}$"
YEAR = {"ge": 1950, "le": 2100}
DATA_STATUSES = ["sufficient", "insufficient", "no_response", "unknown"]
DOCUMENT_STATUSES = ["loaded", "rejected"]


@extensions.register_check_method(statistics=["pattern"], supported_types=pd.Series)
def str_matches_each_distinct(series: pd.Series, *, pattern: str) -> pd.Series:
    """``str_matches``, with the pattern matched once per distinct value: a table repeats its document's id
    on each of its rows (a chunk of 1,000 documents: 85,000 ids, 1,000 distinct; 50 ms against 7)."""
    values = pyarrow.array(series, from_pandas=True)
    if isinstance(values, pyarrow.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(values)
    matched = pc.take(pc.match_substring_regex(encoded.dictionary, pattern), encoded.indices)
    return pd.Series(pc.fill_null(matched, False).to_numpy(zero_copy_only=False), index=series.index)


def _document_id(description: str = "sha256 of the document's bytes") -> object:
    return pa.Field(str_matches_each_distinct={"pattern": SHA256}, description=description)


def _line(description: str) -> object:
    return pa.Field(ge=1, description=description)


class BaseTable(pa.DataFrameModel):
    class Config:
        strict = True
        coerce = True


class DocumentsTable(BaseTable):
    """One row per file found under raw/, loaded or rejected."""

    document_id: Str = _document_id()
    path: Str = pa.Field(unique=True, description="Path relative to raw/, with / separators")
    survey_wave: Int = pa.Field(nullable=True, **YEAR, description="Survey wave: the file's folder")
    size_bytes: Int = pa.Field(ge=0, description="File size in bytes")
    source_format: Str = pa.Field(description="text, markdown, pdf, or the unsupported extension")
    line_count: Int = pa.Field(nullable=True, ge=0, description="Lines in the decoded text")
    status: Str = pa.Field(isin=DOCUMENT_STATUSES, description="loaded or rejected")
    snapshot_id: Str = pa.Field(nullable=True, description="Snapshot built from it, if loaded")
    parser_version: Str = pa.Field(description="Version of the parser that read it")


class RejectedDocumentsTable(BaseTable):
    """Documents that were not loaded, with a machine-readable reason and a message for people."""

    document_id: Str = _document_id()
    path: Str = pa.Field(unique=True, description="Path relative to raw/")
    reason: Str = pa.Field(isin=REJECTION_REASONS, description="Stable reason code")
    message: Str = pa.Field(description="What is wrong and how to fix it")
    line: Int = pa.Field(nullable=True, ge=1, description="Line of the document at fault, if known")


class SnapshotsTable(BaseTable):
    """One row per city per survey wave: the snapshot's single-valued facts."""

    snapshot_id: Str = pa.Field(unique=True, description="<wave>-<country code>-<city slug>")
    document_id: Str = _document_id("Document the snapshot was read from")
    survey_wave: Int = pa.Field(**YEAR, description="Survey wave (2018, 2020, ...)")
    city: Str = pa.Field(str_length={"min_value": 1}, description="City name as in the document")
    region: Str = pa.Field(nullable=True, description="State or region named in the title line")
    country: Str = pa.Field(description="Country as written in the title line")
    country_code: Str = pa.Field(nullable=True, description="ISO 3166-1 alpha-2 code; null if unknown")
    mayor: Str = pa.Field(nullable=True, description="Mayor or city manager")
    mayor_title: Str = pa.Field(nullable=True, description="Title as written: Mayor, City Manager...")
    term_start: Int = pa.Field(nullable=True, **YEAR, description="First year of the term")
    term_end: Int = pa.Field(nullable=True, **YEAR, description="Last year of the term")
    innovation_lead: Str = pa.Field(nullable=True, description="Innovation lead(s), '; '-separated")
    innovation_lead_count: Int = pa.Field(ge=0, description="Number of innovation leads named")
    population: Int = pa.Field(nullable=True, ge=100, le=50_000_000, description="Population as stated")
    population_year: Int = pa.Field(nullable=True, **YEAR, description="Year of the population figure")
    population_text: Str = pa.Field(nullable=True, description="Population as written")
    website: Str = pa.Field(nullable=True, description="Innovation / open data website")
    team_location: Str = pa.Field(nullable=True, description="Where the innovation team sits")
    has_dedicated_team: Bool = pa.Field(nullable=True, description="A dedicated innovation team exists")
    team_staff: Int = pa.Field(nullable=True, ge=0, le=10_000, description="Team size, only when one number is stated")
    team_staff_min: Int = pa.Field(nullable=True, ge=0, le=10_000, description="Lower bound stated")
    team_staff_max: Int = pa.Field(nullable=True, ge=0, le=10_000, description="Upper bound stated")
    team_staff_text: Str = pa.Field(nullable=True, description="Team size as written")
    spotlight_title: Str = pa.Field(nullable=True, description="Title of the spotlight project")
    spotlight_text: Str = pa.Field(nullable=True, description="Text of the spotlight")
    has_formal_strategy: Bool = pa.Field(nullable=True, description="Has a formal innovation strategy")
    approach: Str = pa.Field(
        nullable=True,
        isin=sorted(load_vocabulary().codes_of("approaches")),
        description="holistic, specific or both",
    )
    approach_text: Str = pa.Field(nullable=True, description="Approach as written")
    prioritises_policy_areas: Bool = pa.Field(nullable=True, description="Names priority policy areas")
    has_dedicated_funding: Bool = pa.Field(nullable=True, description="Has dedicated innovation funding")
    uses_data_in_urban_planning: Bool = pa.Field(nullable=True, description="Data is a component of urban planning")
    budget_aligned_with_priorities: Bool = pa.Field(
        nullable=True, description="Uses data to align budget with priorities"
    )
    publishes_open_data_centrally: Bool = pa.Field(
        nullable=True, description="Publishes open data to a central location"
    )
    provides_data_guidance: Bool = pa.Field(nullable=True, description="Gives how-to guidance on city data")
    header_line: Int = _line("Line of the document's title")

    class Config:
        unique = ["city", "country", "survey_wave"]

    @pa.dataframe_check(error="term_start must not be after term_end")
    def term_in_order(cls, df: pd.DataFrame) -> pd.Series:
        return (df["term_start"].isna() | df["term_end"].isna() | (df["term_start"] <= df["term_end"])).astype(bool)

    @pa.dataframe_check(error="team_staff_min must not exceed team_staff_max")
    def staff_bounds_in_order(cls, df: pd.DataFrame) -> pd.Series:
        low, high = df["team_staff_min"], df["team_staff_max"]
        return (low.isna() | high.isna() | (low <= high)).astype(bool)

    @pa.check("country_code", error="country_code must be an ISO 3166-1 alpha-2 code")
    def known_country(cls, series: pd.Series) -> pd.Series:
        return (series.isna() | series.isin(sorted(country_codes()))).astype(bool)


class SnapshotItemsTable(BaseTable):
    """One row per entry of a list answer (skills, policy areas, partners, funding...)."""

    snapshot_id: Str = pa.Field(description="Snapshot the item belongs to")
    document_id: Str = _document_id()
    dimension: Str = pa.Field(isin=sorted(item_dimensions()), description="Which list the item is in")
    position: Int = pa.Field(ge=1, description="1-based position in the list, as in the document")
    code: Str = pa.Field(description="Vocabulary code, or 'other' for a free-text answer")
    label: Str = pa.Field(str_length={"min_value": 1}, description="The item as written")
    source_line: Int = _line("Line of the document the item was read from")

    class Config:
        unique = ["snapshot_id", "dimension", "position"]

    @pa.dataframe_check(error="code is not in the vocabulary of its dimension")
    def code_in_vocabulary(cls, df: pd.DataFrame) -> pd.Series:
        allowed = [f"{dim}\x1f{code}" for dim, codes in allowed_item_codes().items() for code in codes]
        return (df["dimension"].astype(str) + "\x1f" + df["code"].astype(str)).isin(allowed).astype(bool)


class PolicyAreaDataTable(BaseTable):
    """The 'How are outcomes measured?' grid: each policy area with its data status."""

    snapshot_id: Str = pa.Field(description="Snapshot the grid belongs to")
    document_id: Str = _document_id()
    position: Int = pa.Field(ge=1, description="Reading order in the grid")
    policy_area: Str = pa.Field(
        isin=sorted(load_vocabulary().codes_of("policy_areas") | {"other"}),
        description="Policy-area code, or 'other'",
    )
    label: Str = pa.Field(description="Policy area as written")
    data_status: Str = pa.Field(
        isin=DATA_STATUSES,
        description="sufficient / insufficient / no_response, or unknown when the text lost the colours",
    )
    source_line: Int = _line("Line of the grid cell")

    class Config:
        unique = ["snapshot_id", "position"]


class BenchmarkClaimsTable(BaseTable):
    """Each 'Like N% of cities surveyed, ...' sentence: what the document says about all cities."""

    snapshot_id: Str = pa.Field(description="Snapshot making the claim")
    document_id: Str = _document_id()
    position: Int = pa.Field(ge=1, description="Order of the claim in the document")
    topic: Str = pa.Field(description="formal_strategy, dedicated_funding, approach, ... or other")
    city_value: Str = pa.Field(nullable=True, description="The city's own answer: yes/no or approach code")
    comparator: Str = pa.Field(description="like, similar to, along with, unlike, ...")
    refers_to_city_value: Bool = pa.Field(description="False for 'unlike': the share has the other answer")
    stated_pct: Float = pa.Field(nullable=True, ge=0, le=100, description="Share stated as a number")
    stated_text: Str = pa.Field(description="Share as written: '50%', 'more than half'")
    stated_low: Float = pa.Field(nullable=True, ge=0, le=100, description="Lowest share the text allows")
    stated_high: Float = pa.Field(nullable=True, ge=0, le=100, description="Highest share the text allows")
    sentence: Str = pa.Field(description="The claim's sentence")
    source_line: Int = _line("Line where the claim's paragraph starts")

    class Config:
        unique = ["snapshot_id", "position"]


class UnparsedLinesTable(BaseTable):
    """Non-blank lines of loaded documents that no field took: kept so nothing is lost."""

    document_id: Str = _document_id()
    snapshot_id: Str = pa.Field(description="Snapshot of the document")
    line_number: Int = _line("1-based line number in the document")
    column: Int = pa.Field(
        isin=[0, 1, 2], description="0 for a full-width line; 1 or 2 for the left or right half of a two-column line"
    )
    section: Str = pa.Field(description="Section the line sits in")
    reason: Str = pa.Field(description="Why the line was not read")
    text: Str = pa.Field(description="The line (or the part of it) as written")

    class Config:
        unique = ["document_id", "line_number", "column"]


class LineAttributionsTable(BaseTable):
    """Which field each read line of a loaded document went to: line-level provenance."""

    document_id: Str = _document_id()
    snapshot_id: Str = pa.Field(description="Snapshot of the document")
    line_number: Int = _line("1-based line number in the document")
    field: Str = pa.Field(description="Field(s) the line was attributed to, comma-separated")

    class Config:
        unique = ["document_id", "line_number"]


class ParseReportsTable(BaseTable):
    """Per loaded document: what the parser found, so a curator sees what needs attention."""

    document_id: Str = _document_id()
    snapshot_id: Str = pa.Field(unique=True, description="Snapshot of the document")
    path: Str = pa.Field(description="Path relative to raw/")
    fields_found: Int = pa.Field(ge=0, description="Expected fields the document gave")
    fields_missing: Int = pa.Field(ge=0, description="Expected fields the document did not give")
    missing_fields: Str = pa.Field(description="Names of the missing fields, comma-separated")
    unparsed_line_count: Int = pa.Field(ge=0, description="Lines kept in unparsed_lines")
    other_label_count: Int = pa.Field(ge=0, description="Items coded 'other' (free text)")
    other_labels: Str = pa.Field(description="Those labels, '; '-separated")
    needs_attention: Bool = pa.Field(description="True when lines are unparsed or labels are 'other'")
    layout_fields: Str = pa.Field(
        description="Fields read from the page layout rather than the text (a PDF's grid colours give "
        "policy_area_data.data_status), comma-separated; empty for text documents"
    )


class VocabularyTable(BaseTable):
    """Every code of every vocabulary, with its display label and accepted wordings."""

    dimension: Str = pa.Field(description="Vocabulary name")
    code: Str = pa.Field(str_matches=r"^[a-z0-9_]+$", description="Canonical code")
    label: Str = pa.Field(description="Display label")
    variants: Str = pa.Field(description="Accepted wordings, ' | '-separated")

    class Config:
        unique = ["dimension", "code"]


TABLE_MODELS: dict[str, type[BaseTable]] = {
    "documents": DocumentsTable,
    "rejected_documents": RejectedDocumentsTable,
    "snapshots": SnapshotsTable,
    "snapshot_items": SnapshotItemsTable,
    "policy_area_data": PolicyAreaDataTable,
    "benchmark_claims": BenchmarkClaimsTable,
    "unparsed_lines": UnparsedLinesTable,
    "line_attributions": LineAttributionsTable,
    "parse_reports": ParseReportsTable,
    "vocabulary": VocabularyTable,
}
"""Table name -> model, in publishing order."""

SORT_KEYS: dict[str, list[str]] = {
    "documents": ["path"],
    "rejected_documents": ["path"],
    "snapshots": ["snapshot_id"],
    "snapshot_items": ["snapshot_id", "dimension", "position"],
    "policy_area_data": ["snapshot_id", "position"],
    "benchmark_claims": ["snapshot_id", "position"],
    "unparsed_lines": ["document_id", "line_number", "column"],
    "line_attributions": ["document_id", "line_number"],
    "parse_reports": ["snapshot_id"],
    "vocabulary": ["dimension", "code"],
}
"""Deterministic row order of each published table."""

DOCUMENT_SCOPED = [name for name, model in TABLE_MODELS.items() if "document_id" in model.to_schema().columns]
"""Tables whose rows belong to one document (and leave with it when it is rejected)."""


def column_names(table: str) -> list[str]:
    return list(TABLE_MODELS[table].to_schema().columns)
