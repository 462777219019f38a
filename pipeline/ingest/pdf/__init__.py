"""Read a City Innovation Snapshot PDF: its text in reading order, and the outcomes grid's colours.

The text goes through the same parser as ``.txt`` documents, so it is laid out like the seed text:
one line per paragraph or bullet, a blank line where the page shows a gap, the outcomes grid as rows
of tab-separated cells. On the way:

- two-column pages are read column by column (a column band ends at a line or a drawn bar that
  crosses the gutter);
- words hyphenated (or URLs broken) at a line end are re-joined;
- a header or footer repeated on every page is dropped, except the first occurrence of the snapshot
  title, which the parser needs;
- the data status of each policy area is read from its cell's colour, matched to the nearest colour
  of the legend on the page ("with sufficient data", "without sufficient data", "No response ... in
  grey"). No colour value is hard-coded: a different palette works as long as the legend shows it.

pdfplumber (pdfminer.six underneath, pure Python) gives characters with positions, fonts and fill
colours, and filled rectangles with theirs: everything needed for both jobs, with no system binary.

The work is split by concern: :mod:`.geometry` (words, lines, rectangles), :mod:`.reading_order`
(columns, running lines, paragraphs) and :mod:`.grid` (grid cells and legend colours); the wording it
looks for (title, outcomes heading, legend phrases) comes from the snapshot template (:mod:`.wording`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from pipeline.core import Rejection
from pipeline.ingest.pdf.geometry import Page, read_page
from pipeline.ingest.pdf.grid import (
    Legend,
    cell_statuses,
    grid_cells,
    grid_rows,
    legend_phrase_starts,
    main_text_colour,
    read_legend,
)
from pipeline.ingest.pdf.reading_order import drop_running_lines, page_text
from pipeline.ingest.pdf.wording import is_outcomes_heading


@dataclass(frozen=True)
class PdfExtraction:
    """What a PDF yields: text for the parser, and policy-area label -> data status from the colours."""

    text: str
    policy_area_statuses: dict[str, str] = field(default_factory=dict)
    page_count: int = 0


READER_MODULES = ("pdfplumber", "pdfminer.pdfdocument")
"""The libraries :func:`read_pdf` imports when it first runs (not at import, to keep light commands light).
A parse worker imports them before it limits its address space: mapped later, they would count against
the limit and could fail to load."""
MAX_PAGE_POINTS = 14_400
"""The largest page side PDF viewers accept (200 inches); a snapshot page is A4 or Letter."""


def read_pdf(data: bytes, max_pages: int | None = None) -> PdfExtraction | Rejection:
    """Extract a snapshot PDF, or say specifically why it cannot be read (never raises, but for
    MemoryError, which the worker running it turns into ``too_much_memory``)."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    if b"%PDF-" not in data[:1024]:
        return Rejection("pdf_corrupt", "no %PDF- header: the file is not a PDF (or is damaged at the start)")
    if b"%%EOF" not in data[-2048:]:
        return Rejection(
            "truncated",
            "the PDF has no %%EOF marker at its end: it was cut off (re-download or re-export it)",
        )
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if max_pages is not None and len(pdf.pages) > max_pages:
                return Rejection(
                    "too_large",
                    f"the PDF has {len(pdf.pages)} pages; a snapshot has a few, the limit is {max_pages} "
                    "(CITYSNAP_MAX_PAGES)",
                )
            for number, page in enumerate(pdf.pages, start=1):
                if max(float(page.width), float(page.height)) > MAX_PAGE_POINTS:
                    return Rejection(
                        "pdf_corrupt",
                        f"page {number} declares {float(page.width):.0f} x {float(page.height):.0f} points, beyond "
                        f"the PDF maximum of {MAX_PAGE_POINTS:,} (200 inches): the page box is damaged or hostile",
                    )
            pages = [read_page(page, number) for number, page in enumerate(pdf.pages, start=1)]
    except Exception as error:
        cause = error.__cause__ or error.__context__ or error
        chain = (error, cause, *error.args)
        if any(isinstance(e, MemoryError) for e in chain):
            raise MemoryError(str(cause)) from error
        if any(isinstance(e, PDFPasswordIncorrect | PDFEncryptionError) for e in chain):
            return Rejection(
                "pdf_encrypted",
                "the PDF is encrypted with a password: save an unprotected copy (or remove the password)",
            )
        return Rejection("pdf_corrupt", f"the PDF cannot be read ({type(cause).__name__}: {cause}): it is damaged")
    if not pages:
        return Rejection("pdf_corrupt", "the PDF has no pages")
    if not any(page.lines for page in pages):
        images = sum(page.images for page in pages)
        what = f"{images} image(s)" if images else "no text and no images"
        return Rejection(
            "pdf_needs_ocr",
            f"the PDF has no text layer ({len(pages)} page(s), {what}): it needs OCR, "
            "e.g. `ocrmypdf in.pdf out.pdf`, before it can be added",
        )
    try:
        return _extract(pages)
    except Exception as error:  # a layout this module does not handle must not stop the run
        return Rejection("parser_error", f"PDF layout extraction failed: {type(error).__name__}: {error}")


def _extract(pages: list[Page]) -> PdfExtraction:
    drop_running_lines(pages)
    body_colour = main_text_colour(pages)
    statuses: dict[str, str] = {}
    legend = Legend({}, grey_means_no_response=False)
    blocks: list[str] = []
    outcomes_seen = False
    for page in pages:
        heading = next((line for line in page.lines if is_outcomes_heading(line.text)), None)
        rows: list[tuple[float, str]] = []
        if heading is not None or outcomes_seen:
            below = heading.bottom if heading is not None else 0.0
            legend = legend.merged(read_legend(page, body_colour))
            cells = grid_cells(page, below)
            rows = grid_rows(cells)
            statuses.update(cell_statuses(cells, legend))
            if heading is not None or cells:
                for line in page.lines:
                    line.tabbed = line.top > below and not legend_phrase_starts(line)
        outcomes_seen = outcomes_seen or heading is not None
        blocks.append(page_text(page, rows))
    text = "\n\n\n".join(block for block in blocks if block) + "\n"
    return PdfExtraction(text=text, policy_area_statuses=statuses, page_count=len(pages))
