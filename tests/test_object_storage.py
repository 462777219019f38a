"""Fragments and published copies on object storage: a real S3 API (moto's server, over HTTP, through
s3fs) and a Dask cluster whose workers write their fragments there. The warehouse is byte for byte the
one a local build writes; a copy is switched by its pointer only once complete, and checked by readers."""

import json
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import dask
import pytest
from distributed import LocalCluster

from pipeline.distributed import WORKER_DAEMON, resolved_build_job
from pipeline.paths import CURRENT, MANIFEST, VERSIONS
from pipeline.publish.mirror import POINTER, copied_version, copy_version, verify_copy
from pipeline.publish.staging import current_version
from pipeline.runner import run_build
from pipeline.synth import write_corpus
from tests.test_distributed import duckdb_contents, published_files

BUCKET = "citysnap-test"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An S3 endpoint on this machine; the AWS variables point every process started from now on at it."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    variables = {
        "AWS_ENDPOINT_URL_S3": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "citysnap-test",
        "AWS_SECRET_ACCESS_KEY": "citysnap-test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    import s3fs

    s3fs.S3FileSystem(skip_instance_cache=True).mkdir(BUCKET)
    yield f"s3://{BUCKET}"
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    server.stop()


def objects(url: str) -> list[str]:
    import s3fs

    return s3fs.S3FileSystem(skip_instance_cache=True).find(url)


def test_a_dask_cluster_stages_fragments_and_publishes_a_copy_on_s3(s3: str, tmp_path: Path):
    raw = tmp_path / "raw"
    write_corpus(40, raw, seed=5)
    assert run_build(raw, tmp_path / "local", quiet=True).success

    # workers started after the endpoint was set: every step, parse workers included, reaches it
    with dask.config.set({WORKER_DAEMON: False}):
        cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None)
    home = tmp_path / "dagster_home"
    home.mkdir()
    settings = {
        "raw_dir": str(raw),
        "warehouse_dir": str(tmp_path / "cluster"),
        "fragments_url": f"{s3}/fragments",
        "publish_url": f"{s3}/warehouse",
    }
    with cluster, dg.instance_for_test(temp_dir=str(home)) as instance:
        result = dg.execute_job(
            dg.reconstructable(resolved_build_job),
            instance=instance,
            run_config={
                "execution": {"config": {"cluster": {"existing": {"address": cluster.scheduler_address}}}},
                "resources": {"settings": {"config": settings}},
            },
        )
        assert result.success
        checks = {evaluation.check_name: evaluation.passed for evaluation in result.get_asset_check_evaluations()}
        assert checks["published_files_match_manifest"], "the copy on S3 passed the publish check"
        staged = [
            event.materialization.metadata["path"].value
            for event in result.get_asset_materialization_events()
            if event.asset_key.to_user_string().startswith("parsed_batch")
        ]
    assert len(staged) == 4 and all(path.startswith(f"{s3}/fragments/") for path in staged)

    assert published_files(tmp_path / "cluster") == published_files(tmp_path / "local")
    assert duckdb_contents(tmp_path / "cluster") == duckdb_contents(tmp_path / "local")
    assert objects(f"{s3}/fragments") == [], "a run's fragments are removed once its tables are assembled"

    version = current_version(tmp_path / "cluster")
    state = verify_copy(f"{s3}/warehouse")
    assert state.trusted and state.version == version.name
    assert sorted(path.removeprefix(f"{BUCKET}/warehouse/") for path in objects(f"{s3}/warehouse")) == sorted(
        [POINTER, f"{VERSIONS}/{version.name}/{MANIFEST}"]
        + [f"{VERSIONS}/{version.name}/{name}" for name in json.loads((version / MANIFEST).read_text())["files"]]
    )


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two published versions of one warehouse: a build, then a rebuild with one more document."""
    root = tmp_path_factory.mktemp("copies")
    raw, warehouse = root / "raw", root / "warehouse"
    write_corpus(12, raw, seed=2)
    assert run_build(raw, warehouse, quiet=True, report=False).success
    first = current_version(warehouse)
    changed = sorted(raw.rglob("*.txt"))[0]  # a city sends a correction
    changed.write_text(changed.read_text(encoding="utf-8").replace("**Population size:** ", "**Population size:** 1"))
    assert run_build(raw, warehouse, quiet=True, report=False).success
    second = current_version(warehouse)
    assert first is not None and second is not None and first != second
    return first, second


def test_a_copy_names_its_version_and_passes_a_readers_check(s3: str, two_versions):
    first, _ = two_versions
    url = f"{s3}/readers-check"
    assert copied_version(url) is None
    assert copy_version(first, url) == first.name
    assert copied_version(url) == first.name
    assert verify_copy(url).trusted


def test_a_copy_that_fails_part_way_leaves_readers_on_the_previous_version(tmp_path: Path, two_versions):
    first, second = two_versions
    url = str(tmp_path / "copy")  # a local folder (a mounted share) takes the same path as a bucket
    copy_version(first, url)
    broken = tmp_path / "broken"
    shutil.copytree(second, broken)
    (broken / "parquet" / "snapshots.parquet").unlink()  # the source vanishes mid-copy

    with pytest.raises(OSError):
        copy_version(broken, url)
    state = verify_copy(url)
    assert state.trusted and state.version == first.name


def test_a_reader_finds_an_edited_copy_untrusted(s3: str, two_versions):
    first, _ = two_versions
    url = f"{s3}/edited"
    copy_version(first, url)
    import s3fs

    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    target = f"{BUCKET}/edited/{VERSIONS}/{first.name}/parquet/documents.parquet"
    data = bytearray(fs.cat_file(target))
    data[len(data) // 2] ^= 0xFF  # same size, other content
    fs.pipe_file(target, bytes(data))

    state = verify_copy(url)
    assert not state.trusted
    assert state.problems == ("parquet/documents.parquet: content differs from the manifest (sha256)",)

    fs.pipe_file(
        f"{BUCKET}/edited/{POINTER}", json.dumps({"version": first.name, "manifest_sha256": "0" * 64}).encode()
    )
    assert "not the one current.json names" in verify_copy(url).problems[0]


def renamed(version: Path, folder: Path, name: str) -> Path:
    """A copy of the published ``version`` whose manifest calls it ``name`` (versions sort by name)."""
    shutil.copytree(version, folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["version"] = name
    (folder / MANIFEST).write_text(json.dumps(manifest))
    return folder


def test_a_late_copy_never_moves_readers_back_to_an_earlier_version(tmp_path: Path, two_versions):
    first, second = two_versions
    url = str(tmp_path / "copy")
    copy_version(second, url)
    assert copy_version(first, url) == second.name  # a build that waited on the lock, with an older version
    assert verify_copy(url).version == second.name
    assert sorted(path.name for path in (tmp_path / "copy" / VERSIONS).iterdir()) == [second.name]


def test_a_copy_keeps_the_version_readers_were_on_not_one_that_never_went_live(tmp_path: Path, two_versions):
    first, second = two_versions
    url = str(tmp_path / "copy")
    copy_version(first, url)
    broken = renamed(second, tmp_path / "broken", "000008-broken")
    (broken / "parquet" / "snapshots.parquet").unlink()
    with pytest.raises(OSError):
        copy_version(broken, url)  # leaves part of 000008-broken behind, never named by current.json
    copy_version(renamed(second, tmp_path / "later", "000009-later"), url)
    assert sorted(path.name for path in (tmp_path / "copy" / VERSIONS).iterdir()) == [first.name, "000009-later"]
    assert verify_copy(url).version == "000009-later"


def test_a_copy_keeps_the_current_and_the_previous_version(tmp_path: Path, two_versions):
    first, second = two_versions
    url = tmp_path / "copy"
    older = renamed(first, tmp_path / "older", "000000-older")
    for version in (older, first, second):
        copy_version(version, str(url))
    assert sorted(path.name for path in (url / VERSIONS).iterdir()) == [first.name, second.name]
    assert verify_copy(str(url)).version == second.name


def test_a_build_with_nothing_to_publish_catches_the_copy_up(tmp_path: Path, two_versions, monkeypatch):
    """A copy that fell behind (a failed upload, a new URL) is brought up to date by the next build, even
    one with nothing to rebuild; and the CLI's up-to-date shortcut does not skip it."""
    _, second = two_versions
    warehouse = second.parent.parent
    raw = warehouse.parent / "raw"
    url = tmp_path / "late-copy"
    assert (warehouse / CURRENT).resolve() == second

    from pipeline.commands import build as build_command

    monkeypatch.setattr("pipeline.paths.DEFAULT_PUBLISH_URL", str(url))
    assert not build_command.already_up_to_date(raw, warehouse, report=False)

    result = run_build(raw, warehouse, quiet=True, report=False, storage={"publish_url": str(url)})
    assert result.success
    assert verify_copy(str(url)).version == second.name
    assert build_command.already_up_to_date(raw, warehouse, report=False)


