"""Validate every table with its pandera model (lazily, collecting all failures) and with
cross-table referential checks. A document with any failing row is taken out of every table
and moved to ``rejected_documents`` with the failures; the other documents load.
"""

from __future__ import annotations

import copy
import functools
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pandera.pandas as pandera
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.sqlfiles import connect
from schemas.models import DOCUMENT_SCOPED, TABLE_MODELS

MAX_FAILURES_IN_MESSAGE = 5
CHILD_TABLES = [
    "snapshot_items",
    "policy_area_data",
    "benchmark_claims",
    "unparsed_lines",
    "line_attributions",
    "parse_reports",
]


@dataclass(frozen=True)
class ValidationFailure:
    """One failed check: which document, table, column, value and check."""

    table: str
    document_id: str | None
    column: str | None
    check: str
    value: str

    def describe(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        return f"{where}={self.value!r} fails {self.check}"


class WarehouseValidationError(RuntimeError):
    """Failures that no single document explains: the product, not the input, is wrong."""


def validate_table(name: str, table: pd.DataFrame) -> list[ValidationFailure]:
    try:
        _as_declared(name).validate(table, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        return [_failure(name, table, case) for case in errors.failure_cases.to_dict("records")]
    return []


@functools.cache
def _as_declared(name: str) -> pandera.DataFrameSchema:
    """The model's schema, checking each column's dtype instead of converting it first: the tables are
    built in the models' dtypes, pandera's converted copy of every column was thrown away, and a column
    built in another dtype is the product's error, which a conversion would hide."""
    schema = copy.deepcopy(TABLE_MODELS[name].to_schema())
    schema.coerce = False
    return schema


def _failure(name: str, table: pd.DataFrame, case: dict) -> ValidationFailure:
    index = case.get("index")
    document_id = None
    if index is not None and not pd.isna(index) and "document_id" in table.columns and index in table.index:
        document_id = str(table.at[index, "document_id"])
    return ValidationFailure(
        table=name,
        document_id=document_id,
        column=None if pd.isna(case.get("column")) else str(case.get("column")),
        check=str(case.get("check")),
        value=str(case.get("failure_case")),
    )


def referential_failures(tables: dict[str, pd.DataFrame]) -> list[ValidationFailure]:
    """Every child row points at a loaded snapshot; every snapshot at a loaded document."""
    failures: list[ValidationFailure] = []
    snapshot_ids = tables["snapshots"]["snapshot_id"]
    for name in CHILD_TABLES:
        orphans = _unmatched(tables[name], "snapshot_id", snapshot_ids)
        failures += [
            ValidationFailure(name, str(row.document_id), "snapshot_id", "references snapshots", str(row.snapshot_id))
            for row in orphans.itertuples()
        ]
    documents = tables["documents"]
    loaded = documents.loc[documents["status"] == "loaded", "document_id"]
    stray = _unmatched(tables["snapshots"], "document_id", loaded)
    failures += [
        ValidationFailure(
            "snapshots", str(row.document_id), "document_id", "references loaded documents", str(row.document_id)
        )
        for row in stray.itertuples()
    ]
    return failures


def _unmatched(table: pd.DataFrame, column: str, allowed: pd.Series) -> pd.DataFrame:
    """Rows of ``table`` whose ``column`` is not among ``allowed``, by Arrow's hash lookup (pandas' isin of
    an Arrow-backed text column first turns each allowed value into an Arrow scalar in Python: a third of a
    second per thousand documents). Almost always none, and then no rows are copied."""
    values = pa.array(table[column], from_pandas=True)
    found = pc.is_in(values, value_set=pa.array(allowed, from_pandas=True).cast(values.type))
    missing = ~found.to_numpy(zero_copy_only=False).astype(bool)
    return table[missing] if missing.any() else table.iloc[:0]


def referential_failures_in_files(
    parquet: dict[str, str], connection: duckdb.DuckDBPyConnection | None = None
) -> list[ValidationFailure]:
    """The same checks as :func:`referential_failures`, run by DuckDB over published Parquet files
    (anti-joins in C++ instead of pandas isin over millions of rows), on ``connection`` or a new one."""

    def scan(name: str) -> str:
        return "read_parquet('" + str(parquet[name]).replace("'", "''") + "')"

    queries = [
        f"SELECT '{name}', c.document_id, 'snapshot_id', 'references snapshots', c.snapshot_id "
        f"FROM {scan(name)} AS c ANTI JOIN {scan('snapshots')} AS s USING (snapshot_id)"
        for name in CHILD_TABLES
    ]
    queries.append(
        "SELECT 'snapshots', s.document_id, 'document_id', 'references loaded documents', s.document_id "
        f"FROM {scan('snapshots')} AS s ANTI JOIN (SELECT document_id FROM {scan('documents')} "
        "WHERE status = 'loaded') AS d USING (document_id)"
    )
    with _connection(connection) as open_connection:
        rows = open_connection.execute(" UNION ALL ".join(queries)).fetchall()
    return [ValidationFailure(*row) for row in rows]


def _connection(connection: duckdb.DuckDBPyConnection | None) -> AbstractContextManager:
    """``connection`` left open for its owner, or a new build connection closed after use (a DuckDB
    connection costs 30 ms to open: the checks of a build share one)."""
    return nullcontext(connection) if connection is not None else connect()


def table_keys(name: str) -> list[list[str]]:
    """The keys a table's model declares: its ``unique`` column sets and its unique columns."""
    schema = TABLE_MODELS[name].to_schema()
    keys = [list(schema.unique or [])] + [[column] for column, spec in schema.columns.items() if spec.unique]
    return [key for key in keys if key]


def key_violations(name: str, parquet: Path, connection: duckdb.DuckDBPyConnection | None = None) -> list[str]:
    """What breaks the model's keys and non-nullable columns across all rows of a Parquet file, found by
    DuckDB (the whole table, however large, without loading it into Python)."""
    scan = "read_parquet('" + str(parquet).replace("'", "''") + "')"
    columns = TABLE_MODELS[name].to_schema().columns
    problems = []
    with _connection(connection) as open_connection:
        for key in table_keys(name):
            listed = ", ".join(f'"{column}"' for column in key)
            [repeated] = open_connection.execute(
                f"SELECT count(*) FROM (SELECT {listed} FROM {scan} GROUP BY ALL HAVING count(*) > 1)"
            ).fetchone()
            if repeated:
                problems.append(f"{repeated} value(s) of ({', '.join(key)}) occur more than once")
        required = [column for column, spec in columns.items() if not spec.nullable]
        if required:
            counts = ", ".join(f'count(*) FILTER ("{column}" IS NULL)' for column in required)
            nulls = open_connection.execute(f"SELECT {counts} FROM {scan}").fetchone()
            problems += [f"{column} is NULL in {n} row(s)" for column, n in zip(required, nulls, strict=True) if n]
    return problems


def collect_failures(tables: dict[str, pd.DataFrame]) -> list[ValidationFailure]:
    failures = [f for name, table in tables.items() for f in validate_table(name, table)]
    return failures + referential_failures(tables)


def reject_documents(tables: dict[str, pd.DataFrame], failures: list[ValidationFailure]) -> dict[str, pd.DataFrame]:
    """Move each document with failures out of the loaded tables into rejected_documents."""
    by_document: dict[str, list[ValidationFailure]] = {}
    for failure in failures:
        if failure.document_id is not None:
            by_document.setdefault(failure.document_id, []).append(failure)
    if not by_document:
        return tables
    bad = set(by_document)
    result = dict(tables)
    for name in DOCUMENT_SCOPED:
        if name not in ("documents", "rejected_documents"):
            result[name] = tables[name][~tables[name]["document_id"].isin(bad)].reset_index(drop=True)
    documents = tables["documents"].copy()
    hit = documents["document_id"].isin(bad) & (documents["status"] == "loaded")
    new_rejections = []
    for row in documents[hit].itertuples():
        listed = by_document[row.document_id]
        message = "; ".join(f.describe() for f in listed[:MAX_FAILURES_IN_MESSAGE])
        if len(listed) > MAX_FAILURES_IN_MESSAGE:
            message += f"; and {len(listed) - MAX_FAILURES_IN_MESSAGE} more"
        new_rejections.append(
            {"document_id": row.document_id, "path": row.path, "reason": "validation_failed",
             "message": f"{len(listed)} validation failure(s): {message}", "line": None}
        )  # fmt: skip
    documents.loc[hit, "status"] = "rejected"
    documents.loc[hit, "snapshot_id"] = pd.NA
    result["documents"] = documents
    rejected = pd.concat([tables["rejected_documents"], pd.DataFrame(new_rejections)], ignore_index=True).astype(
        tables["rejected_documents"].dtypes.to_dict()
    )
    result["rejected_documents"] = rejected.sort_values("path", kind="stable").reset_index(drop=True)
    return result


def validate_tables(tables: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], list[ValidationFailure]]:
    """Validated tables and the failures that led to rejections.

    Raises :class:`WarehouseValidationError` when a failure belongs to no document (a broken
    vocabulary, say) or when the tables still fail after the failing documents were removed.
    """
    failures = collect_failures(tables)
    orphan = [f for f in failures if f.document_id is None]
    if orphan:
        raise WarehouseValidationError("; ".join(f.describe() for f in orphan[:10]))
    if not failures:
        return tables, []
    cleaned = reject_documents(tables, failures)
    remaining = collect_failures(cleaned)
    if remaining:
        raise WarehouseValidationError("; ".join(f.describe() for f in remaining[:10]))
    return cleaned, failures
