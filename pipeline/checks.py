"""Asset checks: what a curator looks at after each run. Checks over whole tables run as SQL in DuckDB
across every row, reused ones included; rows were validated by pandera as the parse batches produced them."""

import logging
from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import duckdb

from pipeline.assets import AGGREGATES, TABLES
from pipeline.publish.mirror import verify_copy
from pipeline.publish.staging import verify_published
from pipeline.settings import WarehouseSettings
from pipeline.sqlfiles import connect, quote
from pipeline.validate.validation import CHILD_TABLES, key_violations, referential_failures_in_files


class _UnchangedTablesFilter(logging.Filter):
    """Quiet Dagster's "Blocking asset check ... emitted no result" warning. It is logged when a check's
    table was not materialized, which is the normal no-change build (the published tables stand); the
    step it names is skipped all the same, because its table input is missing too."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "emitted no result" not in record.getMessage()


logging.getLogger("dagster._core.execution.plan.active").addFilter(_UnchangedTablesFilter())


TABLE_CHECKS = [
    *[
        dg.AssetCheckSpec(
            "keys_valid",
            asset=name,
            blocking=True,
            description=f"Across all rows of {name} (reused ones included), checked by DuckDB: the model's keys "
            "are unique and its non-nullable columns hold no NULL.",
        )
        for name in TABLES
    ],
    dg.AssetCheckSpec(
        "referential_integrity",
        asset="snapshots",
        blocking=True,
        description="Every child row points at a loaded snapshot and every snapshot at a loaded document "
        "(anti-joins in DuckDB over all rows).",
    ),
    dg.AssetCheckSpec(
        "labels_coded_other",
        asset="snapshot_items",
        description="Free-text answers coded 'other': kept verbatim, listed here for vocabulary curation.",
    ),
    dg.AssetCheckSpec(
        "no_rejected_documents",
        asset="rejected_documents",
        description="Documents that were not loaded, with their reasons (a warning, not a failure).",
    ),
]


@dg.multi_asset_check(
    specs=TABLE_CHECKS,
    ins={name: dg.AssetIn(name) for name in TABLES},
    description="Checks of the staged tables, in one step: each runs as SQL in DuckDB over the Parquet file.",
)
def table_checks(**tables: str):
    with connect() as connection:
        for name in TABLES:
            problems = key_violations(name, Path(tables[name]), connection)
            yield dg.AssetCheckResult(
                asset_key=name,
                check_name="keys_valid",
                passed=not problems,
                metadata={"problems": dg.MetadataValue.json(problems), "path": dg.MetadataValue.path(tables[name])},
            )
        references = {name: tables[name] for name in ["snapshots", "documents", *CHILD_TABLES]}
        failures = referential_failures_in_files(references, connection)
        yield dg.AssetCheckResult(
            asset_key="snapshots",
            check_name="referential_integrity",
            passed=not failures,
            metadata={"orphans": len(failures), "first": dg.MetadataValue.json([f.describe() for f in failures[:20]])},
        )
        yield labels_coded_other(tables["snapshot_items"], connection)
        yield no_rejected_documents(tables["rejected_documents"], connection)


def _markdown(connection: duckdb.DuckDBPyConnection, sql: str) -> str:
    listing = connection.execute(sql).df()
    return listing.to_markdown(index=False) if not listing.empty else "none"


def labels_coded_other(snapshot_items: str, connection: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    scan = f"read_parquet({quote(snapshot_items)})"
    other, total = connection.execute(f"SELECT count(*) FILTER (code = 'other'), count(*) FROM {scan}").fetchone()
    listing = _markdown(
        connection,
        f"SELECT dimension, label, count(*) AS cities FROM {scan} WHERE code = 'other' "
        "GROUP BY dimension, label ORDER BY dimension, label LIMIT 200",
    )
    return dg.AssetCheckResult(
        asset_key="snapshot_items",
        check_name="labels_coded_other",
        passed=other == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "other_labels": other,
            "share_of_items": round(other / max(total, 1), 4),
            "labels": dg.MetadataValue.md(listing),
        },
    )


def no_rejected_documents(rejected_documents: str, connection: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    scan = f"read_parquet({quote(rejected_documents)})"
    [rejected] = connection.execute(f"SELECT count(*) FROM {scan}").fetchone()
    listing = _markdown(connection, f"SELECT path, reason, message FROM {scan} ORDER BY path LIMIT 200")
    return dg.AssetCheckResult(
        asset_key="rejected_documents",
        check_name="no_rejected_documents",
        passed=rejected == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"rejected": rejected, "documents": dg.MetadataValue.md(listing)},
    )


@dg.asset_check(
    asset=dg.AssetKey("duckdb_warehouse"),
    description="The published DuckDB file has every table, with the same row count as its published Parquet twin.",
)
def duckdb_matches_parquet(settings: WarehouseSettings, duckdb_warehouse: str) -> dg.AssetCheckResult:
    mismatches: list[str] = []
    names = [*TABLES, *AGGREGATES]
    with connect(duckdb_warehouse, read_only=True) as connection:
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
    "nothing was edited, added or removed after publishing. With a publish_url, the copy there too: its "
    "current.json names this version, and every file of it matches the manifest.",
)
def published_files_match_manifest(settings: WarehouseSettings, duckdb_warehouse: str) -> dg.AssetCheckResult:
    state = verify_published(settings.warehouse_path)
    version = state.version_dir.name if state.version_dir else ""
    problems = list(state.problems)
    metadata = {}
    if settings.publish_url:
        copy = verify_copy(settings.publish_url)
        if copy.version != version:
            problems.append(f"the copy at {settings.publish_url} names version {copy.version}, not {version}")
        problems.extend(f"copy: {problem}" for problem in copy.problems)
        metadata["copy"] = dg.MetadataValue.path(settings.publish_url)
    return dg.AssetCheckResult(
        passed=not problems,
        metadata={
            "version": version,
            "files": len(state.manifest.get("files") or {}),
            "problems": dg.MetadataValue.json(problems),
            **metadata,
        },
    )


ALL_CHECKS: Sequence[dg.AssetChecksDefinition] = [
    table_checks,
    duckdb_matches_parquet,
    published_files_match_manifest,
]