def test_a_failed_copy_leaves_the_local_publish_standing_and_fails_the_publish_check(tmp_path: Path):
    raw = tmp_path / "raw"
    write_corpus(6, raw, seed=4)
    unwritable = tmp_path / "not-a-folder"
    unwritable.write_text("a file where the copy's folder should be\n")

    result = run_build(raw, tmp_path / "warehouse", quiet=True, report=False, storage={"publish_url": str(unwritable)})
    assert result.success, "the local publish stands"
    [published] = [
        event.materialization.metadata
        for event in result.get_asset_materialization_events()
        if event.asset_key.to_user_string() == "duckdb_warehouse"
    ]
    assert "copy_error" in published
    checks = {evaluation.check_name: evaluation for evaluation in result.get_asset_check_evaluations()}
    assert not checks["published_files_match_manifest"].passed
    assert current_version(tmp_path / "warehouse") is not None


def test_fragments_that_went_missing_fail_the_build_instead_of_dropping_its_documents(tmp_path: Path):
    """Fragments expired or removed between the parse and the table step would publish the parsed
    documents as gone; the table step counts them against the plan and refuses."""
    from pipeline.assets import PARSE_ASSETS, TABLES
    from pipeline.definitions import defs

    raw = tmp_path / "raw"
    write_corpus(6, raw, seed=8)
    job = defs.resolve_job_def("build_warehouse")
    fragments = tmp_path / "fragments"
    settings = {"raw_dir": str(raw), "warehouse_dir": str(tmp_path / "warehouse"), "fragments_url": str(fragments)}
    parse = [dg.AssetKey("raw_documents"), dg.AssetKey("build_plan"), *(asset.key for asset in PARSE_ASSETS)]
    (tmp_path / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as instance:
        config = {"resources": {"settings": {"config": settings}}}
        assert job.execute_in_process(run_config=config, instance=instance, asset_selection=parse).success
        assert list(fragments.rglob("*.parquet"))
        shutil.rmtree(fragments)  # an expiry rule, or a clean-up, in between
        tables = job.execute_in_process(
            run_config=config,
            instance=instance,
            asset_selection=[dg.AssetKey(name) for name in TABLES],
            raise_on_error=False,
        )
    assert not tables.success
    [failure] = tables.get_step_failure_events()
    message = failure.step_failure_data.error.message
    assert "the fragments hold 0 parsed document(s), the plan 6" in message and "missing" in message
    assert current_version(tmp_path / "warehouse") is None
