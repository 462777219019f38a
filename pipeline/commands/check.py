"""``citysnap check FILE...``: parse documents without building and show their parse reports."""

import argparse
import dataclasses
from pathlib import Path

from pipeline.commands.formatting import shorten
from pipeline.core import Rejection
from pipeline.ingest.documents import SUPPORTED_SUFFIXES, extract_text
from pipeline.normalize.tables import parse_report
from pipeline.parse.document import parse_text
from pipeline.parse.record import SnapshotRecord
from pipeline.parse.source import with_policy_area_statuses


def check_file(path: Path) -> tuple[SnapshotRecord | None, Rejection | None]:
    """Read a text or PDF file as the build would (wave folder aside) and parse it."""
    source_format = SUPPORTED_SUFFIXES.get(path.suffix.lower(), "text")
    extracted = extract_text(path.read_bytes(), source_format)
    if isinstance(extracted, Rejection):
        return None, extracted
    text, statuses = extracted
    result = parse_text(text)
    if result.record is None or not statuses:
        return result.record, result.rejection
    return with_policy_area_statuses(result.record, statuses), None


def describe_record(record: SnapshotRecord) -> str:
    fields = {
        field.name: getattr(record, field.name)
        for field in dataclasses.fields(record)
        if field.name not in {"items", "policy_area_data", "benchmark_claims", "unparsed_lines", "line_fields"}
    }
    lines = [f"  {name}: {shorten(value)}" for name, value in fields.items() if value not in (None, [])]
    dimensions: dict[str, list[str]] = {}
    for item in record.items:
        dimensions.setdefault(item.dimension, []).append(f"{item.label} [{item.code}]")
    lines += [f"  {dim}: {'; '.join(labels)}" for dim, labels in dimensions.items()]
    if record.policy_area_data:
        areas = "; ".join(f"{a.label} [{a.code}: {a.data_status}]" for a in record.policy_area_data)
        lines.append(f"  policy_area_data: {areas}")
    lines += [f"  claim: {c.comparator} {c.stated_text} -> {c.topic}={c.city_value}" for c in record.benchmark_claims]
    report = parse_report(record)
    lines.append(
        f"  report: {report['fields_found']} fields found, {report['fields_missing']} missing"
        f"{' (' + report['missing_fields'] + ')' if report['missing_fields'] else ''}, "
        f"{report['unparsed_line_count']} unparsed lines, {report['other_label_count']} labels coded other"
    )
    lines += [f"  unparsed line {u.line_number} [{u.section}]: {u.text} ({u.reason})" for u in record.unparsed_lines]
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    failed = 0
    for name in args.files:
        path = Path(name)
        record, rejection = check_file(path)
        if rejection is not None:
            failed += 1
            where = f" (line {rejection.line})" if rejection.line else ""
            print(f"{path}: REJECTED {rejection.reason}{where}: {rejection.message}")
            continue
        assert record is not None
        print(f"{path}: OK {record.city}, {record.country}")
        print(describe_record(record))
    return 1 if failed else 0


def register(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser("check", help="parse documents without building; non-zero exit if any is rejected")
    check.add_argument("files", nargs="+")
    check.set_defaults(handler=cmd_check)
