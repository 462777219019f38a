"""One build at a time per warehouse: an advisory file lock that the OS releases if the build dies."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = ".build.lock"
_HELD: set[Path] = set()
"""Warehouses whose lock this process holds: a publish step inside a locked CLI build re-enters."""


class BuildInProgress(RuntimeError):
    """Another build holds the warehouse."""


@contextmanager
def build_lock(warehouse_dir: Path, wait: bool = False, timeout: float | None = None) -> Iterator[None]:
    """Hold the warehouse's build lock. Without ``wait``, fail at once with who holds it;
    with ``wait``, block (up to ``timeout`` seconds) until the other build finishes."""
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    path = (warehouse_dir / LOCK_FILE).resolve()
    if path in _HELD:
        yield
        return
    handle = path.open("a+")
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait or (deadline is not None and time.monotonic() > deadline):
                    handle.seek(0)
                    holder = handle.read().strip() or "unknown"
                    raise BuildInProgress(
                        f"another build is writing {warehouse_dir} ({holder}); wait for it to finish or use --wait"
                    ) from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
        handle.flush()
        _HELD.add(path)
        yield
    finally:
        _HELD.discard(path)
        handle.close()
