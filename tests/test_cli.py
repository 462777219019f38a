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


def test_version_and_help_for_every_command_argument_and_option(capsys):
    import argparse

    import pytest

    from pipeline.cli import package_version, parser

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"citysnap {package_version()}"
    top = parser()
    [commands] = [action for action in top._actions if isinstance(action, argparse._SubParsersAction)]
    assert set(commands.choices) == {"build", "check", "city", "report", "sql", "synth"}
    for name, command in commands.choices.items():
        for action in command._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help, f"citysnap {name} {action.dest} has no help text"


def test_help_sql_city_and_check_do_not_import_dagster_or_pandas(messy_build):
    import subprocess
    import sys

    _, warehouse = messy_build
    probe = (
        "import sys, contextlib, io\n"
        "from pipeline.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "    try:\n"
        "        main(sys.argv[1:])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted({'dagster', 'pandas'} & set(sys.modules)))\n"
    )
    for args in (["--help"], ["sql", "select 1", "--warehouse", str(warehouse)], ["sql", "--help"]):
        done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True)
        assert done.stdout.strip() == "[]", args
    for args in (["check", str(STOCKHOLM)], ["city", "Stockholm", "--warehouse", str(warehouse)]):
        done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True)
        assert "dagster" not in done.stdout, args


def test_sql_is_read_only_but_reads_the_parquet_twins(messy_build, tmp_path: Path, capsys):
    _, warehouse = messy_build
    before = {path: path.read_bytes() for path in (warehouse / "parquet").glob("*.parquet")}
    twin = warehouse / "parquet" / "snapshots.parquet"
    assert main(["sql", f"SELECT city FROM read_parquet('{twin}')", "--warehouse", str(warehouse)]) == 0
    assert "Stockholm" in capsys.readouterr().out
    target = tmp_path / "out.csv"
    refused = {
        f"COPY (SELECT 1) TO '{target}'": "COPY statements are not allowed",
        f"COPY snapshots TO '{twin}' (FORMAT parquet)": "COPY statements are not allowed",
        "INSTALL httpfs": "not allowed",
        "LOAD json": "not allowed",
        f"ATTACH '{tmp_path / 'x.duckdb'}'": "ATTACH statements are not allowed",
        "SET enable_external_access = true": "SET statements are not allowed",
        "CREATE TABLE t AS SELECT 1": "not allowed",
        "SELECT 1; COPY (SELECT 1) TO 'x.csv'": "COPY statements are not allowed",
    }
    for query, message in refused.items():
        assert main(["sql", query, "--warehouse", str(warehouse)]) == 2, query
        assert message in capsys.readouterr().err, query
    for query in ("SELECT * FROM read_text('/etc/passwd')", "SELECT * FROM read_csv('/etc/hostname')"):
        assert main(["sql", query, "--warehouse", str(warehouse)]) == 2, query
        assert "Permission Error" in capsys.readouterr().err
    assert not target.exists()
    assert before == {path: path.read_bytes() for path in (warehouse / "parquet").glob("*.parquet")}


def test_sql_reads_the_query_from_stdin_and_prints_the_last_statement(messy_build, monkeypatch, capsys):
    import io

    _, warehouse = messy_build
    monkeypatch.setattr("sys.stdin", io.StringIO("SELECT 1 AS first;\nSELECT city FROM snapshots;\n"))
    assert main(["sql", "-", "--warehouse", str(warehouse), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["city", "Stockholm"]


def test_null_prints_the_same_in_every_text_format_and_as_null_in_json(messy_build, capsys):
    _, warehouse = messy_build
    query = "SELECT 'a' AS name, NULL AS value"
    shown = {}
    for fmt in ("table", "vertical", "csv", "markdown", "json"):
        assert main(["sql", query, "--warehouse", str(warehouse), "--format", fmt]) == 0
        shown[fmt] = capsys.readouterr().out
    for fmt in ("table", "vertical", "csv", "markdown"):
        assert "NULL" in shown[fmt], fmt
    assert json.loads(shown["json"]) == [{"name": "a", "value": None}]


def test_check_reports_a_missing_file_and_a_folder_without_a_traceback(tmp_path: Path, capsys):
    assert main(["check", str(tmp_path / "nope.txt"), str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'nope.txt'}: ERROR no such file" in err
    assert f"{tmp_path}: ERROR is a folder" in err


def test_check_gives_a_file_outside_a_wave_folder_the_rejection_the_build_gives(messy_build, messy_raw, capsys):
    connection, _ = messy_build
    built = connection.execute("SELECT reason FROM rejected_documents WHERE path = 'loose.txt'").fetchone()[0]
    assert main(["check", str(messy_raw / "loose.txt"), "--format", "json"]) == 1
    [result] = json.loads(capsys.readouterr().out)
    assert result["status"] == "rejected"
    assert result["reason"] == built == "no_wave_folder"


def test_check_json_lists_each_file_with_its_report(capsys):
    assert main(["check", str(STOCKHOLM), "--format", "json"]) == 0
    [result] = json.loads(capsys.readouterr().out)
    assert result["status"] == "ok"
    assert (result["city"], result["survey_wave"], result["document_path"]) == ("Stockholm", 2020, "2020/stockholm.txt")
    assert result["report"]["fields_missing"] == 0


def test_the_build_loads_and_validates_without_importing_dask_or_hypothesis():
    """pandera imports dask when a model is built and hypothesis at its first validation, when they are
    installed (the dev extra): 2 s of every build's start-up and of the parse workers' fork server.
    The models validate pandas frames only: the assets and the fragment writer must not pay it."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "import pipeline.definitions, pipeline.publish.fragments\n"
        "from schemas.models import TABLE_MODELS\n"
        "import pandas as pd\n"
        "schema = TABLE_MODELS['documents'].to_schema()\n"
        "print(len(schema.validate(pd.DataFrame({c: pd.Series([], dtype=str(column.dtype)) "
        "for c, column in schema.columns.items()}))))\n"
        "print(sorted({'dask.dataframe', 'hypothesis'} & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0", "[]"]


def test_a_build_of_an_unchanged_folder_answers_without_importing_pandas_pyarrow_or_dagster(tmp_path: Path):
    """The no-change check (inventory, manifest, plan) is the whole of a no-change build: pandas' and pyarrow's
    imports (most of a second), or Dagster's seconds, would be most of its cost."""
    import subprocess
    import sys

    warehouse = tmp_path / "warehouse"
    assert main(["build", "--raw", str(STOCKHOLM.parents[1]), "--warehouse", str(warehouse), "--quiet"]) == 0
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from pipeline.commands.build import already_up_to_date\n"
        f"print(already_up_to_date(Path({str(STOCKHOLM.parents[1])!r}), Path({str(warehouse)!r}), report=True))\n"
        "print(sorted({'pandas', 'pyarrow', 'dagster'} & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "[]"]


def test_the_build_summary_lays_out_its_row_counts_as_tabulate_does():
    """The summary's table is written without tabulate (0.1 s of imports in a build that finds nothing to
    do), in the layout its users and the README know: tabulate's "simple" format, the oracle here."""
    from tabulate import tabulate

    from pipeline.commands.build import counts_table

    for counts in [
        [],
        [("documents", 1), ("vocabulary", 119)],
        [("agg_policy_area_data", 36), ("line_attributions", 466_392), ("x", 0)],
        [("a_table_with_a_long_name_indeed", 12_345_678_901)],
    ]:
        assert counts_table(counts) == tabulate(counts, headers=["table", "rows"], tablefmt="simple"), counts
