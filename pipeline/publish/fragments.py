"""Parsed documents -> validated rows -> Parquet fragments, one chunk at a time, inside a parse worker.

This is the sink of :class:`pipeline.parse.workers.ParsePool`: each worker builds the rows of the
documents it parsed, validates them with the pandera models (a document with a failing row is moved
to ``rejected_documents``) and writes one fragment per table under ``<folder>/<table>/<name>.parquet``.
Only a small summary returns to the parent, and memory is bounded by the chunk, not the corpus.

Which of two documents of the same city and wave loads is decided later, across all fragments and
the published rows (:mod:`pipeline.publish.assemble`). Until then each document's rows carry the
snapshot id it claims, and the path it came from (``_source_path``) so that a claim that loses can be
dropped. Validation only looks at a document's own rows, so its outcome does not depend on how the
documents were chunked.
"""

from __future__ import annotations

import functools
import os
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.normalize.tables import snapshot_id, table_columns
from pipeline.parse.source import ParsedDocument
from pipeline.publish.files import arrow_schema
from pipeline.validate.validation import validate_tables
from schemas.models import TABLE_MODELS

SOURCE_PATH = "_source_path"
"""Column of fragments (not of published tables): the raw/ path a row was read from."""
FRAGMENT_TABLES = [name for name in TABLE_MODELS if name != "vocabulary"]
"""Tables whose rows come from documents; the vocabulary comes from the schemas."""


def claimed_snapshot(document: ParsedDocument) -> str | None:
    record, wave = document.record, document.source.survey_wave
    return snapshot_id(record, wave) if record is not None and wave is not None else None


def claim_rounds(documents: list[ParsedDocument], claims: dict[str, str]) -> list[list[ParsedDocument]]:
    """Documents split so that no two in a round claim the same snapshot (keys stay unique for the
    validation); almost always a single round. ``claims``: path -> claimed snapshot id."""
    rounds: list[list[ParsedDocument]] = []
    seen: list[set[str]] = []
    for document in documents:
        claim = claims.get(document.source.path)
        index = next((n for n, claims in enumerate(seen) if claim is None or claim not in claims), len(rounds))
        if index == len(rounds):
            rounds.append([])
            seen.append(set())
        rounds[index].append(document)
        if claim is not None:
            seen[index].add(claim)
    return rounds


PANDAS_TYPES = {
    field.type: column.dtype.type
    for table in FRAGMENT_TABLES
    for field, column in zip(arrow_schema(table), TABLE_MODELS[table].to_schema().columns.values(), strict=True)
}
"""Arrow type -> the pandas dtype the pandera models declare (pandas 3's ``str`` for text, not
``string``), so the frames pandera validates need no coercion."""


def write_fragment(documents: list[ParsedDocument], folder: str, name: str) -> dict:
    """Validated rows of ``documents`` as one fragment per table; returns what was written.

    Rows become Arrow tables directly; pandera validates them as pandas frames (a zero-copy view for
    numbers, one conversion for text). Only when a document fails are the frames, with that document
    moved to ``rejected_documents``, written instead."""
    parts: dict[str, list[pa.Table]] = {table: [] for table in FRAGMENT_TABLES}
    failures = 0
    claimed = {doc.source.path: claim for doc in documents if (claim := claimed_snapshot(doc)) is not None}
    for group in claim_rounds(documents, claimed):
        claims = {doc.source.path: claimed[doc.source.path] for doc in group if doc.source.path in claimed}
        arrow = {
            table: pa.Table.from_pydict(columns, schema=_bare(table))
            for table, columns in table_columns(group, claims).items()
        }
        frames = {table: data.to_pandas(types_mapper=PANDAS_TYPES.get) for table, data in arrow.items()}
        validated, failed = validate_tables(frames)
        if failed:
            failures += len({failure.document_id for failure in failed})
            arrow = {
                table: pa.Table.from_pandas(_as_written(frame), schema=_bare(table), preserve_index=False)
                for table, frame in validated.items()
            }
        for table in FRAGMENT_TABLES:
            data = arrow[table]
            if data.num_rows == 0:
                continue
            if "path" in data.column_names:
                sources = data["path"]
            else:
                sources = _paths_of(data["document_id"], arrow["documents"])
            parts[table].append(data.append_column(SOURCE_PATH, sources))
    written = {}
    for table, tables in parts.items():
        if tables:
            combined = pa.concat_tables(tables)
            target = Path(folder) / table / f"{name}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{name}.parquet.tmp")  # a killed writer leaves no half fragment
            pq.write_table(combined, temporary, compression="none")
            os.replace(temporary, target)
            written[table] = combined.num_rows
    reasons = Counter(doc.rejection.reason for doc in documents if doc.rejection is not None)
    return {"documents": len(documents), "rows": written, "validation_failures": failures, "rejections": dict(reasons)}


def _paths_of(document_ids: pa.ChunkedArray, documents: pa.Table) -> pa.Array:
    """The path of each row's document, looked up by Arrow. Of documents with the same id (the same
    bytes under two paths), the last one's path, as the dict of id -> path this replaces gave."""
    ids = documents["document_id"].combine_chunks()[::-1]
    paths = documents["path"].combine_chunks()[::-1]
    return pc.take(paths, pc.index_in(document_ids, value_set=ids)).combine_chunks()


def _as_written(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as pandas ``string`` (not ``str``): the pandas metadata of a fragment written after a
    rejection has always named that dtype, and a fragment's bytes do not change with a faster validation."""
    text = [column for column, dtype in frame.dtypes.items() if isinstance(dtype, pd.StringDtype)]
    return frame.astype(dict.fromkeys(text, pd.StringDtype()))


@functools.cache
def _bare(table: str) -> pa.Schema:
    """The table's Arrow schema without descriptions (fragments are read by DuckDB only)."""
    return pa.schema([field.remove_metadata() for field in arrow_schema(table)])
