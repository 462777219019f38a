"""Hostile and broken inputs for the bad-input runs: each is small to write and must cost a build bounded
work and a rejection, never a hang, a crash or a wrong row."""

from __future__ import annotations

import zlib


def minimal_pdf(mediabox: bytes, content: bytes, stream_filter: bytes = b"") -> bytes:
    """A one-page PDF with a Helvetica text stream, written by hand so any geometry can be declared."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox " + mediabox + b" /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d %s >>\nstream\n" % (len(content), stream_filter) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


SNAPSHOT_TITLE = b"BT /F1 12 Tf 72 720 Td (City Innovation Snapshot OSLO, Norway) Tj ET"


def giant_mediabox_pdf() -> bytes:
    """629 bytes declaring a page of 99999999999 points square: column detection over its width never ends."""
    return minimal_pdf(b"[0 0 99999999999 99999999999]", SNAPSHOT_TITLE)


def flate_bomb(mebibytes: int) -> bytes:
    """A zlib stream of about ``mebibytes`` KiB that inflates to ``mebibytes`` MiB of zeros (built from one
    compressed block repeated, so writing it is fast)."""
    chunk = bytes(1 << 20)
    compressor = zlib.compressobj(9)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush()[:-4]
    adler = (mebibytes * len(chunk)) % 65521 << 16 | 1  # Adler-32 of n zero bytes: a stays 1, b = n mod 65521
    return first + block * (mebibytes - 1) + end + adler.to_bytes(4, "big")


def flate_bomb_pdf(mebibytes: int) -> bytes:
    return minimal_pdf(b"[0 0 612 792]", flate_bomb(mebibytes), b"/Filter /FlateDecode")


def glyph_flood_pdf(glyphs: int) -> bytes:
    """One page showing ``glyphs`` characters: a few hundred kB that take a layout engine minutes."""
    return minimal_pdf(b"[0 0 612 792]", b"BT /F1 1 Tf 0 0 Td (" + b"a" * glyphs + b") Tj ET")
