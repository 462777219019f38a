"""Parse documents in worker processes, each document with bounded time and memory.

A document is read once, hashed and parsed in a worker (the bytes hashed are the bytes parsed). The
worker limits its own address space (``RLIMIT_AS``), so a decompression bomb raises MemoryError there
and is rejected as ``too_much_memory``; the parent kills a worker that overruns its time and rejects the
document as ``too_slow``; a worker that dies any other way is replaced and its document rejected. The
build goes on with the rest. Workers are started by a fork server (no fork of a threaded Dagster
process) and run side by side, one per core by default.

Workers also look documents up in the parse cache and fill it, so cache hits decode on every core.
With a *sink* (:meth:`ParsePool.parse_into`), a worker keeps what it parsed and, once it holds a
chunk, hands the chunk to the sink in its own process: rows are built, validated and written as
Parquet fragments on every core, and only small summaries cross the pipe. The sink is passed by
reference (a module-level function), so this module imports nothing of the later stages.
"""

from __future__ import annotations

import hashlib
import importlib
import multiprocessing
import os
import resource
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from multiprocessing import forkserver
from multiprocessing.connection import Connection, wait
from pathlib import Path

from pipeline.core import UNCACHEABLE_REASONS, Document, Rejection
from pipeline.ingest.documents import load_document, read_bounded
from pipeline.ingest.limits import MiB, ParseLimits
from pipeline.ingest.pdf import READER_MODULES
from pipeline.parse.cache import CachedParse, ParseCache
from pipeline.parse.source import ParsedDocument, parse_source


def parse_file(raw_dir: Path, ref: Document, limits: ParseLimits) -> ParsedDocument:
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


WORKER_START_SECONDS = 300.0
"""Time a new worker may take to start (the fork server's first imports, on a loaded machine); it does
not count against the first document's time limit."""
PIPELINE_DEPTH = 4
"""Parse requests queued in a worker at once: it goes from one document to the next without waiting for
the parent, whose answers are late when the cores are busy. Each document's time limit still starts
when its worker starts on it, and the ones queued behind a document that fails go to another worker."""
REST_JOINS_UNDER = 1.5
"""A worker whose chunk is full keeps parsing when its share of the documents left (estimated from the
lines per document so far) would keep the chunk under this many chunks' lines: each chunk pays the
pandera models' fixed price (about 0.1 s), and a full chunk followed by a sliver paid it twice."""
Sink = Callable[[list[ParsedDocument], str, str], dict]
"""``sink(documents, folder, name)`` writes a chunk's rows under ``folder`` (file stem ``name``) and
returns a small, picklable summary; it runs in the worker process."""


def _parsed_or_cached(
    raw_dir: Path, ref: Document, limits: ParseLimits, cache: ParseCache | None, stored: bool = True
) -> tuple:
    """(document, cache hit) for one request: the cached parse of the file's bytes when there is one
    (hit is None when the cache was not asked: no cache, or a rejection decided by the path). ``stored``
    False says the cache held no entry of the document when the parse began: it is parsed without a
    lookup (a miss costs a query, 0.1 ms), and the entry is written as after any miss."""
    if ref.rejection is not None:
        return ParsedDocument(ref, None, ref.rejection), None
    if cache is not None and stored and (cached := cache.get(ref.document_id, ref.source_format)) is not None:
        return ParsedDocument(ref, cached.record, cached.rejection, cached.layout_fields, cached.line_count), True
    document = parse_file(raw_dir, ref, limits)
    cacheable = document.rejection is None or document.rejection.reason not in UNCACHEABLE_REASONS
    if cache is not None and cacheable:
        entry = CachedParse(document.record, document.rejection, document.layout_fields, document.line_count)
        cache.put(document.source.document_id, document.source.source_format, entry)
    return document, None if cache is None else False


