"""Dagster assets: thin wrappers that follow the data through the stages
ingest -> parse -> tables (normalize + validate) -> Parquet -> aggregates -> DuckDB.
All logic lives in the stage modules, which run and test without Dagster.
"""

from collections import Counter
from dataclasses import replace
from pathlib import Path

import dagster as dg
import pandas as pd

from pipeline.aggregate.aggregates import aggregate_descriptions, compute_aggregates
from pipeline.core import PARSER_VERSION
from pipeline.fingerprint import build_fingerprint, parser_fingerprint
from pipeline.ingest.documents import DocumentRef, inventory, read_stamps, write_stamps
from pipeline.ingest.limits import ParseLimits
from pipeline.normalize.incremental import BuildPlan, assemble_tables, batch_of, plan_build, read_previous
from pipeline.parse.cache import ParseCache
from pipeline.parse.source import ParsedDocument
from pipeline.parse.workers import parse_documents
from pipeline.paths import DUCKDB_FILE, PARQUET_DIR, REPORT_DIR
from pipeline.publish.files import build_duckdb, table_description, write_parquet
from pipeline.publish.guard import missing_raw_folder, publish_refusal
from pipeline.publish.lock import build_lock
from pipeline.publish.staging import clear_stale_staging, current_version, publish, staging_dir
from pipeline.report import report_is_current
from pipeline.settings import PARSE_BATCHES, WarehouseSettings
from pipeline.synthetic import is_synthetic_corpus, mark_warehouse
from schemas.models import TABLE_MODELS

TABLES = list(TABLE_MODELS)
AGGREGATES = list(aggregate_descriptions())


def column_schema(table: pd.DataFrame, name: str) -> dg.TableSchema:
    _, descriptions = table_description(name)
    return dg.TableSchema(
        columns=[
            dg.TableColumn(column, str(dtype), description=descriptions.get(column) or None)
            for column, dtype in table.dtypes.items()
        ]
    )


def table_metadata(table: pd.DataFrame, name: str, path: Path | None = None) -> dict:
    metadata: dict = {
        "dagster/row_count": len(table),
        "dagster/column_schema": column_schema(table, name),
    }
    if path is not None:
        metadata["path"] = dg.MetadataValue.path(str(path))
    return metadata


@dg.asset(group_name="ingest", description="Every file under raw/: path, content hash, wave, format.")
def raw_documents(context: dg.AssetExecutionContext, settings: WarehouseSettings) -> list[DocumentRef]:
    if problem := missing_raw_folder(settings.raw_path):
        raise dg.Failure(description=problem)
    stamps = read_stamps(settings.stamps_path)
    refs = inventory(settings.raw_path, stamps, ParseLimits.from_env())
    write_stamps(settings.stamps_path, stamps)
    context.add_output_metadata(
        {
            "documents": len(refs),
            "not_readable_by_path": sum(ref.rejection is not None for ref in refs),
            "raw_dir": dg.MetadataValue.path(settings.raw_dir),
        }
    )
    return refs


@dg.asset(
    group_name="ingest",
    description="Which documents are new or changed since the published warehouse (to parse) and which keep "
    "their published rows; computed once, read by every parse batch, the table step and the checks.",
)
def build_plan(
    context: dg.AssetExecutionContext, settings: WarehouseSettings, raw_documents: list[DocumentRef]
) -> BuildPlan:
    plan = plan_build(raw_documents, read_previous(settings.warehouse_path), build_fingerprint())
    if plan.unchanged and _report_selected(context) and not _report_current(settings):
        context.log.info("the report is missing or stale: republishing the unchanged tables to rewrite it")
        plan = replace(plan, unchanged=False)
    if plan.full_rebuild_reason:
        context.log.warning(f"building from scratch: {plan.full_rebuild_reason}")
    context.add_output_metadata(
        {
            "to_parse": len(plan.parse),
            "reused": len(plan.reuse),
            "unchanged": plan.unchanged,
            "full_rebuild_reason": plan.full_rebuild_reason or "",
        }
    )
    return plan


