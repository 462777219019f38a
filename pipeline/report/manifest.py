"""The report's manifest: which inputs each city page was rendered from, and the hash of its file.

A rebuild carries a page over from the previous report only when its inputs' digest is unchanged, the
renderer (the report's code, the vocabularies and the synthetic notice) is the same, and the previous file
still hashes to what the manifest says. Anything else (a missing, edited or truncated page, a damaged or
foreign manifest) is rendered again: the previous report is checked before it is trusted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

MANIFEST_FILE = ".manifest"
FORMAT = 1
_PROJECT = Path(__file__).resolve().parents[2]
RENDERER_SOURCES = (
    "pipeline/report/*.py",
    "pipeline/synthetic.py",
    "schemas/measures.py",
    "schemas/measures.yaml",
    "schemas/vocabularies/*",
)
"""What a page's bytes depend on besides its inputs: a change to any of these renders every page again."""


def renderer_fingerprint(notice: str | None) -> str:
    digest = hashlib.sha256(f"format {FORMAT}\nnotice {notice!r}\n".encode())
    for pattern in RENDERER_SOURCES:
        for path in sorted(_PROJECT.glob(pattern)):
            if path.is_file():
                digest.update(f"{path.relative_to(_PROJECT)}\n".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Manifest:
    renderer: str
    pages: dict[str, tuple[str, str]]
    """page (path under the report) -> (digest of its inputs, sha256 of its file)."""

    def text(self) -> str:
        """A header line, then one line per page: ``<inputs digest> <sha256> <page>``, by page."""
        lines = [f"citysnap-report-manifest {FORMAT} {self.renderer}"]
        lines += [f"{inputs} {sha} {name}" for name, (inputs, sha) in sorted(self.pages.items())]
        return "\n".join(lines) + "\n"


def read_manifest(report_dir: Path, renderer: str) -> Manifest | None:
    """The previous report's manifest if it is whole and was written by this renderer, else None (render all)."""
    try:
        text = (report_dir / MANIFEST_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    lines = text.split("\n")
    if lines[0] != f"citysnap-report-manifest {FORMAT} {renderer}" or lines[-1] != "":
        return None
    pages = {}
    for line in lines[1:-1]:
        fields = line.split(" ")
        if len(fields) != 3 or len(fields[1]) != 64 or not fields[2].startswith("cities/"):
            return None
        pages[fields[2]] = (fields[0], fields[1])
    return Manifest(renderer, pages)


def trusted_page(report_dir: str, previous: Manifest | None, name: str, inputs: str) -> str | None:
    """The file hash of the previous report's ``name`` if it can be carried over (same inputs, file intact)."""
    if previous is None:
        return None
    entry = previous.pages.get(name)
    if entry is None or entry[0] != inputs:
        return None
    try:
        with open(f"{report_dir}/{name}", "rb") as file:
            data = file.read()
    except OSError:
        return None
    return entry[1] if file_hash(data) == entry[1] else None
