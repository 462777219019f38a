"""Shared fixtures: the seed document and a real Dagster build into a temporary warehouse."""

import shutil
from pathlib import Path

import duckdb
import pytest

from pipeline.runner import run_build

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
    return raw


@pytest.fixture(scope="module")
def messy_build(messy_raw: Path, tmp_path_factory: pytest.TempPathFactory):
    warehouse = tmp_path_factory.mktemp("warehouse")
    connection = build_warehouse(messy_raw, warehouse)
    yield connection, warehouse
    connection.close()
