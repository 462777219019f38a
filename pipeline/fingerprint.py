"""Fingerprints of the code and data that decide a build's output, for caches and reuse.

Any change to a file they cover invalidates what was derived with the old version: the parse
cache (parser fingerprint) or the published rows an incremental build reuses (build fingerprint).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from pipeline.core import PARSER_VERSION

ROOT = Path(__file__).resolve().parents[1]
SUFFIXES = {".py", ".yaml", ".csv", ".sql"}


def files_fingerprint(folders: Iterable[Path], salt: str = "") -> str:
    """sha256 over the relative path and bytes of every code or data file below ``folders`` (or of a file
    named there)."""
    digest = hashlib.sha256(salt.encode())
    for folder in folders:
        found = [folder] if folder.is_file() else folder.rglob("*")
        for path in sorted(p for p in found if p.suffix in SUFFIXES and "__pycache__" not in p.parts):
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@cache
def parser_fingerprint() -> str:
    """What a document's bytes parse to depends on the ingest and parse code and the schema data."""
    return files_fingerprint(
        [ROOT / "pipeline" / "core.py", ROOT / "pipeline" / "ingest", ROOT / "pipeline" / "parse", ROOT / "schemas"],
        PARSER_VERSION,
    )


@cache
def build_fingerprint() -> str:
    """What the published tables hold depends on all of the pipeline's code and data."""
    return files_fingerprint([ROOT / "pipeline", ROOT / "schemas"], PARSER_VERSION)
