"""Dagster definitions load, and the sensor asks for a run exactly when raw/ changes."""

from pathlib import Path

import dagster as dg

from pipeline.automation import raw_folder_sensor
from pipeline.definitions import defs
from pipeline.settings import WarehouseSettings
from tests.conftest import STOCKHOLM


def test_definitions_load_with_job_schedule_sensor_and_checks():
    job = defs.resolve_job_def("build_warehouse")
    assert job is not None
    assert defs.resolve_schedule_def("daily_build").cron_schedule == "0 6 * * *"
    assert defs.resolve_sensor_def("raw_folder_sensor") is not None
    groups = {spec.group_name for spec in defs.resolve_all_asset_specs()}
    assert groups == {"ingest", "parse", "tables", "publish", "aggregate", "report"}


def evaluate(raw: Path, cursor: str | None) -> dg.SensorResult:
    context = dg.build_sensor_context(cursor=cursor, resources={"settings": WarehouseSettings(raw_dir=str(raw))})
    return raw_folder_sensor(context)


def test_sensor_requests_a_run_when_a_file_is_added_changed_or_removed(tmp_path: Path):
    (tmp_path / "2020").mkdir()
    first = evaluate(tmp_path, None)
    assert len(first.run_requests) == 1
    assert evaluate(tmp_path, first.cursor).run_requests in (None, [])
    document = tmp_path / "2020" / "a.txt"
    document.write_text("one", encoding="utf-8")
    added = evaluate(tmp_path, first.cursor)
    assert len(added.run_requests) == 1
    document.write_text("two!", encoding="utf-8")
    changed = evaluate(tmp_path, added.cursor)
    assert len(changed.run_requests) == 1
    document.unlink()
    removed = evaluate(tmp_path, changed.cursor)
    assert len(removed.run_requests) == 1
    assert removed.cursor == first.cursor


def test_the_key_check_finds_repeated_keys_and_nulls_in_required_columns_across_all_rows(stockholm_text, tmp_path):
    from pipeline.core import Document
    from pipeline.normalize.tables import build_tables
    from pipeline.parse.source import parse_source
    from pipeline.publish.files import write_parquet
    from pipeline.validate.validation import key_violations

    source = Document("a" * 64, "2020/stockholm.txt", 2020, 1, "text", stockholm_text, None)
    snapshots = build_tables([parse_source(source)])["snapshots"]
    assert key_violations("snapshots", write_parquet(snapshots, tmp_path / "good" / "snapshots.parquet")) == []
    twice = snapshots.iloc[[0, 0]].reset_index(drop=True)
    problems = key_violations("snapshots", write_parquet(twice, tmp_path / "twice" / "snapshots.parquet"))
    assert "1 value(s) of (snapshot_id) occur more than once" in problems
    assert "1 value(s) of (city, country, survey_wave) occur more than once" in problems
    nameless = snapshots.assign(city=None)
    assert key_violations("snapshots", write_parquet(nameless, tmp_path / "nameless" / "snapshots.parquet")) == [
        "city is NULL in 1 row(s)"
    ]


def test_every_table_and_aggregate_is_an_asset_with_kinds_and_owners():
    from pipeline.assets import AGGREGATES, TABLES

    specs = {spec.key.to_user_string(): spec for spec in defs.resolve_all_asset_specs()}
    for name in [*TABLES, *AGGREGATES]:
        assert "parquet" in specs[name].kinds and specs[name].owners == ["team:city-innovation-data"], name
    assert {"python", "pandera", "parquet"} <= specs["parsed_batch_0"].kinds


def test_a_materialization_names_the_file_its_step_wrote_not_the_pickle_of_its_output(tmp_path: Path):
    """Steps hand each other paths through Dagster's filesystem IO manager, which records where it pickled
    them as ``path``; the asset's own ``path`` (its Parquet or DuckDB file) is the one kept."""
    from pipeline.assets import AGGREGATES, TABLES
    from pipeline.runner import run_build

    result = run_build(STOCKHOLM.parent.parent, tmp_path / "warehouse", quiet=True, report=False)
    assert result.success
    paths = {
        event.asset_key.to_user_string(): event.materialization.metadata["path"].value
        for event in result.get_asset_materialization_events()
    }
    assert paths["duckdb_warehouse"].endswith("/warehouse.duckdb") and Path(paths["duckdb_warehouse"]).is_file()
    assert paths["build_plan"].endswith("/plan.parquet")
    assert all(path.endswith(f"/{name}.parquet") for name, path in paths.items() if name.startswith(("agg_", "snap")))
    assert not [path for path in paths.values() if "/storage/" in path], "no IO-manager pickle"
    published = {
        event.asset_key.to_user_string(): event.materialization.metadata["published_as"].value
        for event in result.get_asset_materialization_events()
        if "published_as" in event.materialization.metadata
    }
    assert published["snapshots"] == str(tmp_path / "warehouse" / "parquet" / "snapshots.parquet")
    assert set(published) == {*TABLES, *AGGREGATES, "duckdb_warehouse"}
    assert all(Path(path).is_file() for path in published.values())
