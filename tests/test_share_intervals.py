"""Every share comes with its 95% Wilson score interval, computed in SQL by one pair of macros, and
agg_benchmark_check says whether the stated "Like N% of cities" lies inside the recomputed share's
interval, next to the exact comparison."""

import re

import duckdb
import pytest

from pipeline.sqlfiles import create_macros
from schemas.derived import AGGREGATE_MODELS, VIEW_MODELS
from tests.report_helpers import multi_wave_warehouse

# Hand-computed with centre = (p + z²/2n) / (1 + z²/n), half = z / (1 + z²/n) * sqrt(p(1-p)/n + z²/4n²),
# z = 1.959964; the same values as the usual tables of the Wilson interval (e.g. 0 of 10: 0-27.75%).
HAND_COMPUTED = [
    # k, n, share, low, high
    (0, 10, 0.0, 0.0, 27.75),
    (1, 1, 100.0, 20.65, 100.0),
    (1, 2, 50.0, 9.45, 90.55),
    (5, 10, 50.0, 23.66, 76.34),
    (14, 30, 46.67, 30.23, 63.86),
    (10, 10, 100.0, 72.25, 100.0),
]


@pytest.fixture(scope="module")
def macros():
    connection = duckdb.connect()
    create_macros(connection, temporary=True)
    yield connection
    connection.close()


@pytest.mark.parametrize(("k", "n", "share", "low", "high"), HAND_COMPUTED)
def test_the_wilson_interval_matches_hand_computed_values(macros, k, n, share, low, high):
    row = macros.execute(
        "SELECT share_pct($k, $n), wilson_low_pct($k, $n), wilson_high_pct($k, $n)", {"k": k, "n": n}
    ).fetchone()
    assert row == (share, low, high)


def test_a_share_of_no_city_has_no_interval(macros):
    assert macros.execute("SELECT share_pct(0, 0), wilson_low_pct(0, 0), wilson_high_pct(0, 0)").fetchone() == (
        None,
        None,
        None,
    )


def test_the_interval_contains_the_share_and_narrows_as_cities_are_added(macros):
    widths = []
    for n in (3, 30, 300):
        share, low, high = macros.execute(
            "SELECT share_pct($k, $n), wilson_low_pct($k, $n), wilson_high_pct($k, $n)", {"k": n // 3, "n": n}
        ).fetchone()
        assert 0 <= low <= share <= high <= 100
        widths.append(high - low)
    assert widths == sorted(widths, reverse=True)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory):
    connection = duckdb.connect(str(multi_wave_warehouse(tmp_path_factory) / "warehouse.duckdb"), read_only=True)
    yield connection
    connection.close()


def share_columns(columns: list[str]) -> list[str]:
    return [column for column in columns if re.fullmatch(r"pct_\w+|\w+_pct", column) and "_ci_" not in column
            and not column.startswith(("ci_", "stated_", "difference_"))]  # fmt: skip


@pytest.mark.parametrize("name", [*AGGREGATE_MODELS, *VIEW_MODELS])
def test_every_share_of_every_aggregate_and_view_is_followed_by_its_interval(name):
    columns = list({**AGGREGATE_MODELS, **VIEW_MODELS}[name].to_schema().columns)
    shares = share_columns(columns)
    for share in shares:
        at = columns.index(share)
        expected = ["ci_low_pct", "ci_high_pct"] if len(shares) == 1 else [f"{share}_ci_low", f"{share}_ci_high"]
        assert columns[at + 1 : at + 3] == expected, f"{name}.{share}"


def test_published_intervals_bracket_their_shares(db):
    checked = 0
    for name in [*AGGREGATE_MODELS, *VIEW_MODELS]:
        columns = list({**AGGREGATE_MODELS, **VIEW_MODELS}[name].to_schema().columns)
        shares = share_columns(columns)
        for share in shares:
            low, high = ("ci_low_pct", "ci_high_pct") if len(shares) == 1 else (f"{share}_ci_low", f"{share}_ci_high")
            outside = db.execute(
                f"SELECT count(*) FILTER (WHERE NOT ({low} <= {share} AND {share} <= {high})), "
                f"count(*) FILTER (WHERE {share} IS NOT NULL) FROM {name}"
            ).fetchone()
            assert outside[0] == 0, f"{name}.{share}"
            checked += outside[1]
    assert checked > 100


def test_headline_shares_carry_the_interval_of_their_counts(db):
    rows = db.execute(
        "SELECT survey_wave, cities_with, cities_answering, pct_of_answering, ci_low_pct, ci_high_pct "
        "FROM v_headline_shares WHERE measure = 'formal_strategy' ORDER BY survey_wave"
    ).fetchall()
    assert rows == [(2018, 1, 2, 50.0, 9.45, 90.55), (2020, 2, 3, 66.67, 20.77, 93.85)]


def test_benchmark_check_says_whether_the_stated_share_is_inside_the_interval(db):
    rows = db.execute(
        "SELECT city, survey_wave, topic, stated_text, cities_matching, cities_answering, computed_pct, "
        "ci_low_pct, ci_high_pct, within_stated, stated_within_ci FROM agg_benchmark_check "
        "WHERE topic IN ('dedicated_funding', 'formal_strategy') AND city = 'Stockholm' ORDER BY survey_wave, topic"
    ).fetchall()
    assert rows == [
        # 2018: "Unlike 50% of cities" with 1 of the 2 cities holding the other answer: exact and inside
        ("Stockholm", 2018, "dedicated_funding", "81%", 2, 2, 100.0, 34.24, 100.0, False, True),
        ("Stockholm", 2018, "formal_strategy", "50%", 1, 2, 50.0, 9.45, 90.55, True, True),
        # 2020: 2 of 3 cities have dedicated funding: 67% is not 81%, but 81% is well inside 21-94%
        ("Stockholm", 2020, "dedicated_funding", "81%", 2, 3, 66.67, 20.77, 93.85, False, True),
        ("Stockholm", 2020, "formal_strategy", "50%", 2, 3, 66.67, 20.77, 93.85, False, True),
    ]
