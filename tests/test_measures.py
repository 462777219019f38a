"""The headline measures are defined once, as data (schemas/measures.yaml): the SQL of the views and
aggregates, the report and `citysnap city` are generated from that definition and agree with it."""

import re
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from pipeline.publish.views import SQL as VIEWS
from pipeline.report.data import city_answers, headline_shares
from schemas.measures import Measure, answer_wording, measures
from schemas.models import SnapshotsTable
from tests.conftest import PROJECT_ROOT
from tests.report_helpers import multi_wave_warehouse

SOURCES = sorted([*(PROJECT_ROOT / "pipeline").rglob("*.py"), *(PROJECT_ROOT / "pipeline").rglob("*.sql")])


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return multi_wave_warehouse(tmp_path_factory)


@pytest.fixture(scope="module")
def db(warehouse: Path):
    connection = duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True)
    yield connection
    connection.close()


def test_no_pipeline_code_spells_out_a_yes_no_measure_its_label_or_the_answer_wording():
    written = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for item in measures():
            if item.kind != "yes_no":
                continue  # a choice's code is its column's name too ("approach")
            for literal in (f"'{item.code}'", f'"{item.code}"', item.label):
                if literal in text:
                    written.append((path.name, literal))
        if re.search(r"\{True: \"yes\"", text):
            written.append((path.name, "YES_NO"))
    assert written == []


def test_every_measure_reads_a_snapshots_column():
    columns = SnapshotsTable.to_schema().columns
    for item in measures():
        assert item.column in columns
        assert str(columns[item.column].dtype).startswith("boolean" if item.kind == "yes_no" else "string")
    assert [answer_wording(value) for value in (True, False, None)] == ["yes", "no", "not stated"]


def test_v_headline_shares_has_one_row_per_wave_and_measure_of_the_definition(db):
    expected = []
    for item in measures():
        expected += [item.code] if item.kind == "yes_no" else [f"{item.code}_{code}" for code, _ in item.options()]
    for wave in (2018, 2020):
        rows = [row["measure"] for row in headline_shares(db, wave)]
        assert sorted(rows) == sorted(expected)


def test_a_measure_added_to_the_definition_reaches_the_views(db, monkeypatch):
    added = Measure("data_in_planning", "yes_no", "uses_data_in_urban_planning", "Data in urban planning", "Data")
    monkeypatch.setattr("pipeline.sqlfiles.measures", lambda: (*measures(), added))
    rows = db.execute(
        f"SELECT survey_wave, label, cities_answering FROM ({VIEWS.queries()['v_headline_shares']}) "
        "WHERE measure = 'data_in_planning' ORDER BY 1"
    ).fetchall()
    assert rows == [(2018, "Data in urban planning", 2), (2020, "Data in urban planning", 3)]


def test_citysnap_city_and_the_city_page_show_the_same_answers(db, warehouse, capsys):
    city = db.execute("SELECT * FROM v_city_profile WHERE snapshot_id = '2020-no-oslo'").df().iloc[0].to_dict()
    answers = city_answers(city, headline_shares(db, 2020))
    page = (warehouse / "report" / "cities" / "2020-no-oslo.html").read_text(encoding="utf-8")
    headline = re.search(r'<section class="compare" id="headline">.*?</section>', page, flags=re.S).group(0)
    shown = re.findall(r"<tr><td>([^<]*)</td><td>(<span class=\"mark\">◆</span> )?([^<]*)</td></tr>", headline)
    expected = [(a.question, "◆" if a.has_it else "", a.answer) for a in answers if a.kind == "yes_no"]
    expected += [(a.question, "◆", a.label.split(": ", 1)[1]) for a in answers if a.kind == "choice" and a.has_it]
    assert [(question, "◆" if mark else "", answer) for question, mark, answer in shown] == expected
    assert main(["city", "Oslo", "--wave", "2020", "--warehouse", str(warehouse)]) == 0
    printed = capsys.readouterr().out
    funding = next(answer for answer in answers if answer.measure == "dedicated_funding")
    assert (funding.answer, funding.same_answer, funding.cities_answering) == ("no", 1, 3)
    assert re.search(r"Dedicated innovation funding\s+no\s+33% \(1 of 3\)", printed)
    assert re.search(r"Approach\s+specific\s+33% \(1 of 3\)", printed)
