"""Find documents under ``raw/``, identify them by content hash, and decode them safely.

A document's survey wave is the name of its folder (``raw/2020/stockholm.txt``). Anything that
cannot be read as a snapshot (empty, binary, not UTF-8, cut off, no wave folder, a PDF without a
text layer or with a password) becomes a :class:`Rejection` with a specific reason instead of an
exception. PDFs are turned into text (and grid colours) by :mod:`pipeline.ingest.pdf`.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.core import Rejection
from pipeline.ingest.pdf import PdfExtraction, read_pdf

SUPPORTED_SUFFIXES = {".txt": "text", ".md": "markdown", ".pdf": "pdf"}
WAVE_FOLDER = re.compile(r"^(?:19|20)\d{2}$")
BINARY_SNIFF_BYTES = 8192
MAX_CONTROL_SHARE = 0.05


@dataclass(frozen=True)
class SourceDocument:
    """One file under raw/: its identity, and its text or the reason it cannot be read."""

    document_id: str
    path: str
    survey_wave: int | None
    size_bytes: int
    source_format: str
    text: str | None
    rejection: Rejection | None
    policy_area_statuses: tuple[tuple[str, str], ...] = ()
    """(grid cell label, data status) read from a PDF's colours; empty for text documents."""


def discover(raw_dir: Path) -> list[Path]:
    """Every visible file under ``raw_dir``, in a stable order."""
    return sorted(
        path
        for path in raw_dir.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(raw_dir).parts)
    )


def survey_wave(relative: Path) -> int | Rejection:
    if len(relative.parts) < 2:
        return Rejection(
            "no_wave_folder",
            f"{relative.as_posix()} is not inside a survey-wave folder; put it under raw/<year>/",
        )
    folder = relative.parts[0]
    if not WAVE_FOLDER.match(folder):
        return Rejection(
            "invalid_wave_folder",
            f"folder {folder!r} is not a survey wave year (expected e.g. raw/2018/ or raw/2020/)",
        )
    return int(folder)


