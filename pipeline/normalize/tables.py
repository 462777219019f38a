"""Turn parsed documents into the warehouse's tables (pandas DataFrames typed by the pandera models).

Pure functions: same parsed documents in, same frames out, rows in a deterministic order.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import pandas as pd

from pipeline.core import PARSER_VERSION, Rejection
from pipeline.parse.record import SnapshotRecord
from pipeline.parse.source import ParsedDocument
from schemas.models import SORT_KEYS, TABLE_MODELS, column_names
from schemas.vocabulary import OTHER, Vocabulary, load_vocabulary

EXPECTED_FIELDS: dict[str, str] = {
    "mayor": "mayor",
    "term": "term_start",
    "innovation_lead": "innovation_leads",
    "population": "population",
    "website": "website",
    "team_location": "team_location",
    "team_staff": "team_staff_text",
    "spotlight": "spotlight_title",
    "has_formal_strategy": "has_formal_strategy",
    "approach": "approach",
    "has_dedicated_funding": "has_dedicated_funding",
    "uses_data_in_urban_planning": "uses_data_in_urban_planning",
    "budget_aligned_with_priorities": "budget_aligned_with_priorities",
    "publishes_open_data_centrally": "publishes_open_data_centrally",
    "provides_data_guidance": "provides_data_guidance",
}
"""Report field -> record attribute that holds it; list dimensions are checked by their items."""
EXPECTED_LISTS = [
    "staff_skills",
    "innovation_associations",
    "priority_policy_areas",
    "partner_types",
    "data_partners",
    "funding_sources",
    "funding_uses",
    "benefits",
    "success_factors",
    "data_challenges",
]


def slug(text: str) -> str:
    """Lower-case words joined by hyphens, accents dropped (São Paulo: sao-paulo). Letters, marks and digits
    of every script are kept (Москва: москва; कोटा keeps its vowel signs), so names without Latin letters
    get distinct, stable ids; a name with none of them gets a short hash of itself."""
    kept: list[str] = []
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch) and kept and kept[-1].isascii():
            continue  # an accent on a Latin letter
        kept.append(ch)
    folded = unicodedata.normalize("NFC", "".join(kept)).casefold()
    words = "".join(ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in folded).split()
    if words:
        return "-".join(words)
    return "h" + hashlib.sha256(unicodedata.normalize("NFC", text).encode()).hexdigest()[:10]


def snapshot_id(record: SnapshotRecord, wave: int) -> str:
    return f"{wave}-{(record.country_code or 'xx').lower()}-{slug(record.city)}"


def frame(table: str, rows: Iterable[dict]) -> pd.DataFrame:
    """Rows -> DataFrame with the model's columns and dtypes, sorted by the table's keys."""
    columns = column_names(table)
    data = pd.DataFrame(list(rows), columns=columns)
    schema = TABLE_MODELS[table].to_schema()
    for name, column in schema.columns.items():
        data[name] = data[name].astype(column.dtype.type)
    return data.sort_values(SORT_KEYS[table], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class SnapshotClaim:
    """A document that would load as the snapshot of one city and wave."""

    path: str
    snapshot_id: str
    city: str
    country: str
    survey_wave: int


def snapshot_claims(parsed: Iterable[ParsedDocument]) -> list[SnapshotClaim]:
    return [
        SnapshotClaim(doc.source.path, snapshot_id(doc.record, doc.source.survey_wave), doc.record.city,
                      doc.record.country, doc.source.survey_wave)
        for doc in parsed
        if doc.record is not None and doc.source.survey_wave is not None
    ]  # fmt: skip


def assign_snapshots(claims: Iterable[SnapshotClaim]) -> dict[str, str | Rejection]:
    """document path -> snapshot id, or a duplicate rejection. Of two documents for the same
    city and wave, the one with the smaller path loads and the other is rejected naming it."""
    owners: dict[str, str] = {}
    assigned: dict[str, str | Rejection] = {}
    for claim in sorted(claims, key=lambda c: c.path):
        owner = owners.setdefault(claim.snapshot_id, claim.path)
        if owner == claim.path:
            assigned[claim.path] = claim.snapshot_id
        else:
            assigned[claim.path] = duplicate_rejection(claim.city, claim.country, claim.survey_wave, owner)
    return assigned


def duplicate_rejection(city: str, country: str, survey_wave: int, owner: str) -> Rejection:
    """Why a document whose city and wave another document (``owner``, the smaller path) holds is not loaded."""
    return Rejection(
        "duplicate_snapshot",
        f"{city} ({country}), wave {survey_wave} is already loaded from {owner}; remove one of the two documents",
    )


def _snapshot_row(sid: str, doc: ParsedDocument, record: SnapshotRecord, numbers: list[int]) -> dict:
    """``numbers``: the record's attributed line numbers, in order."""
    fields = record.line_fields
    header_line = next(n for n in numbers if fields[n] == "header")
    row = {name: getattr(record, name, None) for name in column_names("snapshots")}
    row.update(
        snapshot_id=sid,
        document_id=doc.source.document_id,
        survey_wave=doc.source.survey_wave,
        innovation_lead=record.innovation_lead,
        innovation_lead_count=len(record.innovation_leads),
        header_line=header_line,
    )
    return row


