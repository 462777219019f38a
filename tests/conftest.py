"""Shared fixtures: the seed document and a real Dagster build into a temporary warehouse."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipeline.runner import run_build
from tests.hostile_files import giant_mediabox_pdf

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STOCKHOLM = PROJECT_ROOT / "raw" / "2020" / "stockholm.txt"


@pytest.fixture
def stockholm_text() -> str:
    return STOCKHOLM.read_text(encoding="utf-8")


def build_warehouse(raw_dir: Path, warehouse_dir: Path) -> duckdb.DuckDBPyConnection:
    """Materialize every asset through Dagster and open the published DuckDB file read-only."""
    result = run_build(raw_dir, warehouse_dir, quiet=True)
    assert result.success, "the Dagster run failed"
    return duckdb.connect(str(warehouse_dir / "warehouse.duckdb"), read_only=True)


TEST_LIMITS = {"CITYSNAP_PARSE_SECONDS": "6", "CITYSNAP_PARSE_MEMORY_MB": "640", "CITYSNAP_MAX_BYTES": "2000000"}
"""Parse limits for the whole suite: small enough that hostile files trip them fast, and the same in every
build of a test, so their rejections are as deterministic as any other."""


@pytest.fixture(scope="session", autouse=True)
def parse_limits_for_tests() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in TEST_LIMITS}
    os.environ.update(TEST_LIMITS)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="module")
def messy_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stockholm plus every kind of bad input the pipeline must reject without failing."""
    raw = tmp_path_factory.mktemp("raw")
    wave = raw / "2020"
    wave.mkdir()
    shutil.copy(STOCKHOLM, wave / "stockholm.txt")
    (wave / "empty.txt").write_bytes(b"")
    (wave / "binary.txt").write_bytes(bytes(range(256)) * 8)
    latin1 = STOCKHOLM.read_text(encoding="utf-8").replace("Stockholm", "Malmö").replace("STOCKHOLM", "MALMÖ")
    (wave / "latin1.txt").write_bytes(latin1.encode("latin-1", errors="replace"))
    (wave / "no_header.txt").write_text("Meeting notes\n\nNothing about a city snapshot here.\n", encoding="utf-8")
    (wave / "stockholm_copy.txt").write_text(STOCKHOLM.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    (raw / "loose.txt").write_text(STOCKHOLM.read_text(encoding="utf-8"), encoding="utf-8")
    oslo = STOCKHOLM.read_text(encoding="utf-8").replace("STOCKHOLM, Sweden", "OSLO, Norway")
    (wave / "mediabox.pdf").write_bytes(giant_mediabox_pdf())
    (wave / "filler.txt").write_text(oslo + "Health\n" * 400_000, encoding="utf-8")
    (wave / "nul.txt").write_text(
        oslo.replace("Overview", "Overview" + "\n" * 9000 + "Health\x00", 1), encoding="utf-8"
    )
    (wave / "~$lock.txt").write_text(oslo, encoding="utf-8")
    os.symlink(wave / "missing.txt", wave / "dangling.txt")
    Path(os.fsdecode(os.fsencode(wave) + b"/oslo\xff.txt")).write_text(oslo, encoding="utf-8")
    return raw


@pytest.fixture(scope="module")
def messy_build(messy_raw: Path, tmp_path_factory: pytest.TempPathFactory):
    warehouse = tmp_path_factory.mktemp("warehouse")
    connection = build_warehouse(messy_raw, warehouse)
    yield connection, warehouse
    connection.close()
