"""Asset checks: what a curator looks at after each run."""

import logging
from collections.abc import Sequence

import dagster as dg
import duckdb
import pandas as pd

from pipeline.assets import AGGREGATES, TABLES
from pipeline.normalize.incremental import BuildPlan
from pipeline.publish.staging import verify_published
from pipeline.settings import WarehouseSettings
from pipeline.validate.validation import referential_failures_in_files, validate_table
from schemas.models import DOCUMENT_SCOPED, TABLE_MODELS


class _UnchangedTablesFilter(logging.Filter):
    """Quiet Dagster's "Blocking asset check ... emitted no result" warning. It is logged when a check's
    table was not materialized, which is the normal no-change build (the published tables stand); the
    step it names is skipped all the same, because its table input is missing too."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "emitted no result" not in record.getMessage()


logging.getLogger("dagster._core.execution.plan.active").addFilter(_UnchangedTablesFilter())


def _pandera_check(table_name: str) -> dg.AssetChecksDefinition:
    schema = TABLE_MODELS[table_name].to_schema()
    keys = [list(schema.unique or [])] + [[name] for name, column in schema.columns.items() if column.unique]
    keys = [key for key in keys if key]
    scoped = table_name in DOCUMENT_SCOPED and table_name != "documents"

    @dg.asset_check(
        asset=dg.AssetKey(table_name),
        name="pandera_valid",
        additional_ins={"build_plan": dg.AssetIn("build_plan")},
        description=f"The {table_name} rows of the documents parsed in this run pass their pandera model (lazy "
        "validation; rows of unchanged documents passed it when they were first published), and the table's "
        "keys are unique across all rows.",
        blocking=True,
    )
    def check(
        context: dg.AssetCheckExecutionContext, build_plan: BuildPlan, **published: pd.DataFrame
    ) -> dg.AssetCheckResult:
        [table] = published.values()  # the checked asset, whatever the table's name
        rows = table
        if scoped:
            rows = table[table["document_id"].isin(build_plan.parsed_ids)]
        failures = validate_table(table_name, rows)
        duplicates = sum(int(table.duplicated(subset=key).sum()) for key in keys)
        return dg.AssetCheckResult(
            passed=not failures and not duplicates,
            metadata={
                "rows": len(table),
                "rows_validated": len(rows),
                "duplicate_keys": duplicates,
                "failures": len(failures),
                "first_failures": dg.MetadataValue.json([f.describe() for f in failures[:20]]),
            },
        )

    return check


PANDERA_CHECKS = [_pandera_check(name) for name in TABLES]


@dg.asset_check(
    asset=dg.AssetKey("parquet_tables"),
    description="In the staged Parquet files, every child row points at a loaded snapshot.",
    blocking=True,
)
def referential_integrity(parquet_tables: dict[str, str]) -> dg.AssetCheckResult:
    failures = referential_failures_in_files(parquet_tables)
    return dg.AssetCheckResult(
        passed=not failures,
        metadata={"orphans": len(failures), "first": dg.MetadataValue.json([f.describe() for f in failures[:20]])},
    )


@dg.asset_check(
    asset=dg.AssetKey("snapshot_items"),
    description="Free-text answers coded 'other': kept verbatim, listed here for vocabulary curation.",
)
def labels_coded_other(snapshot_items: pd.DataFrame) -> dg.AssetCheckResult:
    other = snapshot_items[snapshot_items["code"] == "other"]
    listing = (
        other.groupby(["dimension", "label"]).size().reset_index(name="cities").sort_values(["dimension", "label"])
    )
    return dg.AssetCheckResult(
        passed=other.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "other_labels": len(other),
            "share_of_items": round(len(other) / max(len(snapshot_items), 1), 4),
            "labels": dg.MetadataValue.md(listing.to_markdown(index=False) if not listing.empty else "none"),
        },
    )


@dg.asset_check(
    asset=dg.AssetKey("rejected_documents"),
    description="Documents that were not loaded, with their reasons (a warning, not a failure).",
)
def no_rejected_documents(rejected_documents: pd.DataFrame) -> dg.AssetCheckResult:
    listing = rejected_documents[["path", "reason", "message"]]
    return dg.AssetCheckResult(
        passed=rejected_documents.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "rejected": len(rejected_documents),
            "documents": dg.MetadataValue.md(listing.to_markdown(index=False) if not listing.empty else "none"),
        },
    )


@dg.asset_check(
    asset=dg.AssetKey("duckdb_warehouse"),
    description="The published DuckDB file has every table, with the same row count as its published Parquet twin.",
)
def duckdb_matches_parquet(settings: WarehouseSettings, duckdb_warehouse: str) -> dg.AssetCheckResult:
    mismatches: list[str] = []
    names = [*TABLES, *AGGREGATES]
    with duckdb.connect(duckdb_warehouse, read_only=True) as connection:
        in_db = {row[0] for row in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        for name in names:
            path = settings.parquet_path / f"{name}.parquet"
            if name not in in_db or not path.exists():
                mismatches.append(f"{name}: missing from {'DuckDB' if name not in in_db else 'Parquet'}")
                continue
            rows_db = connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            rows_file = connection.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0]
            if rows_db != rows_file:
                mismatches.append(f"{name}: duckdb {rows_db} vs parquet {rows_file}")
    return dg.AssetCheckResult(
        passed=not mismatches, metadata={"tables": len(names), "mismatches": dg.MetadataValue.json(mismatches)}
    )


@dg.asset_check(
    asset=dg.AssetKey("duckdb_warehouse"),
    description="Every published file matches the size and sha256 its manifest recorded at publish time: "
    "nothing was edited, added or removed after publishing.",
)
def published_files_match_manifest(settings: WarehouseSettings, duckdb_warehouse: str) -> dg.AssetCheckResult:
    state = verify_published(settings.warehouse_path)
    return dg.AssetCheckResult(
        passed=state.trusted,
        metadata={
            "version": state.version_dir.name if state.version_dir else "",
            "files": len(state.manifest.get("files") or {}),
            "problems": dg.MetadataValue.json(list(state.problems)),
        },
    )


ALL_CHECKS: Sequence[dg.AssetChecksDefinition] = [
    *PANDERA_CHECKS,
    referential_integrity,
    labels_coded_other,
    no_rejected_documents,
    duckdb_matches_parquet,
    published_files_match_manifest,
]
