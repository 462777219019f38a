"""Bounds on the work one document may cost, so a hostile or broken file is rejected, never a hung build.

A real snapshot is a few kB of text or a few PDF pages and parses in milliseconds. Each limit can be
changed with an environment variable (read when a build starts); the defaults leave room of two to three
orders of magnitude above any real document.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

MiB = 1024 * 1024


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a number") from None
    if number <= 0:
        raise ValueError(f"{name}={value!r} must be positive")
    return number


@dataclass(frozen=True)
class ParseLimits:
    """Per-document limits, enforced in the parse worker processes."""

    max_bytes: int = 20 * MiB
    """File size (CITYSNAP_MAX_BYTES): larger files are not read (``too_large``)."""
    max_lines: int = 20_000
    """Lines of extracted text (CITYSNAP_MAX_LINES): a snapshot has about a hundred (``too_large``)."""
    max_pages: int = 50
    """PDF pages (CITYSNAP_MAX_PAGES): a snapshot has a few (``too_large``)."""
    seconds: float = 30.0
    """Wall time to read, extract and parse one document (CITYSNAP_PARSE_SECONDS; ``too_slow``)."""
    memory_bytes: int = 2048 * MiB
    """Address space of a parse worker (CITYSNAP_PARSE_MEMORY_MB, in MiB; ``too_much_memory``)."""
    workers: int = 0
    """Parse worker processes (CITYSNAP_PARSE_WORKERS); 0 means one per CPU core."""

    @classmethod
    def from_env(cls) -> ParseLimits:
        defaults = cls()
        return cls(
            max_bytes=int(_env_number("CITYSNAP_MAX_BYTES", defaults.max_bytes)),
            max_lines=int(_env_number("CITYSNAP_MAX_LINES", defaults.max_lines)),
            max_pages=int(_env_number("CITYSNAP_MAX_PAGES", defaults.max_pages)),
            seconds=_env_number("CITYSNAP_PARSE_SECONDS", defaults.seconds),
            memory_bytes=int(_env_number("CITYSNAP_PARSE_MEMORY_MB", defaults.memory_bytes / MiB) * MiB),
            workers=int(os.environ.get("CITYSNAP_PARSE_WORKERS", "0") or 0),
        )

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)
