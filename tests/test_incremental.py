"""Incremental builds, atomic publishing and build concurrency (issue 4), with real Dagster runs."""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipeline.definitions import resolved_build_job
from pipeline.parse.cache import DATABASE, ParseCache
from pipeline.publish.lock import build_lock
from pipeline.runner import run_build
from pipeline.settings import PARSE_BATCHES
from pipeline.synth import write_corpus
from tests.conftest import PROJECT_ROOT, STOCKHOLM


def documents_metadata(result: dg.ExecuteInProcessResult) -> dict:
    [materialization] = [
        m for m in result.asset_materializations_for_node("warehouse_tables") if m.asset_key.path == ["documents"]
    ]
    return {key: value.value for key, value in materialization.metadata.items()}


def parquet_bytes(warehouse: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((warehouse / "parquet").glob("*.parquet"))}


def build(raw: Path, warehouse: Path) -> dg.ExecuteInProcessResult:
    result = run_build(raw, warehouse, quiet=True)
    assert result.success
    return result


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    write_corpus(16, raw, seed=7)
    shutil.copy(STOCKHOLM, raw / "2020" / "stockholm.txt")
    return raw


def parsed_in_batches(result: dg.ExecuteInProcessResult) -> int:
    materializations = [
        m for batch in range(PARSE_BATCHES) for m in result.asset_materializations_for_node(f"parsed_batch_{batch}")
    ]
    assert len(materializations) == PARSE_BATCHES
    return sum(m.metadata["parsed"].value for m in materializations)


def test_a_rebuild_with_no_change_parses_nothing_and_republishes_nothing(corpus: Path, tmp_path: Path):
    warehouse = tmp_path / "warehouse"
    first = build(corpus, warehouse)
    assert (documents_metadata(first)["parsed_this_run"], documents_metadata(first)["reused_unchanged"]) == (17, 0)
    assert parsed_in_batches(first) == 17
    before = parquet_bytes(warehouse)
    duckdb_before = (warehouse / "warehouse.duckdb").stat().st_mtime_ns
    again = build(corpus, warehouse)
    assert parsed_in_batches(again) == 0
    assert not again.asset_materializations_for_node("warehouse_tables")
    assert not again.asset_materializations_for_node("duckdb_warehouse")
    assert parquet_bytes(warehouse) == before
    assert (warehouse / "warehouse.duckdb").stat().st_mtime_ns == duckdb_before


def test_changing_adding_and_removing_documents_equals_a_build_from_scratch(corpus: Path, tmp_path: Path):
    warehouse = tmp_path / "incremental"
    build(corpus, warehouse)
    changed = corpus / "2020" / "stockholm.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("974 073", "984 000"), encoding="utf-8")
    removed = sorted((corpus / "2018").glob("*.txt"))[0]
    removed.unlink()
    (corpus / "2018" / "empty.txt").write_bytes(b"")
    metadata = documents_metadata(build(corpus, warehouse))
    assert (metadata["parsed_this_run"], metadata["reused_unchanged"]) == (2, 15)
    scratch = tmp_path / "scratch"
    build(corpus, scratch)
    assert parquet_bytes(warehouse) == parquet_bytes(scratch)
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as connection:
        assert connection.execute("SELECT population FROM snapshots WHERE city = 'Stockholm'").fetchone() == (984000,)
        paths = {row[0] for row in connection.execute("SELECT path FROM documents").fetchall()}
    assert removed.relative_to(corpus).as_posix() not in paths


def test_a_new_duplicate_with_a_smaller_path_displaces_the_published_document(corpus: Path, tmp_path: Path):
    warehouse = tmp_path / "warehouse"
    build(corpus, warehouse)
    shutil.copy(STOCKHOLM, corpus / "2020" / "a_stockholm_copy.txt")
    build(corpus, warehouse)
    scratch = tmp_path / "scratch"
    build(corpus, scratch)
    assert parquet_bytes(warehouse) == parquet_bytes(scratch)
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as connection:
        rejected = connection.execute("SELECT path, reason FROM rejected_documents").fetchall()
    assert rejected == [("2020/stockholm.txt", "duplicate_snapshot")]


