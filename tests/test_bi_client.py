"""The BI client path: SQLAlchemy with duckdb-engine (what Superset, Metabase's Python bridges and
notebooks use) reads the published file opened read-only, and sees the views and their descriptions."""

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.report_helpers import multi_wave_warehouse


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    path = multi_wave_warehouse(tmp_path_factory) / "warehouse.duckdb"
    engine = sa.create_engine(f"duckdb:///{path}", connect_args={"read_only": True})
    yield engine
    engine.dispose()


def test_a_bi_client_queries_the_views_through_sqlalchemy(engine):
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT city, survey_wave, has_formal_strategy FROM v_city_profile WHERE city = :city ORDER BY 2"),
            {"city": "Stockholm"},
        ).all()
    assert [tuple(row) for row in rows] == [("Stockholm", 2018, False), ("Stockholm", 2020, True)]


def test_a_bi_client_discovers_tables_views_columns_and_their_descriptions(engine):
    inspector = sa.inspect(engine)
    assert {"snapshots", "agg_overview", "agg_city_changes"} <= set(inspector.get_table_names())
    assert {"v_city_profile", "v_items_labelled", "v_headline_shares", "v_item_shares"} <= set(
        inspector.get_view_names()
    )
    columns = {column["name"]: column for column in inspector.get_columns("v_city_profile")}
    assert columns["team_staff"]["comment"] == "Team size, only when one number is stated"
    assert all(column["comment"] for column in columns.values())
    assert inspector.get_table_comment("snapshots")["text"].startswith("One row per city per survey wave")


def test_the_read_only_bi_connection_shares_the_file_with_other_readers_and_cannot_change_it(engine, tmp_path_factory):
    warehouse = multi_wave_warehouse(tmp_path_factory)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM v_city_profile")).scalar_one() == 5
        other_process = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "sql", "SELECT count(*) AS n FROM snapshots", "--format", "csv",
             "--warehouse", str(warehouse)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert other_process.stdout.split() == ["n", "5"], other_process.stderr
        with pytest.raises(sa.exc.DBAPIError, match="read-only"):
            connection.execute(sa.text("CREATE TABLE scratch AS SELECT 1 AS x"))


def test_the_published_file_is_a_plain_duckdb_file(tmp_path_factory):
    path = multi_wave_warehouse(tmp_path_factory) / "warehouse.duckdb"
    assert Path(path).read_bytes()[8:12] == b"DUCK"


def test_the_uri_a_bi_tool_is_given_opens_the_file_read_only(engine, tmp_path_factory):
    engine.dispose()  # one process may hold a file with one configuration only; a BI tool has just this one
    path = multi_wave_warehouse(tmp_path_factory) / "warehouse.duckdb"
    bi_engine = sa.create_engine(f"duckdb:///{path}?access_mode=read_only")
    try:
        with bi_engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM v_items_labelled")).scalar_one() > 0
            with pytest.raises(sa.exc.DBAPIError, match="read-only"):
                connection.execute(sa.text("DROP VIEW v_city_profile"))
    finally:
        bi_engine.dispose()
