"""Builds that cannot destroy data (issue 12.1) and failures that say why (issue 11.13, 11.14): real Dagster
runs through the CLI into real warehouse folders."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipeline.cli import main
from pipeline.definitions import resolved_build_job
from tests.conftest import PROJECT_ROOT, STOCKHOLM


def loaded_snapshots(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as connection:
        return connection.execute("SELECT count(*) FROM snapshots").fetchone()[0]


@pytest.fixture(scope="module")
def good_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse holding Stockholm, built once; each test works on its own copy."""
    raw = tmp_path_factory.mktemp("raw")
    (raw / "2020").mkdir()
    shutil.copy(STOCKHOLM, raw / "2020" / "stockholm.txt")
    warehouse = tmp_path_factory.mktemp("good") / "warehouse"
    assert main(["build", "--raw", str(raw), "--warehouse", str(warehouse), "--quiet", "--skip-report"]) == 0
    return warehouse


@pytest.fixture
def warehouse(good_warehouse: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "warehouse"
    shutil.copytree(good_warehouse, copy)
    return copy


def build(raw: Path, warehouse: Path, *options: str) -> int:
    return main(["build", "--raw", str(raw), "--warehouse", str(warehouse), "--quiet", "--skip-report", *options])


def test_a_missing_raw_folder_exits_2_naming_the_path_and_keeps_the_warehouse(warehouse, tmp_path, capsys):
    typo = tmp_path / "rwa"
    assert build(typo, warehouse) == 2
    err = capsys.readouterr().err
    assert str(typo) in err and "does not exist" in err
    assert loaded_snapshots(warehouse) == 1


def test_an_empty_raw_folder_is_refused_over_a_loaded_warehouse_unless_allowed(warehouse, tmp_path, capsys):
    empty = tmp_path / "raw"
    empty.mkdir()
    assert build(empty, warehouse) == 5
    err = capsys.readouterr().err
    assert "build FAILED at step duckdb_warehouse: refused to publish: this build loaded 0 documents" in err
    assert "--allow-empty" in err
    assert "Traceback" not in err
    assert loaded_snapshots(warehouse) == 1
    assert build(empty, warehouse, "--allow-empty") == 0
    assert loaded_snapshots(warehouse) == 0


def test_a_build_that_rejects_every_document_is_refused(warehouse, tmp_path, capsys):
    raw = tmp_path / "raw"
    (raw / "2020").mkdir(parents=True)
    (raw / "2020" / "notes.txt").write_text("Meeting notes, not a snapshot\n", encoding="utf-8")
    (raw / "stockholm.txt").write_text(STOCKHOLM.read_text(encoding="utf-8"), encoding="utf-8")
    assert build(raw, warehouse) == 5
    assert "refused to publish" in capsys.readouterr().err
    assert loaded_snapshots(warehouse) == 1


def test_the_guard_protects_runs_started_outside_the_cli(warehouse, tmp_path):
    """The job as the UI, the schedule and the sensor run it (default IO manager, no CLI around it)."""
    empty = tmp_path / "raw"
    empty.mkdir()
    config = {"resources": {"settings": {"config": {"raw_dir": str(empty), "warehouse_dir": str(warehouse)}}}}
    with dg.instance_for_test() as instance:
        result = resolved_build_job().execute_in_process(run_config=config, instance=instance, raise_on_error=False)
    assert not result.success
    [failure] = [event for event in result.all_events if event.event_type_value == "STEP_FAILURE"]
    assert failure.step_key == "duckdb_warehouse"
    assert "refused to publish" in failure.step_failure_data.user_failure_data.description
    assert loaded_snapshots(warehouse) == 1


def test_a_first_build_of_an_empty_folder_publishes_an_empty_warehouse(tmp_path):
    empty = tmp_path / "raw"
    empty.mkdir()
    assert build(empty, tmp_path / "warehouse") == 0
    assert loaded_snapshots(tmp_path / "warehouse") == 0


def test_a_build_with_rejections_exits_4_and_a_clean_build_0(warehouse, tmp_path, capsys):
    raw = tmp_path / "raw"
    (raw / "2020").mkdir(parents=True)
    shutil.copy(STOCKHOLM, raw / "2020" / "stockholm.txt")
    assert build(raw, warehouse) == 0
    (raw / "2020" / "empty.txt").write_bytes(b"")
    assert build(raw, warehouse) == 4
    captured = capsys.readouterr()
    assert "rejected 2020/empty.txt: empty" in captured.out
    assert "exit code 4" in captured.err
    assert loaded_snapshots(warehouse) == 1


def test_a_failed_step_is_printed_with_its_error_and_what_to_do(warehouse, capsys):
    shutil.rmtree(warehouse / ".cache")
    (warehouse / ".cache").write_text("not a folder", encoding="utf-8")
    assert build(PROJECT_ROOT / "raw", warehouse) == 1
    err = capsys.readouterr().err
    assert "build FAILED at step raw_documents: FileExistsError" in err
    assert "what to do: " in err
    assert "nothing was published" in err
    assert "Traceback" not in err and "Stack Trace" not in err


@pytest.mark.skipif(not shutil.which("setpriv"), reason="needs setpriv (util-linux) to drop root's override")
def test_a_read_only_warehouse_folder_gives_a_clear_message_not_a_traceback(warehouse):
    """As root, write permissions are enforced only once CAP_DAC_OVERRIDE is dropped (setpriv)."""
    for folder, _, files in os.walk(warehouse):
        for name in [*files, "."]:
            os.chmod(Path(folder) / name, 0o555 if name == "." else 0o444)
    drop = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"] if os.geteuid() == 0 else []
    command = [*drop, sys.executable, "-m", "pipeline.cli", "build", "--raw", str(PROJECT_ROOT / "raw")]
    try:
        done = subprocess.run(
            [*command, "--warehouse", str(warehouse), "--quiet"], capture_output=True, text=True, timeout=300
        )
    finally:
        for folder, _, _ in os.walk(warehouse):
            os.chmod(folder, 0o755)
    assert done.returncode == 1, done.stderr
    assert "Permission denied" in done.stderr
    assert "what to do: make" in done.stderr and "writable" in done.stderr
    assert "Traceback" not in done.stderr
    assert loaded_snapshots(warehouse) == 1
