"""Parse an ingested document: the bridge between the ingest and parse stages."""

from dataclasses import dataclass, replace

from pipeline.core import Document, Rejection
from pipeline.parse.document import parse_text
from pipeline.parse.record import SnapshotRecord
from schemas.vocabulary import label_key

DATA_STATUS_FIELD = "policy_area_data.data_status"


@dataclass(frozen=True)
class ParsedDocument:
    """A source document with the record parsed from it, or the reason it was rejected."""

    source: Document
    record: SnapshotRecord | None
    rejection: Rejection | None
    layout_fields: tuple[str, ...] = ()
    """Fields set from the page layout (a PDF's colours) rather than from the text."""
    line_count: int | None = None
    """Lines of the decoded text (None when the file could not be decoded)."""


def parse_source(source: Document) -> ParsedDocument:
    """Parse one ingested document. A parser bug becomes a rejection naming it, never a crashed run."""
    if source.rejection is not None:
        return ParsedDocument(source, None, source.rejection)
    if source.text is None:
        raise ValueError(f"{source.path} has no text: load_document() reads a document before it is parsed")
    line_count = source.text.count("\n") + 1
    try:
        result = parse_text(source.text)
    except Exception as error:
        return ParsedDocument(
            source,
            None,
            Rejection("parser_error", f"parser failed: {type(error).__name__}: {error}"),
            line_count=line_count,
        )
    if result.record is None or not source.policy_area_statuses:
        return ParsedDocument(source, result.record, result.rejection, line_count=line_count)
    record = with_policy_area_statuses(result.record, source.policy_area_statuses)
    coloured = any(area.data_status != "unknown" for area in record.policy_area_data)
    return ParsedDocument(source, record, result.rejection, (DATA_STATUS_FIELD,) if coloured else (), line_count)


def with_policy_area_statuses(record: SnapshotRecord, statuses: tuple[tuple[str, str], ...]) -> SnapshotRecord:
    """A copy of the record whose grid cells carry the status of the colour the PDF showed them in,
    matching labels loosely (case, punctuation, accents). A cell the PDF did not colour keeps
    'unknown'. The parser's record is left as it was (it may be cached)."""
    by_key = {label_key(label): status for label, status in statuses}
    areas = [
        replace(area, data_status=by_key[label_key(area.label)]) if label_key(area.label) in by_key else area
        for area in record.policy_area_data
    ]
    return replace(record, policy_area_data=areas)
