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
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.core import Document, Rejection
from pipeline.ingest.limits import ParseLimits

SUPPORTED_SUFFIXES = {".txt": "text", ".md": "markdown", ".pdf": "pdf"}
WAVE_FOLDER = re.compile(r"^(?:19|20)\d{2}$")
BINARY_SNIFF_BYTES = 8192
MAX_CONTROL_SHARE = 0.05
NOT_CONTROL_BYTES = bytes(byte for byte in range(256) if byte >= 32 or byte in (9, 10, 12, 13))
"""Every byte but the C0 controls a text has no business holding (tab, newlines and form feed are fine)."""


EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
"""The document id of an entry whose bytes were never read (a broken link, an unreadable folder)."""
TEMPORARY_PREFIXES = ("~$",)
"""Office lock files (``~$name.docx``) sit next to documents while they are open."""


@dataclass(frozen=True)
class FoundFile:
    """An entry under raw/ as discovery saw it, before its bytes are read."""

    relative: str
    """Its path under raw/ as stored in the tables; bytes of a name that are not UTF-8 appear as ``\\xNN``."""
    location: str
    """Where it is on disk, as the OS path string (a Path object per file costs more than its stat)."""
    rejection: Rejection | None = None
    """Decided by what the entry is (a broken link, a folder that cannot be listed...), not by its content."""

    @property
    def path(self) -> Path:
        return Path(self.location)


