"""Compile the parser with mypyc into build/parser/ (``make setup`` runs ``python -m pipeline.parse.compile``).

Without a C compiler the build prints why and the parser runs as Python: slower, with the same results.
"""

from __future__ import annotations

import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pipeline.parse.compiled import BUILD_DIR, COMPILED_MODULES, PACKAGE_DIR, STAMP, abi, fresh_build, sha256_of


def build(build_dir: Path = BUILD_DIR) -> None:
    """Compile the parser with mypyc into ``build_dir`` and stamp it with the sources it was compiled from."""
    sources = {name: sha256_of(PACKAGE_DIR / f"{name}.py") for name in COMPILED_MODULES}
    root = PACKAGE_DIR.parents[1]
    with tempfile.TemporaryDirectory(prefix="citysnap-mypyc-") as work:
        script = Path(work) / "setup.py"
        paths = ["--ignore-missing-imports", "--follow-imports=silent"]
        paths += [str(PACKAGE_DIR / f"{name}.py") for name in COMPILED_MODULES]
        script.write_text(
            "from setuptools import setup\nfrom mypyc.build import mypycify\n"
            f"setup(name='citysnap-parser', ext_modules=mypycify({paths!r}, opt_level='3'))\n",
            encoding="utf-8",
        )
        output = Path(work) / "lib"
        subprocess.run(
            [sys.executable, str(script), "build_ext", "--build-lib", str(output), "--build-temp", f"{work}/tmp"],
            cwd=root,
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "MYPYPATH": str(root)},
        )
        files = {
            path.name.split(".")[0]: path for path in output.rglob(f"*{importlib.machinery.EXTENSION_SUFFIXES[0]}")
        }
        [runtime] = [name for name in files if name not in COMPILED_MODULES]
        shutil.rmtree(build_dir, ignore_errors=True)
        build_dir.mkdir(parents=True)
        for path in files.values():
            shutil.copy2(path, build_dir / path.name)
    stamp = {
        "abi": abi(),
        "runtime": runtime,
        "files": {name: path.name for name, path in files.items()},
        "sources": sources,
    }
    (build_dir / STAMP).write_text(json.dumps(stamp, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if fresh_build() is not None:  # a module that is not compiled changed: nothing to do
        (BUILD_DIR / STAMP).touch()
        sys.exit(0)
    try:
        build()
    except (OSError, subprocess.CalledProcessError, ImportError, ValueError) as error:
        print(f"the parser was not compiled ({error}); it runs as Python, slower", file=sys.stderr)
        shutil.rmtree(BUILD_DIR, ignore_errors=True)
    else:
        print(f"compiled the parser into {BUILD_DIR}")