def parse_report(record: SnapshotRecord, layout_fields: Iterable[str] = ()) -> dict:
    """What a curator needs to know about one parsed document: fields found and missing,
    lines left unparsed, free-text labels coded 'other', and fields read from the page layout."""
    missing = [name for name, attr in EXPECTED_FIELDS.items() if getattr(record, attr) in (None, [])]
    dimensions = {item.dimension for item in record.items}
    missing += [dim for dim in EXPECTED_LISTS if dim not in dimensions]
    if not record.policy_area_data:
        missing.append("policy_area_data")
    others = [item.label for item in record.items if item.code == OTHER]
    others += [area.label for area in record.policy_area_data if area.code == OTHER]
    expected = len(EXPECTED_FIELDS) + len(EXPECTED_LISTS) + 1
    return {
        "fields_found": expected - len(missing),
        "fields_missing": len(missing),
        "missing_fields": ", ".join(missing),
        "unparsed_line_count": len(record.unparsed_lines),
        "other_label_count": len(others),
        "other_labels": "; ".join(others),
        "needs_attention": bool(record.unparsed_lines or others),
        "layout_fields": ", ".join(layout_fields),
    }


def _report_row(sid: str, doc: ParsedDocument, record: SnapshotRecord) -> dict:
    return {
        "document_id": doc.source.document_id,
        "snapshot_id": sid,
        "path": doc.source.path,
        **parse_report(record, doc.layout_fields),
    }


def vocabulary_rows(vocabulary: Vocabulary) -> list[dict]:
    return [
        {"dimension": c.dimension, "code": c.code, "label": c.label, "variants": " | ".join(c.variants)}
        for c in vocabulary.codes
    ]


def build_tables(
    parsed: list[ParsedDocument],
    vocabulary: Vocabulary | None = None,
    assigned: dict[str, str | Rejection] | None = None,
) -> dict[str, pd.DataFrame]:
    """All warehouse tables from parsed documents (before validation). ``assigned`` (path ->
    snapshot id or duplicate rejection) is computed from ``parsed`` unless the caller knows better."""
    rows = table_rows(parsed, assigned)
    rows["vocabulary"] = vocabulary_rows(vocabulary or load_vocabulary())
    return {name: frame(name, table_rows) for name, table_rows in rows.items()}


def table_rows(
    parsed: list[ParsedDocument], assigned: dict[str, str | Rejection] | None = None
) -> dict[str, list[dict]]:
    """The rows of every document-scoped table, as dicts keyed by the models' columns, in input order."""
    return {
        name: [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]
        for name, columns in table_columns(parsed, assigned).items()
    }


