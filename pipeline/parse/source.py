"""Parse an ingested document: the bridge between the ingest and parse stages."""

from dataclasses import dataclass

from pipeline.ingest.documents import SourceDocument
from pipeline.parse.document import parse_text
from pipeline.parse.record import Rejection, SnapshotRecord


@dataclass(frozen=True)
class ParsedDocument:
    """A source document with the record parsed from it, or the reason it was rejected."""

    source: SourceDocument
    record: SnapshotRecord | None
    rejection: Rejection | None


def parse_source(source: SourceDocument) -> ParsedDocument:
    """Parse one ingested document. A parser bug becomes a rejection naming it, never a crashed run."""
    if source.rejection is not None or source.text is None:
        return ParsedDocument(source, None, source.rejection)
    try:
        result = parse_text(source.text)
    except Exception as error:
        return ParsedDocument(
            source,
            None,
            Rejection("parser_error", f"parser failed: {type(error).__name__}: {error}"),
        )
    return ParsedDocument(source, result.record, result.rejection)
