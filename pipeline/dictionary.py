"""The data dictionary: a description for every column the warehouse publishes, in one place.

Base tables are described by their pandera models in ``schemas/models.py``, aggregates (SQL files in
``pipeline/aggregate/sql``) and the friendly views (``pipeline/publish/views``) by theirs in
``schemas/derived.py``.
The same catalog feeds DuckDB's ``COMMENT ON`` statements and ``docs/data-dictionary.md``
(``python -m pipeline.dictionary`` or ``make docs`` rewrites it; a test fails when it is stale).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from functools import cache

import pandera.pandas as pa

from pipeline.aggregate.aggregates import aggregate_descriptions
from pipeline.paths import PROJECT_ROOT
from pipeline.publish.files import duckdb_type
from pipeline.publish.views import view_descriptions
from schemas.derived import AGGREGATE_MODELS, VIEW_MODELS
from schemas.models import TABLE_MODELS, str_matches_each_distinct
from schemas.vocabulary import item_dimensions, load_vocabulary

DICTIONARY_PATH = PROJECT_ROOT / "docs" / "data-dictionary.md"


# --- the catalog -----------------------------------------------------------------------------------

KIND_NAMES = {"table": "Table", "aggregate": "Aggregate table", "view": "View"}


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
        elif check.name in ("str_matches", str_matches_each_distinct.__name__):
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
        "Generated from `schemas/models.py` and `schemas/derived.py` by",
        "`python -m pipeline.dictionary` (`make docs`); `tests/test_dictionary.py` fails when it is stale.",
        "The same descriptions are in DuckDB: `SELECT table_name, column_name, comment FROM duckdb_columns()`,",
        "and in the Parquet files' Arrow schema (field metadata `description`).",
        "Types are DuckDB's (Arrow's in Parquet: VARCHAR = string, BIGINT = int64, DOUBLE = float64, DATE = date32);",
        "a column has its type whatever the number of rows.",
        "",
        "Shares (`pct_*`, `*_pct`) are percentages from 0 to 100. Each is followed by its 95% Wilson score",
        "interval: `ci_low_pct` and `ci_high_pct` when the relation has one share, `<share>_ci_low` and",
        "`<share>_ci_high` otherwise. For k cities of n (p = k/n, z = 1.96):",
        "centre = (p + z²/2n) / (1 + z²/n), half-width = z / (1 + z²/n) · √(p(1-p)/n + z²/4n²),",
        "bounds = centre ∓ half-width, in %, rounded to 2 decimals; NULL when n = 0. The DuckDB file has the",
        "macros `share_pct(k, n)`, `wilson_low_pct(k, n)` and `wilson_high_pct(k, n)` that compute them.",
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