ENTRY_COLUMNS: dict[str, dict[str, Callable[[Any], object]]] = {
    "snapshot_items": {
        "dimension": attrgetter("dimension"),
        "position": attrgetter("position"),
        "code": attrgetter("code"),
        "label": attrgetter("label"),
        "source_line": attrgetter("source_line"),
    },
    "policy_area_data": {
        "position": attrgetter("position"),
        "policy_area": attrgetter("code"),
        "label": attrgetter("label"),
        "data_status": attrgetter("data_status"),
        "source_line": attrgetter("source_line"),
    },
    "benchmark_claims": {
        name: attrgetter(name)
        for name in "topic city_value comparator refers_to_city_value stated_pct stated_text stated_low stated_high "
        "sentence source_line".split()
    },
    "unparsed_lines": {name: attrgetter(name) for name in ["line_number", "column", "section", "reason", "text"]},
    "line_attributions": {"line_number": int},
}
"""Child table -> its columns read from each entry of a record (a list item, a grid cell, a claim, an unparsed
line, an attributed line's number); snapshot_id, document_id, a claim's position and a line's field come from
its document."""


def _entries(record: SnapshotRecord, numbers: list[int]) -> dict[str, Sequence[Any]]:
    """A loaded document's entries of each child table, in row order (``numbers``: its attributed line
    numbers, sorted; sorting the numbers alone is 4 times quicker than sorting (number, field) pairs)."""
    return {
        "snapshot_items": record.items,
        "policy_area_data": record.policy_area_data,
        "benchmark_claims": record.benchmark_claims,
        "unparsed_lines": record.unparsed_lines,
        "line_attributions": numbers,
    }


def table_columns(
    parsed: list[ParsedDocument], assigned: dict[str, str | Rejection] | None = None
) -> dict[str, dict[str, list]]:
    """The same rows as :func:`table_rows`, as one list per column (the models' columns, in their order):
    Arrow builds a table from columns without looking a key up in a dict per row and value, and each
    column of a child table is read from all the chunk's entries at once, not row by row."""
    if assigned is None:
        assigned = assign_snapshots(snapshot_claims(parsed))
    rows: dict[str, list[dict]] = {"documents": [], "rejected_documents": [], "snapshots": [], "parse_reports": []}
    entries: dict[str, list] = {name: [] for name in ENTRY_COLUMNS}
    owners: dict[str, tuple[list[str], list[str]]] = {name: ([], []) for name in ENTRY_COLUMNS}
    claim_positions: list[int] = []
    line_fields: list[str] = []
    for doc in parsed:
        source = doc.source
        outcome = assigned.get(source.path, doc.rejection)
        loaded = isinstance(outcome, str)
        rows["documents"].append(
            {
                "document_id": source.document_id,
                "path": source.path,
                "survey_wave": source.survey_wave,
                "size_bytes": source.size_bytes,
                "source_format": source.source_format,
                "line_count": doc.line_count,
                "status": "loaded" if loaded else "rejected",
                "snapshot_id": outcome if loaded else None,
                "parser_version": PARSER_VERSION,
            }
        )
        if not loaded:
            rejection = outcome if isinstance(outcome, Rejection) else doc.rejection
            assert rejection is not None
            rows["rejected_documents"].append(
                {
                    "document_id": source.document_id,
                    "path": source.path,
                    "reason": rejection.reason,
                    "message": rejection.message,
                    "line": rejection.line,
                }
            )
            continue
        record = doc.record
        assert record is not None and isinstance(outcome, str)
        sid, did = outcome, source.document_id
        numbers = sorted(record.line_fields)
        rows["snapshots"].append(_snapshot_row(sid, doc, record, numbers))
        for name, found in _entries(record, numbers).items():
            entries[name].extend(found)
            sids, dids = owners[name]
            sids.extend([sid] * len(found))
            dids.extend([did] * len(found))
        claim_positions.extend(range(1, len(record.benchmark_claims) + 1))
        line_fields.extend(map(record.line_fields.__getitem__, numbers))
        rows["parse_reports"].append(_report_row(sid, doc, record))
    tables = {
        name: {column: [row[column] for row in found] for column in column_names(name)} for name, found in rows.items()
    }
    for name, getters in ENTRY_COLUMNS.items():
        read = {column: list(map(getter, entries[name])) for column, getter in getters.items()}
        read["snapshot_id"], read["document_id"] = owners[name]
        if name == "benchmark_claims":
            read["position"] = claim_positions
        if name == "line_attributions":
            read["field"] = line_fields
        tables[name] = {column: read[column] for column in column_names(name)}
    return {name: tables[name] for name in TABLE_MODELS if name != "vocabulary"}