def _worker(
    connection: Connection, raw_dir: str, limits: ParseLimits, cache_root: tuple[str, str] | None, sink: Sink | None
) -> None:
    """Serve requests until the parent closes the pipe: ``("parse", ref, stored)`` answers with the document
    (or, with a sink, keeps it and answers with its size); ``("flush", folder, name)`` hands the kept
    documents to the sink. After a MemoryError the worker exits, so no later document runs in a
    process left in an unknown state."""
    for module in READER_MODULES:  # loaded before the limit (the fork server usually has them already)
        importlib.import_module(module)
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    cache = ParseCache(Path(cache_root[0]), cache_root[1]) if cache_root else None
    held: list[ParsedDocument] = []
    connection.send(("ready", None, True))  # a document's time starts once its worker is up
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        if request[0] == "flush":
            if cache is not None:
                cache.commit()  # the chunk's cache entries, in one transaction
            try:
                summary = sink(held, request[1], request[2]) if sink else {}
            except MemoryError:
                return  # the parent re-queues the chunk's documents one by one
            except Exception as error:  # a bug of the sink, not of a document: the step fails
                connection.send(("error", f"{type(error).__name__}: {error}", True))
                continue
            held = []
            connection.send(("flushed", summary, True))
            continue
        ref = request[1]
        try:
            document, hit = _parsed_or_cached(Path(raw_dir), ref, limits, cache, request[2])
        except MemoryError:
            connection.send(("failed", "memory", False))
            return
        except Exception as error:  # extraction bugs: the document is rejected, the worker goes on
            message = f"reading failed: {type(error).__name__}: {error}"
            document, hit = ParsedDocument(ref, None, Rejection("parser_error", message)), None
        if sink is None:
            if cache is not None:
                cache.commit()
            connection.send(("document", (document, hit), True))
        else:
            held.append(document)
            connection.send(("held", (document.line_count or 1, hit), True))


def start_fork_server(sink_module: str | None = None) -> multiprocessing.context.BaseContext:
    """The fork server workers are started from, started now if it is not running: its imports (the
    sink's module ``sink_module`` and what it imports: pandas, pyarrow, pandera) then overlap whatever
    the caller does before parsing. A module name, so a caller can start it before importing the sink.
    The first call in a process decides what the server preloads."""
    context = multiprocessing.get_context("forkserver")
    preload = ["pipeline.parse.workers", *READER_MODULES] + ([sink_module] if sink_module is not None else [])
    context.set_forkserver_preload(preload)
    with _environment(WORKER_ENVIRONMENT):
        forkserver.ensure_running()
    return context


