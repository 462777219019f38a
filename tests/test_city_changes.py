"""Wave over wave: what changed for each city present in more than one wave, and the shares side by side."""

from pathlib import Path

import duckdb
import pytest

from tests.report_helpers import multi_wave_warehouse


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory):
    warehouse: Path = multi_wave_warehouse(tmp_path_factory)
    connection = duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True)
    yield connection
    connection.close()


def change(db, city: str) -> dict:
    frame = db.execute("SELECT * FROM agg_city_changes WHERE city = ?", [city]).df()
    assert len(frame) == 1
    return frame.astype(object).where(frame.notna(), None).iloc[0].to_dict()


def test_only_cities_present_in_more_than_one_wave_are_listed(db):
    assert db.execute("SELECT city, from_wave, to_wave FROM agg_city_changes ORDER BY city").fetchall() == [
        ("Oslo", 2018, 2020),
        ("Stockholm", 2018, 2020),
    ]


def test_a_city_that_adopted_a_strategy_gained_it_and_its_team_and_skills_changed(db):
    stockholm = change(db, "Stockholm")
    assert stockholm["strategy_change"] == "gained"
    assert stockholm["funding_change"] == "unchanged"
    assert (stockholm["approach_from"], stockholm["approach_to"], stockholm["approach_changed"]) == (
        "holistic",
        "both",
        True,
    )
    assert (stockholm["team_staff_from"], stockholm["team_staff_to"], stockholm["team_staff_change"]) == (5, 9, 4)
    assert stockholm["skills_added"] == (
        "Business and economics; Communications / marketing; Community engagement staff; Data scientist; Sociologist"
    )
    assert (stockholm["skills_added_count"], stockholm["skills_removed"], stockholm["skills_removed_count"]) == (
        5,
        "Legal expert",
        1,
    )


def test_a_city_that_lost_its_funding_is_reported_as_lost(db):
    oslo = change(db, "Oslo")
    assert (oslo["strategy_change"], oslo["funding_change"]) == ("unchanged", "lost")
    assert (oslo["skills_added"], oslo["skills_removed"], oslo["skills_removed_count"]) == ("Data scientist", "", 0)


def test_wave_comparison_puts_the_shares_of_consecutive_waves_side_by_side(db):
    rows = db.execute(
        "SELECT code, from_cities, from_base, from_pct, to_cities, to_base, to_pct, change_pct_points "
        "FROM agg_wave_comparison WHERE (dimension, code) IN (('headline', 'formal_strategy'), "
        "('headline', 'dedicated_funding'), ('staff_skills', 'legal_expert')) ORDER BY code"
    ).fetchall()
    assert rows == [
        ("dedicated_funding", 2, 2, 100.0, 2, 3, 66.67, -33.33),
        ("formal_strategy", 1, 2, 50.0, 2, 3, 66.67, 16.67),
        ("legal_expert", 1, 2, 50.0, 0, 3, 0.0, -50.0),
    ]


def test_wave_comparison_covers_every_headline_measure_approach_and_named_code(db):
    measures = db.execute("SELECT dimension, count(*) FROM agg_wave_comparison GROUP BY 1 ORDER BY 1").fetchall()
    counts = dict(measures)
    assert counts["headline"] == 4
    assert counts["approach"] == 3
    named = db.execute("SELECT count(DISTINCT (dimension, code)) FROM snapshot_items").fetchone()[0]
    assert sum(n for dimension, n in measures if dimension not in {"headline", "approach"}) == named
