"""Dagster assets: thin wrappers that follow the data through the stages
ingest -> parse (+ normalize, validate, in the parse workers) -> tables -> aggregates -> DuckDB.
All logic lives in the stage modules, which run and test without Dagster.

Assets hand each other files, never frames: the inventory and the plan are Parquet files, each parse
batch writes validated Parquet fragments, the table step assembles the published tables with DuckDB,
and each aggregate is its own Parquet file. What passes through the IO manager is a path or a few
counts, so the in-process, multiprocess and distributed executors all move the same few bytes.
"""

import re
import shutil
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq

from pipeline.aggregate.aggregates import aggregate_descriptions, aggregate_queries, compute_aggregates
from pipeline.core import PARSER_VERSION
from pipeline.fingerprint import build_fingerprint, parser_fingerprint
from pipeline.ingest.limits import ParseLimits
from pipeline.parse.cache import ParseCache
from pipeline.parse.workers import ParsePool, start_fork_server
from pipeline.paths import DUCKDB_FILE, PARQUET_DIR
from pipeline.publish.assemble import ASSEMBLY_MEMORY_LIMIT_MB, assemble_tables
from pipeline.publish.files import build_duckdb, duckdb_type, table_description, write_parquet
from pipeline.publish.fragments import write_fragment
from pipeline.publish.guard import missing_raw_folder, publish_refusal
from pipeline.publish.lock import build_lock
from pipeline.publish.mirror import copied_version, copy_version
from pipeline.publish.plan import (
    INVENTORY_FILE,
    BuildPlan,
    departed_documents,
    plan_current_build,
    refs_to_parse,
    take_inventory,
)
from pipeline.publish.staging import clear_stale_staging, current_version, publish, staging_dir
from pipeline.publish.storage import is_url, location
from pipeline.publish.views import validate_views
from pipeline.report import warehouse_report_is_current
from pipeline.settings import OWNERS, PARSE_BATCHES, WarehouseSettings
from pipeline.sqlfiles import connect, quote
from pipeline.synthetic import is_synthetic_corpus, mark_warehouse
from schemas.derived import AGGREGATE_MODELS
from schemas.models import TABLE_MODELS

TABLES = list(TABLE_MODELS)
AGGREGATES = list(aggregate_descriptions())
FRAGMENTS_DIR = "fragments"
CHUNK_LINES = 100_000
"""Document lines a parse worker holds before it writes them as a fragment: bounds its memory."""


def column_schema(name: str) -> dg.TableSchema:
    """The relation's columns as its pandera model declares them, with their published types."""
    _, descriptions = table_description(name)
    model = {**TABLE_MODELS, **AGGREGATE_MODELS}[name]
    return dg.TableSchema(
        columns=[
            dg.TableColumn(column, duckdb_type(spec.dtype), description=descriptions.get(column) or None)
            for column, spec in model.to_schema().columns.items()
        ]
    )


def file_metadata(name: str, path: Path, rows: int, settings: WarehouseSettings) -> dict:
    """Rows, columns, the staged file the step wrote (``path``) and the one readers open once the build is
    published (``published_as``: ``warehouse/parquet/<name>.parquet``, a link into the current version)."""
    return {
        "dagster/row_count": rows,
        "dagster/column_schema": column_schema(name),
        "path": dg.MetadataValue.path(str(path)),
        "published_as": dg.MetadataValue.path(str(settings.parquet_path / f"{name}.parquet")),
    }


def _staging(context: dg.AssetExecutionContext, settings: WarehouseSettings) -> Path:
    return staging_dir(settings.warehouse_path, context.run.run_id)


def _fragments(context: dg.AssetExecutionContext, settings: WarehouseSettings) -> str:
    """The run's fragment folder: in its staging folder, or under ``fragments_url`` (object storage)."""
    if settings.fragments_url:
        return f"{settings.fragments_url.rstrip('/')}/{context.run.run_id}"
    return str(_staging(context, settings) / FRAGMENTS_DIR)


