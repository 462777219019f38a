"""A copy of the published warehouse on any fsspec filesystem (object storage), switched by one pointer.

An object store has no rename, so the local publish (a folder renamed, a symlink replaced) cannot be
repeated there. Instead every version is written under its own prefix, checked, and only then named
by one small pointer object, written last (a PUT replaces an object whole)::

    <url>/versions/<version>/parquet/<table>.parquet
    <url>/versions/<version>/warehouse.duckdb
    <url>/versions/<version>/manifest.json     the local version's manifest: size and sha256 of each file
    <url>/current.json                         {"version": ..., "manifest_sha256": ...}

A reader (a BI tool, a notebook, :func:`verify_copy`) reads ``current.json``, then that version's
manifest, then its files; a copy that failed or was killed part-way leaves ``current.json`` on the
previous complete version. The version the pointer named before is kept for readers still on it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.paths import MANIFEST, VERSIONS
from pipeline.publish.staging import read_manifest
from pipeline.publish.storage import Location, location

POINTER = "current.json"


@dataclass(frozen=True)
class CopyState:
    """The version ``current.json`` names (None: no readable pointer), and why the copy cannot be trusted."""

    version: str | None
    problems: tuple[str, ...]

    @property
    def trusted(self) -> bool:
        return self.version is not None and not self.problems


def copied_version(url: str) -> str | None:
    """The version the copy's pointer names, or None: a cheap look at one small object."""
    return _pointer(location(url)).get("version")


def copy_version(version_dir: Path, url: str) -> str:
    """Copy the published ``version_dir`` (already verified against its manifest) to ``url``, check every
    stored size, then switch ``current.json`` to it; return the version the copy names afterwards. A copy
    that already names a later version is left as it is (versions sort by publish order): a late copy
    never moves readers back. After the switch, every version but this one and the one the pointer named
    before is removed (a copy that never switched the pointer is not one readers saw)."""
    place = location(url)
    manifest_bytes = (version_dir / MANIFEST).read_bytes()
    manifest = read_manifest(version_dir)
    name, files = manifest["version"], manifest["files"]
    before = _pointer(place).get("version")
    if isinstance(before, str) and before >= name:
        return before
    for relative in sorted(files):
        place.put(version_dir / relative, place.path(VERSIONS, name, relative))
    wrong = [
        relative
        for relative, entry in sorted(files.items())
        if place.size(place.path(VERSIONS, name, relative)) != entry["bytes"]
    ]
    if wrong:
        raise OSError(f"the copy at {url} stored the wrong size for {', '.join(wrong)}: current.json not switched")
    place.write(place.path(VERSIONS, name, MANIFEST), lambda stream: stream.write(manifest_bytes))
    pointer = {"version": name, "manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest()}
    place.write(place.path(POINTER), lambda stream: stream.write(json.dumps(pointer, sort_keys=True).encode()))
    _prune(place, {name, before} if isinstance(before, str) else {name})
    return name


def verify_copy(url: str) -> CopyState:
    """Check the copy as a reader must before trusting it: the pointer, the manifest's sha256 it records,
    and the size and sha256 of every file the manifest lists."""
    place = location(url)
    pointer = _pointer(place)
    version, expected = pointer.get("version"), pointer.get("manifest_sha256")
    if not isinstance(version, str) or not isinstance(expected, str):
        return CopyState(None, (f"{place.path(POINTER)} is missing or unreadable",))
    try:
        manifest_bytes = place.read_bytes(place.path(VERSIONS, version, MANIFEST))
    except OSError as error:
        return CopyState(version, (f"{MANIFEST} of {version}: {error}",))
    if hashlib.sha256(manifest_bytes).hexdigest() != expected:
        return CopyState(version, (f"{MANIFEST} of {version} is not the one {POINTER} names (sha256 differs)",))
    manifest = json.loads(manifest_bytes)
    if manifest.get("version") != version:
        return CopyState(version, (f"{MANIFEST} of {version} is the manifest of {manifest.get('version')}",))
    files = manifest.get("files", {})
    problems = []
    for relative, entry in sorted(files.items()):
        path = place.path(VERSIONS, version, relative)
        if place.size(path) != entry["bytes"]:
            problems.append(f"{relative}: missing, or its size differs from the manifest")
        elif _sha256(place, path) != entry["sha256"]:
            problems.append(f"{relative}: content differs from the manifest (sha256)")
    return CopyState(version, tuple(problems))


def _sha256(place: Location, path: str) -> str:
    with place.reader(path) as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _pointer(place: Location) -> dict:
    try:
        pointer = json.loads(place.read_bytes(place.path(POINTER)))
    except (OSError, ValueError):
        return {}
    return pointer if isinstance(pointer, dict) else {}


def _prune(place: Location, kept: set[str]) -> None:
    """Remove every version of the copy but ``kept``."""
    for name in sorted({path.rstrip("/").split("/")[-1] for path in place.glob(f"{VERSIONS}/*")} - kept):
        place.remove_tree(place.path(VERSIONS, name))
