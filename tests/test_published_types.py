"""Every published column keeps the type its model declares, whatever the number of rows: in the DuckDB
file (tables and views) and in the Parquet files, for an empty warehouse and a one-document one (where
the wave-over-wave aggregates are empty). The Parquet schema carries the models' descriptions."""

import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipeline.publish.files import RELATION_MODELS, arrow_schema, duckdb_type
from schemas.derived import AGGREGATE_MODELS
from schemas.models import TABLE_MODELS
from tests.conftest import STOCKHOLM, build_warehouse

PARQUET_RELATIONS = [*TABLE_MODELS, *AGGREGATE_MODELS]


@pytest.fixture(scope="module", params=["empty", "one_document"])
def warehouse(request, tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp(f"raw_{request.param}")
    if request.param == "one_document":
        (raw / "2020").mkdir()
        shutil.copy(STOCKHOLM, raw / "2020" / "stockholm.txt")
    warehouse = tmp_path_factory.mktemp(f"warehouse_{request.param}")
    build_warehouse(raw, warehouse).close()
    return warehouse


@pytest.fixture(scope="module")
def db(warehouse: Path):
    connection = duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True)
    yield connection
    connection.close()


def declared_types(name: str) -> list[tuple[str, str]]:
    return [(column, duckdb_type(spec.dtype)) for column, spec in RELATION_MODELS[name].to_schema().columns.items()]


@pytest.mark.parametrize("name", list(RELATION_MODELS))
def test_every_table_and_view_has_its_declared_column_types_in_duckdb(db, name):
    published = db.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [name]
    ).fetchall()
    assert [tuple(row) for row in published] == declared_types(name)


@pytest.mark.parametrize("name", list(RELATION_MODELS))
def test_every_table_and_view_passes_its_pandera_model(db, name):
    RELATION_MODELS[name].validate(db.execute(f'SELECT * FROM "{name}"').df(), lazy=True)


@pytest.mark.parametrize("name", PARQUET_RELATIONS)
def test_every_parquet_file_has_its_declared_arrow_types(warehouse, name):
    schema = pq.read_schema(warehouse / "parquet" / f"{name}.parquet")
    expected = arrow_schema(name)
    assert [(field.name, field.type) for field in schema] == [(field.name, field.type) for field in expected]
    assert not [field.name for field in schema if str(field.type) == "null"]


def test_the_wave_over_wave_aggregates_are_empty_in_a_one_wave_warehouse_yet_typed(db):
    rows = db.execute("SELECT count(*) FROM agg_city_changes UNION ALL SELECT count(*) FROM agg_wave_comparison")
    assert rows.fetchall() == [(0,), (0,)]
    types = dict(
        db.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'agg_city_changes'"
        ).fetchall()
    )
    assert types["skills_added"] == "VARCHAR" and types["strategy_change"] == "VARCHAR"
    assert types["strategy_from"] == "BOOLEAN" and types["team_staff_change"] == "BIGINT"


@pytest.mark.parametrize("name", PARQUET_RELATIONS)
def test_parquet_fields_carry_the_model_descriptions(warehouse, name):
    schema = pq.read_schema(warehouse / "parquet" / f"{name}.parquet")
    declared = {column: spec.description for column, spec in RELATION_MODELS[name].to_schema().columns.items()}
    described = {field.name: field.metadata[b"description"].decode() for field in schema}
    assert described == declared
    assert all(described.values())
    assert schema.metadata[b"description"].decode(), "the table's own description"
    assert b"pandas" not in schema.metadata, "no pandas metadata: the bytes depend on the data only"
