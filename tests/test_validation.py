"""pandera models reject crafted bad rows, and a failing document leaves every table."""

import pandas as pd
import pytest

from pipeline.core import Document
from pipeline.normalize.tables import build_tables
from pipeline.parse.document import parse_text
from pipeline.parse.source import ParsedDocument
from pipeline.validate.validation import (
    WarehouseValidationError,
    referential_failures,
    validate_table,
    validate_tables,
)


def parsed(text: str, path: str = "2020/stockholm.txt", document_id: str = "a" * 64) -> ParsedDocument:
    source = Document(document_id, path, 2020, len(text), "text", text, None)
    result = parse_text(text)
    return ParsedDocument(source, result.record, result.rejection)


@pytest.fixture
def tables(stockholm_text):
    return build_tables([parsed(stockholm_text)])


def test_the_seed_tables_are_valid(tables):
    assert all(validate_table(name, table) == [] for name, table in tables.items())


def test_an_implausible_population_names_table_column_value_and_check(tables):
    tables["snapshots"].loc[0, "population"] = 12
    [failure] = validate_table("snapshots", tables["snapshots"])
    assert (failure.table, failure.column, failure.value) == ("snapshots", "population", "12")
    assert failure.document_id == "a" * 64
    assert "greater_than_or_equal_to" in failure.check


def test_a_term_that_ends_before_it_starts_fails(tables):
    tables["snapshots"].loc[0, "term_end"] = 2010
    checks = {f.check for f in validate_table("snapshots", tables["snapshots"])}
    assert "term_start must not be after term_end" in checks


def test_a_code_outside_the_vocabulary_fails(tables):
    tables["snapshot_items"].loc[0, "code"] = "astrologer"
    checks = {f.check for f in validate_table("snapshot_items", tables["snapshot_items"])}
    assert "code is not in the vocabulary of its dimension" in checks


def test_a_negative_staff_count_and_a_share_above_100_fail(tables):
    tables["snapshots"].loc[0, "team_staff"] = -1
    tables["benchmark_claims"].loc[0, "stated_pct"] = 150.0
    assert validate_table("snapshots", tables["snapshots"])
    assert validate_table("benchmark_claims", tables["benchmark_claims"])


def test_duplicate_item_positions_fail(tables):
    items = tables["snapshot_items"]
    tables["snapshot_items"] = pd.concat([items, items.iloc[[0]]], ignore_index=True)
    assert validate_table("snapshot_items", tables["snapshot_items"])


def test_all_failures_are_collected_at_once(tables):
    tables["snapshots"].loc[0, "population"] = 12
    tables["snapshots"].loc[0, "team_staff"] = -3
    assert len(validate_table("snapshots", tables["snapshots"])) == 2


def test_a_failing_document_moves_to_rejected_and_the_others_load(stockholm_text):
    good = parsed(stockholm_text)
    bad_text = stockholm_text.replace("STOCKHOLM", "GOTHENBURG").replace("974 073 (2019)", "12 (2019)")
    bad = parsed(bad_text, path="2020/gothenburg.txt", document_id="b" * 64)
    cleaned, failures = validate_tables(build_tables([good, bad]))
    assert {f.document_id for f in failures} == {"b" * 64}
    assert list(cleaned["snapshots"]["city"]) == ["Stockholm"]
    assert set(cleaned["snapshot_items"]["document_id"]) == {"a" * 64}
    rejected = cleaned["rejected_documents"].iloc[0]
    assert (rejected["path"], rejected["reason"]) == ("2020/gothenburg.txt", "validation_failed")
    assert "snapshots.population='12'" in rejected["message"]
    status = dict(zip(cleaned["documents"]["path"], cleaned["documents"]["status"], strict=True))
    assert status == {"2020/gothenburg.txt": "rejected", "2020/stockholm.txt": "loaded"}


def test_a_broken_vocabulary_table_is_a_product_error_not_a_rejection(tables):
    vocabulary = tables["vocabulary"]
    tables["vocabulary"] = pd.concat([vocabulary, vocabulary.iloc[[0]]], ignore_index=True)
    with pytest.raises(WarehouseValidationError):
        validate_tables(tables)


def test_rows_pointing_at_a_missing_snapshot_or_an_unloaded_document_are_named(tables):
    assert referential_failures(tables) == []
    tables["policy_area_data"].loc[0, "snapshot_id"] = "2020-se-nowhere"
    tables["documents"].loc[0, "status"] = "rejected"
    failures = {(f.table, f.check, f.value) for f in referential_failures(tables)}
    assert failures == {
        ("policy_area_data", "references snapshots", "2020-se-nowhere"),
        ("snapshots", "references loaded documents", "a" * 64),
    }


def test_a_column_in_another_dtype_than_its_model_is_a_product_error_not_converted(tables):
    tables["snapshots"]["population"] = tables["snapshots"]["population"].astype("float64")
    [failure] = validate_table("snapshots", tables["snapshots"])
    assert (failure.column, failure.document_id) == ("population", None) and "dtype" in failure.check
    with pytest.raises(WarehouseValidationError):
        validate_tables(tables)


def test_a_document_id_that_is_not_a_sha256_fails_on_the_rows_that_carry_it(tables):
    items = tables["snapshot_items"]
    items["document_id"] = items["document_id"].mask(items.index >= 2, "A" * 64)
    failures = validate_table("snapshot_items", items)
    assert {(f.column, f.value) for f in failures} == {("document_id", "A" * 64)}
    assert len(failures) == len(items) - 2
