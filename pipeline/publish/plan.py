"""Incremental builds: a run costs what changed, not what exists.

The published warehouse is the state. A document whose path and content hash are unchanged, that
loaded last time, under the same build fingerprint, keeps its published rows; only new and changed
documents (and those rejected last time, which may now load) are parsed. Removed documents simply
have no rows any more. The result is the same tables, byte for byte, as a build from scratch.

The inventory and the plan are Parquet files in the run's staging folder, compared with the
published ``documents`` table by DuckDB: no per-document Python work beyond listing the files, and
what passes between Dagster steps is a path and a few counts.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.core import Document, Rejection
from pipeline.fingerprint import build_fingerprint
from pipeline.ingest.documents import inventory, read_stamps, write_stamps
from pipeline.ingest.limits import ParseLimits
from pipeline.publish.staging import verify_published
from pipeline.sqlfiles import connect, quote

INVENTORY_FILE = "inventory.parquet"
PLAN_FILE = "plan.parquet"
INVENTORY_COLUMNS = {
    "document_id": "VARCHAR",
    "path": "VARCHAR",
    "survey_wave": "BIGINT",
    "size_bytes": "BIGINT",
    "source_format": "VARCHAR",
    "rejection_reason": "VARCHAR",
    "rejection_message": "VARCHAR",
    "rejection_line": "BIGINT",
    "batch": "BIGINT",
}
"""One row per file under raw/: a :class:`Document` and the parse batch it belongs to (column -> DuckDB type).
The plan adds its ``action``. Defined for DuckDB, which writes and joins them: a no-change build imports
no pyarrow."""


def batch_of(document_id: str, batches: int) -> int:
    """Stable assignment of a document to one of ``batches`` parse partitions."""
    return zlib.crc32(document_id.encode()) % batches


def write_inventory(refs: list[Document], target: Path, batches: int) -> Path:
    """The inventory as Parquet, in path order. Written by DuckDB from JSON lines: building Arrow arrays
    from Python values imports pandas (half a second), which a no-change build does not otherwise need."""
    target.parent.mkdir(parents=True, exist_ok=True)
    lines = target.with_name(f".{target.name}.jsonl")
    with lines.open("w", encoding="utf-8") as out:
        for ref in sorted(refs, key=lambda ref: ref.path):
            rejection = ref.rejection
            row = [
                ref.document_id,
                ref.path,
                ref.survey_wave,
                ref.size_bytes,
                ref.source_format,
                rejection.reason if rejection else None,
                rejection.message if rejection else None,
                rejection.line if rejection else None,
                batch_of(ref.document_id, batches),
            ]
            out.write(json.dumps(dict(zip(INVENTORY_COLUMNS, row, strict=True))) + "\n")
    columns = ", ".join(f"{quote(name)}: {quote(kind)}" for name, kind in INVENTORY_COLUMNS.items())
    try:
        with connect() as connection:
            connection.execute(
                f"COPY (SELECT * FROM read_json({quote(str(lines))}, format = 'newline_delimited', "
                f"columns = {{{columns}}})) TO {quote(str(target))} (FORMAT parquet)"
            )
    finally:
        lines.unlink(missing_ok=True)
    return target


def take_inventory(raw_dir: Path, stamps_file: Path, target: Path, batches: int) -> list[Document]:
    """Every file under ``raw_dir``, written to ``target``: a file is hashed again only when its stamp
    (size, times, inode) changed since ``stamps_file`` recorded it."""
    stamps = read_stamps(stamps_file)
    refs = inventory(raw_dir, stamps, ParseLimits.from_env())
    write_stamps(stamps_file, stamps)
    write_inventory(refs, target, batches)
    return refs


def refs_to_parse(plan_file: Path, batch: int) -> list[Document]:
    """The documents of one parse batch that this build parses, in path order."""
    import pyarrow.parquet as pq

    table = pq.read_table(
        plan_file, filters=[("action", "=", "parse"), ("batch", "=", batch)], columns=list(INVENTORY_COLUMNS)
    )
    refs = []
    for row in table.to_pylist():
        reason = row["rejection_reason"]
        rejection = Rejection(reason, row["rejection_message"], row["rejection_line"]) if reason else None
        refs.append(
            Document(
                row["document_id"],
                row["path"],
                row["survey_wave"],
                row["size_bytes"],
                row["source_format"],
                rejection=rejection,
            )
        )
    return refs


@dataclass(frozen=True)
class PreviousBuild:
    """The verified current version of the published warehouse."""

    fingerprint: str
    parquet_dir: Path
    """Its Parquet folder, pinned: a later publish does not move it."""


@dataclass(frozen=True)
class BuildPlan:
    """What this build does: a few counts and the plan file (one row per document, ``action`` parse or
    reuse). Small enough to pass between Dagster steps under any executor."""

    plan_file: Path | None = None
    documents: int = 0
    to_parse: int = 0
    reused: int = 0
    unchanged: bool = False
    """Same files, same contents, same code as the published warehouse: nothing to rebuild."""
    previous: PreviousBuild | None = None
    """The published build the reused rows come from."""
    full_rebuild_reason: str | None = None
    """Why nothing published is reused (no warehouse, other code, or a published state that failed its check)."""


def read_previous(warehouse_dir: Path) -> PreviousBuild | str:
    """The last published build, once every file of it matches its manifest; otherwise why it is not used."""
    state = verify_published(warehouse_dir)
    if not state.trusted:
        return "; ".join(state.problems)
    fingerprint = state.manifest.get("build_fingerprint")
    if not isinstance(fingerprint, str) or not fingerprint:
        return "the published manifest has no build fingerprint"
    documents = state.parquet_dir / "documents.parquet"
    try:
        with connect() as connection:
            described = connection.execute(f"DESCRIBE SELECT * FROM read_parquet({quote(str(documents))})")
            names = {row[0] for row in described.fetchall()}
    except (OSError, duckdb.Error) as error:
        return f"the published tables cannot be read: {error}"
    if not {"path", "document_id", "status"} <= names:
        return "the published documents table lacks path, document_id or status"
    return PreviousBuild(fingerprint, state.parquet_dir)


def departed_documents(before: Path, after: Path) -> list[str]:
    """Ids in the documents table ``before`` but not in ``after`` (changed or removed documents)."""
    with connect() as connection:
        rows = connection.execute(
            f"SELECT document_id FROM read_parquet({quote(str(before))}) "
            f"EXCEPT SELECT document_id FROM read_parquet({quote(str(after))}) ORDER BY 1"
        ).fetchall()
    return [document_id for (document_id,) in rows]


def plan_current_build(inventory_file: Path, warehouse_dir: Path) -> BuildPlan:
    """The plan of this code's build of ``inventory_file`` against the verified published warehouse."""
    return plan_build(inventory_file, read_previous(warehouse_dir), build_fingerprint())