@dg.asset(
    group_name="ingest",
    kinds={"python", "parquet"},
    owners=OWNERS,
    description="Every file under raw/: path, content hash, wave, format; staged as inventory.parquet.",
)
def raw_documents(context: dg.AssetExecutionContext, settings: WarehouseSettings) -> str:
    if problem := missing_raw_folder(settings.raw_path):
        raise dg.Failure(description=problem)
    start_fork_server(write_fragment.__module__)  # the parse workers' imports overlap the inventory and the plan
    path = _staging(context, settings) / INVENTORY_FILE
    refs = take_inventory(settings.raw_path, settings.stamps_path, path, PARSE_BATCHES)
    context.add_output_metadata(
        {
            "documents": len(refs),
            "not_readable_by_path": sum(ref.rejection is not None for ref in refs),
            "raw_dir": dg.MetadataValue.path(settings.raw_dir),
            "path": dg.MetadataValue.path(str(path)),
        }
    )
    return str(path)


@dg.asset(
    group_name="ingest",
    kinds={"duckdb", "parquet"},
    owners=OWNERS,
    description="Which documents are new or changed since the published warehouse (to parse) and which keep "
    "their published rows: plan.parquet, computed once by DuckDB and read by every parse batch and the table step.",
)
def build_plan(context: dg.AssetExecutionContext, settings: WarehouseSettings, raw_documents: str) -> BuildPlan:
    plan = plan_current_build(Path(raw_documents), settings.warehouse_path)
    if plan.unchanged and _report_selected(context) and not warehouse_report_is_current(settings.warehouse_path):
        context.log.info("the report is missing or stale: republishing the unchanged tables to rewrite it")
        plan = replace(plan, unchanged=False, to_parse=plan.documents - plan.reused)
    if plan.full_rebuild_reason:
        context.log.warning(f"building from scratch: {plan.full_rebuild_reason}")
    if plan.unchanged and plan.previous is not None and settings.publish_url:
        _catch_up_copy(context, settings, plan.previous.parquet_dir.parent)
    context.add_output_metadata(
        {
            "to_parse": plan.to_parse,
            "reused": plan.reused,
            "unchanged": plan.unchanged,
            "full_rebuild_reason": plan.full_rebuild_reason or "",
            "path": dg.MetadataValue.path(str(plan.plan_file)),
        }
    )
    return plan


def _catch_up_copy(context: dg.AssetExecutionContext, settings: WarehouseSettings, version: Path) -> None:
    """Copy the unchanged, verified current version to ``publish_url`` if the copy is behind (its last
    copy failed, or the URL is new): nothing else would, since nothing is published. Looked at again
    under the build lock: a build that published meanwhile has copied its own, later version."""
    try:
        if copied_version(settings.publish_url) == version.name:
            return
        with build_lock(settings.warehouse_path, wait=True):
            if current_version(settings.warehouse_path) != version.resolve():
                return
            context.log.info(f"the copy at {settings.publish_url} is behind: copying version {version.name}")
            copy_version(version, settings.publish_url)
    except (ImportError, OSError, ValueError) as error:
        context.log.warning(f"the copy at {settings.publish_url} could not be brought up to date: {error}")


def _copy_published(context: dg.AssetExecutionContext, settings: WarehouseSettings, version: Path) -> dict:
    """Copy the version just published to ``publish_url``; the local publish stands if it fails (the
    publish check reports the copy behind, and the next build copies it). Metadata of the outcome."""
    where = {"copied_to": dg.MetadataValue.path(settings.publish_url)}
    try:
        return {**where, "copy_version": copy_version(version, settings.publish_url)}
    except (ImportError, OSError, ValueError) as error:
        context.log.warning(f"published locally, but the copy at {settings.publish_url} failed: {error}")
        return {**where, "copy_error": str(error)}


