"""A real Dagster run over a folder of good and bad documents, queried with DuckDB."""

import pandas as pd
import pyarrow.parquet as pq

from pipeline.aggregate.aggregates import aggregate_queries
from schemas.models import TABLE_MODELS


def test_each_bad_document_is_rejected_with_its_specific_reason(messy_build):
    connection, _ = messy_build
    reasons = dict(connection.execute("SELECT path, reason FROM rejected_documents").fetchall())
    assert reasons == {
        "2020/binary.txt": "binary",
        "2020/dangling.txt": "broken_symlink",
        "2020/empty.txt": "empty",
        "2020/filler.txt": "too_large",
        "2020/latin1.txt": "invalid_encoding",
        "2020/mediabox.pdf": "pdf_corrupt",
        "2020/no_header.txt": "no_snapshot_header",
        "2020/nul.txt": "binary",
        "2020/oslo\\xff.txt": "invalid_file_name",
        "2020/stockholm_copy.txt": "duplicate_snapshot",
        "2020/~$lock.txt": "temporary_file",
        "loose.txt": "no_wave_folder",
    }


def test_rejection_messages_say_what_is_wrong(messy_build):
    connection, _ = messy_build
    messages = dict(connection.execute("SELECT reason, message FROM rejected_documents").fetchall())
    assert "Latin-1" in messages["invalid_encoding"]
    assert "2020/stockholm.txt" in messages["duplicate_snapshot"]
    assert "raw/<year>/" in messages["no_wave_folder"]


def test_stockholm_still_loads_next_to_bad_documents(messy_build):
    connection, _ = messy_build
    rows = connection.execute(
        "SELECT city, country_code, survey_wave, population, team_staff FROM snapshots"
    ).fetchall()
    assert rows == [("Stockholm", "SE", 2020, 974073, 9)]


def test_every_document_is_either_loaded_or_rejected(messy_build):
    connection, _ = messy_build
    statuses = dict(connection.execute("SELECT status, count(*) FROM documents GROUP BY status").fetchall())
    rejected = connection.execute("SELECT count(*) FROM rejected_documents").fetchone()[0]
    assert statuses == {"loaded": 1, "rejected": 12}
    assert rejected == statuses["rejected"]


def test_every_non_blank_line_of_a_loaded_document_is_attributed_or_unparsed(messy_build, stockholm_text):
    connection, _ = messy_build
    accounted = {
        number
        for (number,) in connection.execute(
            "SELECT line_number FROM line_attributions UNION ALL SELECT line_number FROM unparsed_lines"
        ).fetchall()
    }
    non_blank = {n for n, line in enumerate(stockholm_text.split("\n"), start=1) if line.strip()}
    assert accounted == non_blank


def test_every_table_and_aggregate_has_a_parquet_twin_with_the_same_rows(messy_build):
    connection, warehouse = messy_build
    names = [*TABLE_MODELS, *aggregate_queries()]
    for name in names:
        parquet = pq.read_metadata(warehouse / "parquet" / f"{name}.parquet")
        in_db = connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        assert parquet.num_rows == in_db, name
        assert parquet.row_group(0).column(0).compression == "ZSTD"


def test_items_trace_back_to_document_and_line(messy_build):
    connection, _ = messy_build
    row = connection.execute(
        """
        SELECT d.path, i.source_line, i.label FROM snapshot_items i
        JOIN documents d USING (document_id)
        WHERE i.dimension = 'staff_skills' AND i.position = 1
        """
    ).fetchone()
    assert row == ("2020/stockholm.txt", 22, "Project Manager")


def test_overview_aggregate_counts_cities_per_wave(messy_build):
    connection, _ = messy_build
    overview = connection.execute("SELECT * FROM agg_overview").df()
    assert overview.loc[0, "survey_wave"] == 2020
    assert overview.loc[0, "cities"] == 1
    assert overview.loc[0, "pct_formal_strategy"] == 100.0
    assert overview.loc[0, "pct_approach_both"] == 100.0
    assert overview.loc[0, "team_size_median"] == 9.0


def test_benchmark_check_puts_stated_next_to_recomputed_share(messy_build):
    connection, _ = messy_build
    checks = connection.execute(
        "SELECT topic, stated_text, computed_pct, within_stated FROM agg_benchmark_check ORDER BY position"
    ).fetchall()
    assert checks == [
        ("formal_strategy", "50%", 100.0, False),
        ("approach", "more than half", 100.0, True),
        ("dedicated_funding", "81%", 100.0, False),
    ]


def test_tables_carry_descriptions_from_the_pandera_models(messy_build):
    connection, _ = messy_build
    comment = connection.execute(
        "SELECT comment FROM duckdb_columns() WHERE table_name = 'snapshots' AND column_name = 'team_staff'"
    ).fetchone()[0]
    assert comment == TABLE_MODELS["snapshots"].to_schema().columns["team_staff"].description


def test_rebuilding_the_same_raw_folder_gives_byte_identical_parquet(messy_raw, messy_build, tmp_path):
    from tests.conftest import build_warehouse

    _, first = messy_build
    build_warehouse(messy_raw, tmp_path).close()
    for path in sorted((first / "parquet").glob("*.parquet")):
        assert path.read_bytes() == (tmp_path / "parquet" / path.name).read_bytes(), path.name


def test_published_frames_read_back_with_model_dtypes(messy_build):
    _, warehouse = messy_build
    snapshots = pd.read_parquet(warehouse / "parquet" / "snapshots.parquet")
    TABLE_MODELS["snapshots"].validate(snapshots)
