"""The data path (issue 10): parse workers validate rows and write Parquet fragments chunk by chunk, and
DuckDB assembles the published tables from the fragments and the unchanged published rows."""

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pandera.errors import SchemaErrors

from pipeline.core import Document
from pipeline.ingest.documents import inventory
from pipeline.ingest.limits import ParseLimits
from pipeline.parse.document import parse_text
from pipeline.parse.source import ParsedDocument
from pipeline.parse.workers import ParsePool
from pipeline.publish import assemble
from pipeline.publish.assemble import assemble_tables
from pipeline.publish.fragments import SOURCE_PATH, write_fragment
from pipeline.publish.plan import PLAN_FILE, plan_build, write_inventory
from pipeline.publish.views import validate_views
from pipeline.synth import write_corpus
from tests.conftest import PROJECT_ROOT, STOCKHOLM, build_warehouse
from tests.hostile_files import glyph_flood_pdf

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "documents"
LIMITS = ParseLimits(seconds=20, memory_bytes=1024 * 2**20, workers=2)


def parsed(text: str, path: str, document_id: str) -> ParsedDocument:
    source = Document(document_id, path, 2020, len(text), "text", text, None)
    result = parse_text(text)
    return ParsedDocument(source, result.record, result.rejection)


def rows(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def test_a_fragment_holds_validated_rows_and_moves_a_failing_document_to_rejected(stockholm_text, tmp_path):
    good = parsed(stockholm_text, "2020/stockholm.txt", "a" * 64)
    bad_text = stockholm_text.replace("STOCKHOLM", "GOTHENBURG").replace("974 073 (2019)", "12 (2019)")
    bad = parsed(bad_text, "2020/gothenburg.txt", "b" * 64)
    summary = write_fragment([good, bad], str(tmp_path), "b0-00000")
    assert summary["validation_failures"] == 1
    documents = {row["path"]: row for row in rows(tmp_path / "documents" / "b0-00000.parquet")}
    assert (documents["2020/gothenburg.txt"]["status"], documents["2020/gothenburg.txt"]["snapshot_id"]) == (
        "rejected",
        None,
    )
    [rejected] = rows(tmp_path / "rejected_documents" / "b0-00000.parquet")
    assert rejected["reason"] == "validation_failed" and "population" in rejected["message"]
    snapshots = rows(tmp_path / "snapshots" / "b0-00000.parquet")
    assert [(row["city"], row[SOURCE_PATH]) for row in snapshots] == [("Stockholm", "2020/stockholm.txt")]


def test_two_copies_of_a_city_in_one_chunk_are_both_kept_for_the_assembly_to_decide(stockholm_text, tmp_path):
    first = parsed(stockholm_text, "2020/a_stockholm.txt", "a" * 64)
    second = parsed(stockholm_text + "\n", "2020/b_stockholm.txt", "b" * 64)
    summary = write_fragment([first, second], str(tmp_path), "b0-00000")
    assert summary["validation_failures"] == 0
    assert summary["rows"]["snapshots"] == 2


def build_tables_in_chunks(raw: Path, staging: Path, chunk_lines: int) -> dict[str, bytes]:
    """Inventory, plan, parse into fragments (chunks of about ``chunk_lines`` lines), assemble."""
    refs = inventory(raw)
    plan = plan_build(write_inventory(refs, staging / "inventory.parquet", 4), None, "fingerprint")
    assert (plan.to_parse, plan.reused, plan.full_rebuild_reason) == (len(refs), 0, "no published warehouse")
    with ParsePool(raw, LIMITS, sink=write_fragment) as pool:
        run = pool.parse_into(refs, str(staging / "fragments"), "b0-", chunk_lines)
    assert not run.failed
    assembled = assemble_tables(staging / "fragments", staging / PLAN_FILE, None, staging / "parquet")
    return {name: path.read_bytes() for name, path in sorted(assembled.files.items())}


@pytest.fixture
def corpus_with_duplicates(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    write_corpus(24, raw, seed=11)
    text = STOCKHOLM.read_text(encoding="utf-8")
    (raw / "2020" / "stockholm.txt").write_text(text, encoding="utf-8")
    (raw / "2020" / "zz_stockholm_copy.txt").write_text(text + "\n", encoding="utf-8")
    return raw


def test_the_tables_do_not_depend_on_how_documents_were_chunked(corpus_with_duplicates: Path, tmp_path: Path):
    one_chunk = build_tables_in_chunks(corpus_with_duplicates, tmp_path / "one", 10_000_000)
    many_chunks = build_tables_in_chunks(corpus_with_duplicates, tmp_path / "many", 150)
    assert len(list((tmp_path / "many" / "fragments" / "documents").glob("*.parquet"))) > 4
    assert one_chunk == many_chunks
    rejected = rows(tmp_path / "one" / "parquet" / "rejected_documents.parquet")
    [duplicate] = [row for row in rejected if row["reason"] == "duplicate_snapshot"]
    assert duplicate["path"] == "2020/zz_stockholm_copy.txt"
    assert "already loaded from 2020/stockholm.txt" in duplicate["message"]


def test_an_assembly_that_runs_out_of_memory_runs_again_with_more(
    corpus_with_duplicates: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    expected = build_tables_in_chunks(corpus_with_duplicates, tmp_path / "roomy", 10_000_000)
    monkeypatch.setattr(assemble, "ASSEMBLY_MEMORY_LIMIT_MB", 1)  # too little for anything: DuckDB says so
    staging = tmp_path / "tight"
    assert build_tables_in_chunks(corpus_with_duplicates, staging, 10_000_000) == expected
    assert assemble_tables(staging / "fragments", staging / PLAN_FILE, None, tmp_path / "again").memory_mb > 1

    monkeypatch.setattr(assemble, "ASSEMBLY_MEMORY_CEILING_MB", 2)  # and no more than this may be asked for
    with pytest.raises((duckdb.OutOfMemoryException, OSError), match=r"^Out of Memory Error"):
        assemble_tables(staging / "fragments", staging / PLAN_FILE, None, tmp_path / "refused")


def chunk_sizes(raw: Path, fragments: Path, chunk_lines: int) -> list[int]:
    """The lines of each chunk one worker writes from ``raw``, in the order written."""
    refs = inventory(raw)
    with ParsePool(raw, dataclasses.replace(LIMITS, workers=1), sink=write_fragment) as pool:
        run = pool.parse_into(refs, str(fragments), "b0-", chunk_lines)
    assert not run.failed and sum(summary["documents"] for summary in run.summaries) == len(refs)
    return [
        sum(row["line_count"] for row in rows(fragments / "documents" / f"b0-{index:05d}.parquet"))
        for index in range(len(run.summaries))
    ]


def test_a_small_rest_joins_the_last_chunk_instead_of_making_a_sliver(tmp_path: Path):
    """Each chunk costs the pandera models' fixed price (about 0.1 s): a worker whose share is a little
    over one chunk writes one chunk, not a full one and a sliver. A chunk still stays below 1.5 chunks'
    lines plus one document, so memory stays bounded by the chunk size."""
    raw = tmp_path / "raw"
    write_corpus(30, raw, seed=4)
    total = sum(chunk_sizes(raw, tmp_path / "whole", 10_000_000))
    over_by_a_sixth = chunk_sizes(raw, tmp_path / "sixth", total * 6 // 7)
    assert len(over_by_a_sixth) == 1
    longest = max(ref.size_bytes for ref in inventory(raw))  # a line is at least one byte
    many = chunk_sizes(raw, tmp_path / "many", total // 5)
    assert 4 <= len(many) <= 6
    assert max(many) < 1.5 * (total // 5) + longest
    assert min(many[:-1]) >= total // 5


def test_a_stuck_document_in_the_middle_of_a_batch_loses_none_of_the_documents_parsed_before_it(tmp_path: Path):
    """Documents go to a worker in batches and are answered for in batches. When one overruns its time,
    the documents its worker parsed before it (held, or parsed but not yet answered for) die with the
    worker: they are parsed again elsewhere and written once each; only the stuck one is rejected."""
    raw = tmp_path / "raw"
    write_corpus(10, raw, seed=8)
    (raw / "2020" / "m_flood.pdf").write_bytes(glyph_flood_pdf(1_500_000))
    refs = inventory(raw)
    assert 2 <= [ref.path for ref in refs].index("2020/m_flood.pdf") < len(refs) - 2
    limits = ParseLimits(max_bytes=2_000_000, max_lines=2_000, seconds=3, memory_bytes=768 * 2**20, workers=1)
    with ParsePool(raw, limits, sink=write_fragment) as pool:
        run = pool.parse_into(refs, str(tmp_path / "fragments"), "b0-", 10_000_000)
    assert [(doc.source.path, doc.rejection.reason) for doc in run.failed] == [("2020/m_flood.pdf", "too_slow")]
    written = [row["path"] for path in (tmp_path / "fragments" / "documents").glob("*.parquet") for row in rows(path)]
    assert sorted(written) == sorted(ref.path for ref in refs if ref.path != "2020/m_flood.pdf")


def crashing_sink(documents: list[ParsedDocument], folder: str, name: str) -> dict:
    """Writes like the real sink, but a chunk holding ``2020/crash.txt`` kills its worker halfway through
    its files, as running out of memory while writing would: one table's fragment complete, the next cut
    off after a few bytes."""
    if any(doc.source.path == "2020/crash.txt" for doc in documents):
        write_fragment(documents, folder, name)
        (Path(folder) / "snapshots" / f"{name}.parquet").write_bytes(b"PAR1 cut off")
        os._exit(1)
    return write_fragment(documents, folder, name)


def test_a_chunk_whose_writing_kills_the_worker_is_written_again_without_the_document_at_fault(tmp_path: Path):
    raw = tmp_path / "raw"
    write_corpus(12, raw, seed=3)
    (raw / "2020" / "crash.txt").write_text(STOCKHOLM.read_text(encoding="utf-8"), encoding="utf-8")
    refs = inventory(raw)
    with ParsePool(raw, LIMITS, sink=crashing_sink) as pool:
        run = pool.parse_into(refs, str(tmp_path / "fragments"), "b0-", 10_000_000)
    [failed] = run.failed
    assert (failed.source.path, failed.rejection.reason) == ("2020/crash.txt", "worker_died")
    written = [row["path"] for path in (tmp_path / "fragments" / "documents").glob("*.parquet") for row in rows(path)]
    assert sorted(written) == sorted({ref.path for ref in refs} - {"2020/crash.txt"})  # each once
    sizes = sorted(len(rows(path)) for path in (tmp_path / "fragments" / "documents").glob("*.parquet"))
    assert sizes[:-1] == [1] * (len(sizes) - 1), "the dead chunk's documents are written again one at a time"
    for table in (tmp_path / "fragments").iterdir():
        for path in table.iterdir():
            assert rows(path) is not None, path  # no file of the chunk that died is left behind


def test_a_view_row_that_breaks_its_model_fails_the_view_validation(tmp_path: Path):
    raw = tmp_path / "raw"
    (raw / "2020").mkdir(parents=True)
    shutil.copy(STOCKHOLM, raw / "2020" / "stockholm.txt")
    build_warehouse(raw, tmp_path / "warehouse").close()
    copy = tmp_path / "copy.duckdb"
    shutil.copy(tmp_path / "warehouse" / "warehouse.duckdb", copy)
    assert validate_views(copy)["v_city_profile"] == 1
    with duckdb.connect(str(copy)) as connection:
        connection.execute("ALTER VIEW v_city_profile RENAME TO v_city_profile_as_built")
        connection.execute(
            "CREATE VIEW v_city_profile AS SELECT * REPLACE ('huge' AS size_band) FROM v_city_profile_as_built"
        )
    with pytest.raises(SchemaErrors, match="size_band"):
        validate_views(copy)


def test_the_views_validated_over_the_parquet_files_are_the_views_of_the_duckdb_file(tmp_path: Path):
    """The build validates the views over the staged Parquet files while it loads the DuckDB file from them
    (two cores): the same rows, and a bad row fails there as it would in the file."""
    raw = tmp_path / "raw"
    write_corpus(6, raw, seed=2)
    build_warehouse(raw, tmp_path / "warehouse").close()
    parquet = {path.stem: path for path in (tmp_path / "warehouse" / "parquet").glob("*.parquet")}
    over_files = validate_views(parquet)
    assert over_files == validate_views(tmp_path / "warehouse" / "warehouse.duckdb")
    assert over_files["v_city_profile"] == 6 and over_files["v_items_labelled"] > 6
    snapshots = pq.read_table(parquet["snapshots"])
    column = snapshots.schema.get_field_index("city")
    broken = snapshots.set_column(column, "city", pa.nulls(snapshots.num_rows, pa.string()))
    parquet["snapshots"] = tmp_path / "snapshots.parquet"
    pq.write_table(broken, parquet["snapshots"])
    with pytest.raises(SchemaErrors):
        validate_views(parquet)


def test_parse_workers_do_not_run_the_launching_script_again(tmp_path: Path):
    """`dagster` and `citysnap` are scripts; a worker that imported its parent's main script again would
    pay Dagster's imports (seconds) per worker, per batch."""
    raw = tmp_path / "raw"
    write_corpus(4, raw, seed=5)
    log = tmp_path / "imports.log"
    script = tmp_path / "launch.py"
    script.write_text(
        f"with open({str(log)!r}, 'a') as log:\n"
        "    log.write('imported\\n')\n"
        "if __name__ == '__main__':\n"
        "    from pathlib import Path\n"
        "    from pipeline.ingest.documents import inventory\n"
        "    from pipeline.parse.workers import parse_documents\n"
        f"    raw = Path({str(raw)!r})\n"
        "    assert len(parse_documents(raw, inventory(raw))) == 4\n",
        encoding="utf-8",
    )
    subprocess.run([sys.executable, str(script)], check=True, cwd=tmp_path)
    assert log.read_text(encoding="utf-8").count("imported") == 1


def field_values(value: object) -> object:
    """The plain value of a parse result with each dataclass as the list of its field values, in order."""
    if dataclasses.is_dataclass(value):
        return [field_values(getattr(value, field.name)) for field in dataclasses.fields(value)]
    if isinstance(value, list | tuple):
        return [field_values(item) for item in value]
    if isinstance(value, dict):
        return {key: field_values(item) for key, item in value.items()}
    return value


def test_a_cache_entry_lists_each_records_field_values_in_order_and_decodes_to_the_same_record(stockholm_text):
    from pipeline.parse.cache import CachedParse, decode_as, to_json

    for text in [stockholm_text, *[path.read_text(encoding="utf-8") for path in sorted(FIXTURES.glob("*.txt"))]]:
        result = parse_text(text)
        entry = CachedParse(result.record, result.rejection, ("policy_area_data.data_status",), 42)
        written = to_json(entry)
        assert written == json.dumps(field_values(entry), ensure_ascii=False, separators=(",", ":"))
        assert decode_as(CachedParse, json.loads(written)) == entry


@pytest.mark.parametrize("damage", ["field missing", "field added", "fields named"])
def test_a_cache_entry_whose_record_lost_gained_or_named_its_fields_does_not_decode(stockholm_text, damage):
    from pipeline.parse.cache import CachedParse, CacheEntryInvalid, decode_as, to_json

    result = parse_text(stockholm_text)
    written = json.loads(to_json(CachedParse(result.record, result.rejection, (), 42)))
    record = written[0]
    written[0] = {
        "field missing": record[:-1],
        "field added": [*record, None],
        "fields named": dict(zip([field.name for field in dataclasses.fields(result.record)], record, strict=True)),
    }[damage]
    with pytest.raises(CacheEntryInvalid):
        decode_as(CachedParse, written)


def test_the_build_command_preloads_the_module_of_the_sink_the_parse_step_uses():
    """`citysnap build` starts the workers' fork server by module name before importing Dagster; a name
    that drifted from the sink would leave the workers importing it themselves, at every start."""
    from pipeline.commands.build import PARSE_SINK_MODULE

    assert PARSE_SINK_MODULE == write_fragment.__module__


def test_a_worker_killed_while_writing_its_progress_cannot_hang_the_parent():
    """The parent reads each worker's progress (documents started, and when the current one started) from
    shared memory without a lock, which a worker killed mid-write would keep forever: a write in progress
    reads as no document in progress, and a finished write reads whole."""
    import multiprocessing

    from pipeline.parse.workers import _publish_progress, _read_progress

    progress = multiprocessing.get_context("forkserver").RawArray("d", 3)
    assert _read_progress(progress) == (0, 0.0)
    _publish_progress(progress, 7, 123.5)
    assert _read_progress(progress) == (7, 123.5)
    progress[2] += 1  # a write that began and never ended
    assert _read_progress(progress) == (0, 0.0)