def _report_selected(context: dg.AssetExecutionContext) -> bool:
    selection = context.run.asset_selection  # empty or None when the whole job runs
    return not selection or dg.AssetKey("visual_report") in selection


def parse_batch_asset(batch: int) -> dg.AssetsDefinition:
    """One of PARSE_BATCHES partitions of the parse: documents are assigned by content hash, so a
    distributed executor parses the batches side by side; inside a batch, worker processes parse,
    validate and write fragments on every core."""

    @dg.asset(
        name=f"parsed_batch_{batch}",
        group_name="parse",
        kinds={"python", "pandera", "parquet"},
        owners=OWNERS,
        description=f"Documents of parse batch {batch}/{PARSE_BATCHES} that are new or changed since the last "
        "build, parsed (through the content-hash cache), turned into rows and validated by the pandera models in "
        "the parse workers, and staged as Parquet fragments (a document with a failing row is rejected).",
    )
    def parsed_batch(context: dg.AssetExecutionContext, settings: WarehouseSettings, build_plan: BuildPlan) -> str:
        folder = _fragments(context, settings)
        plan = build_plan
        refs = [] if plan.unchanged or plan.plan_file is None else refs_to_parse(plan.plan_file, batch)
        fragments = location(folder)
        for stale in fragments.glob(f"*/b{batch}-*.parquet") if refs else []:  # left by an earlier attempt
            fragments.remove(stale)
        summaries, hits, misses = [], 0, 0
        if refs:
            # the workers write to this host's disk: no network client in a process limited for hostile
            # input (one took the address space of a 640 MiB limit); this step uploads what they wrote
            remote = is_url(folder)
            written = Path(tempfile.mkdtemp(prefix=f"citysnap-b{batch}-")) if remote else Path(folder)
            try:
                cache = ParseCache(settings.cache_path)
                with ParsePool(settings.raw_path, ParseLimits.from_env(), cache, sink=write_fragment) as pool:
                    run = pool.parse_into(refs, str(written), f"b{batch}-", CHUNK_LINES)
                summaries, hits, misses = run.summaries, run.cache_hits, run.cache_misses
                if run.failed:  # rejected by the pool itself (too slow, out of memory): written here
                    summaries.append(write_fragment(run.failed, str(written), f"b{batch}-pool"))
                if remote:
                    fragments.put_tree(written, "*/*.parquet")
            finally:
                if remote:
                    shutil.rmtree(written, ignore_errors=True)
        reasons: Counter = Counter()
        rows: Counter = Counter()
        for summary in summaries:
            reasons.update(summary["rejections"])
            rows.update(summary["rows"])
        context.add_output_metadata(
            {
                "parsed": len(refs),
                "cache_hits": hits,
                "cache_misses": misses,
                "fragments": len(summaries),
                "rejected_by_validation": sum(summary["validation_failures"] for summary in summaries),
                "rejections_by_reason": dg.MetadataValue.json(dict(sorted(reasons.items()))),
                "rows_by_table": dg.MetadataValue.json(dict(sorted(rows.items()))),
                "path": dg.MetadataValue.path(folder),
            }
        )
        return folder

    return parsed_batch


PARSE_ASSETS = [parse_batch_asset(batch) for batch in range(PARSE_BATCHES)]


