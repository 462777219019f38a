"""Something to look at on day one (issue 12.8): a generated corpus builds into a warehouse whose tables,
summary and report pages all say the data is synthetic; a warehouse of real documents says nothing of it."""

import subprocess
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from pipeline.commands.build import build_summary
from pipeline.synthetic import NOTICE, NOTICE_TABLE
from tests.conftest import PROJECT_ROOT


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    assert main(["synth", "--count", "24", "--out", str(root / "raw")]) == 0
    assert main(["build", "--raw", str(root / "raw"), "--warehouse", str(root / "warehouse"), "--quiet"]) in (0, 4)
    return root / "warehouse"


def test_every_table_and_view_of_a_synthetic_warehouse_says_so(demo_warehouse):
    with duckdb.connect(str(demo_warehouse / "warehouse.duckdb"), read_only=True) as connection:
        notice = connection.execute(f"SELECT synthetic, notice FROM {NOTICE_TABLE}").fetchall()
        comments = connection.execute(
            "SELECT table_name, comment FROM duckdb_tables() UNION ALL SELECT view_name, comment FROM duckdb_views() "
            "WHERE NOT internal"
        ).fetchall()
    assert notice == [(True, NOTICE)]
    assert len(comments) > 20
    assert all(comment.startswith("SYNTHETIC DATA") for _, comment in comments)


def test_the_build_summary_and_every_report_page_say_the_data_is_synthetic(demo_warehouse):
    assert build_summary(demo_warehouse).splitlines()[0] == NOTICE
    pages = sorted((demo_warehouse / "report").rglob("*.html"))
    assert len(pages) == 25  # the index and one page per city and wave
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert 'class="synthetic-banner"' in html and "SYNTHETIC DATA" in html, page.name


def test_a_warehouse_of_real_documents_carries_no_notice(messy_build):
    connection, warehouse = messy_build
    assert (
        connection.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [NOTICE_TABLE]).fetchone()[0]
        == 0
    )
    assert "SYNTHETIC" not in build_summary(warehouse)


def test_make_demo_builds_into_demo_never_into_warehouse():
    plan = subprocess.run(["make", "-n", "demo"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout
    assert "citysnap synth --count 300" in plan
    assert "--raw demo/raw --warehouse demo/warehouse" in plan
    assert "--warehouse warehouse" not in plan
