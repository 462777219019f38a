"""Parse results cached as JSON by what decides them, so unchanged documents are never re-parsed.

The key is the sha256 of the bytes parsed and the format they were read as (the same bytes as ``.txt``
and as ``.pdf`` give different results), in a SQLite database under a folder named by the fingerprint
of the parser's code and data. Entries are plain JSON decoded into the record types field by field: a
stale, foreign, truncated or crafted entry is a cache miss, never an error and never code that runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import operator
import os
import shutil
import sqlite3
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.core import Rejection
from pipeline.fingerprint import parser_fingerprint
from pipeline.parse.record import SnapshotRecord

ENTRY_FORMAT = 2
"""2: dataclasses as lists of their field values (1 wrote them as objects of their fields)."""
DATABASE = "entries.sqlite"


@dataclass(frozen=True)
class CachedParse:
    """What a document's bytes parse to, independent of where the file sits."""

    record: SnapshotRecord | None
    rejection: Rejection | None
    layout_fields: tuple[str, ...]
    line_count: int | None


class CacheEntryInvalid(ValueError):
    """A cache entry that does not decode into the expected types."""


@functools.cache
def _fields_of(kind: type) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A dataclass's resolved type hints and field names in declaration order, computed once per class."""
    return typing.get_type_hints(kind), tuple(field.name for field in dataclasses.fields(kind))


@functools.cache
def _field_values(kind: type) -> Callable[[Any], tuple] | None:
    """A function giving a dataclass instance's field values in declaration order (operator.attrgetter, in C)."""
    if not dataclasses.is_dataclass(kind):
        return None
    names = [field.name for field in dataclasses.fields(kind)]
    if len(names) == 1:
        return lambda value: (getattr(value, names[0]),)
    return operator.attrgetter(*names)


def _fields(value: Any) -> tuple:
    values = _field_values(type(value))
    if values is None:
        raise TypeError(f"{type(value).__name__} is not JSON serializable")
    return values(value)


def to_json(value: Any) -> str:
    """A parse result as JSON, each dataclass instance as the list of its field values in declaration order
    (tuples as lists): json's C encoder walks the lists and strings, and Python runs once per dataclass
    instance, in C too. Field names are not repeated in every entry; the format number covers the order."""
    return json.dumps(value, default=_fields, ensure_ascii=False, separators=(",", ":"))


def decode_as(kind: Any, value: Any) -> Any:
    """``value`` (parsed JSON) as an instance of the type hint ``kind``, checked all the way down."""
    return _decoder(kind)(value)


Decoder = Callable[[Any], Any]


