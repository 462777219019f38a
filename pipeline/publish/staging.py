"""Publish a build as one atomic switch, and check the published state before trusting it.

Layout of a warehouse folder::

    versions/<version>/parquet/<table>.parquet   every file of one build, never changed after publishing
    versions/<version>/warehouse.duckdb
    versions/<version>/manifest.json             sizes and sha256 of every file above
    current -> versions/<version>                the one pointer a publish switches
    warehouse.duckdb -> current/warehouse.duckdb fixed links: readers and BI tools keep opening these paths
    parquet -> current/parquet
    manifest.json -> current/manifest.json

A build writes its files under ``.staging/<run>/``. Publishing writes the manifest there, renames the
folder into ``versions/`` and then replaces the ``current`` symlink (``os.replace``: atomic on POSIX).
A build killed at any step leaves ``current`` on the previous complete version or on the new complete
one, never on a mix. The previous version is kept for readers that still have it open; older ones and
what killed builds left behind are removed under the build lock.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.paths import CURRENT, DUCKDB_FILE, MANIFEST, PARQUET_DIR, STAGING, VERSIONS

FIXED_LINKS = (DUCKDB_FILE, PARQUET_DIR, MANIFEST)
"""Paths readers open, each a symlink through ``current``."""
KEEP_VERSIONS = 2
PUBLISH_STEPS = ("manifest_written", "version_renamed", "current_switched", "links_ensured", "old_versions_pruned")
"""The steps of :func:`publish`, in order: a fault-injection test kills the build after each one."""


def staging_dir(warehouse_dir: Path, run_id: str) -> Path:
    return warehouse_dir / STAGING / run_id


def clear_stale_staging(warehouse_dir: Path, keep: str | None = None) -> list[str]:
    """Remove what killed builds left behind (call while holding the build lock)."""
    root = warehouse_dir / STAGING
    removed = []
    if root.exists():
        for entry in sorted(root.iterdir()):
            if entry.name != keep:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry.name)
    return removed


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _file_entries(version_dir: Path) -> dict[str, dict[str, object]]:
    files = [version_dir / DUCKDB_FILE, *sorted((version_dir / PARQUET_DIR).glob("*.parquet"))]
    return {
        path.relative_to(version_dir).as_posix(): {"bytes": path.stat().st_size, "sha256": file_sha256(path)}
        for path in files
    }


def _symlink_atomically(target: str, link: Path) -> None:
    """Point ``link`` at ``target``: one rename over a link or file that is there. A real folder in its
    place (a warehouse copied without its links, or published before versions) is moved aside first."""
    if link.is_dir() and not link.is_symlink():
        retired = link.with_name(f".{link.name}.{os.getpid()}.retired")
        shutil.rmtree(retired, ignore_errors=True)
        os.replace(link, retired)
        os.symlink(target, link)
        shutil.rmtree(retired, ignore_errors=True)
        return
    temporary = link.with_name(f".{link.name}.{os.getpid()}.link")
    temporary.unlink(missing_ok=True)
    os.symlink(target, temporary)
    os.replace(temporary, link)


def _ensure_fixed_links(warehouse_dir: Path) -> None:
    """Make ``warehouse.duckdb``, ``parquet`` and ``manifest.json`` links through ``current``."""
    for name in FIXED_LINKS:
        link = warehouse_dir / name
        target = f"{CURRENT}/{name}"
        if not (link.is_symlink() and os.readlink(link) == target):
            _symlink_atomically(target, link)


def version_name(run_id: str, sequence: int) -> str:
    """Sortable by publish order; the run id tells which Dagster run published it."""
    return f"{sequence:06d}-{run_id[:8]}"


def current_version(warehouse_dir: Path) -> Path | None:
    pointer = warehouse_dir / CURRENT
    if not pointer.is_symlink():
        return None
    resolved = pointer.resolve()
    return resolved if resolved.is_dir() else None


def publish(
    staged: Path,
    warehouse_dir: Path,
    manifest: dict,
    run_id: str,
    on_step: Callable[[str], None] | None = None,
) -> Path:
    """Publish the staged build folder ``staged`` (``parquet/*.parquet`` and ``warehouse.duckdb``) as the
    warehouse's new current version; return the version folder. Call while holding the build lock.
    ``on_step`` is told each step of :data:`PUBLISH_STEPS` as it completes (fault injection in tests)."""
    step = on_step or (lambda _name: None)
    versions = warehouse_dir / VERSIONS
    versions.mkdir(parents=True, exist_ok=True)
    remove_unpublished_versions(warehouse_dir)
    existing = sorted(entry.name for entry in versions.iterdir() if entry.is_dir())
    sequence = 1 + max((int(name.split("-")[0]) for name in existing if name.split("-")[0].isdigit()), default=0)
    name = version_name(run_id, sequence)
    full_manifest = {**manifest, "version": name, "files": _file_entries(staged)}
    (staged / MANIFEST).write_text(json.dumps(full_manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    step("manifest_written")
    target = versions / name
    os.replace(staged, target)
    step("version_renamed")
    _symlink_atomically(f"{VERSIONS}/{name}", warehouse_dir / CURRENT)
    step("current_switched")
    _ensure_fixed_links(warehouse_dir)
    step("links_ensured")
    prune_versions(warehouse_dir)
    step("old_versions_pruned")
    return target


def remove_unpublished_versions(warehouse_dir: Path) -> list[str]:
    """Remove version folders newer than ``current``: a build killed before its switch left them, and
    they must not count as the previous version readers may still have open."""
    versions = warehouse_dir / VERSIONS
    current = current_version(warehouse_dir)
    names = sorted(entry.name for entry in versions.iterdir() if entry.is_dir()) if versions.exists() else []
    orphans = [name for name in names if current is None or name > current.name]
    for name in orphans:
        shutil.rmtree(versions / name, ignore_errors=True)
    return orphans


def prune_versions(warehouse_dir: Path, keep: int = KEEP_VERSIONS) -> list[str]:
    """Keep the current version and the ones published just before it (readers may still have them open)."""
    versions = warehouse_dir / VERSIONS
    current = current_version(warehouse_dir)
    if current is None or not versions.exists():
        return []
    names = sorted(entry.name for entry in versions.iterdir() if entry.is_dir())
    kept = set(names[: names.index(current.name) + 1][-keep:]) if current.name in names else {current.name}
    removed = [name for name in names if name not in kept]
    for name in removed:
        shutil.rmtree(versions / name, ignore_errors=True)
    return removed


def read_manifest(warehouse_dir: Path) -> dict:
    """The current version's manifest, or {} when there is none or it is not a JSON object."""
    try:
        manifest = json.loads((warehouse_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


@dataclass(frozen=True)
class PublishedState:
    """The current version, pinned (a later publish does not move it), or why it cannot be trusted."""

    version_dir: Path | None
    manifest: dict
    problems: tuple[str, ...]

    @property
    def trusted(self) -> bool:
        return self.version_dir is not None and not self.problems

    @property
    def parquet_dir(self) -> Path:
        assert self.version_dir is not None
        return self.version_dir / PARQUET_DIR


def verify_published(warehouse_dir: Path) -> PublishedState:
    """Check every published file against the sizes and hashes its manifest recorded at publish time.
    Anything edited, added, deleted or unreadable is a problem; no published warehouse is one too."""
    version = current_version(warehouse_dir)
    if version is None:
        legacy = (warehouse_dir / DUCKDB_FILE).exists() and not (warehouse_dir / DUCKDB_FILE).is_symlink()
        why = "it was published before versioned folders (no file hashes)" if legacy else "there is none"
        return PublishedState(None, {}, (f"no verifiable published warehouse: {why}",))
    manifest = read_manifest(version)
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        return PublishedState(version, manifest, (f"{version / MANIFEST} is missing, unreadable or lists no files",))
    problems = [
        f"{name} is not the link through {CURRENT} that readers open (deleted or replaced?)"
        for name in FIXED_LINKS
        if not (warehouse_dir / name).is_symlink() or os.readlink(warehouse_dir / name) != f"{CURRENT}/{name}"
    ]
    present = {path.relative_to(version).as_posix() for path in (version / PARQUET_DIR).glob("*")}
    present.add(DUCKDB_FILE)
    for extra in sorted(present - set(files)):
        if (version / extra).exists():
            problems.append(f"{extra} is not in the manifest (written after publishing?)")
    for relative, expected in sorted(files.items()):
        path = version / relative
        try:
            size = path.stat().st_size
            if not isinstance(expected, dict) or size != expected.get("bytes"):
                problems.append(f"{relative}: size changed since publishing")
            elif file_sha256(path) != expected.get("sha256"):
                problems.append(f"{relative}: content changed since publishing (sha256 differs)")
        except OSError as error:
            problems.append(f"{relative}: {error.strerror or error}")
    return PublishedState(version, manifest, tuple(problems))
