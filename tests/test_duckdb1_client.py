"""BI tools bundling a DuckDB 1.x driver (Superset's ``[duckdb]`` extra pins ``duckdb<2``) open the published
file: a real DuckDB 1.x client, in a virtualenv of its own (created on first use under ``.cache/``, from
PyPI), reads every table and view with the same rows and types as DuckDB 2, and SQLAlchemy 1.4 with
duckdb-engine sees the views, their column descriptions and the catalog named after the file."""

import json
import os
import subprocess
import venv
from pathlib import Path

import duckdb
import pytest

from tests.conftest import PROJECT_ROOT
from tests.report_helpers import multi_wave_warehouse

VENV = PROJECT_ROOT / ".cache" / "duckdb1-venv"
REQUIREMENTS = ["duckdb>=1.4,<2", "duckdb-engine>=0.17", "sqlalchemy==1.4.54"]
"""The driver stack of a Superset install (see the README's BI paragraph)."""


def duckdb1_python() -> Path:
    """The interpreter of the DuckDB 1.x virtualenv, created and installed when missing."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".requirements"
    if stamp.exists() and stamp.read_text() == "\n".join(REQUIREMENTS) and python.exists():
        return python
    venv.create(VENV, with_pip=True, clear=True)
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *REQUIREMENTS], capture_output=True, text=True, check=False
    )
    if install.returncode != 0:
        message = f"cannot install {REQUIREMENTS} from PyPI: {install.stderr[-500:]}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    stamp.write_text("\n".join(REQUIREMENTS))
    return python


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return multi_wave_warehouse(tmp_path_factory) / "warehouse.duckdb"


@pytest.fixture(scope="module")
def seen_by_duckdb1(warehouse: Path) -> dict:
    probe = subprocess.run(
        [str(duckdb1_python()), str(PROJECT_ROOT / "tests" / "duckdb1_probe.py"), str(warehouse)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    return json.loads(probe.stdout)


def test_the_client_is_a_duckdb_1x_release_and_not_the_projects_duckdb(seen_by_duckdb1):
    assert seen_by_duckdb1["duckdb"].startswith("1.")
    assert not duckdb.__version__.startswith("1.")
    assert seen_by_duckdb1["sqlalchemy"].startswith("1.4")


def test_duckdb_1x_reads_every_table_and_view_with_the_rows_and_types_duckdb_2_sees(seen_by_duckdb1, warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        names = connection.execute(
            "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
        expected = {}
        for (name,) in names:
            rows = connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            types = connection.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
                [name],
            ).fetchall()
            expected[name] = {"rows": rows, "columns": [list(column) for column in types]}
    assert seen_by_duckdb1["relations"] == expected
    assert {"v_city_profile", "v_headline_shares", "agg_benchmark_check"} <= set(expected)


def test_sqlalchemy_1_4_sees_the_views_descriptions_and_the_catalog_named_after_the_file(seen_by_duckdb1):
    assert seen_by_duckdb1["catalog"] == "warehouse"
    assert {"v_city_profile", "v_headline_shares", "v_item_shares", "v_items_labelled"} <= set(
        seen_by_duckdb1["sqlalchemy_views"]
    )
    comments = seen_by_duckdb1["sqlalchemy_comments"]
    assert comments["team_staff"] == "Team size, only when one number is stated"
    assert all(comments.values())
    assert ["formal_strategy", 1, 9.45] in seen_by_duckdb1["sqlalchemy_rows"]
