"""Shared types at the bottom of the stages: every stage and the pandera models import from here,
and this module imports nothing of the project, so imports point one way (down) without cycles."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

PARSER_VERSION = "1.1.0"
"""Bump when parsing changes what a document yields, so cached or published rows can be told apart."""


class RejectionReason(StrEnum):
    """Every reason a document is not loaded: the one list the code, the models and the docs use."""

    EMPTY = "empty"
    BINARY = "binary"
    INVALID_ENCODING = "invalid_encoding"
    TRUNCATED = "truncated"
    NO_WAVE_FOLDER = "no_wave_folder"
    INVALID_WAVE_FOLDER = "invalid_wave_folder"
    UNSUPPORTED_FORMAT = "unsupported_format"
    NO_SNAPSHOT_HEADER = "no_snapshot_header"
    NO_COUNTRY_IN_HEADER = "no_country_in_header"
    NO_SECTIONS = "no_sections"
    DUPLICATE_SNAPSHOT = "duplicate_snapshot"
    VALIDATION_FAILED = "validation_failed"
    PARSER_ERROR = "parser_error"
    PDF_ENCRYPTED = "pdf_encrypted"
    PDF_NEEDS_OCR = "pdf_needs_ocr"
    PDF_CORRUPT = "pdf_corrupt"
    TOO_LARGE = "too_large"
    TOO_SLOW = "too_slow"
    TOO_MUCH_MEMORY = "too_much_memory"
    UNREADABLE = "unreadable"
    VANISHED = "vanished"
    INVALID_FILE_NAME = "invalid_file_name"
    SYMLINK_OUTSIDE_RAW = "symlink_outside_raw"
    BROKEN_SYMLINK = "broken_symlink"
    SYMLINKED_FOLDER = "symlinked_folder"
    TEMPORARY_FILE = "temporary_file"
    WORKER_DIED = "worker_died"


UNCACHEABLE_REASONS = frozenset(
    {
        RejectionReason.TOO_LARGE,
        RejectionReason.TOO_SLOW,
        RejectionReason.TOO_MUCH_MEMORY,
        RejectionReason.UNREADABLE,
        RejectionReason.VANISHED,
        RejectionReason.WORKER_DIED,
    }
)
"""Rejections that depend on the configured limits, the machine or the file system, not on the bytes
alone: never cached, so the next build tries again."""


REJECTION_REASONS = [reason.value for reason in RejectionReason]


@dataclass(frozen=True)
class Rejection:
    """Why a document cannot be loaded: a stable code for machines and a message for people."""

    reason: str
    message: str
    line: int | None = None


@dataclass(frozen=True)
class Document:
    """One file under raw/, the one document type every stage passes on: its identity (the sha256 of the
    bytes read, its path under raw/, wave, size and format), its text once read and decoded, and why it
    cannot be loaded when it cannot. Before reading, ``text`` is None: the inventory and the plan pass
    documents on without their text, so whether a file changed is known without decoding it."""

    document_id: str
    path: str
    survey_wave: int | None
    size_bytes: int
    source_format: str
    text: str | None = None
    rejection: Rejection | None = None
    policy_area_statuses: tuple[tuple[str, str], ...] = ()
    """(grid cell label, data status) read from a PDF's colours; empty for text documents."""