@functools.cache
def _decoder(kind: Any) -> Decoder:
    """A function that decodes and checks JSON values as ``kind``, built once per type hint: looking the
    hints up again for every value made a cache hit cost more than parsing the document."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        return _union_decoder(kind)
    if origin in (list, tuple):
        return _sequence_decoder(origin, _decoder(typing.get_args(kind)[0]))
    if origin is dict:
        return _dict_decoder(*typing.get_args(kind))
    if dataclasses.is_dataclass(kind):
        return _dataclass_decoder(kind)
    if kind is float:
        return _float
    if kind is bool:
        return _bool
    if kind in (int, str):
        return functools.partial(_exactly, kind)
    raise TypeError(f"no JSON decoder for {kind!r}")


def _union_decoder(kind: Any) -> Decoder:
    options = typing.get_args(kind)
    optional = type(None) in options
    decoders = [_decoder(option) for option in options if option is not type(None)]

    def decode(value: Any) -> Any:
        if value is None and optional:
            return None
        for decoder in decoders:
            try:
                return decoder(value)
            except CacheEntryInvalid:
                continue
        raise CacheEntryInvalid(f"{value!r} is none of {kind}")

    return decode


def _sequence_decoder(origin: type, inner: Decoder) -> Decoder:
    def decode(value: Any) -> Any:
        if not isinstance(value, list):
            raise CacheEntryInvalid(f"expected a list, got {type(value).__name__}")
        items = [inner(item) for item in value]
        return items if origin is list else tuple(items)

    return decode


def _dict_decoder(key_kind: type, value_kind: Any) -> Decoder:
    inner = _decoder(value_kind)

    def decode(value: Any) -> Any:
        if not isinstance(value, dict):
            raise CacheEntryInvalid(f"expected an object, got {type(value).__name__}")
        try:
            return {key_kind(key): inner(item) for key, item in value.items()}
        except (TypeError, ValueError) as error:
            raise CacheEntryInvalid(str(error)) from None

    return decode


def _dataclass_decoder(kind: type) -> Decoder:
    hints, names = _fields_of(kind)
    fields: list[Decoder] = []

    def decode(value: Any) -> Any:
        if not isinstance(value, list) or len(value) != len(names):
            raise CacheEntryInvalid(f"expected the {len(names)} field values of {kind.__name__}")
        if not fields:  # filled on first use: a record type may refer to itself
            fields.extend(_decoder(hints[name]) for name in names)
        return kind(*[decoder(item) for decoder, item in zip(fields, value, strict=True)])

    return decode


def _float(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise CacheEntryInvalid(f"expected {float}, got {type(value).__name__}")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise CacheEntryInvalid(f"expected {bool}, got {type(value).__name__}")


def _exactly(kind: type, value: Any) -> Any:
    if type(value) is kind:
        return value
    raise CacheEntryInvalid(f"expected {kind}, got {type(value).__name__}")


class ParseCache:
    """Entries in one SQLite database per parser version, ``<directory>/<fingerprint>/entries.sqlite``: a row
    per key holding the entry's JSON (which repeats its key and format, checked on reading). Writes are
    buffered and committed together (:meth:`commit`, once per chunk of a parse worker): one file per entry
    cost more than the rest of a document's caching. A damaged database is replaced; one that cannot be
    opened turns the cache off for the process (every lookup a miss), never fails a build."""

    def __init__(self, directory: Path, fingerprint: str | None = None) -> None:
        self.root = directory / (fingerprint or parser_fingerprint())[:16]
        self.hits = 0
        self.misses = 0
        self._connection: sqlite3.Connection | None = None
        self._broken = False
        self._pending: list[tuple[str, str, str]] = []

    @property
    def database(self) -> Path:
        return self.root / DATABASE

    def _open(self, create: bool) -> sqlite3.Connection | None:
        if self._connection is not None or self._broken:
            return self._connection
        if not create and not self.database.exists():
            return None
        for _ in range(2):
            try:
                self.root.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(self.database, timeout=120, isolation_level=None)
                connection.execute("PRAGMA synchronous = NORMAL")  # a rollback journal: every commit is in the file
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS entries (document_id TEXT NOT NULL, source_format TEXT NOT NULL, "
                    "entry TEXT NOT NULL, PRIMARY KEY (document_id, source_format)) WITHOUT ROWID"
                )
                self._connection = connection
                return connection
            except sqlite3.DatabaseError:  # not a database, or a damaged one: it is only a cache
                for leftover in (self.database, *self.root.glob(f"{DATABASE}-*")):
                    leftover.unlink(missing_ok=True)
            except (OSError, sqlite3.Error):
                break
        self._broken = True
        return None

    def get(self, document_id: str, source_format: str) -> CachedParse | None:
        try:
            connection = self._open(create=False)
            row = None
            if connection is not None:
                row = connection.execute(
                    "SELECT entry FROM entries WHERE document_id = ? AND source_format = ?",
                    (document_id, source_format),
                ).fetchone()
            if row is None:
                raise CacheEntryInvalid("no entry")
            entry = json.loads(row[0])
            if (
                not isinstance(entry, dict)
                or entry.get("format") != ENTRY_FORMAT
                or entry.get("key") != [document_id, source_format]
            ):
                raise CacheEntryInvalid("not an entry for this key")
            result = decode_as(CachedParse, entry["result"])
        except (sqlite3.Error, ValueError, KeyError, TypeError, RecursionError):
            self.misses += 1
            return None
        self.hits += 1
        return result

    def put(self, document_id: str, source_format: str, result: CachedParse) -> None:
        """Buffer an entry; :meth:`commit` writes it."""
        entry = {"format": ENTRY_FORMAT, "key": [document_id, source_format], "result": result}
        self._pending.append((document_id, source_format, to_json(entry)))

    def commit(self) -> int:
        """Write the buffered entries in one transaction (all or none: a killed build leaves no half entry);
        return how many. Entries that cannot be written are dropped: the documents are parsed again later."""
        pending, self._pending = self._pending, []
        connection = self._open(create=True) if pending else None
        if connection is None:
            return 0
        try:
            with connection:
                connection.execute("BEGIN IMMEDIATE")
                connection.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)", pending)
        except sqlite3.Error:
            return 0
        return len(pending)

    def keys(self) -> set[str]:
        """The document ids that have an entry (any format)."""
        connection = self._open(create=False)
        if connection is None:
            return set()
        return {row[0] for row in connection.execute("SELECT DISTINCT document_id FROM entries")}

    def prune(self, keep: set[str]) -> int:
        """Drop every entry of a document not in ``keep``, and the caches of other parser versions (for builds
        that parsed everything anyway)."""
        with self._deleting() as (connection, removed):
            if connection is not None:
                connection.execute("CREATE TEMPORARY TABLE IF NOT EXISTS keep (document_id TEXT PRIMARY KEY)")
                connection.execute("DELETE FROM keep")
                connection.executemany("INSERT OR IGNORE INTO keep VALUES (?)", [(key,) for key in keep])
                removed += connection.execute(
                    "DELETE FROM entries WHERE document_id NOT IN (SELECT document_id FROM keep)"
                ).rowcount
        return removed

    def forget(self, document_ids: Iterable[str]) -> int:
        """Drop the entries (every format) of ``document_ids`` and the caches of other parser versions: what an
        incremental build costs is what changed."""
        with self._deleting() as (connection, removed):
            if connection is not None:
                for document_id in document_ids:
                    removed += connection.execute("DELETE FROM entries WHERE document_id = ?", (document_id,)).rowcount
        return removed

    @contextlib.contextmanager
    def _deleting(self) -> Iterator[tuple[sqlite3.Connection | None, int]]:
        """The caches of other parser versions removed (their entry count), then this version's database in
        one write transaction (None when it has none)."""
        removed = self.drop_other_versions()
        connection = self._open(create=False)
        if connection is None:
            yield None, removed
            return
        with connection:
            connection.execute("BEGIN IMMEDIATE")
            yield connection, removed

    def close(self) -> None:
        self.commit()
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def drop_other_versions(self) -> int:
        """Remove the caches of other parser versions (their entries can never be read again)."""
        removed = 0
        if self.root.parent.exists():
            for stale_root in self.root.parent.iterdir():
                if stale_root != self.root and stale_root.is_dir() and not stale_root.is_symlink():
                    removed += _entries_in(stale_root)
                    shutil.rmtree(stale_root, ignore_errors=True)
        return removed


def _entries_in(version: Path) -> int:
    """Entries of another parser version's cache: rows of its database, or files of the former layout."""
    database = version / DATABASE
    if not database.exists():
        return sum(len(files) for _, _, files in os.walk(version))
    try:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
            return connection.execute("SELECT count(*) FROM entries").fetchone()[0]
    except sqlite3.Error:
        return 0
