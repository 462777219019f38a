"""``citysnap check FILE...``: parse documents without building and show their parse reports.

Each file goes through the build's own path (``load_document`` and ``parse_source``), wave folder
included: a file under ``<raw>/<year>/`` is read as the build reads it, and a file outside a wave
folder gets the rejection the build would give it. Exit 0 when every file would load, 1 when any
would be rejected, 2 when a file cannot be read at all (missing, a folder, no permission).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from pipeline.paths import DEFAULT_RAW_DIR


def raw_root(path: Path, raw_dir: Path) -> Path:
    """The folder the build would scan to find ``path``: ``raw_dir`` when the file is inside it,
    else the parent of its wave folder, else its own folder (then it is outside any wave folder)."""
    from pipeline.ingest.documents import WAVE_FOLDER

    resolved = path.resolve()
    if resolved.is_relative_to(raw_dir.resolve()):
        return raw_dir.resolve()
    if WAVE_FOLDER.match(resolved.parent.name):
        return resolved.parent.parent
    return resolved.parent


def check_file(path: Path, raw_dir: Path):
    """The build's verdict on one file: a ParsedDocument (record or rejection)."""
    from pipeline.ingest.documents import EMPTY_SHA256, identified_ref
    from pipeline.ingest.limits import ParseLimits
    from pipeline.parse.workers import parse_file

    root = raw_root(path, raw_dir)
    ref = identified_ref(path.resolve().relative_to(root).as_posix(), EMPTY_SHA256, path.stat().st_size)
    return parse_file(root, ref, ParseLimits.from_env())  # read once, hashed, limited, parsed as in the build


def record_fields(record) -> dict:
    return {
        field.name: getattr(record, field.name)
        for field in dataclasses.fields(record)
        if field.name not in {"items", "policy_area_data", "benchmark_claims", "unparsed_lines", "line_fields"}
    }


def describe_record(record, layout_fields: tuple[str, ...] = ()) -> str:
    from pipeline.commands.formatting import shorten
    from pipeline.normalize.tables import parse_report

    lines = [f"  {name}: {shorten(value)}" for name, value in record_fields(record).items() if value not in (None, [])]
    dimensions: dict[str, list[str]] = {}
    for item in record.items:
        dimensions.setdefault(item.dimension, []).append(f"{item.label} [{item.code}]")
    lines += [f"  {dim}: {'; '.join(labels)}" for dim, labels in dimensions.items()]
    if record.policy_area_data:
        areas = "; ".join(f"{a.label} [{a.code}: {a.data_status}]" for a in record.policy_area_data)
        lines.append(f"  policy_area_data: {areas}")
    lines += [f"  claim: {c.comparator} {c.stated_text} -> {c.topic}={c.city_value}" for c in record.benchmark_claims]
    report = parse_report(record, layout_fields)
    lines.append(
        f"  report: {report['fields_found']} fields found, {report['fields_missing']} missing"
        f"{' (' + report['missing_fields'] + ')' if report['missing_fields'] else ''}, "
        f"{report['unparsed_line_count']} unparsed lines, {report['other_label_count']} labels coded other"
    )
    lines += [f"  unparsed line {u.line_number} [{u.section}]: {u.text} ({u.reason})" for u in record.unparsed_lines]
    return "\n".join(lines)


def verdict(path: Path, raw_dir: Path) -> dict:
    """One file's result as data: status ok / rejected / error, with the record's report or the reason."""
    from pipeline.normalize.tables import parse_report

    if not path.exists():
        return {"path": str(path), "status": "error", "error": "no such file"}
    if path.is_dir():
        return {"path": str(path), "status": "error", "error": "is a folder: give the documents inside it"}
    try:
        parsed = check_file(path, raw_dir)
    except OSError as error:
        return {"path": str(path), "status": "error", "error": error.strerror or str(error)}
    if parsed.rejection is not None or parsed.record is None:
        rejection = parsed.rejection
        return {
            "path": str(path),
            "status": "rejected",
            "reason": rejection.reason,
            "message": rejection.message,
            "line": rejection.line,
            "_parsed": parsed,
        }
    record = parsed.record
    return {
        "path": str(path),
        "status": "ok",
        "document_path": parsed.source.path,
        "city": record.city,
        "country": record.country,
        "survey_wave": parsed.source.survey_wave,
        "report": parse_report(record, parsed.layout_fields),
        "_parsed": parsed,
    }


def cmd_check(args: argparse.Namespace) -> int:
    raw_dir = Path(args.raw)
    results = [verdict(Path(name), raw_dir) for name in args.files]
    if args.format == "json":
        public = [{key: value for key, value in result.items() if not key.startswith("_")} for result in results]
        print(json.dumps(public, ensure_ascii=False, indent=2, default=str))
    for result in results if args.format == "text" else []:
        path = result["path"]
        if result["status"] == "error":
            print(f"{path}: ERROR {result['error']}", file=sys.stderr)
        elif result["status"] == "rejected":
            where = f" (line {result['line']})" if result["line"] else ""
            print(f"{path}: REJECTED {result['reason']}{where}: {result['message']}")
        else:
            print(f"{path}: OK {result['city']}, {result['country']}")
            print(describe_record(result["_parsed"].record, result["_parsed"].layout_fields))
    statuses = {result["status"] for result in results}
    return 2 if "error" in statuses else 1 if "rejected" in statuses else 0


def register(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser(
        "check",
        help="parse documents without building; non-zero exit if any would be rejected",
        description=__doc__.replace("``", "`"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="document(s) to check: .txt, .md or .pdf")
    check.add_argument(
        "--raw",
        default=DEFAULT_RAW_DIR,
        metavar="DIR",
        help="raw folder the files belong to, to read their wave folder as the build does (default: "
        "$CITYSNAP_RAW_DIR or raw/; a file elsewhere is read relative to its own folder)",
    )
    check.add_argument(
        "--format", choices=["text", "json"], default="text", help="text for people (default) or json for scripts"
    )
    check.set_defaults(handler=cmd_check)