@dg.multi_asset(
    outs={
        name: dg.AssetOut(
            group_name="tables",
            description=" ".join((model.__doc__ or "").split()),
            kinds={"duckdb", "parquet"},
            owners=OWNERS,
            is_required=False,  # not produced when nothing changed: the published tables stand
        )
        for name, model in TABLE_MODELS.items()
    },
    ins={f"parsed_batch_{batch}": dg.AssetIn(f"parsed_batch_{batch}") for batch in range(PARSE_BATCHES)},
    description="Assemble every table with DuckDB: the fragments of this run plus the published rows of "
    "unchanged documents, one snapshot per city and wave, sorted by the model's keys, staged as Parquet.",
)
def warehouse_tables(
    context: dg.AssetExecutionContext, settings: WarehouseSettings, build_plan: BuildPlan, **batches: str
):
    plan = build_plan
    if plan.unchanged or plan.plan_file is None:
        context.log.info("raw/ and the code are as published: the warehouse is up to date, nothing to rebuild")
        shutil.rmtree(_staging(context, settings), ignore_errors=True)  # the inventory and plan: nothing to publish
        return
    fragments = set(batches.values())
    assert len(fragments) == 1, f"parse batches wrote to several folders: {sorted(fragments)}"
    folder = fragments.pop()
    previous = plan.previous.parquet_dir if plan.previous else None
    staging = _staging(context, settings) / PARQUET_DIR
    assembled = assemble_tables(folder, plan.plan_file, previous, staging)
    if assembled.parsed != plan.to_parse:  # a lost fragment would publish the changed documents' rows as gone
        raise dg.Failure(
            description=f"the fragments hold {assembled.parsed} parsed document(s), the plan {plan.to_parse}: "
            f"fragments under {folder} are missing (removed or expired?); run the build again"
        )
    if assembled.duplicates:
        context.log.warning(f"{assembled.duplicates} document(s) repeat a city and wave already loaded")
    if assembled.memory_mb > ASSEMBLY_MEMORY_LIMIT_MB:
        context.log.warning(f"the table assembly ran out of DuckDB memory and ran again in {assembled.memory_mb} MB")
    context.log.info(f"{plan.to_parse} document(s) parsed, {plan.reused} unchanged and reused")
    for name in TABLES:
        metadata = file_metadata(name, assembled.files[name], assembled.rows[name], settings)
        if name == "parse_reports":
            metadata.update(parse_report_metadata(assembled.files[name]))
        if name == "documents":
            metadata.update(
                {
                    "parsed_this_run": plan.to_parse,
                    "reused_unchanged": plan.reused,
                    "assembly_memory_mb": assembled.memory_mb,
                }
            )
        yield dg.Output(str(assembled.files[name]), output_name=name, metadata=metadata)


MAX_ATTENTION_ROWS = 50


def parse_report_metadata(reports: Path) -> dict:
    """The documents a curator should look at, worst first, as a table in the Dagster UI."""
    scan = f"read_parquet({quote(str(reports))})"
    with connect() as connection:
        attention, missing, unparsed, other = connection.execute(
            f"SELECT count(*) FILTER (needs_attention), count(*) FILTER (fields_missing > 0), "
            f"coalesce(sum(unparsed_line_count), 0), coalesce(sum(other_label_count), 0) FROM {scan}"
        ).fetchone()
        listing = connection.execute(
            f"SELECT path, fields_missing, missing_fields, unparsed_line_count, other_labels FROM {scan} "
            "WHERE needs_attention OR fields_missing > 0 "
            f"ORDER BY unparsed_line_count DESC, fields_missing DESC, path LIMIT {MAX_ATTENTION_ROWS}"
        ).df()
    return {
        "documents_needing_attention": int(attention),
        "documents_with_missing_fields": int(missing),
        "unparsed_lines_total": int(unparsed),
        "labels_coded_other_total": int(other),
        "attention": dg.MetadataValue.md(listing.to_markdown(index=False) if not listing.empty else "none"),
    }


def tables_read_by(sql: str) -> list[str]:
    """The base tables an aggregate's query names."""
    return [name for name in TABLES if re.search(rf"\b{name}\b", sql)]


AGGREGATE_INPUTS = sorted({table for sql in aggregate_queries().values() for table in tables_read_by(sql)})


