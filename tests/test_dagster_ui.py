"""Dagster as its users expect (issue 12.3-12.5): `make dagster` starts on a fresh clone and answers over
GraphQL, CLI builds are recorded in the project's instance, and the schedule and sensor ship running."""

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import dagster as dg
import pytest

from pipeline.cli import main
from pipeline.definitions import defs
from tests.conftest import PROJECT_ROOT, STOCKHOLM

COMMITTED_CONFIG = PROJECT_ROOT / ".dagster_home" / "dagster.yaml"
QUERY = """{
  version
  repositoriesOrError { ... on RepositoryConnection { nodes {
    jobs { name }
    schedules { name scheduleState { status } }
    sensors { name sensorState { status } }
  } } }
}"""


@pytest.fixture
def fresh_dagster_home(tmp_path: Path) -> Path:
    """What a fresh clone has in .dagster_home/: the committed dagster.yaml and nothing else."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(COMMITTED_CONFIG, home / "dagster.yaml")
    return home


def test_the_committed_instance_uses_sqlite_in_dagster_home_without_telemetry(fresh_dagster_home, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(fresh_dagster_home))
    instance = dg.DagsterInstance.get()
    assert type(instance.run_storage).__name__ == "SqliteRunStorage"
    assert not instance.telemetry_enabled
    instance.dispose()


def test_schedule_and_sensor_are_running_by_default():
    assert defs.resolve_schedule_def("daily_build").default_status == dg.DefaultScheduleStatus.RUNNING
    assert defs.resolve_sensor_def("raw_folder_sensor").default_status == dg.DefaultSensorStatus.RUNNING


def test_cli_builds_are_recorded_in_the_dagster_home_instance(fresh_dagster_home, tmp_path, monkeypatch):
    """A CLI build is a run in the instance the UI shows; a no-change build is a check that starts no run
    (tests/test_incremental.py), so the history holds the builds that did something."""
    raw = tmp_path / "raw"
    (raw / "2020").mkdir(parents=True)
    shutil.copy(STOCKHOLM, raw / "2020" / "stockholm.txt")
    monkeypatch.setenv("DAGSTER_HOME", str(fresh_dagster_home))
    args = ["build", "--raw", str(raw), "--warehouse", str(tmp_path / "warehouse"), "--quiet", "--skip-report"]
    assert main(args) == 0
    assert main(args) == 0
    (raw / "2020" / "stockholm.txt").write_text(STOCKHOLM.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert main(args) == 0
    instance = dg.DagsterInstance.from_config(str(fresh_dagster_home))
    first, changed = reversed(instance.get_runs())  # get_runs lists the newest first
    assert first.job_name == changed.job_name == "build_warehouse"
    assert first.is_success and changed.is_success
    latest = {
        asset: instance.get_latest_materialization_event(dg.AssetKey(asset)).run_id
        for asset in ("raw_documents", "snapshots", "duckdb_warehouse")
    }
    assert latest == {"raw_documents": changed.run_id, "snapshots": changed.run_id, "duckdb_warehouse": changed.run_id}
    instance.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_make_dagster_starts_on_a_fresh_clone_and_answers_graphql(fresh_dagster_home, tmp_path):
    """The README's command, in the background, on a free port; raw/ and warehouse/ point at temporary
    folders so the sensor's first run (the sensor is on) cannot touch the project's warehouse."""
    raw = tmp_path / "raw"
    (raw / "2020").mkdir(parents=True)
    shutil.copy(STOCKHOLM, raw / "2020" / "stockholm.txt")
    port = free_port()
    env = {
        **os.environ,
        "CITYSNAP_RAW_DIR": str(raw),
        "CITYSNAP_WAREHOUSE_DIR": str(tmp_path / "warehouse"),
    }
    log = tmp_path / "dagster.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            ["make", "--no-print-directory", "dagster", f"DAGSTER_HOME={fresh_dagster_home}", f"DAGSTER_PORT={port}"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        answer = None
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and server.poll() is None:
            try:
                answer = graphql(port, QUERY)
                if answer.get("data", {}).get("repositoriesOrError", {}).get("nodes"):
                    break
            except OSError:
                pass
            time.sleep(2)
        text = log.read_text()
        assert answer is not None, f"no GraphQL answer on port {port}:\n{text}"
        [repository] = answer["data"]["repositoriesOrError"]["nodes"]
        assert answer["data"]["version"] == dg.__version__
        assert "build_warehouse" in {job["name"] for job in repository["jobs"]}
        assert {s["name"]: s["scheduleState"]["status"] for s in repository["schedules"]} == {"daily_build": "RUNNING"}
        assert {s["name"]: s["sensorState"]["status"] for s in repository["sensors"]} == {
            "raw_folder_sensor": "RUNNING"
        }
        assert "is not a directory" not in text
        assert "No dagster instance configuration file" not in text
        assert "virtual environment does not match" not in text
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


def test_a_no_change_build_is_quiet_and_says_the_warehouse_is_up_to_date(tmp_path, capfd, caplog):
    """No "Blocking asset check ... emitted no result" warning: an up-to-date warehouse is the normal case."""
    raw = tmp_path / "raw"
    (raw / "2020").mkdir(parents=True)
    shutil.copy(STOCKHOLM, raw / "2020" / "stockholm.txt")
    args = ["build", "--raw", str(raw), "--warehouse", str(tmp_path / "warehouse"), "--skip-report"]
    assert main(args) == 0
    capfd.readouterr()
    caplog.clear()
    assert main(args) == 0
    out, err = capfd.readouterr()
    assert "warehouse already up to date" in out
    from pipeline.runner import run_build  # the job's own no-change run, as a schedule or the sensor starts it

    assert run_build(raw, tmp_path / "warehouse", report=False).success
    out, err = capfd.readouterr()
    assert "emitted no result" not in out + err + caplog.text
    assert [record for record in caplog.records if record.levelno >= logging.WARNING] == []
