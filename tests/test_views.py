"""The published DuckDB file is BI-ready: friendly views with stable names, and a description on every
table, view and column, all generated from the models."""

import re
from pathlib import Path

import duckdb
import pytest

from pipeline.aggregate.aggregates import aggregate_queries
from pipeline.dictionary import AGGREGATE_MODELS, VIEW_MODELS, catalog
from pipeline.publish.views import view_queries
from schemas.models import TABLE_MODELS
from tests.conftest import PROJECT_ROOT
from tests.report_helpers import multi_wave_warehouse

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return multi_wave_warehouse(tmp_path_factory)


@pytest.fixture(scope="module")
def db(warehouse: Path):
    connection = duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True)
    yield connection
    connection.close()


def test_the_friendly_views_are_published_under_their_documented_names(db):
    views = {row[0] for row in db.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert views == set(view_queries()) == set(VIEW_MODELS)
    assert views >= {"v_city_profile", "v_items_labelled", "v_headline_shares", "v_item_shares"}
    documented = set(re.findall(r"`(v_[a-z_]+)`", README))
    assert views <= documented, "every view is listed in the README's 'Views for BI tools'"


def test_every_table_view_and_column_carries_a_description(db):
    undescribed_columns = db.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal AND coalesce(comment, '') = ''"
    ).fetchall()
    undescribed_tables = db.execute(
        "SELECT table_name FROM duckdb_tables() WHERE coalesce(comment, '') = ''"
    ).fetchall()
    undescribed_views = db.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND coalesce(comment, '') = ''"
    ).fetchall()
    assert undescribed_columns == []
    assert undescribed_tables == []
    assert undescribed_views == []


def published_columns(db, name: str) -> list[tuple[str, str]]:
    sql = "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index"
    return [tuple(row) for row in db.execute(sql, [name]).fetchall()]


def test_every_relation_has_a_model_with_the_published_columns_and_types(db):
    published = {name: published_columns(db, name) for name in [*TABLE_MODELS, *aggregate_queries(), *view_queries()]}
    documented = {doc.name: [(column.name, column.type) for column in doc.columns] for doc in catalog()}
    assert set(documented) == set(published)
    for name, columns in published.items():
        assert documented[name] == columns, f"{name}: model and published columns differ"


@pytest.mark.parametrize("name", [*AGGREGATE_MODELS, *VIEW_MODELS])
def test_aggregates_and_views_pass_their_pandera_models(db, name):
    AGGREGATE_MODELS.get(name, VIEW_MODELS.get(name)).validate(db.execute(f'SELECT * FROM "{name}"').df(), lazy=True)


def test_city_profile_has_one_row_per_city_and_wave_with_its_headline_facts(db):
    rows = db.execute(
        "SELECT snapshot_id, has_formal_strategy, team_staff, cities_in_wave, waves_of_city, source_path "
        "FROM v_city_profile WHERE city = 'Stockholm' ORDER BY survey_wave"
    ).fetchall()
    assert rows == [
        ("2018-se-stockholm", False, 5, 2, 2, "2018/stockholm.txt"),
        ("2020-se-stockholm", True, 9, 3, 2, "2020/stockholm.txt"),
    ]
    assert (
        db.execute("SELECT count(*) FROM v_city_profile").fetchone()
        == db.execute("SELECT count(*) FROM snapshots").fetchone()
    )


def test_items_carry_the_vocabulary_label_next_to_the_wording_of_the_document(db):
    row = db.execute(
        "SELECT display_label, label_as_written, dimension_label, cities_naming, cities_in_wave, pct_of_cities "
        "FROM v_items_labelled WHERE snapshot_id = '2020-se-stockholm' AND code = 'communications_marketing'"
    ).fetchone()
    assert row == ("Communications / marketing", "Strategic Communications / Marketing", "Staff skills", 2, 3, 66.67)


def test_headline_shares_agree_with_agg_overview(db):
    overview = db.execute("SELECT survey_wave, pct_formal_strategy, pct_dedicated_funding FROM agg_overview").fetchall()
    for wave, strategy, funding in overview:
        shares = dict(
            db.execute(
                "SELECT measure, pct_of_answering FROM v_headline_shares WHERE survey_wave = ?", [wave]
            ).fetchall()
        )
        assert (shares["formal_strategy"], shares["dedicated_funding"]) == (strategy, funding)


def test_item_shares_rank_the_codes_most_cities_name_first(db):
    top = db.execute(
        "SELECT code FROM v_item_shares WHERE survey_wave = 2020 AND dimension = 'staff_skills' AND rank_in_list = 1"
    ).fetchall()
    assert sorted(top) == [("data_scientist",), ("project_manager",)]


@pytest.mark.parametrize("name", list(VIEW_MODELS))
def test_views_have_a_wave_date_on_the_first_day_of_the_wave_year_for_time_series(db, name):
    rows = db.execute(f"SELECT DISTINCT survey_wave, wave_date, typeof(wave_date) FROM {name} ORDER BY 1").fetchall()
    assert [(wave, str(date), kind) for wave, date, kind in rows] == [
        (2018, "2018-01-01", "DATE"),
        (2020, "2020-01-01", "DATE"),
    ]


def test_a_view_is_validated_without_its_order_by_and_gives_the_same_rows(db):
    """Validation checks rows, not their order: sorting a view's every row (2.2 million at 100,000
    documents) only cost memory, so the build validates each view's query without its final ORDER BY."""
    from pipeline.publish.views import unordered

    for name, sql in view_queries().items():
        validated = unordered(db, sql)
        assert "ORDER BY" not in validated.upper().rsplit(")", 1)[-1], name
        assert sorted(db.execute(validated).fetchall(), key=repr) == sorted(
            db.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr
        ), name
