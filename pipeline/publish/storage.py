"""Where fragments and published copies are written: a local folder, or any fsspec URL (``s3://``, ``gs://``...).

A local path (no ``scheme://``, or ``file://``) takes the plain-file path the build has always taken: a temporary name
renamed into place. Any other location goes through fsspec, imported only then: an object store has no
rename, but it stores one object per PUT whole or not at all, so a file is built in memory (fragments
and published files are megabytes) and written in one call. Credentials and endpoints come from the
filesystem's own configuration (for S3: ``AWS_*`` variables, ``~/.aws``), not from citysnap.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any


@contextmanager
def replaced_atomically(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success rename it over ``target`` (``os.replace``:
    a reader holding the old file keeps reading it, and a killed writer leaves no half file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def is_url(location: str | Path) -> bool:
    return "://" in str(location)


@dataclass(frozen=True)
class Location:
    """A folder on some filesystem: ``fs`` is fsspec's (None for a local folder), ``root`` its path there."""

    fs: Any
    root: str

    @property
    def local(self) -> bool:
        return self.fs is None

    def path(self, *parts: str) -> str:
        """The path of ``parts`` under the root, as the filesystem (or, local, ``open``) takes it."""
        return "/".join([self.root.rstrip("/"), *parts])

    def uri(self, path: str) -> str:
        """``path`` (from :meth:`path` or :meth:`glob`) with its scheme: what DuckDB reads through a
        registered filesystem."""
        if self.local:
            return path
        protocol = self.fs.protocol if isinstance(self.fs.protocol, str) else self.fs.protocol[0]
        return path if is_url(path) else f"{protocol}://{path}"

    def glob(self, pattern: str) -> list[str]:
        """Files under the root matching ``pattern`` (``*`` within one level), sorted."""
        if self.local:
            return sorted(str(path) for path in Path(self.root).glob(pattern))
        self.fs.invalidate_cache()  # listings are cached per filesystem; other processes wrote since
        return sorted(self.fs.glob(self.path(pattern)))

    def remove(self, path: str) -> None:
        if self.local:
            Path(path).unlink(missing_ok=True)
        elif self.fs.exists(path):
            self.fs.rm(path)

    def remove_tree(self, path: str | None = None) -> None:
        """Remove the folder ``path`` (the root by default) and everything under it, if it is there."""
        target = path or self.root
        if self.local:
            shutil.rmtree(target, ignore_errors=True)
        elif self.fs.exists(target):
            self.fs.rm(target, recursive=True)

    def read_bytes(self, path: str) -> bytes:
        if self.local:
            return Path(path).read_bytes()
        return self.fs.cat_file(path)

    def reader(self, path: str) -> IO[bytes]:
        """The file ``path`` opened for reading, streamed (a context manager)."""
        return open(path, "rb") if self.local else self.fs.open(path, "rb")

    def size(self, path: str) -> int | None:
        """The stored size of a file, or None when there is none."""
        if self.local:
            return Path(path).stat().st_size if Path(path).is_file() else None
        try:
            info = self.fs.info(path)
        except FileNotFoundError:
            return None
        return int(info["size"]) if info.get("type") == "file" else None

    def put(self, source: Path, path: str) -> None:
        """Copy the local file ``source`` to ``path``, whole or not at all (an object store's upload,
        multipart for a large file, shows the object only once complete)."""
        if not self.local:
            self.fs.put_file(str(source), path)
            return
        with self.writer(path) as stream, source.open("rb") as handle:
            shutil.copyfileobj(handle, stream, 1 << 20)

    def put_tree(self, source: Path, pattern: str = "**/*") -> list[str]:
        """Copy the files of the local folder ``source`` matching ``pattern`` under the root, keeping their
        relative paths; returns the paths written."""
        written = []
        for file in sorted(path for path in source.glob(pattern) if path.is_file()):
            target = self.path(*file.relative_to(source).parts)
            self.put(file, target)
            written.append(target)
        return written

    def write(self, path: str, fill: Callable[[IO[bytes]], None]) -> None:
        """Write the file ``path`` whole or not at all: ``fill`` writes its bytes into a binary stream."""
        with self.writer(path) as stream:
            fill(stream)

    @contextmanager
    def writer(self, path: str) -> Iterator[IO[bytes]]:
        """A stream whose bytes become the file ``path`` when the block ends without an error; a
        writer killed or failing leaves no partial file under ``path``."""
        if self.local:
            with replaced_atomically(Path(path)) as temporary, temporary.open("wb") as stream:
                yield stream
            return
        buffer = io.BytesIO()
        yield buffer
        self.fs.pipe_file(path, buffer.getvalue())


def location(url: str | Path) -> Location:
    """The folder ``url``: a local path (``file://`` too), or a URL any installed fsspec implementation
    serves. Writes there are whole or not at all as far as the store's own writes are: true of object
    stores (one PUT, or a completed multipart upload), which is what a URL is for here."""
    if str(url).startswith("file://"):
        url = str(url).removeprefix("file://")
    if not is_url(url):
        return Location(None, str(url))
    from fsspec.core import url_to_fs

    fs, root = url_to_fs(str(url))
    return Location(fs, root)