def plan_build(inventory_file: Path, previous: PreviousBuild | str | None, fingerprint: str) -> BuildPlan:
    """Write the plan next to the inventory: a document is reused when the same path with the same
    content loaded in the published build of the same code (``fingerprint``), and parsed otherwise.
    ``previous`` is the verified published build, or the reason there is none to reuse."""
    plan_file = inventory_file.with_name(PLAN_FILE)
    reason = None
    if not isinstance(previous, PreviousBuild):
        reason = previous or "no published warehouse"
    elif previous.fingerprint != fingerprint:
        reason = "the pipeline's code or data changed since publishing"
    with connect() as connection:
        connection.execute(f"CREATE VIEW inventory AS SELECT * FROM read_parquet({quote(str(inventory_file))})")
        if reason is None:
            assert isinstance(previous, PreviousBuild)
            published = quote(str(previous.parquet_dir / "documents.parquet"))
            connection.execute(
                f"CREATE VIEW published AS SELECT path, document_id, status FROM read_parquet({published})"
            )
        else:
            connection.execute("CREATE VIEW published AS SELECT ''::VARCHAR AS path, '' AS document_id, '' AS status "
                               "WHERE false")  # fmt: skip
        connection.execute(
            f"""COPY (
                SELECT i.*, CASE WHEN p.path IS NULL THEN 'parse' ELSE 'reuse' END AS action
                FROM inventory AS i
                LEFT JOIN (SELECT path, document_id FROM published WHERE status = 'loaded') AS p
                    USING (path, document_id)
                ORDER BY i.path
            ) TO {quote(str(plan_file))} (FORMAT parquet)"""
        )
        documents, reused = connection.execute(
            f"SELECT count(*), count(*) FILTER (action = 'reuse') FROM read_parquet({quote(str(plan_file))})"
        ).fetchone()
        differences = connection.execute(
            "SELECT count(*) FROM inventory AS i FULL JOIN published AS p USING (path, document_id) "
            "WHERE i.path IS NULL OR p.path IS NULL"
        ).fetchone()[0]
    unchanged = reason is None and differences == 0
    return BuildPlan(
        plan_file=plan_file,
        documents=documents,
        to_parse=0 if unchanged else documents - reused,
        reused=reused if reason is None else 0,
        unchanged=unchanged,
        previous=previous if reason is None else None,
        full_rebuild_reason=reason,
    )
