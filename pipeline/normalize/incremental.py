"""Incremental builds: a run costs what changed, not what exists.

The published warehouse is the state. A document whose path and content hash are unchanged, that
loaded last time, under the same parser fingerprint, keeps its published rows; only new and
changed documents (and those rejected last time, which may now load) are parsed, normalized and
validated. Removed documents simply have no rows any more. The result is the same tables, byte for
byte, as a build from scratch.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from pipeline.core import Rejection
from pipeline.ingest.documents import DocumentRef
from pipeline.normalize.tables import SnapshotClaim, assign_snapshots, build_tables, frame, snapshot_claims
from pipeline.parse.source import ParsedDocument
from pipeline.publish.staging import verify_published
from pipeline.validate.validation import ValidationFailure, validate_tables
from schemas.models import DOCUMENT_SCOPED, SORT_KEYS, TABLE_MODELS

REUSABLE_TABLES = [name for name in DOCUMENT_SCOPED if name not in ("documents", "rejected_documents")]


@dataclass(frozen=True)
class PreviousBuild:
    """What the published warehouse says about the documents it was built from."""

    fingerprint: str
    parquet_dir: Path
    """The verified current version's Parquet folder, pinned: a later publish does not move it."""
    documents: pd.DataFrame
    snapshots: pd.DataFrame


@dataclass(frozen=True)
class BuildPlan:
    reuse: list[DocumentRef] = field(default_factory=list)
    parse: list[DocumentRef] = field(default_factory=list)
    unchanged: bool = False
    """Same files, same contents, same code as the published warehouse: nothing to rebuild."""
    previous: PreviousBuild | None = None
    """The published build the reused rows come from."""
    full_rebuild_reason: str | None = None
    """Why nothing published is reused (no warehouse, other code, or a published state that failed its check)."""

    @property
    def parsed_ids(self) -> list[str]:
        return sorted({ref.document_id for ref in self.parse})


def read_previous(warehouse_dir: Path) -> PreviousBuild | str:
    """The last published build, once every file of it matches its manifest; otherwise why it is not used."""
    state = verify_published(warehouse_dir)
    if not state.trusted:
        return "; ".join(state.problems)
    fingerprint = state.manifest.get("build_fingerprint")
    if not isinstance(fingerprint, str) or not fingerprint:
        return "the published manifest has no build fingerprint"
    try:
        documents = pd.read_parquet(state.parquet_dir / "documents.parquet", columns=["path", "document_id", "status"])
        snapshots = pd.read_parquet(
            state.parquet_dir / "snapshots.parquet",
            columns=["document_id", "snapshot_id", "city", "country", "survey_wave"],
        )
    except (OSError, ValueError, KeyError) as error:
        return f"the published tables cannot be read: {error}"
    return PreviousBuild(fingerprint, state.parquet_dir, documents, snapshots)


def plan_build(refs: list[DocumentRef], previous: PreviousBuild | str | None, fingerprint: str) -> BuildPlan:
    """Which documents keep their published rows and which are parsed; ``fingerprint`` is the
    build fingerprint of this code, compared with the one the warehouse was built with. ``previous``
    is the verified published build, or the reason there is none to reuse."""
    if not isinstance(previous, PreviousBuild):
        return BuildPlan(parse=list(refs), full_rebuild_reason=previous or "no published warehouse")
    if previous.fingerprint != fingerprint:
        return BuildPlan(parse=list(refs), full_rebuild_reason="the pipeline's code or data changed since publishing")
    published = set(zip(previous.documents["path"].tolist(), previous.documents["document_id"].tolist(), strict=True))
    if published == {(ref.path, ref.document_id) for ref in refs}:
        return BuildPlan(reuse=list(refs), unchanged=True, previous=previous)
    loaded = previous.documents[previous.documents["status"] == "loaded"]
    reusable = set(zip(loaded["path"].tolist(), loaded["document_id"].tolist(), strict=True))
    plan = BuildPlan(previous=previous)
    for ref in refs:
        (plan.reuse if (ref.path, ref.document_id) in reusable else plan.parse).append(ref)
    return plan


def batch_of(document_id: str, batches: int) -> int:
    """Stable assignment of a document to one of ``batches`` parse partitions."""
    return zlib.crc32(document_id.encode()) % batches


def _reused_claims(plan: BuildPlan, previous: PreviousBuild) -> list[SnapshotClaim]:
    snapshots = previous.snapshots
    by_document = {
        row[0]: row[1:]
        for row in zip(
            snapshots["document_id"].tolist(),
            snapshots["snapshot_id"].tolist(),
            snapshots["city"].tolist(),
            snapshots["country"].tolist(),
            snapshots["survey_wave"].tolist(),
            strict=True,
        )
    }
    claims = []
    for ref in plan.reuse:
        sid, city, country, wave = by_document[ref.document_id]
        claims.append(SnapshotClaim(ref.path, sid, city, country, int(wave)))
    return claims


def _previous_rows(previous: PreviousBuild, name: str, document_ids: list[str], paths: list[str]) -> pd.DataFrame:
    """Published rows of the given documents, read with a Parquet filter and typed by the model."""
    if not paths:
        return frame(name, [])
    filters = [("path", "in", paths)] if name == "documents" else [("document_id", "in", document_ids)]
    rows = pq.read_table(previous.parquet_dir / f"{name}.parquet", filters=filters).to_pandas()
    return rows.astype({col: c.dtype.type for col, c in TABLE_MODELS[name].to_schema().columns.items()})


def _combine(name: str, parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [part for part in parts if not part.empty] or parts[:1]
    combined = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return combined.sort_values(SORT_KEYS[name], kind="stable").reset_index(drop=True)


def assemble_tables(
    plan: BuildPlan, parsed: list[ParsedDocument]
) -> tuple[dict[str, pd.DataFrame], list[ValidationFailure]]:
    """Tables of this build: reused rows of unchanged documents plus validated rows of parsed ones."""
    previous = plan.previous
    claims = snapshot_claims(parsed)
    if plan.reuse and previous is not None:
        claims += _reused_claims(plan, previous)
    assigned = assign_snapshots(claims)
    new_tables, failures = validate_tables(build_tables(parsed, assigned=assigned))
    if not plan.reuse or previous is None:
        return new_tables, failures
    kept = [ref for ref in plan.reuse if isinstance(assigned.get(ref.path), str)]
    displaced = [ref for ref in plan.reuse if isinstance(assigned.get(ref.path), Rejection)]
    kept_ids = [ref.document_id for ref in kept]
    combined = {}
    for name in TABLE_MODELS:
        if name in REUSABLE_TABLES:
            old = _previous_rows(previous, name, kept_ids, [ref.path for ref in kept])
        elif name == "documents":
            old = _previous_rows(previous, name, kept_ids, [ref.path for ref in plan.reuse])
            displaced_paths = {ref.path for ref in displaced}
            old.loc[old["path"].isin(displaced_paths), ["status", "snapshot_id"]] = ["rejected", pd.NA]
        else:
            old = None
        combined[name] = new_tables[name] if old is None else _combine(name, [old, new_tables[name]])
    if displaced:
        rejected = [
            {"document_id": ref.document_id, "path": ref.path, "reason": assigned[ref.path].reason,
             "message": assigned[ref.path].message, "line": None}
            for ref in displaced
        ]  # fmt: skip
        combined["rejected_documents"] = _combine(
            "rejected_documents", [combined["rejected_documents"], frame("rejected_documents", rejected)]
        )
    # referential integrity of the combined tables is the blocking asset check `referential_integrity`
    return combined, failures
