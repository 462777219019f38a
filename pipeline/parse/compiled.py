"""The parser compiled to C by mypyc, used only while it is the compilation of the sources beside it.

The parser's modules are plain, type-annotated Python. ``make setup`` compiles them with mypyc
(``python -m pipeline.parse.compile``) into ``build/parser/``: the same code, about 1.4x faster, the same
results (``tests/test_compiled_parser.py``). The compiled modules are loaded only when the stamp written
with them names this Python and the sha256 of every source exactly as it is now: after an edit the source
runs, never a stale build. Without a C compiler, or with ``CITYSNAP_PURE_PYTHON=1``, the source runs.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

PACKAGE_DIR = Path(__file__).resolve().parent
BUILD_DIR = PACKAGE_DIR.parents[1] / "build" / "parser"
STAMP = "stamp.json"
COMPILED_MODULES = (
    "claims",
    "document",
    "header",
    "layout",
    "lines",
    "lists",
    "outcomes",
    "overview",
    "prose",
    "sections",
    "state",
    "template",
    "values",
)
"""The modules of ``parse_text``'s work; the records (``record.py``) stay Python classes, which the cache
and the table builders read field by field."""
PACKAGE = __name__.rpartition(".")[0]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def abi() -> str:
    return f"{sys.implementation.cache_tag} {importlib.machinery.EXTENSION_SUFFIXES[0]}"


def fresh_build(build_dir: Path = BUILD_DIR, package_dir: Path = PACKAGE_DIR) -> dict[str, Path] | None:
    """Module name -> compiled file of a build whose stamp matches this Python and today's sources, else None."""
    try:
        stamp = json.loads((build_dir / STAMP).read_text(encoding="utf-8"))
        if stamp["abi"] != abi() or sorted(stamp["sources"]) != sorted(COMPILED_MODULES):
            return None
        files = {f"{PACKAGE}.{name}": build_dir / stamp["files"][name] for name in COMPILED_MODULES}
        files[stamp["runtime"]] = build_dir / stamp["files"][stamp["runtime"]]
        for name, digest in stamp["sources"].items():
            if sha256_of(package_dir / f"{name}.py") != digest:
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return files if all(path.is_file() for path in files.values()) else None


class _CompiledFinder(importlib.abc.MetaPathFinder):
    """Finds the compiled parser modules (and mypyc's runtime library) in the build folder."""

    def __init__(self, files: dict[str, Path]) -> None:
        self.files = files

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None):
        location = self.files.get(fullname)
        if location is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(location))
        return importlib.util.spec_from_file_location(fullname, str(location), loader=loader)


def use_compiled_parser() -> bool:
    """Load the parser's modules from a fresh build from now on, if there is one; whether there is."""
    if os.environ.get("CITYSNAP_PURE_PYTHON") == "1":
        return False
    if any(isinstance(finder, _CompiledFinder) for finder in sys.meta_path):
        return True
    files = fresh_build()
    if files is None:
        return False
    sys.meta_path.insert(0, _CompiledFinder(files))
    return True


def is_compiled() -> bool:
    """Whether ``parse_text`` runs compiled code in this process (where its module is, or would be, loaded from)."""
    spec = importlib.util.find_spec(f"{PACKAGE}.document")
    return spec is not None and spec.origin is not None and not spec.origin.endswith(".py")