WORKER_ENVIRONMENT = {"ARROW_DEFAULT_MEMORY_POOL": "system"}
"""Set for the fork server and so its workers: Arrow's default allocator (mimalloc) reserves 1 GiB of
address space at its first allocation, which the workers' address-space limit would count."""


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def main_script_hidden() -> Iterator[None]:
    """Start a worker without multiprocessing's re-run of the parent's main script in it: the worker runs
    only this module's code, and the script is ``dagster`` or ``citysnap`` (seconds of imports per worker)
    or a user's own script, whose top-level code must not run again."""
    main = sys.modules["__main__"]
    saved = {name: main.__dict__[name] for name in ("__file__", "__spec__") if name in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__spec__ = None
    try:
        yield
    finally:
        main.__dict__.update(saved)
        if "__spec__" not in saved:
            del main.__spec__


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    connection: Connection
    tasks: deque[tuple] = field(default_factory=deque)
    """Requests sent and not yet answered, oldest first: the worker is working on the first."""
    deadline: float = 0.0
    held: list[int] = field(default_factory=list)
    held_lines: int = 0


@dataclass
class SinkRun:
    """What :meth:`ParsePool.parse_into` did: the sink's summaries and the documents rejected by the
    parent (too slow, out of memory, worker died), which the caller hands to the sink itself."""

    summaries: list[dict] = field(default_factory=list)
    failed: list[ParsedDocument] = field(default_factory=list)
    cache_hits: int = 0
    cache_misses: int = 0


_IDLE: dict[tuple, list[_Worker]] = {}
"""Workers of the last closed pool, by what they were started with; daemons, they end with this process."""


class ParsePool:
    """A fixed number of parse workers. :meth:`parse` returns results in the order of its input;
    :meth:`parse_into` sends them to a sink inside the workers."""

    def __init__(
        self, raw_dir: Path, limits: ParseLimits, cache: ParseCache | None = None, sink: Sink | None = None
    ) -> None:
        self.raw_dir = raw_dir
        self.limits = limits
        self.cache = cache
        self.cache_root = (str(cache.root.parent), cache.root.name) if cache is not None else None
        self.sink = sink
        self.context = start_fork_server(sink.__module__ if sink is not None else None)
        self.key = (str(raw_dir), limits, self.cache_root, sink)
        self.workers: list[_Worker] = []
        self.killed = 0
        self.cache_hits = 0
        self.cache_misses = 0
        self.held_documents = 0
        self.held_lines = 0

    def _start(self) -> _Worker:
        while _IDLE.get(self.key):
            worker = _IDLE[self.key].pop()
            if worker.process.is_alive():
                return worker
            worker.connection.close()
        parent, child = self.context.Pipe()
        process = self.context.Process(
            target=_worker,
            args=(child, str(self.raw_dir), self.limits, self.cache_root, self.sink),
            name="citysnap-parse",
            daemon=True,
        )
        with main_script_hidden():
            process.start()
        child.close()
        return _Worker(process, parent, deque([("start",)]), time.monotonic() + WORKER_START_SECONDS)

    def _retire(self, worker: _Worker) -> None:
        worker.connection.close()
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join()
        self.workers.remove(worker)

    def parse(self, refs: Sequence[Document]) -> list[ParsedDocument]:
        results: dict[int, ParsedDocument] = {}
        self._run(refs, results, None)
        return [results[index] for index in range(len(refs))]

    def parse_into(self, refs: Sequence[Document], folder: str, prefix: str, chunk_lines: int) -> SinkRun:
        """Parse ``refs`` and write their rows through the sink, in chunks of about ``chunk_lines``
        document lines per worker (memory stays flat whatever the corpus). A chunk whose writing
        kills its worker is written again one document at a time; a document that kills it alone is
        rejected."""
        if self.sink is None:
            raise ValueError("parse_into needs a pool created with a sink")
        run = SinkRun()
        results: dict[int, ParsedDocument] = {}
        self._run(refs, results, (folder, prefix, chunk_lines, run))
        run.failed = [results[index] for index in sorted(results)]
        run.cache_hits, run.cache_misses = self.cache_hits, self.cache_misses
        return run

    def _run(self, refs: Sequence[Document], results: dict[int, ParsedDocument], sinking: tuple | None) -> None:
        pending = deque(range(len(refs)))
        stored = self.cache.keys() if self.cache is not None else set()
        alone: set[int] = set()
        chunks = [0]
        wanted = min(self.limits.worker_count, len(refs))
        while True:
            while len(self.workers) < wanted and pending:
                self.workers.append(self._start())
            for worker in self.workers:
                self._feed(worker, refs, pending, alone, sinking, chunks, stored)
            busy = [worker for worker in self.workers if worker.tasks]
            if not busy:
                return
            timeout = max(0.0, min(worker.deadline for worker in busy) - time.monotonic())
            ready = set(wait([worker.connection for worker in busy], timeout=timeout))
            for worker in busy:
                if worker.connection in ready:
                    try:
                        kind, value, reusable = worker.connection.recv()
                    except (EOFError, OSError):
                        kind, value, reusable = "died", None, False
                elif time.monotonic() >= worker.deadline:
                    self.killed += 1
                    kind, value, reusable = "timeout", None, False
                else:
                    continue
                task = worker.tasks.popleft()
                if worker.tasks:  # the next request starts now: its time limit with it
                    worker.deadline = time.monotonic() + self._seconds(worker.tasks[0], worker)
                if kind == "error":
                    raise RuntimeError(f"writing parsed rows failed: {value}")
                if task[0] == "start" and kind != "ready":
                    raise RuntimeError(f"a parse worker did not start within {WORKER_START_SECONDS:g} s ({kind})")
                if kind == "flushed":
                    assert sinking is not None
                    sinking[3].summaries.append(value)
                    worker.held, worker.held_lines = [], 0
                elif kind in ("document", "held"):
                    index = task[1]
                    if kind == "document":
                        results[index], hit = value
                    else:
                        lines, hit = value
                        worker.held.append(index)
                        worker.held_lines += lines
                        self.held_documents += 1
                        self.held_lines += lines
                    if hit is not None:
                        self.cache_hits += hit
                        self.cache_misses += not hit
                elif task[0] == "parse":  # the document being parsed stopped or killed its worker
                    index = task[1]
                    results[index] = ParsedDocument(refs[index], None, self._rejection(kind, worker))
                if not reusable:
                    queued = [queued_task[1] for queued_task in worker.tasks if queued_task[0] == "parse"]
                    pending.extendleft(reversed(queued))  # sent behind the one at fault, never started
                    worker.tasks.clear()
                    self._retire(worker)  # dead before its files are touched: it writes nothing more
                    self._lost(worker, task, pending, alone, results, refs, sinking)

    def _feed(
        self,
        worker: _Worker,
        refs: Sequence[Document],
        pending: deque,
        alone: set[int],
        sinking,
        chunks: list[int],
        stored: set[str],
    ) -> None:
        """Keep up to PIPELINE_DEPTH documents queued in a worker, so it never waits for the parent between
        two documents; once it holds a chunk (or nothing is left), hand the chunk to its sink. A document
        whose chunk killed its writing is parsed and written alone: sent to a worker that holds nothing,
        with nothing behind it."""
        if worker.tasks and worker.tasks[-1][0] != "parse":
            return  # starting or writing: it takes parse requests again after
        in_flight = [task[1] for task in worker.tasks if task[0] == "parse"]
        holds_alone = bool(alone.intersection(worker.held) or alone.intersection(in_flight))
        full = bool(sinking) and self._chunk_full(worker, len(pending), sinking[2])
        while pending and len(worker.tasks) < PIPELINE_DEPTH and not holds_alone and not full:
            if pending[0] in alone:
                if worker.tasks or worker.held:
                    break
                holds_alone = True
            index = pending.popleft()
            self._send(worker, ("parse", index), ("parse", refs[index], refs[index].document_id in stored))
        if sinking and not worker.tasks and worker.held and (full or not pending or holds_alone or pending[0] in alone):
            name = f"{sinking[1]}{chunks[0]:05d}"
            chunks[0] += 1
            self._send(worker, ("flush", name), ("flush", sinking[0], name))

    def _chunk_full(self, worker: _Worker, pending: int, chunk_lines: int) -> bool:
        """Whether the worker is to stop taking documents and write its chunk: what it holds and is parsing
        (at the lines per document so far) reaches ``chunk_lines``, and its share of the ``pending``
        documents is too large to join the chunk (REST_JOINS_UNDER)."""
        per_document = self.held_lines / self.held_documents if self.held_documents else 0.0
        parsing = sum(task[0] == "parse" for task in worker.tasks)
        projected = worker.held_lines + parsing * per_document
        if projected < chunk_lines:
            return False
        share = pending * per_document / max(1, len(self.workers))
        return projected + share > REST_JOINS_UNDER * chunk_lines

    def _send(self, worker: _Worker, task: tuple, request: tuple) -> None:
        if not worker.tasks:
            worker.deadline = time.monotonic() + self._seconds(task, worker)
        worker.tasks.append(task)
        worker.connection.send(request)

    def _seconds(self, task: tuple, worker: _Worker) -> float:
        """The time limit of a request, counted from when the worker starts on it."""
        if task[0] == "start":
            return WORKER_START_SECONDS
        if task[0] == "flush":
            return self._flush_seconds(len(worker.held))
        return self.limits.seconds

    def _lost(
        self, worker: _Worker, task: tuple, pending: deque, alone: set[int], results: dict, refs, sinking: tuple | None
    ) -> None:
        """The documents a retired worker held are parsed again elsewhere, one chunk each if their
        chunk's writing is what killed it; a document that kills the writing alone is rejected. Whatever
        the killed writing left of its chunk (some tables written, one cut off) is removed first, so
        no row is written twice and no file is half a file."""
        if task[0] == "flush" and sinking is not None:
            for pattern in (f"*/{task[1]}.parquet", f"*/.{task[1]}.parquet.tmp"):
                for leftover in Path(sinking[0]).glob(pattern):
                    leftover.unlink(missing_ok=True)
        if task[0] == "flush" and len(worker.held) == 1 and worker.held[0] in alone:
            [index] = worker.held
            results[index] = ParsedDocument(refs[index], None, self._rejection("died", worker))
            return
        if task[0] == "flush":
            alone.update(worker.held)
        pending.extendleft(reversed(worker.held))

    def _flush_seconds(self, documents: int) -> float:
        """Time allowed to build, validate and write one chunk's rows (generous: the work is bounded)."""
        return max(self.limits.seconds, 10.0) * 4 + documents * 0.05

    def _rejection(self, kind: str, worker: _Worker) -> Rejection:
        if kind == "timeout":
            return self._timeout_rejection()
        if kind == "failed":
            return _memory_rejection(self.limits)
        return self._death_rejection(worker)

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
        """Keep healthy workers for the next pool of the same kind (the next parse batch): they have loaded
        what parsing and writing need, which costs a worker its first second. Workers kept for another
        kind of pool are stopped."""
        for key in [key for key in _IDLE if key != self.key]:
            for worker in _IDLE.pop(key):
                worker.connection.close()
                worker.process.kill()
                worker.process.join()
        for worker in list(self.workers):
            if not worker.tasks and not worker.held and worker.process.is_alive():
                self.workers.remove(worker)
                _IDLE.setdefault(self.key, []).append(worker)
            else:
                self._retire(worker)

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def parse_documents(
    raw_dir: Path, refs: Sequence[Document], cache: ParseCache | None = None, limits: ParseLimits | None = None
) -> list[ParsedDocument]:
    """Parse documents found by the inventory, in input order, in worker processes: a rejection decided
    by the path needs no reading, content already parsed by this parser (same bytes, same format) comes
    from the cache, and the rest is parsed. Results that depend on limits or the file system are not cached."""
    if not refs:
        return []
    with ParsePool(raw_dir, limits or ParseLimits.from_env(), cache) as pool:
        parsed = pool.parse(refs)
    if cache is not None:
        cache.hits += pool.cache_hits
        cache.misses += pool.cache_misses
    return parsed