def decode(data: bytes) -> str | Rejection:
    """UTF-8 (with or without BOM) or BOM-marked UTF-16; anything else is rejected, not guessed."""
    if not data.strip():
        return Rejection("empty", "the file is empty or contains only whitespace")
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as error:
                return Rejection("invalid_encoding", f"UTF-16 file with invalid bytes: {error.reason}")
    sniff = data[:BINARY_SNIFF_BYTES]
    controls = sum(1 for byte in sniff if byte < 32 and byte not in (9, 10, 12, 13))
    if b"\x00" in sniff or controls > MAX_CONTROL_SHARE * len(sniff):
        return Rejection(
            "binary",
            f"binary content ({controls} control bytes in the first {len(sniff)}): not a text document",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        if error.reason == "unexpected end of data" and error.end >= len(data):
            return Rejection(
                "truncated",
                "the file ends inside a multi-byte UTF-8 character: it was cut off",
                line,
            )
        hint = ""
        try:
            data.decode("cp1252")
            hint = "; it looks like Latin-1/Windows-1252: re-save it as UTF-8"
        except UnicodeDecodeError:
            pass
        return Rejection(
            "invalid_encoding",
            f"not valid UTF-8: byte 0x{data[error.start]:02X} at offset {error.start} (line {line}){hint}",
            line,
        )


@dataclass(frozen=True)
class DocumentRef:
    """A file under raw/ identified by its content hash, before it is decoded: enough to tell
    whether it changed since the last build without extracting its text."""

    document_id: str
    path: str
    survey_wave: int | None
    size_bytes: int
    source_format: str
    rejection: Rejection | None


def document_ref(raw_dir: Path, path: Path, data: bytes) -> DocumentRef:
    return identified_ref(raw_dir, path, hashlib.sha256(data).hexdigest(), len(data))


def identified_ref(raw_dir: Path, path: Path, document_id: str, size_bytes: int) -> DocumentRef:
    relative = path.relative_to(raw_dir)
    suffix = path.suffix.lower()
    wave = survey_wave(relative)
    rejection: Rejection | None = wave if isinstance(wave, Rejection) else None
    if rejection is None and suffix not in SUPPORTED_SUFFIXES:
        rejection = Rejection(
            "unsupported_format",
            f"{suffix or 'no extension'} files are not read; supported: " + ", ".join(sorted(SUPPORTED_SUFFIXES)),
        )
    return DocumentRef(
        document_id=document_id,
        path=relative.as_posix(),
        survey_wave=None if isinstance(wave, Rejection) else wave,
        size_bytes=size_bytes,
        source_format=SUPPORTED_SUFFIXES.get(suffix, suffix.lstrip(".") or "none"),
        rejection=rejection,
    )


FileStamp = tuple[int, int, str]
"""(size, mtime in ns, sha256) of a file as last hashed."""


def inventory(raw_dir: Path, stamps: dict[str, FileStamp] | None = None) -> list[DocumentRef]:
    """Every file under raw/ with its hash and wave, in a stable order. A file whose size and
    modification time match its stamp from the last run is not read again (as git's index does);
    ``stamps`` is updated in place with what this run saw."""
    stamps = {} if stamps is None else stamps
    seen: dict[str, FileStamp] = {}
    refs = []
    for path in discover(raw_dir):
        relative = path.relative_to(raw_dir).as_posix()
        stat = path.stat()
        known = stamps.get(relative)
        if known is not None and tuple(known[:2]) == (stat.st_size, stat.st_mtime_ns):
            document_id = known[2]
        else:
            document_id = hashlib.sha256(path.read_bytes()).hexdigest()
        seen[relative] = (stat.st_size, stat.st_mtime_ns, document_id)
        refs.append(identified_ref(raw_dir, path, document_id, stat.st_size))
    stamps.clear()
    stamps.update(seen)
    return refs


def read_stamps(path: Path) -> dict[str, FileStamp]:
    try:
        return {name: tuple(stamp) for name, stamp in json.loads(path.read_text(encoding="utf-8")).items()}
    except (OSError, ValueError, TypeError):
        return {}


def write_stamps(path: Path, stamps: dict[str, FileStamp]) -> None:
    """Atomically, so a killed build leaves the previous stamps or the new ones, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(stamps, sort_keys=True), encoding="utf-8")
    os.replace(temporary, path)


def extract_text(data: bytes, source_format: str) -> tuple[str, tuple[tuple[str, str], ...]] | Rejection:
    """The document's text (and, for a PDF, the grid statuses its colours show), or a rejection."""
    if source_format == "pdf":
        extracted = read_pdf(data)
        if isinstance(extracted, PdfExtraction):
            return extracted.text, tuple(extracted.policy_area_statuses.items())
        return extracted
    decoded = decode(data)
    return decoded if isinstance(decoded, Rejection) else (decoded, ())


def load_document(ref: DocumentRef, data: bytes) -> SourceDocument:
    text: str | None = None
    statuses: tuple[tuple[str, str], ...] = ()
    rejection = ref.rejection
    if rejection is None:
        extracted = extract_text(data, ref.source_format)
        if isinstance(extracted, Rejection):
            rejection = extracted
        else:
            text, statuses = extracted
    return SourceDocument(
        document_id=ref.document_id,
        path=ref.path,
        survey_wave=ref.survey_wave,
        size_bytes=ref.size_bytes,
        source_format=ref.source_format,
        text=text,
        rejection=rejection,
        policy_area_statuses=statuses,
    )


def read_document(raw_dir: Path, path: Path) -> SourceDocument:
    data = path.read_bytes()
    return load_document(document_ref(raw_dir, path, data), data)


def read_documents(raw_dir: Path) -> list[SourceDocument]:
    return [read_document(raw_dir, path) for path in discover(raw_dir)]
