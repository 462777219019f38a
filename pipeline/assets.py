"""Dagster assets: thin wrappers that follow the data through the stages
ingest -> parse -> tables (normalize + validate) -> Parquet -> aggregates -> DuckDB.
All logic lives in the stage modules, which run and test without Dagster.
"""

from collections import Counter
from pathlib import Path

import dagster as dg
import pandas as pd

from pipeline.aggregate.aggregates import aggregate_descriptions, compute_aggregates
from pipeline.ingest.documents import SourceDocument, read_documents
from pipeline.normalize.tables import build_tables
from pipeline.parse.source import ParsedDocument, parse_source
from pipeline.publish.files import build_duckdb, table_description, write_parquet
from pipeline.settings import WarehouseSettings
from pipeline.validate.validation import validate_tables
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


@dg.asset(group_name="ingest", description="Every file under raw/: content hash, wave, decoded text or rejection.")
def raw_documents(context: dg.AssetExecutionContext, settings: WarehouseSettings) -> list[SourceDocument]:
    documents = read_documents(settings.raw_path)
    unreadable = sum(doc.rejection is not None for doc in documents)
    context.add_output_metadata(
        {"documents": len(documents), "unreadable": unreadable, "raw_dir": dg.MetadataValue.path(settings.raw_dir)}
    )
    return documents


@dg.asset(group_name="parse", description="Each document parsed into a typed snapshot record, or a rejection.")
def parsed_documents(context: dg.AssetExecutionContext, raw_documents: list[SourceDocument]) -> list[ParsedDocument]:
    parsed = [parse_source(doc) for doc in raw_documents]
    reasons = Counter(doc.rejection.reason for doc in parsed if doc.rejection)
    context.add_output_metadata(
        {
            "parsed": sum(doc.record is not None for doc in parsed),
            "rejected": sum(reasons.values()),
            "rejections_by_reason": dg.MetadataValue.json(dict(sorted(reasons.items()))),
        }
    )
    return parsed


@dg.multi_asset(
    outs={
        name: dg.AssetOut(
            group_name="tables",
            description=" ".join((model.__doc__ or "").split()),
            is_required=True,
        )
        for name, model in TABLE_MODELS.items()
    },
    description="Normalize parsed records into tables and validate them with pandera.",
)
def warehouse_tables(context: dg.AssetExecutionContext, parsed_documents: list[ParsedDocument]):
    tables, failures = validate_tables(build_tables(parsed_documents))
    if failures:
        context.log.warning(f"{len(failures)} validation failure(s) moved documents to rejected_documents")
    for name in TABLES:
        metadata = table_metadata(tables[name], name)
        if name == "parse_reports":
            metadata.update(parse_report_metadata(tables[name]))
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
    description="Every table as warehouse/parquet/<table>.parquet (zstd, deterministic order).",
)
def parquet_tables(
    context: dg.AssetExecutionContext, settings: WarehouseSettings, **tables: pd.DataFrame
) -> dict[str, str]:
    paths = {}
    for name in TABLES:
        path = write_parquet(tables[name], settings.parquet_path / f"{name}.parquet")
        paths[name] = str(path)
    context.add_output_metadata({f"{name}_rows": len(tables[name]) for name in TABLES})
    return paths


@dg.asset(group_name="aggregate", description="Cross-city aggregates per survey wave, as Parquet.")
def aggregate_tables(
    context: dg.AssetExecutionContext, settings: WarehouseSettings, parquet_tables: dict[str, str]
) -> dict[str, str]:
    aggregates = compute_aggregates({name: Path(path) for name, path in parquet_tables.items()})
    paths = {}
    for name, table in aggregates.items():
        paths[name] = str(write_parquet(table, settings.parquet_path / f"{name}.parquet"))
    context.add_output_metadata({f"{name}_rows": len(table) for name, table in aggregates.items()})
    return paths


@dg.asset(
    group_name="publish",
    pool="duckdb_writer",
    description="warehouse/warehouse.duckdb with every table and aggregate, swapped in atomically.",
)
def duckdb_warehouse(
    context: dg.AssetExecutionContext,
    settings: WarehouseSettings,
    parquet_tables: dict[str, str],
    aggregate_tables: dict[str, str],
) -> str:
    files = {name: Path(path) for name, path in {**parquet_tables, **aggregate_tables}.items()}
    path = build_duckdb(files, settings.duckdb_path, aggregate_descriptions())
    context.add_output_metadata({"path": dg.MetadataValue.path(str(path)), "tables": len(files)})
    return str(path)


ALL_ASSETS = [raw_documents, parsed_documents, warehouse_tables, parquet_tables, aggregate_tables, duckdb_warehouse]
