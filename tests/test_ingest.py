"""Reading raw/: identity by content hash, wave from the folder, and safe decoding."""

import codecs
import hashlib
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from pipeline.core import Rejection
from pipeline.ingest.documents import decode, inventory, read_document, read_documents


def test_document_id_is_the_sha256_of_the_bytes(tmp_path: Path):
    (tmp_path / "2020").mkdir()
    path = tmp_path / "2020" / "a.txt"
    path.write_bytes(b"City Innovation Snapshot X, Y\n")
    doc = read_document(tmp_path, path)
    assert doc.document_id == hashlib.sha256(b"City Innovation Snapshot X, Y\n").hexdigest()
    assert (doc.path, doc.survey_wave, doc.size_bytes) == ("2020/a.txt", 2020, 30)


def test_a_folder_that_is_not_a_year_is_rejected(tmp_path: Path):
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "a.txt").write_text("text", encoding="utf-8")
    [doc] = read_documents(tmp_path)
    assert doc.rejection.reason == "invalid_wave_folder"


def test_hidden_files_are_not_documents(tmp_path: Path):
    (tmp_path / "2020").mkdir()
    (tmp_path / "2020" / ".DS_Store").write_bytes(b"\x00\x01")
    assert read_documents(tmp_path) == []


def test_unsupported_extensions_are_rejected_by_name(tmp_path: Path):
    (tmp_path / "2020").mkdir()
    (tmp_path / "2020" / "a.docx").write_bytes(b"PK\x03\x04")
    [doc] = read_documents(tmp_path)
    assert doc.rejection.reason == "unsupported_format"
    assert ".docx" in doc.rejection.message


def test_utf8_with_bom_and_utf16_with_bom_decode():
    assert decode(codecs.BOM_UTF8 + "Umeå".encode()) == "Umeå"
    assert decode(codecs.BOM_UTF16_LE + "Umeå".encode("utf-16-le")) == "Umeå"


def test_whitespace_only_is_empty():
    assert decode(b"  \n\t\n").reason == "empty"


def test_control_bytes_mean_binary():
    rejection = decode(b"\x00\x01\x02PDF")
    assert isinstance(rejection, Rejection) and rejection.reason == "binary"


def test_latin1_is_rejected_with_the_offending_byte_and_line():
    rejection = decode("line one\nUmeå\n".encode("latin-1"))
    assert rejection.reason == "invalid_encoding"
    assert rejection.line == 2
    assert "0xE5" in rejection.message and "Latin-1" in rejection.message


def test_a_file_cut_inside_a_utf8_character_is_truncated():
    rejection = decode("Umeå".encode()[:-1])
    assert rejection.reason == "truncated"


def test_inventory_reuses_the_hash_of_a_file_whose_size_times_and_inode_are_unchanged(tmp_path: Path):
    (tmp_path / "2020").mkdir()
    path = tmp_path / "2020" / "a.txt"
    path.write_bytes(b"one")
    stamps: dict = {}
    [first] = inventory(tmp_path, stamps)
    assert first.document_id == hashlib.sha256(b"one").hexdigest()
    stamps["2020/a.txt"] = (*stamps["2020/a.txt"][:4], "f" * 64)  # a stamp says: already hashed
    [again] = inventory(tmp_path, stamps)
    assert again.document_id == "f" * 64
    path.write_bytes(b"two!")  # a new size (and mtime): hashed again
    [changed] = inventory(tmp_path, stamps)
    assert changed.document_id == hashlib.sha256(b"two!").hexdigest()
    path.unlink()
    assert inventory(tmp_path, stamps) == [] and stamps == {}


@given(st.binary(min_size=1, max_size=400), st.integers(min_value=1, max_value=40))
def test_text_is_binary_exactly_when_over_5_percent_of_its_first_bytes_are_controls(noise: bytes, copies: int):
    """The control-byte count runs in C (``bytes.translate``); it must count what the rule says."""
    data = b"A line of text\n" * copies + noise.replace(b"\x00", b"")
    sniff = data[:8192]
    controls = sum(1 for byte in sniff if byte < 32 and byte not in (9, 10, 12, 13))
    result = decode(data)
    over = controls > 0.05 * len(sniff)
    assert (isinstance(result, Rejection) and result.reason == "binary") == over