def display_name(name: str) -> str:
    """A file name as text that any table can hold: undecodable bytes as ``\\xNN``, and a backslash of
    the name doubled, so no two names show alike."""
    escaped = name.replace("\\", "\\\\")
    return escaped.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _symlink_rejection(root: Path, path: Path, relative: str) -> Rejection | None:
    """A link to a file inside raw/ is read like the file; anything else is recorded, never followed."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as error:
        why = "it points in a loop" if "loop" in str(error).lower() else f"its target {os.readlink(path)!r} is missing"
        return Rejection("broken_symlink", f"{relative} is a symbolic link that cannot be followed: {why}")
    if not target.is_relative_to(root):
        return Rejection(
            "symlink_outside_raw",
            f"{relative} links to {target}, outside raw/: links are not followed out of raw/; copy the file in",
        )
    if target.is_dir():
        return Rejection(
            "symlinked_folder", f"{relative} links to a folder; folders are not followed through links: move it in"
        )
    if not target.is_file():
        return Rejection("unreadable", f"{relative} links to {target}, which is not a regular file")
    return None


def discover(raw_dir: Path) -> list[FoundFile]:
    """Every entry under ``raw_dir`` that could be a document, in a stable order. Hidden entries (a
    leading dot) are skipped; everything else is found, and what cannot be read as a file (a broken or
    outside link, a folder that cannot be listed, an office lock file) carries its rejection."""
    root = raw_dir.resolve()
    found: list[FoundFile] = []

    def walk(folder: str, prefix: str) -> None:
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as error:
            label = prefix.rstrip("/") or "."
            found.append(
                FoundFile(label, folder, Rejection("unreadable", f"folder {label} cannot be listed: {error.strerror}"))
            )
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = entry.path
            relative = prefix + display_name(entry.name)
            if entry.is_symlink():
                found.append(FoundFile(relative, path, _symlink_rejection(root, Path(path), relative)))
            elif entry.is_dir(follow_symlinks=False):
                walk(path, relative + "/")
            elif not entry.is_file(follow_symlinks=False):
                found.append(FoundFile(relative, path, Rejection("unreadable", f"{relative} is not a regular file")))
            elif entry.name.startswith(TEMPORARY_PREFIXES):
                message = f"{relative} is an office lock file (~$...), written while a document is open: not a snapshot"
                found.append(FoundFile(relative, path, Rejection("temporary_file", message)))
            elif not entry.name.isascii() and any("\udc80" <= ch <= "\udcff" for ch in entry.name):
                message = f"the file name is not valid UTF-8 (shown as {relative}): rename it"
                found.append(FoundFile(relative, path, Rejection("invalid_file_name", message)))
            else:
                found.append(FoundFile(relative, path))

    walk(str(raw_dir), "")
    return found


def read_rejection(error: OSError, relative: str) -> Rejection:
    """Why a file found under raw/ could not be read."""
    if isinstance(error, FileNotFoundError):
        return Rejection("vanished", f"{relative} was removed while the build was running")
    return Rejection("unreadable", f"{relative} cannot be read: {error.strerror or error}")


def survey_wave(relative: str) -> int | Rejection:
    parts = relative.split("/")
    if len(parts) < 2:
        return Rejection(
            "no_wave_folder",
            f"{relative} is not inside a survey-wave folder; put it under raw/<year>/",
        )
    folder = parts[0]
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
    controls = len(sniff.translate(None, NOT_CONTROL_BYTES))  # deletes all but control bytes, in C
    if b"\x00" in sniff or controls > MAX_CONTROL_SHARE * len(sniff):
        return Rejection(
            "binary",
            f"binary content ({controls} control bytes in the first {len(sniff)}): not a text document",
        )
    if (nul := data.find(b"\x00", BINARY_SNIFF_BYTES)) >= 0:
        line = data.count(b"\n", 0, nul) + 1
        return Rejection("binary", f"a NUL byte at offset {nul} (line {line}): not a text document", line)
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


def document_ref(relative: str, data: bytes) -> Document:
    return identified_ref(relative, hashlib.sha256(data).hexdigest(), len(data))


def identified_ref(relative: str, document_id: str, size_bytes: int, rejection: Rejection | None = None) -> Document:
    suffix = os.path.splitext(relative)[1].lower()
    wave = survey_wave(relative)
    if rejection is None and isinstance(wave, Rejection):
        rejection = wave
    if rejection is None and suffix not in SUPPORTED_SUFFIXES:
        rejection = Rejection(
            "unsupported_format",
            f"{suffix or 'no extension'} files are not read; supported: " + ", ".join(sorted(SUPPORTED_SUFFIXES)),
        )
    return Document(
        document_id=document_id,
        path=relative,
        survey_wave=None if isinstance(wave, Rejection) else wave,
        size_bytes=size_bytes,
        source_format=SUPPORTED_SUFFIXES.get(suffix, suffix.lstrip(".") or "none"),
        rejection=rejection,
    )


FileStamp = tuple[int, int, int, int, str]
"""(size, mtime in ns, ctime in ns, inode, sha256) of a file as last hashed: any write, ``touch -r`` or
replacement changes the ctime or the inode, so a stale hash is never reused."""
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def inventory(
    raw_dir: Path, stamps: dict[str, FileStamp] | None = None, limits: ParseLimits | None = None
) -> list[Document]:
    """Every file under raw/ with its hash and wave, in a stable order. A file whose size and
    modification time match its stamp from the last run is not read again (as git's index does);
    ``stamps`` is updated in place with what this run saw. Files are hashed in chunks, so a huge file
    costs time in proportion to its size but no memory; a file over ``limits.max_bytes`` is not read at all,
    and one that cannot be read is a rejection."""
    limits = limits or ParseLimits()
    stamps = {} if stamps is None else stamps
    seen: dict[str, FileStamp] = {}
    refs = []
    for found in discover(raw_dir):
        if found.rejection is not None:
            refs.append(identified_ref(found.relative, EMPTY_SHA256, 0, found.rejection))
            continue
        try:
            stat = os.stat(found.location)
            if stat.st_size > limits.max_bytes:
                refs.append(
                    identified_ref(found.relative, EMPTY_SHA256, stat.st_size, size_rejection(stat.st_size, limits))
                )
                continue
            signature = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
            known = stamps.get(found.relative)
            if known is not None and known[:4] == signature:
                document_id = known[4]
            else:
                with open(found.location, "rb") as handle:
                    document_id = hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError as error:
            refs.append(identified_ref(found.relative, EMPTY_SHA256, 0, read_rejection(error, found.relative)))
            continue
        seen[found.relative] = (*signature, document_id)
        refs.append(identified_ref(found.relative, document_id, stat.st_size))
    stamps.clear()
    stamps.update(seen)
    return refs


def read_stamps(path: Path) -> dict[str, FileStamp]:
    """The stamps of the last run; anything that is not a well-formed stamp is ignored (the file is hashed)."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {
        name: (*stamp[:4], stamp[4])
        for name, stamp in loaded.items()
        if isinstance(stamp, list)
        and len(stamp) == 5
        and all(type(part) is int for part in stamp[:4])
        and isinstance(stamp[4], str)
        and SHA256_HEX.match(stamp[4])
    }


