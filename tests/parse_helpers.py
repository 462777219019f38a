"""Shared helpers for the parser tests: fixture discovery and a record in the expected-JSON shape."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

from pipeline.parse.document import parse_text
from pipeline.parse.record import ParseResult, SnapshotRecord

FIXTURES = Path(__file__).parent / "fixtures"
DOCUMENTS = FIXTURES / "documents"
EXPECTED = FIXTURES / "expected"

LIST_FIELDS = (
    "items",
    "policy_area_data",
    "benchmark_claims",
    "unparsed_lines",
    "line_fields",
    "sections_found",
)
SCALAR_FIELDS = tuple(f.name for f in fields(SnapshotRecord) if f.name not in LIST_FIELDS)
"""Every scalar field of a record (innovation_leads included): each fixture must state all of them."""
COMPARED_FIELDS = (*SCALAR_FIELDS, "items", "policy_area_data", "benchmark_claims", "unparsed_lines")


def fixture_names() -> list[str]:
    return sorted(path.stem for path in DOCUMENTS.glob("*.txt"))


def read_document(name: str) -> str:
    """Read bytes and decode as the ingest stage does (UTF-8, BOM kept for the parser to strip)."""
    return (DOCUMENTS / f"{name}.txt").read_bytes().decode("utf-8")


def load_expected(name: str) -> dict[str, Any]:
    return json.loads((EXPECTED / f"{name}.json").read_text(encoding="utf-8"))


def parse_fixture(name: str) -> ParseResult:
    return parse_text(read_document(name))


def record_view(record: SnapshotRecord) -> dict[str, Any]:
    """The record in the shape of an expected JSON file, so the two compare field by field."""
    view: dict[str, Any] = {name: getattr(record, name) for name in SCALAR_FIELDS}
    items: dict[str, list[list[str]]] = {}
    for item in record.items:
        items.setdefault(item.dimension, []).append([item.code, item.label])
    view["items"] = items
    view["policy_area_data"] = [[p.code, p.label, p.data_status] for p in record.policy_area_data]
    view["benchmark_claims"] = [
        [c.topic, c.city_value, c.comparator, c.stated_pct, c.stated_text] for c in record.benchmark_claims
    ]
    view["unparsed_lines"] = [u.line_number for u in record.unparsed_lines]
    return view


def non_blank_line_numbers(text: str) -> set[int]:
    """1-based numbers of the lines that carry text after the parser's own character normalisation."""
    from pipeline.parse.lines import to_lines

    return {line.number for line in to_lines(text) if not line.blank}
