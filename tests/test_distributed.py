"""The build job on a real Dask cluster (pipeline/distributed.py): steps run in worker processes and the
warehouse is byte for byte the one an in-process CLI build writes."""

import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import dask
import duckdb
import pytest
from distributed import Client, LocalCluster

from pipeline.distributed import WORKER_DAEMON, resolved_build_job
from pipeline.runner import run_build
from pipeline.synth import write_corpus


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """Two single-threaded worker processes, started as on a real cluster: not daemonic, so the
    parse step can run each document in a process of its own."""
    with dask.config.set({WORKER_DAEMON: False}):
        cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None)
    with cluster:
        yield cluster


def published_files(warehouse: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((warehouse / "parquet").glob("*.parquet"))}


def duckdb_contents(warehouse: Path) -> dict[str, object]:
    """Every table's and view's columns (names, types, comments) and rows, in a stable order."""
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as connection:
        columns = connection.execute(
            "SELECT table_name, column_name, data_type, comment FROM duckdb_columns() "
            "WHERE NOT internal ORDER BY table_name, column_index"
        ).fetchall()
        relations = sorted({row[0] for row in columns})
        rows = {name: connection.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall() for name in relations}
    return {"columns": columns, "rows": rows}


def test_a_dask_cluster_run_builds_the_same_warehouse_as_the_cli(cluster: LocalCluster, tmp_path: Path):
    raw = tmp_path / "raw"
    write_corpus(40, raw, seed=3)
    assert run_build(raw, tmp_path / "in_process", quiet=True).success

    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        result = dg.execute_job(
            dg.reconstructable(resolved_build_job),
            instance=instance,
            run_config={
                "execution": {"config": {"cluster": {"existing": {"address": cluster.scheduler_address}}}},
                "resources": {"settings": {"config": {"raw_dir": str(raw), "warehouse_dir": str(tmp_path / "dask")}}},
            },
        )
        assert result.success
        ran_on = {event.pid for event in result.all_events if event.is_step_success}

    with Client(cluster) as client:
        worker_pids = set(client.run(os.getpid).values())
    assert ran_on and ran_on <= worker_pids, "every step ran in a Dask worker process"
    assert len(published_files(tmp_path / "dask")) > 0
    assert published_files(tmp_path / "dask") == published_files(tmp_path / "in_process")
    assert duckdb_contents(tmp_path / "dask") == duckdb_contents(tmp_path / "in_process")
