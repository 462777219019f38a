"""Parse results cached by document content hash, so unchanged documents are never re-parsed.

The cache key includes a fingerprint of everything that decides what a document parses to (the
parser's code, the template, the vocabularies, the country list): change any of them and every
document is parsed again.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path

from pipeline.core import Rejection
from pipeline.fingerprint import parser_fingerprint
from pipeline.parse.record import SnapshotRecord


@dataclass(frozen=True)
class CachedParse:
    """What a document's bytes parse to, independent of where the file sits."""

    record: SnapshotRecord | None
    rejection: Rejection | None
    layout_fields: tuple[str, ...]
    line_count: int | None


class ParseCache:
    """One pickle per document under ``<directory>/<fingerprint>/<id[:2]>/<id>.pickle``."""

    def __init__(self, directory: Path, fingerprint: str | None = None) -> None:
        self.root = directory / (fingerprint or parser_fingerprint())[:16]
        self.hits = 0
        self.misses = 0

    def _path(self, document_id: str) -> Path:
        return self.root / document_id[:2] / f"{document_id}.pickle"

    def get(self, document_id: str) -> CachedParse | None:
        try:
            with self._path(document_id).open("rb") as handle:
                result = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            self.misses += 1
            return None
        self.hits += 1
        return result

    def put(self, document_id: str, result: CachedParse) -> None:
        """Write atomically: a killed build leaves no half-written entry behind."""
        path = self._path(document_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)

    def prune(self, keep: set[str]) -> int:
        """Drop entries of documents no longer present, and caches of older parser versions."""
        removed = 0
        if self.root.parent.exists():
            for stale_root in self.root.parent.iterdir():
                if stale_root != self.root and stale_root.is_dir():
                    removed += sum(1 for _ in stale_root.rglob("*.pickle"))
                    _remove_tree(stale_root)
        if self.root.exists():
            for path in self.root.rglob("*.pickle"):
                if path.stem not in keep:
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed


def _remove_tree(root: Path) -> None:
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink(missing_ok=True)
    root.rmdir()