def _report_selected(context: dg.AssetExecutionContext) -> bool:
    selection = context.run.asset_selection  # empty or None when the whole job runs
    return not selection or dg.AssetKey("visual_report") in selection


def _report_current(settings: WarehouseSettings) -> bool:
    version = current_version(settings.warehouse_path)
    return report_is_current(settings.warehouse_path / REPORT_DIR, version.name if version else None)


def parse_batch_asset(batch: int) -> dg.AssetsDefinition:
    """One of PARSE_BATCHES partitions of the parse: documents are assigned by content hash, so
    a multiprocess (or Kubernetes / Celery) executor parses the batches in parallel."""

    @dg.asset(
        name=f"parsed_batch_{batch}",
        group_name="parse",
        description=f"Documents of parse batch {batch}/{PARSE_BATCHES} that are new or changed since the last "
        "build, parsed (through the content-hash cache) into records or rejections.",
    )
    def parsed_batch(
        context: dg.AssetExecutionContext, settings: WarehouseSettings, build_plan: BuildPlan
    ) -> list[ParsedDocument]:
        plan = build_plan
        mine = [ref for ref in plan.parse if batch_of(ref.document_id, PARSE_BATCHES) == batch]
        cache = ParseCache(settings.cache_path)
        parsed = parse_documents(settings.raw_path, mine, cache)
        reasons = Counter(doc.rejection.reason for doc in parsed if doc.rejection)
        context.add_output_metadata(
            {
                "parsed": len(parsed),
                "cache_hits": cache.hits,
                "cache_misses": cache.misses,
                "unchanged_in_batch": sum(batch_of(ref.document_id, PARSE_BATCHES) == batch for ref in plan.reuse),
                "rejections_by_reason": dg.MetadataValue.json(dict(sorted(reasons.items()))),
            }
        )
        return parsed

    return parsed_batch


PARSE_ASSETS = [parse_batch_asset(batch) for batch in range(PARSE_BATCHES)]


@dg.multi_asset(
    outs={
        name: dg.AssetOut(
            group_name="tables",
            description=" ".join((model.__doc__ or "").split()),
            is_required=False,  # not produced when nothing changed: the published tables stand
        )
        for name, model in TABLE_MODELS.items()
    },
    ins={f"parsed_batch_{batch}": dg.AssetIn(f"parsed_batch_{batch}") for batch in range(PARSE_BATCHES)},
    description="Normalize parsed records into tables and validate them with pandera; rows of unchanged "
    "documents are taken from the published warehouse.",
)
def warehouse_tables(context: dg.AssetExecutionContext, build_plan: BuildPlan, **batches: list[ParsedDocument]):
    plan = build_plan
    if plan.unchanged:
        context.log.info("raw/ and the code are as published: the warehouse is up to date, nothing to rebuild")
        return
    parsed = sorted((doc for batch in batches.values() for doc in batch), key=lambda doc: doc.source.path)
    tables, failures = assemble_tables(plan, parsed)
    if failures:
        context.log.warning(f"{len(failures)} validation failure(s) moved documents to rejected_documents")
    context.log.info(f"{len(plan.parse)} document(s) parsed, {len(plan.reuse)} unchanged and reused")
    for name in TABLES:
        metadata = table_metadata(tables[name], name)
        if name == "parse_reports":
            metadata.update(parse_report_metadata(tables[name]))
        if name == "documents":
            metadata.update({"parsed_this_run": len(plan.parse), "reused_unchanged": len(plan.reuse)})
        yield dg.Output(tables[name], output_name=name, metadata=metadata)


ATTENTION_COLUMNS = ["path", "fields_missing", "missing_fields", "unparsed_line_count", "other_labels"]
MAX_ATTENTION_ROWS = 50


