"""Parse results cached as JSON by what decides them, so unchanged documents are never re-parsed.

The key is the sha256 of the bytes parsed and the format they were read as (the same bytes as ``.txt``
and as ``.pdf`` give different results), under a folder named by the fingerprint of the parser's code
and data. Entries are plain JSON decoded into the record types field by field: a stale, foreign,
truncated or crafted entry is a cache miss, never an error and never code that runs.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import operator
import os
import shutil
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.core import Rejection
from pipeline.fingerprint import parser_fingerprint
from pipeline.parse.record import SnapshotRecord

ENTRY_FORMAT = 2
"""2: dataclasses as lists of their field values (1 wrote them as objects of their fields)."""
SUFFIX = ".json"


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
    """One JSON file per key under ``<directory>/<fingerprint>/<id[:2]>/<id>.<format>.json``."""

    def __init__(self, directory: Path, fingerprint: str | None = None) -> None:
        self.root = directory / (fingerprint or parser_fingerprint())[:16]
        self.hits = 0
        self.misses = 0
        self._folders: set[Path] = set()
        """Shard folders this process made: one mkdir each, not one per entry."""

    def _path(self, document_id: str, source_format: str) -> Path:
        return self.root / document_id[:2] / f"{document_id}.{source_format}{SUFFIX}"

    def get(self, document_id: str, source_format: str) -> CachedParse | None:
        try:
            entry = json.loads(self._path(document_id, source_format).read_text(encoding="utf-8"))
            if (
                not isinstance(entry, dict)
                or entry.get("format") != ENTRY_FORMAT
                or entry.get("key") != [document_id, source_format]
            ):
                raise CacheEntryInvalid("not an entry for this key")
            result = decode_as(CachedParse, entry["result"])
        except (OSError, ValueError, KeyError, RecursionError):
            self.misses += 1
            return None
        self.hits += 1
        return result

    def put(self, document_id: str, source_format: str, result: CachedParse) -> None:
        """Write atomically: a killed build leaves no half-written entry behind."""
        path = self._path(document_id, source_format)
        if path.parent not in self._folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(path.parent)
        entry = {"format": ENTRY_FORMAT, "key": [document_id, source_format], "result": result}
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(to_json(entry), encoding="utf-8")
        os.replace(temporary, path)

    def prune(self, keep: set[str]) -> int:
        """Drop every entry of a document not in ``keep``, and the caches of other parser versions: a walk
        over the whole cache, for builds that parsed everything anyway."""
        removed = self.drop_other_versions()
        if self.root.exists():
            for path in self.root.rglob("*"):
                if path.is_file() and not path.name.startswith(".") and path.name.split(".")[0] not in keep:
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed

    def forget(self, document_ids: Iterable[str]) -> int:
        """Drop the entries (every format) of ``document_ids`` and the caches of other parser versions,
        without walking the cache: what an incremental build costs is what changed."""
        removed = self.drop_other_versions()
        for document_id in document_ids:
            for path in (self.root / document_id[:2]).glob(f"{document_id}.*{SUFFIX}"):
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def drop_other_versions(self) -> int:
        """Remove the caches of other parser versions (their entries can never be read again)."""
        removed = 0
        if self.root.parent.exists():
            for stale_root in self.root.parent.iterdir():
                if stale_root != self.root and stale_root.is_dir() and not stale_root.is_symlink():
                    removed += sum(len(files) for _, _, files in os.walk(stale_root))
                    shutil.rmtree(stale_root, ignore_errors=True)
        return removed
