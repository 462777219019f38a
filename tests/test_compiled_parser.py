"""The parser compiled by mypyc (``make setup``) gives exactly the results of its Python source, and a
compiled module is used only while it is the compilation of the source beside it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.parse.compiled import BUILD_DIR, COMPILED_MODULES, PACKAGE_DIR, STAMP, abi, fresh_build, sha256_of
from tests.conftest import STOCKHOLM

FIXTURES = Path(__file__).parent / "fixtures"
RESULTS = """
import hashlib, json, sys
from pathlib import Path
from pipeline.parse.compiled import is_compiled
from pipeline.parse.document import parse_text
texts = [Path(path).read_text(encoding="utf-8") for path in sys.argv[1:]]
digests = [hashlib.sha256(repr(parse_text(text)).encode()).hexdigest() for text in texts]
print(json.dumps({"compiled": is_compiled(), "digests": digests}))
"""


def parse_in_process(paths: list[Path], **environment: str) -> dict:
    output = subprocess.run(
        [sys.executable, "-c", RESULTS, *map(str, paths)],
        env={**os.environ, **environment},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output)


def test_the_compiled_parser_gives_the_results_of_its_python_source():
    if fresh_build() is None:
        if os.environ.get("CI"):
            pytest.fail("make setup did not compile the parser: is a C compiler installed?")
        pytest.skip("the parser is not compiled here (no C compiler at make setup)")
    documents = [STOCKHOLM, *sorted(FIXTURES.glob("*.txt"))]
    compiled = parse_in_process(documents)
    source = parse_in_process(documents, CITYSNAP_PURE_PYTHON="1")
    assert (compiled["compiled"], source["compiled"]) == (True, False)
    assert compiled["digests"] == source["digests"]


@pytest.fixture
def build_and_sources(tmp_path: Path) -> tuple[Path, Path]:
    """A build folder stamped with today's parser sources (its compiled files stand in as empty files),
    and a copy of those sources."""
    sources = tmp_path / "parse"
    sources.mkdir()
    for name in COMPILED_MODULES:
        shutil.copy(PACKAGE_DIR / f"{name}.py", sources / f"{name}.py")
    build = tmp_path / "build"
    build.mkdir()
    files = {name: f"{name}.so" for name in [*COMPILED_MODULES, "runtime__mypyc"]}
    for file in files.values():
        (build / file).write_bytes(b"")
    stamp = {
        "abi": abi(),
        "runtime": "runtime__mypyc",
        "files": files,
        "sources": {name: sha256_of(sources / f"{name}.py") for name in COMPILED_MODULES},
    }
    (build / STAMP).write_text(json.dumps(stamp), encoding="utf-8")
    return build, sources


def test_a_build_of_todays_sources_is_used(build_and_sources):
    build, sources = build_and_sources
    found = fresh_build(build, sources)
    assert found is not None
    assert found["pipeline.parse.lines"] == build / "lines.so"
    assert found["runtime__mypyc"] == build / "runtime__mypyc.so"


def test_a_build_is_not_used_once_one_of_its_sources_changed(build_and_sources):
    build, sources = build_and_sources
    with (sources / "values.py").open("a", encoding="utf-8") as source:
        source.write("\n# edited after the build\n")
    assert fresh_build(build, sources) is None


@pytest.mark.parametrize(
    "damage",
    ["another python", "stamp cut off", "compiled file missing", "module missing from the stamp"],
)
def test_a_build_for_another_python_or_damaged_is_not_used(build_and_sources, damage):
    build, sources = build_and_sources
    stamp = json.loads((build / STAMP).read_text(encoding="utf-8"))
    if damage == "another python":
        stamp["abi"] = "cpython-399 .cpython-399-x86_64-linux-gnu.so"
    elif damage == "compiled file missing":
        (build / "prose.so").unlink()
    elif damage == "module missing from the stamp":
        del stamp["sources"]["prose"]
    text = json.dumps(stamp)
    (build / STAMP).write_text(text[: len(text) // 2] if damage == "stamp cut off" else text, encoding="utf-8")
    assert fresh_build(build, sources) is None


def test_the_build_folder_is_next_to_the_package_not_in_it():
    """Compiled files inside pipeline/parse/ would shadow the sources for every import, stale or not."""
    assert BUILD_DIR.parent.name == "build"
    assert not list(PACKAGE_DIR.glob("*.so"))