def parse_report_metadata(reports: pd.DataFrame) -> dict:
    """The documents a curator should look at, worst first, as a table in the Dagster UI."""
    attention = reports[reports["needs_attention"] | (reports["fields_missing"] > 0)]
    attention = attention.sort_values(["unparsed_line_count", "fields_missing", "path"], ascending=[False, False, True])
    listing = attention[ATTENTION_COLUMNS].head(MAX_ATTENTION_ROWS)
    return {
        "documents_needing_attention": int(reports["needs_attention"].sum()),
        "documents_with_missing_fields": int((reports["fields_missing"] > 0).sum()),
        "unparsed_lines_total": int(reports["unparsed_line_count"].sum()),
        "labels_coded_other_total": int(reports["other_label_count"].sum()),
        "attention": dg.MetadataValue.md(listing.to_markdown(index=False) if not listing.empty else "none"),
    }


@dg.asset(
    group_name="publish",
    ins={name: dg.AssetIn(name) for name in TABLES},
    description="Every table as Parquet (zstd, deterministic order), staged until the DuckDB file is ready; "
    "published as warehouse/parquet/<table>.parquet.",
)
def parquet_tables(
    context: dg.AssetExecutionContext, settings: WarehouseSettings, **tables: pd.DataFrame
) -> dict[str, str]:
    staging = staging_dir(settings.warehouse_path, context.run.run_id) / PARQUET_DIR
    paths = {name: str(write_parquet(tables[name], staging / f"{name}.parquet")) for name in TABLES}
    context.add_output_metadata({f"{name}_rows": len(tables[name]) for name in TABLES})
    return paths


@dg.asset(group_name="aggregate", description="Cross-city aggregates per survey wave, computed by DuckDB, as Parquet.")
def aggregate_tables(
    context: dg.AssetExecutionContext, settings: WarehouseSettings, parquet_tables: dict[str, str]
) -> dict[str, str]:
    aggregates = compute_aggregates({name: Path(path) for name, path in parquet_tables.items()})
    staging = staging_dir(settings.warehouse_path, context.run.run_id) / PARQUET_DIR
    paths = {name: str(write_parquet(table, staging / f"{name}.parquet")) for name, table in aggregates.items()}
    context.add_output_metadata({f"{name}_rows": len(table) for name, table in aggregates.items()})
    return paths


@dg.asset(
    group_name="publish",
    pool="duckdb_writer",
    description="warehouse/warehouse.duckdb with every table and aggregate; the staged Parquet files and the "
    "DuckDB file are renamed into place together, under the build lock.",
)
def duckdb_warehouse(
    context: dg.AssetExecutionContext,
    settings: WarehouseSettings,
    raw_documents: list[DocumentRef],
    parquet_tables: dict[str, str],
    aggregate_tables: dict[str, str],
) -> str:
    warehouse = settings.warehouse_path
    run_id = context.run.run_id
    files = {name: Path(path) for name, path in {**parquet_tables, **aggregate_tables}.items()}
    staged = build_duckdb(files, staging_dir(warehouse, run_id) / DUCKDB_FILE, aggregate_descriptions())
    if is_synthetic_corpus(settings.raw_path):
        mark_warehouse(staged)
    manifest = {
        "build_fingerprint": build_fingerprint(),
        "parser_fingerprint": parser_fingerprint(),
        "parser_version": PARSER_VERSION,
        "documents": len(raw_documents),
        "tables": sorted(files),
    }
    with build_lock(warehouse, wait=True):
        if refusal := publish_refusal(files["documents"], warehouse, settings.allow_empty):
            raise dg.Failure(description=refusal, metadata={"refused_publish": True})
        version = publish(staging_dir(warehouse, run_id), warehouse, manifest, run_id)
        clear_stale_staging(warehouse)
    pruned = ParseCache(settings.cache_path).prune({ref.document_id for ref in raw_documents})
    context.add_output_metadata(
        {
            "path": dg.MetadataValue.path(str(version / DUCKDB_FILE)),
            "published_as": dg.MetadataValue.path(str(settings.duckdb_path)),
            "version": version.name,
            "parquet": dg.MetadataValue.path(str(version / PARQUET_DIR)),
            "tables": len(files),
            "cache_entries_pruned": pruned,
        }
    )
    return str(settings.duckdb_path)


ALL_ASSETS = [
    raw_documents,
    build_plan,
    *PARSE_ASSETS,
    warehouse_tables,
    parquet_tables,
    aggregate_tables,
    duckdb_warehouse,
]