def test_a_reader_keeps_the_previous_warehouse_while_a_build_replaces_it(corpus: Path, tmp_path: Path):
    warehouse = tmp_path / "warehouse"
    build(corpus, warehouse)
    reader = duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True)
    before = reader.execute("SELECT count(*) FROM snapshots").fetchone()[0]
    (corpus / "2020" / "stockholm.txt").unlink()
    build(corpus, warehouse)
    assert reader.execute("SELECT count(*) FROM snapshots").fetchone()[0] == before
    reader.close()
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as fresh:
        assert fresh.execute("SELECT count(*) FROM snapshots").fetchone()[0] == before - 1


def citysnap(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )


def test_a_second_build_stops_with_a_clear_message_or_waits(corpus: Path, tmp_path: Path):
    warehouse = tmp_path / "warehouse"
    with build_lock(warehouse):
        busy = citysnap("build", "--raw", str(corpus), "--warehouse", str(warehouse), "--quiet")
    assert busy.returncode == 3
    assert "another build is writing" in busy.stderr
    assert not (warehouse / "warehouse.duckdb").exists()

    release = threading.Event()

    def hold() -> None:
        with build_lock(warehouse):
            release.wait(timeout=60)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.2)
    threading.Timer(1.0, release.set).start()
    waited = citysnap("build", "--raw", str(corpus), "--warehouse", str(warehouse), "--quiet", "--wait")
    holder.join()
    assert waited.returncode == 0, waited.stderr
    assert (warehouse / "warehouse.duckdb").exists()


