"""Dagster definitions load, and the sensor asks for a run exactly when raw/ changes."""

from pathlib import Path

import dagster as dg

from pipeline.automation import raw_folder_sensor
from pipeline.definitions import defs
from pipeline.settings import WarehouseSettings


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


def test_pandera_check_fails_on_a_bad_row_of_a_parsed_document_and_on_duplicate_keys(stockholm_text):
    from pipeline.checks import PANDERA_CHECKS
    from pipeline.ingest.documents import SourceDocument
    from pipeline.normalize.incremental import BuildPlan
    from pipeline.normalize.tables import build_tables
    from pipeline.parse.source import parse_source

    source = SourceDocument("a" * 64, "2020/stockholm.txt", 2020, 1, "text", stockholm_text, None)
    parsed = parse_source(source)
    tables = build_tables([parsed])
    snapshots_check = dg.AssetCheckKey(dg.AssetKey("snapshots"), "pandera_valid")
    [check] = [c for c in PANDERA_CHECKS if snapshots_check in c.check_keys]
    plan = BuildPlan(parse=[source])
    context = dg.build_asset_check_context()
    assert check(context, build_plan=plan, published=tables["snapshots"]).passed
    bad = tables["snapshots"].copy()
    bad.loc[0, "population"] = 5
    assert not check(context, build_plan=plan, published=bad).passed
    assert check(context, build_plan=BuildPlan(reuse=[source]), published=bad).passed
    twice = tables["snapshots"].iloc[[0, 0]].reset_index(drop=True)
    result = check(context, build_plan=plan, published=twice)
    assert not result.passed and result.metadata["duplicate_keys"].value >= 1