def write_stamps(path: Path, stamps: dict[str, FileStamp]) -> None:
    """Atomically, so a killed build leaves the previous stamps or the new ones, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(stamps, sort_keys=True), encoding="utf-8")
    os.replace(temporary, path)


def extract_text(
    data: bytes, source_format: str, limits: ParseLimits | None = None
) -> tuple[str, tuple[tuple[str, str], ...]] | Rejection:
    """The document's text (and, for a PDF, the grid statuses its colours show), or a rejection."""
    limits = limits or ParseLimits()
    if source_format == "pdf":
        from pipeline.ingest.pdf import PdfExtraction, read_pdf  # not for the inventory: 50 ms of imports

        extracted = read_pdf(data, max_pages=limits.max_pages)
        if isinstance(extracted, PdfExtraction):
            return extracted.text, tuple(extracted.policy_area_statuses.items())
        return extracted
    decoded = decode(data)
    return decoded if isinstance(decoded, Rejection) else (decoded, ())


def line_limit_rejection(text: str, limits: ParseLimits) -> Rejection | None:
    lines = text.count("\n") + 1
    if lines <= limits.max_lines:
        return None
    return Rejection(
        "too_large",
        f"{lines} lines of text; a snapshot has about a hundred, the limit is {limits.max_lines} (CITYSNAP_MAX_LINES)",
    )


def load_document(ref: Document, data: bytes, limits: ParseLimits | None = None) -> Document:
    limits = limits or ParseLimits()
    text: str | None = None
    statuses: tuple[tuple[str, str], ...] = ()
    rejection = ref.rejection
    if rejection is None and len(data) > limits.max_bytes:
        rejection = size_rejection(len(data), limits)
    if rejection is None:
        extracted = extract_text(data, ref.source_format, limits)
        if isinstance(extracted, Rejection):
            rejection = extracted
        elif (too_long := line_limit_rejection(extracted[0], limits)) is not None:
            rejection = too_long
        else:
            text, statuses = extracted
    return replace(ref, text=text, rejection=rejection, policy_area_statuses=statuses)


def size_rejection(size: int, limits: ParseLimits) -> Rejection:
    return Rejection(
        "too_large",
        f"{size:,} bytes; a snapshot is a few kB of text or a few MB of PDF, the limit is {limits.max_bytes:,} "
        "(CITYSNAP_MAX_BYTES)",
    )


def read_bounded(path: Path, relative: str, limits: ParseLimits) -> bytes | Rejection:
    """The file's bytes, read once, or why not: more than ``limits.max_bytes`` is never read whole."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limits.max_bytes + 1)
            if len(data) > limits.max_bytes:
                return size_rejection(os.fstat(handle.fileno()).st_size, limits)
    except OSError as error:
        return read_rejection(error, relative)
    return data


def read_document(raw_dir: Path, path: Path) -> Document:
    data = path.read_bytes()
    return load_document(document_ref(path.relative_to(raw_dir).as_posix(), data), data)


def read_documents(raw_dir: Path) -> list[Document]:
    return [read_document(raw_dir, found.path) for found in discover(raw_dir) if found.rejection is None]