def test_a_build_killed_midway_leaves_the_previous_warehouse_and_the_next_build_succeeds(tmp_path: Path):
    raw = tmp_path / "raw"
    write_corpus(240, raw, seed=3)
    warehouse = tmp_path / "warehouse"
    build(raw, warehouse)
    before = parquet_bytes(warehouse)
    for path in sorted(raw.rglob("*.txt"))[::2]:  # change half the documents: a long rebuild
        path.write_text(path.read_text(encoding="utf-8").replace("Overview", "Overview\n"), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "build", "--raw", str(raw), "--warehouse", str(warehouse), "--quiet"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not cache_entries(warehouse):
        time.sleep(0.05)
    time.sleep(0.5)
    assert process.poll() is None, "the build finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert parquet_bytes(warehouse) == before
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM documents").fetchone()[0] == 240
    after = citysnap("build", "--raw", str(raw), "--warehouse", str(warehouse), "--quiet")
    assert after.returncode == 0, after.stderr
    assert not any((warehouse / ".staging").iterdir())


def multiprocess_build_job() -> dg.JobDefinition:
    """The build job's assets and checks under Dagster's multiprocess executor: a process per step."""
    from pipeline.definitions import defs

    job = dg.define_asset_job(
        "build_warehouse", selection=dg.AssetSelection.all(), executor_def=dg.multiprocess_executor
    )
    return dg.Definitions(
        assets=defs.assets, asset_checks=defs.asset_checks, jobs=[job], resources=defs.resources
    ).resolve_job_def("build_warehouse")


def test_the_build_job_runs_every_step_in_one_process():
    assert resolved_build_job().executor_def is dg.in_process_executor


def test_a_process_that_loads_the_build_gives_arrow_memory_back_to_the_system():
    """Arrow's default allocator (mimalloc) keeps what a step freed: at 10,000 documents the build held
    about 100 MiB more in every step after the table assembly, and peaked 45 MiB higher. Every process
    that loads the job (CLI, `dagster job execute`, the UI's code server, a multiprocess or Dask step)
    allocates Arrow memory with the system allocator, which returns freed memory to the system."""
    probe = "import pipeline.definitions, pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    # Arrow reads ARROW_DEFAULT_MEMORY_POOL once, for its C++ default pool too (the Parquet reader and
    # writer use it): pa.set_memory_pool would change only pyarrow's own default
    environment = {name: value for name, value in os.environ.items() if name != "ARROW_DEFAULT_MEMORY_POOL"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "system"


def test_a_multiprocess_executor_run_produces_the_same_tables(corpus: Path, tmp_path: Path):
    in_process = tmp_path / "in_process"
    build(corpus, in_process)
    multiprocess = tmp_path / "multiprocess"
    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        result = dg.execute_job(
            dg.reconstructable(multiprocess_build_job),
            instance=instance,
            run_config={
                "execution": {"config": {"max_concurrent": 2}},
                "resources": {"settings": {"config": {"raw_dir": str(corpus), "warehouse_dir": str(multiprocess)}}},
            },
        )
        assert result.success
    assert parquet_bytes(multiprocess) == parquet_bytes(in_process)


def test_the_up_to_date_check_of_a_warehouse_never_published_reads_no_file(corpus: Path, tmp_path: Path):
    """Nothing published, nothing up to date: the check answers at once instead of taking an inventory
    that the job's first step takes anyway (1.4 s at 10,000 documents)."""
    from pipeline.commands.build import already_up_to_date

    warehouse = tmp_path / "warehouse"
    assert not already_up_to_date(corpus, warehouse, report=True)
    assert not warehouse.exists() or not any(warehouse.rglob("*"))


def recorded_runs(home: Path) -> int:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return len(instance.get_run_records())


def test_the_build_command_finds_an_unchanged_warehouse_without_starting_a_dagster_run(
    corpus: Path, tmp_path: Path, monkeypatch, capsys
):
    """A no-change build costs what checking costs: the same inventory, published-state verification and
    plan as the job's first two steps, answered before Dagster is imported. Anything else runs the job."""
    from pipeline.cli import main

    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    warehouse = tmp_path / "warehouse"
    args = ["build", "--raw", str(corpus), "--warehouse", str(warehouse), "--quiet"]
    assert main(args) == 0
    assert recorded_runs(home) == 1
    before = parquet_bytes(warehouse)

    capsys.readouterr()
    assert main(args) == 0
    assert "warehouse already up to date" in capsys.readouterr().out
    assert recorded_runs(home) == 1
    assert parquet_bytes(warehouse) == before
    assert not list((warehouse / ".staging").iterdir())

    (warehouse / "report" / "index.html").unlink()  # a stale report: the job rewrites it
    assert main(args) == 0
    assert recorded_runs(home) == 2 and (warehouse / "report" / "index.html").is_file()

    published = (warehouse / "parquet" / "snapshots.parquet").resolve()
    published.write_bytes(published.read_bytes()[:-10])  # a published file that fails its manifest
    assert main(args) == 0
    assert recorded_runs(home) == 3 and parquet_bytes(warehouse) == before

    (corpus / "2020" / "stockholm.txt").write_text(STOCKHOLM.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert main(args) == 0
    assert recorded_runs(home) == 4


def cache_entries(warehouse: Path) -> set[str]:
    """The document ids with an entry in the parse cache (of the current parser version)."""
    return ParseCache(warehouse / ".cache" / "parse").keys()


def documents_of(warehouse: Path) -> set[str]:
    return {row[0] for row in duckdb.sql(f"SELECT document_id FROM '{warehouse}/parquet/documents.parquet'").fetchall()}


def test_an_incremental_build_forgets_the_cache_entries_of_departed_documents_without_walking_the_cache(
    corpus: Path, tmp_path: Path
):
    """An incremental build drops the entries of the documents that left the warehouse (changed or removed),
    found by DuckDB from the two published versions, and touches no other entry; a full rebuild (nothing
    published to reuse) drops every entry of a document it did not publish, and other parser versions'."""
    import hashlib

    warehouse = tmp_path / "warehouse"
    build(corpus, warehouse)
    assert cache_entries(warehouse) == documents_of(warehouse)
    cache = warehouse / ".cache" / "parse"
    [current] = list(cache.iterdir())
    stray = "ab" + "0" * 62  # an entry of no published document (a build that failed after parsing it)
    with sqlite3.connect(current / DATABASE) as database:
        database.execute("INSERT INTO entries VALUES (?, 'text', '{}')", (stray,))
    (cache / "0123456789abcdef" / "00").mkdir(parents=True)
    (cache / "0123456789abcdef" / "00" / "x.text.json").write_text("{}", encoding="utf-8")  # another parser version

    removed = sorted(corpus.rglob("*.txt"))[0]
    removed_id = hashlib.sha256(removed.read_bytes()).hexdigest()
    removed.unlink()
    result = build(corpus, warehouse)
    [materialization] = result.asset_materializations_for_node("duckdb_warehouse")
    assert materialization.metadata["cache_entries_pruned"].value == 2  # the removed document's, the old version
    assert removed_id not in cache_entries(warehouse)
    assert cache_entries(warehouse) == documents_of(warehouse) | {stray}
    assert [path.name for path in cache.iterdir()] == [current.name]

    shutil.rmtree(warehouse / "versions")  # nothing published to reuse: a full rebuild
    build(corpus, warehouse)
    assert cache_entries(warehouse) == documents_of(warehouse)
