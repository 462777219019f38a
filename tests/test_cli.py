"""The citysnap command line: check without building, and query the warehouse."""

import json
from pathlib import Path

from pipeline.cli import main
from tests.conftest import STOCKHOLM


def test_check_prints_the_record_and_its_parse_report(capsys):
    assert main(["check", str(STOCKHOLM)]) == 0
    out = capsys.readouterr().out
    assert "OK Stockholm, Sweden" in out
    assert "population: 974073" in out
    assert "report: 26 fields found, 0 missing, 0 unparsed lines, 0 labels coded other" in out


def test_check_exits_non_zero_for_a_document_that_would_be_rejected(tmp_path: Path, capsys):
    (tmp_path / "2020").mkdir()
    bad = tmp_path / "2020" / "notes.txt"
    bad.write_text("Meeting notes\n", encoding="utf-8")
    assert main(["check", str(STOCKHOLM), str(bad)]) == 1
    assert "REJECTED no_snapshot_header" in capsys.readouterr().out


def test_sql_prints_query_results_in_each_format(messy_build, capsys):
    _, warehouse = messy_build
    query = "SELECT city, population FROM snapshots"
    assert main(["sql", query, "--warehouse", str(warehouse), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"city": "Stockholm", "population": 974073}]
    assert main(["sql", query, "--warehouse", str(warehouse), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["city,population", "Stockholm,974073"]
    assert main(["sql", query, "--warehouse", str(warehouse)]) == 0
    assert "| Stockholm |" in capsys.readouterr().out


def test_sql_reports_errors_and_a_missing_warehouse(messy_build, tmp_path: Path, capsys):
    _, warehouse = messy_build
    assert main(["sql", "SELECT nope FROM snapshots", "--warehouse", str(warehouse)]) == 2
    assert "SQL error" in capsys.readouterr().err
    assert main(["sql", "SELECT 1", "--warehouse", str(tmp_path)]) == 2
    assert "run `citysnap build`" in capsys.readouterr().err


def test_check_reads_a_pdf_with_its_grid_statuses(tmp_path: Path, capsys):
    from tests.pdf_factory import snapshot_pdf

    (tmp_path / "2020").mkdir()
    pdf = tmp_path / "2020" / "stockholm.pdf"
    pdf.write_bytes(snapshot_pdf())
    assert main(["check", str(pdf)]) == 0
    out = capsys.readouterr().out
    assert "OK Stockholm, Sweden" in out
    assert "Transport / Mobility [transport_mobility: sufficient]" in out
