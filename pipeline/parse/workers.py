"""Parse documents in worker processes, each document with bounded time and memory.

A document is read once, hashed and parsed in a worker (the bytes hashed are the bytes parsed). The
worker limits its own address space (``RLIMIT_AS``), so a decompression bomb raises MemoryError there
and is rejected as ``too_much_memory``; the parent kills a worker that overruns its time and rejects the
document as ``too_slow``; a worker that dies any other way is replaced and its document rejected. The
build goes on with the rest. Workers are started by a fork server (no fork of a threaded Dagster
process) and run side by side, one per core by default.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path

from pipeline.core import UNCACHEABLE_REASONS, Rejection
from pipeline.ingest.documents import DocumentRef, load_document, read_bounded
from pipeline.ingest.limits import MiB, ParseLimits
from pipeline.parse.cache import CachedParse, ParseCache
from pipeline.parse.source import ParsedDocument, parse_source


def parse_file(raw_dir: Path, ref: DocumentRef, limits: ParseLimits) -> ParsedDocument:
    """Read the file once, hash those bytes and parse them. A file changed since the inventory is
    parsed as it is now, under the hash of what was read, so provenance names the bytes parsed."""
    data = read_bounded(raw_dir / ref.path, ref.path, limits)
    if isinstance(data, Rejection):
        return ParsedDocument(ref, None, data)
    document_id = hashlib.sha256(data).hexdigest()
    if document_id != ref.document_id:
        ref = replace(ref, document_id=document_id, size_bytes=len(data))
    parsed = parse_source(load_document(ref, data, limits))
    return replace(parsed, source=ref)


def _memory_rejection(limits: ParseLimits) -> Rejection:
    return Rejection(
        "too_much_memory",
        f"parsing needed more than {limits.memory_bytes // MiB} MiB (CITYSNAP_PARSE_MEMORY_MB): "
        "a snapshot needs a few MB; the file is likely a decompression bomb or damaged",
    )


def _worker(connection: Connection, raw_dir: str, limits: ParseLimits) -> None:
    """Serve parse requests until the parent closes the pipe. After a MemoryError the worker exits, so
    no later document runs in a process left in an unknown state."""
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    while True:
        try:
            ref = connection.recv()
        except (EOFError, OSError):
            return
        try:
            result = parse_file(Path(raw_dir), ref, limits)
        except MemoryError:
            connection.send((ParsedDocument(ref, None, _memory_rejection(limits)), False))
            return
        except Exception as error:  # extraction bugs: the document is rejected, the worker goes on
            message = f"reading failed: {type(error).__name__}: {error}"
            result = ParsedDocument(ref, None, Rejection("parser_error", message))
        connection.send((result, True))


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    connection: Connection
    task: int | None = None
    deadline: float = 0.0


class ParsePool:
    """A fixed number of parse workers; :meth:`parse` returns results in the order of its input."""

    def __init__(self, raw_dir: Path, limits: ParseLimits) -> None:
        self.raw_dir = raw_dir
        self.limits = limits
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(["pipeline.parse.workers"])
        self.workers: list[_Worker] = []
        self.killed = 0

    def _start(self) -> _Worker:
        parent, child = self.context.Pipe()
        process = self.context.Process(
            target=_worker, args=(child, str(self.raw_dir), self.limits), name="citysnap-parse", daemon=True
        )
        process.start()
        child.close()
        return _Worker(process, parent)

    def _retire(self, worker: _Worker) -> None:
        worker.connection.close()
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join()
        self.workers.remove(worker)

    def parse(self, refs: Sequence[DocumentRef]) -> list[ParsedDocument]:
        results: list[ParsedDocument | None] = [None] * len(refs)
        pending = list(range(len(refs)))[::-1]
        wanted = min(self.limits.worker_count, len(refs))
        while len(self.workers) < wanted:
            self.workers.append(self._start())
        while pending or any(worker.task is not None for worker in self.workers):
            for worker in list(self.workers):
                if worker.task is None and pending:
                    worker.task = pending.pop()
                    worker.deadline = time.monotonic() + self.limits.seconds
                    worker.connection.send(refs[worker.task])
            busy = [worker for worker in self.workers if worker.task is not None]
            timeout = max(0.0, min(worker.deadline for worker in busy) - time.monotonic())
            ready = set(wait([worker.connection for worker in busy], timeout=timeout))
            for worker in busy:
                task = worker.task
                assert task is not None
                if worker.connection in ready:
                    try:
                        results[task], reusable = worker.connection.recv()
                    except (EOFError, OSError):
                        results[task], reusable = ParsedDocument(refs[task], None, self._death_rejection(worker)), False
                elif time.monotonic() >= worker.deadline:
                    self.killed += 1
                    results[task], reusable = ParsedDocument(refs[task], None, self._timeout_rejection()), False
                else:
                    continue
                worker.task = None
                if not reusable:
                    self._retire(worker)
                    if pending:
                        self.workers.append(self._start())
        return [result for result in results if result is not None]

    def _timeout_rejection(self) -> Rejection:
        return Rejection(
            "too_slow",
            f"reading and parsing took longer than {self.limits.seconds:g} s (CITYSNAP_PARSE_SECONDS); a snapshot "
            "takes milliseconds: the file is likely hostile or damaged (stopped, the build went on)",
        )

    def _death_rejection(self, worker: _Worker) -> Rejection:
        worker.process.join(timeout=5)
        code = worker.process.exitcode
        if code is not None and code < 0 and -code == 9:
            return _memory_rejection(self.limits)
        return Rejection(
            "worker_died",
            f"the parse worker died (exit code {code}) while reading this document; it is retried next build",
        )

    def close(self) -> None:
        for worker in list(self.workers):
            self._retire(worker)

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def parse_documents(
    raw_dir: Path, refs: Sequence[DocumentRef], cache: ParseCache | None = None, limits: ParseLimits | None = None
) -> list[ParsedDocument]:
    """Parse documents found by the inventory, in input order: a rejection decided by the path needs no
    reading, content already parsed by this parser (same bytes, same format) comes from the cache, and
    the rest is parsed in worker processes. Results that depend on limits or the file system are not cached."""
    results: list[ParsedDocument | None] = [None] * len(refs)
    misses: list[int] = []
    for index, ref in enumerate(refs):
        if ref.rejection is not None:
            results[index] = ParsedDocument(ref, None, ref.rejection)
        elif cache is not None and (cached := cache.get(ref.document_id, ref.source_format)) is not None:
            results[index] = ParsedDocument(
                ref, cached.record, cached.rejection, cached.layout_fields, cached.line_count
            )
        else:
            misses.append(index)
    parsed = parse_in_workers(raw_dir, [refs[index] for index in misses], limits)
    for index, document in zip(misses, parsed, strict=True):
        results[index] = document
        cacheable = document.rejection is None or document.rejection.reason not in UNCACHEABLE_REASONS
        if cache is not None and cacheable:
            entry = CachedParse(document.record, document.rejection, document.layout_fields, document.line_count)
            cache.put(document.source.document_id, document.source.source_format, entry)
    return [result for result in results if result is not None]


def parse_in_workers(
    raw_dir: Path, refs: Sequence[DocumentRef], limits: ParseLimits | None = None
) -> list[ParsedDocument]:
    """Parse ``refs`` in worker processes with ``limits`` (from the environment by default)."""
    if not refs:
        return []
    with ParsePool(raw_dir, limits or ParseLimits.from_env()) as pool:
        return pool.parse(refs)
