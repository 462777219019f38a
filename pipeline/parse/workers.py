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
import math
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
from typing import Any

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
BATCH_DOCUMENTS = 8
"""Documents sent to a worker in one message, answered in one message: a message per document cost the
parent and the worker about 0.15 ms each."""
PIPELINE_DEPTH = 2 * BATCH_DOCUMENTS
"""Documents queued in a worker at once (two batches): it goes from one batch to the next without waiting
for the parent, whose answers are late when the cores are busy. Each document's time limit still starts
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
    connection: Connection,
    raw_dir: str,
    limits: ParseLimits,
    cache_root: tuple[str, str] | None,
    sink: Sink | None,
    progress: Any,
) -> None:
    """Serve requests until the parent closes the pipe: ``("parse", [(ref, stored), ...])`` answers, once
    for the batch, with the documents (or, with a sink, keeps them and answers with their sizes);
    ``("flush", folder, name)`` hands the kept documents to the sink. Before each document the worker
    writes into ``progress`` (shared memory) how many documents it has started and when it started this
    one, so the parent holds each document to its time limit without a message per document. After a
    MemoryError the worker exits, so no later document runs in a process left in an unknown state."""
    for module in READER_MODULES:  # loaded before the limit (the fork server usually has them already)
        importlib.import_module(module)
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    cache = ParseCache(Path(cache_root[0]), cache_root[1]) if cache_root else None
    held: list[ParsedDocument] = []
    started = 0
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
        answers: list[tuple] = []
        for ref, stored in request[1]:
            started += 1
            _publish_progress(progress, started, time.monotonic())
            try:
                document, hit = _parsed_or_cached(Path(raw_dir), ref, limits, cache, stored)
            except MemoryError:
                connection.send(("failed", "memory", False))
                return
            except Exception as error:  # extraction bugs: the document is rejected, the worker goes on
                message = f"reading failed: {type(error).__name__}: {error}"
                document, hit = ParsedDocument(ref, None, Rejection("parser_error", message)), None
            if sink is None:
                answers.append((document, hit))
            else:
                held.append(document)
                answers.append((document.line_count or 1, hit))
        _publish_progress(progress, started, 0.0)  # between documents
        if sink is None and cache is not None:
            cache.commit()
        connection.send(("documents" if sink is None else "held", answers, True))


def _publish_progress(progress: Any, started: int, since: float) -> None:
    """Write (documents started, start of the current one) under a sequence number that is odd while it
    is being written (a seqlock): no lock that a worker killed in the middle of a write would keep."""
    sequence = progress[2]
    progress[2] = sequence + 1
    progress[0], progress[1] = started, since
    progress[2] = sequence + 2


def _read_progress(progress: Any) -> tuple[int, float]:
    """What :func:`_publish_progress` wrote last, read whole; (0, 0.0), on no document, if the worker never
    finished a write it began (it died in the middle of one: the caller deals with a dead worker)."""
    for _ in range(1000):
        before = progress[2]
        started, since = int(progress[0]), progress[1]
        if before % 2 == 0 and progress[2] == before:
            return started, since
    return 0, 0.0


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
    progress: Any
    """Shared with the worker: documents it has started, and when it started the current one (0 between
    documents)."""
    tasks: deque[tuple] = field(default_factory=deque)
    """Requests sent and not yet answered, oldest first, one per document of a batch."""
    deadline: float = 0.0
    """When the first task overruns, while the worker is on no document (starting, writing, between two)."""
    answered: int = 0
    """Documents the worker has answered for."""
    held: list[int] = field(default_factory=list)
    held_lines: int = 0

    def parsing(self) -> tuple[int, float]:
        """(position among the tasks of the document the worker is parsing, when it started it), or (-1, 0)."""
        started, since = _read_progress(self.progress)
        if since > 0 and started > self.answered:
            return started - self.answered - 1, since
        return -1, 0.0


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
        progress = self.context.RawArray("d", 3)
        process = self.context.Process(
            target=_worker,
            args=(child, str(self.raw_dir), self.limits, self.cache_root, self.sink, progress),
            name="citysnap-parse",
            daemon=True,
        )
        with main_script_hidden():
            process.start()
        child.close()
        return _Worker(process, parent, progress, deque([("start",)]), time.monotonic() + WORKER_START_SECONDS)

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
            timeout = max(0.0, min(self._deadline(worker) for worker in busy) - time.monotonic())
            ready = set(wait([worker.connection for worker in busy], timeout=timeout))
            for worker in busy:
                if worker.connection in ready:
                    try:
                        kind, value, reusable = worker.connection.recv()
                    except (EOFError, OSError):
                        kind, value, reusable = "died", None, False
                elif time.monotonic() >= self._deadline(worker):
                    self.killed += 1
                    kind, value, reusable = "timeout", None, False
                else:
                    continue
                if kind == "error":
                    raise RuntimeError(f"writing parsed rows failed: {value}")
                if kind in ("documents", "held"):
                    self._answered(worker, value, kind, results)
                elif reusable:
                    task = worker.tasks.popleft()
                    if task[0] == "start" and kind != "ready":
                        raise RuntimeError(f"a parse worker did not start within {WORKER_START_SECONDS:g} s ({kind})")
                    if kind == "flushed":
                        assert sinking is not None
                        sinking[3].summaries.append(value)
                        worker.held, worker.held_lines = [], 0
                else:
                    self._stopped(worker, kind, pending, alone, results, refs, sinking)
                if worker.tasks and worker in self.workers:  # the next request's limit starts now
                    worker.deadline = time.monotonic() + self._seconds(worker.tasks[0], worker)

    def _deadline(self, worker: _Worker) -> float:
        """When the worker overruns: its document's time limit, counted from when it started on it; or,
        on no document, the limit of its first task counted from when that task became first."""
        if worker.tasks and worker.tasks[0][0] == "parse":
            position, since = worker.parsing()
            if position >= 0:
                return since + self._seconds(worker.tasks[position], worker)
        return worker.deadline

    def _answered(self, worker: _Worker, answers: list[tuple], kind: str, results: dict[int, ParsedDocument]) -> None:
        """A batch parsed: its documents (kept by the worker, with a sink), in the order sent."""
        for value, hit in answers:
            _, index = worker.tasks.popleft()
            if kind == "documents":
                results[index] = value
            else:
                worker.held.append(index)
                worker.held_lines += value
                self.held_documents += 1
                self.held_lines += value
            if hit is not None:
                self.cache_hits += hit
                self.cache_misses += not hit
        worker.answered += len(answers)

    def _stopped(
        self, worker: _Worker, kind: str, pending: deque, alone: set[int], results: dict, refs, sinking: tuple | None
    ) -> None:
        """A worker that overran, ran out of memory or died is retired. The document it was on is rejected;
        the documents of its batches that it had parsed (their answer is lost with it) or not started go
        back to the queue, and so does what it held (:meth:`_lost`)."""
        position = max(worker.parsing()[0], 0) if worker.tasks and worker.tasks[0][0] == "parse" else 0
        tasks = list(worker.tasks)
        worker.tasks.clear()
        task = tasks[position]
        if task[0] == "start":
            raise RuntimeError(f"a parse worker did not start within {WORKER_START_SECONDS:g} s ({kind})")
        again = [other[1] for other in tasks[:position] + tasks[position + 1 :] if other[0] == "parse"]
        pending.extendleft(reversed(again))
        if task[0] == "parse":
            index = task[1]
            results[index] = ParsedDocument(refs[index], None, self._rejection(kind, worker))
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
        """Keep up to PIPELINE_DEPTH documents queued in a worker, in batches of BATCH_DOCUMENTS, so it never
        waits for the parent between two documents; once it holds a chunk (or nothing is left), hand the
        chunk to its sink. A document whose chunk killed its writing is parsed and written alone: sent to a
        worker that holds nothing, with nothing behind it."""
        if worker.tasks and worker.tasks[-1][0] != "parse":
            return  # starting or writing: it takes parse requests again after
        in_flight = [task[1] for task in worker.tasks]
        holds_alone = bool(alone.intersection(worker.held) or alone.intersection(in_flight))
        full = False
        queued = len(in_flight)
        while pending and queued < PIPELINE_DEPTH and not holds_alone:
            size = BATCH_DOCUMENTS
            if sinking:
                full = self._chunk_full(worker, len(pending), sinking[2])
                if full:
                    break
                size = self._chunk_room(worker, sinking[2])
            batch: list[int] = []
            while pending and len(batch) < size and queued + len(batch) < PIPELINE_DEPTH:
                if pending[0] in alone:
                    if worker.tasks or worker.held or batch:
                        break
                    holds_alone = True
                    batch.append(pending.popleft())
                    break
                batch.append(pending.popleft())
            if not batch:
                break
            if not worker.tasks:
                worker.deadline = time.monotonic() + self.limits.seconds
            worker.tasks.extend(("parse", index) for index in batch)
            worker.connection.send(("parse", [(refs[index], refs[index].document_id in stored) for index in batch]))
            queued += len(batch)
        if sinking and not worker.tasks and worker.held and (full or not pending or holds_alone or pending[0] in alone):
            name = f"{sinking[1]}{chunks[0]:05d}"
            chunks[0] += 1
            self._send(worker, ("flush", name), ("flush", sinking[0], name))

    def _projected(self, worker: _Worker) -> tuple[float, float]:
        """(lines per document so far, lines the worker's chunk will hold once the documents it is parsing
        are answered for); (0, held lines) before any document was answered for."""
        per_document = self.held_lines / self.held_documents if self.held_documents else 0.0
        parsing = sum(task[0] == "parse" for task in worker.tasks)
        return per_document, worker.held_lines + parsing * per_document

    def _chunk_full(self, worker: _Worker, pending: int, chunk_lines: int) -> bool:
        """Whether the worker is to stop taking documents and write its chunk: what it holds and is parsing
        (at the lines per document so far) reaches ``chunk_lines``, and its share of the ``pending``
        documents is too large to join the chunk (REST_JOINS_UNDER)."""
        per_document, projected = self._projected(worker)
        if projected < chunk_lines:
            return False
        share = pending * per_document / max(1, len(self.workers))
        return projected + share > REST_JOINS_UNDER * chunk_lines

    def _chunk_room(self, worker: _Worker, chunk_lines: int) -> int:
        """Documents to send the worker in its next batch: BATCH_DOCUMENTS, fewer when its chunk is about to
        fill (at the lines per document so far; one document in flight until a first one is answered), so a
        chunk stays close to ``chunk_lines`` however small."""
        if not self.held_documents:
            return 0 if worker.tasks else 1
        per_document, projected = self._projected(worker)
        if projected >= chunk_lines:  # the rest joins the chunk (_chunk_full)
            return BATCH_DOCUMENTS
        return max(1, min(BATCH_DOCUMENTS, math.ceil((chunk_lines - projected) / per_document)))

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