@dg.multi_asset(
    outs={
        name: dg.AssetOut(
            group_name="aggregate",
            description=description,
            kinds={"duckdb", "pandera", "parquet"},
            owners=OWNERS,
        )
        for name, description in aggregate_descriptions().items()
    },
    ins={table: dg.AssetIn(table) for table in AGGREGATE_INPUTS},
    description="The cross-city aggregates, each its own asset and Parquet file, computed by DuckDB from the "
    "staged tables in one step and validated by their pandera models.",
)
def aggregate_tables(context: dg.AssetExecutionContext, settings: WarehouseSettings, **tables: str):
    descriptions = aggregate_descriptions()
    for name, frame in compute_aggregates({table: Path(path) for table, path in tables.items()}):
        AGGREGATE_MODELS[name].validate(frame, lazy=True)
        target = _staging(context, settings) / PARQUET_DIR / f"{name}.parquet"
        path = write_parquet(frame, target, descriptions[name])
        yield dg.Output(str(path), output_name=name, metadata=file_metadata(name, path, len(frame), settings))


@dg.asset(
    group_name="publish",
    kinds={"duckdb", "pandera"},
    owners=OWNERS,
    pool="duckdb_writer",
    ins={name: dg.AssetIn(name) for name in [*TABLES, *AGGREGATES]},
    description="warehouse/warehouse.duckdb with every table, aggregate and view (views validated by their "
    "pandera models); the staged Parquet files and the DuckDB file are published together as a new version, "
    "under the build lock.",
)
def duckdb_warehouse(
    context: dg.AssetExecutionContext, settings: WarehouseSettings, build_plan: BuildPlan, **relations: str
) -> str:
    warehouse = settings.warehouse_path
    run_id = context.run.run_id
    files = {name: Path(path) for name, path in relations.items()}
    incremental = build_plan.plan_file if build_plan.previous is not None else None
    with ThreadPoolExecutor(max_workers=1) as second_core:  # DuckDB releases the GIL while it loads
        validation = second_core.submit(validate_views, files, incremental)
        staged = build_duckdb(files, staging_dir(warehouse, run_id) / DUCKDB_FILE, aggregate_descriptions())
        views = validation.result()
    if is_synthetic_corpus(settings.raw_path):
        mark_warehouse(staged)
    manifest = {
        "build_fingerprint": build_fingerprint(),
        "parser_fingerprint": parser_fingerprint(),
        "parser_version": PARSER_VERSION,
        "documents": build_plan.documents,
        "tables": sorted(files),
    }
    with build_lock(warehouse, wait=True):
        if refusal := publish_refusal(files["documents"], warehouse, settings.allow_empty):
            raise dg.Failure(description=refusal, metadata={"refused_publish": True})
        version = publish(staging_dir(warehouse, run_id), warehouse, manifest, run_id)
        clear_stale_staging(warehouse)
        copied = _copy_published(context, settings, version) if settings.publish_url else {}
    if settings.fragments_url:  # published: the run's fragments are read for good
        location(_fragments(context, settings)).remove_tree()
    cache = ParseCache(settings.cache_path)
    published = version / PARQUET_DIR / "documents.parquet"
    if build_plan.previous is None:  # every document was parsed: drop whatever this build did not publish
        pruned = cache.prune(set(pq.read_table(published, columns=["document_id"])[0].to_pylist()))
    else:
        pruned = cache.forget(departed_documents(build_plan.previous.parquet_dir / "documents.parquet", published))
    context.add_output_metadata(
        {
            "path": dg.MetadataValue.path(str(version / DUCKDB_FILE)),
            "published_as": dg.MetadataValue.path(str(settings.duckdb_path)),
            "version": version.name,
            "parquet": dg.MetadataValue.path(str(version / PARQUET_DIR)),
            "tables": len(files),
            "view_rows_validated": dg.MetadataValue.json(views),
            "cache_entries_pruned": pruned,
            **copied,
        }
    )
    return str(settings.duckdb_path)


ALL_ASSETS = [
    raw_documents,
    build_plan,
    *PARSE_ASSETS,
    warehouse_tables,
    aggregate_tables,
    duckdb_warehouse,
]
