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
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.core import Rejection

RGB = tuple[float, float, float]

SUFFICIENT, INSUFFICIENT, NO_RESPONSE = "sufficient", "insufficient", "no_response"
MAX_COLOUR_DISTANCE = 0.2
"""A cell colour further than this (RGB, 0..1 per channel) from every legend colour gets no status."""
MAX_GREY_CHROMA = 0.06
"""When the legend only says 'in grey' (no swatch), a cell this close to neutral is 'no response'."""
RUNNING_BAND = 0.1
"""Headers and footers live in the top and bottom tenth of a page."""
MIN_COLUMN_LINES = 3
"""Lines needed on each side of a gutter before a page is read as two columns."""
MIN_GUTTER = 8.0
WORD_GAP = 0.15
"""Characters further apart than this share of the font size are separate words (a space is ~0.28)."""
_BULLETS = "•●▪■◦○·▶►▸▹➢➤✓✔-–—*"
_CID = re.compile(r"(?:\(cid:\d+\))+")
_TITLE = re.compile(r"city\s+innovation\s+snapshot", re.IGNORECASE)
_OUTCOMES = re.compile(r"how\s+are\s+outcomes\s+measured", re.IGNORECASE)
_URL_END = re.compile(r"(?:https?://|www\.)\S*[/\-.?=&_]$")
_HYPHENATED = re.compile(r"[A-Za-zÀ-ÿ][-\u00ad]$")


@dataclass(frozen=True)
class PdfExtraction:
    """What a PDF yields: text for the parser, and policy-area label -> data status from the colours."""

    text: str
    policy_area_statuses: dict[str, str] = field(default_factory=dict)
    page_count: int = 0


@dataclass
class _Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    colour: RGB | None


@dataclass
class _Line:
    """Words on one baseline (or one column's share of them), left to right."""

    words: list[_Word]
    tabbed: bool = False
    """In the outcomes grid: cells far apart on the line are separated by tabs, as in the seed text."""

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def size(self) -> float:
        return max(w.size for w in self.words)

    @property
    def text(self) -> str:
        if self.tabbed:
            return "\t".join(" ".join(w.text for w in f.words) for f in _fragments(self))
        return " ".join(w.text for w in self.words)


@dataclass
class _Rect:
    x0: float
    x1: float
    top: float
    bottom: float
    colour: RGB | None

    def holds(self, word: _Word) -> bool:
        cx, cy = (word.x0 + word.x1) / 2, (word.top + word.bottom) / 2
        return self.x0 <= cx <= self.x1 and self.top <= cy <= self.bottom


@dataclass
class _Page:
    number: int
    width: float
    height: float
    lines: list[_Line]
    rects: list[_Rect]
    rules: list[_Rect]
    images: int


@dataclass
class _Cell:
    label: str
    colour: RGB | None
    x0: float
    x1: float
    top: float
    bottom: float


# --------------------------------------------------------------------------- opening
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
            pages = [_read_page(page, number) for number, page in enumerate(pdf.pages, start=1)]
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


def _rgb(colour: Any) -> RGB | None:
    """Grey, RGB or CMYK fill -> RGB in 0..1; patterns and other spaces -> None."""
    if isinstance(colour, int | float):
        colour = (colour,)
    if not isinstance(colour, tuple | list) or not all(isinstance(c, int | float) for c in colour):
        return None
    values = [float(c) for c in colour]
    if len(values) == 1:
        return (values[0],) * 3  # type: ignore[return-value]
    if len(values) == 3:
        return (values[0], values[1], values[2])
    if len(values) == 4:
        c, m, y, k = values
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return None


def _read_page(page: Any, number: int) -> _Page:
    words = [
        _Word(
            text=_glyphs(w["text"]),
            x0=w["x0"],
            x1=w["x1"],
            top=w["top"],
            bottom=w["bottom"],
            size=float(w.get("size") or 10.0),
            colour=_majority_colour(w.get("chars", [])),
        )
        for w in page.extract_words(extra_attrs=["size"], return_chars=True, x_tolerance_ratio=WORD_GAP)
        if _glyphs(w["text"]).strip()
    ]
    rects, rules = [], []
    for r in page.rects:
        rect = _Rect(r["x0"], r["x1"], r["top"], r["bottom"], _rgb(r.get("non_stroking_color")))
        if r.get("fill"):
            rects.append(rect)
        if r.get("fill") or r.get("stroke"):
            rules.append(rect)
    rules += [_Rect(ln["x0"], ln["x1"], ln["top"], ln["bottom"], None) for ln in page.lines]
    return _Page(number, float(page.width), float(page.height), _group_lines(words), rects, rules, len(page.images))


def _glyphs(text: str) -> str:
    """A glyph the font maps to no character comes out as '(cid:N)': on its own it is a symbol
    (in a snapshot, a bullet or an icon), inside a word it is dropped."""
    if _CID.fullmatch(text):
        return "•"
    return _CID.sub("", text)


def _majority_colour(chars: Iterable[dict]) -> RGB | None:
    colours = Counter(_rgb(c.get("non_stroking_color")) for c in chars if c.get("text", "").strip())
    return colours.most_common(1)[0][0] if colours else None


def _group_lines(words: list[_Word]) -> list[_Line]:
    """Words sharing a baseline (within a third of the font size) form one physical line."""
    lines: list[_Line] = []
    for word in sorted(words, key=lambda w: (round(w.bottom, 1), w.x0)):
        if lines and abs(lines[-1].bottom - word.bottom) <= 0.35 * min(word.size, lines[-1].size):
            lines[-1].words.append(word)
        else:
            lines.append(_Line([word]))
    for line in lines:
        line.words.sort(key=lambda w: w.x0)
    return lines


# --------------------------------------------------------------------------- whole document
def _extract(pages: list[_Page]) -> PdfExtraction:
    _drop_running_lines(pages)
    body_colour = _body_colour(pages)
    statuses: dict[str, str] = {}
    legend = _Legend({}, grey_means_no_response=False)
    blocks: list[str] = []
    outcomes_seen = False
    for page in pages:
        heading = next((line for line in page.lines if _OUTCOMES.search(line.text)), None)
        grid_rows: list[tuple[float, str]] = []
        if heading is not None or outcomes_seen:
            below = heading.bottom if heading is not None else 0.0
            legend = legend.merged(_legend(page, body_colour))
            cells = _grid_cells(page, below)
            grid_rows = _grid_rows(cells)
            statuses.update(_statuses(cells, legend))
            if heading is not None or cells:
                for line in page.lines:
                    line.tabbed = line.top > below and not _phrase_starts(line)
        outcomes_seen = outcomes_seen or heading is not None
        blocks.append(_page_text(page, grid_rows))
    text = "\n\n\n".join(block for block in blocks if block) + "\n"
    return PdfExtraction(text=text, policy_area_statuses=statuses, page_count=len(pages))


def _running_key(line: _Line) -> str:
    return re.sub(r"\d+", "#", " ".join(line.text.lower().split()))


def _drop_running_lines(pages: list[_Page]) -> None:
    """Remove lines repeated in the top or bottom band of several pages (page numbers may differ).
    The first occurrence of a repeated snapshot title stays: it is the document's title line."""
    if len(pages) < 2:
        return
    seen: Counter[tuple[str, str]] = Counter()
    for page in pages:
        for key in {_band_key(page, line) for line in page.lines} - {None}:
            seen[key] += 1  # type: ignore[index]
    running = {key for key, count in seen.items() if count >= 2}
    title_kept = False
    for page in pages:
        kept = []
        for line in page.lines:
            key = _band_key(page, line)
            if key not in running:
                kept.append(line)
            elif not title_kept and _TITLE.search(line.text):
                title_kept = True
                kept.append(line)
        page.lines = kept


def _band_key(page: _Page, line: _Line) -> tuple[str, str] | None:
    if line.bottom <= page.height * RUNNING_BAND:
        return ("top", _running_key(line))
    if line.top >= page.height * (1 - RUNNING_BAND):
        return ("bottom", _running_key(line))
    return None


def _body_colour(pages: list[_Page]) -> RGB | None:
    """The colour most of the text is printed in: a legend phrase in another colour is a colour key."""
    counts: Counter[RGB | None] = Counter()
    for page in pages:
        for line in page.lines:
            for word in line.words:
                counts[word.colour] += len(word.text)
    return counts.most_common(1)[0][0] if counts else None


# --------------------------------------------------------------------------- legend and grid
@dataclass
class _Legend:
    colours: dict[str, RGB]
    grey_means_no_response: bool

    def merged(self, other: _Legend) -> _Legend:
        """A grid continued on a later page keeps the key learned on the page before."""
        return _Legend({**other.colours, **self.colours}, self.grey_means_no_response or other.grey_means_no_response)


def _phrase_starts(line: _Line) -> dict[str, int]:
    """Index of the first word of each legend phrase found on a line."""
    keys = [re.sub(r"[^a-z]", "", w.text.lower()) for w in line.words]
    found: dict[str, int] = {}
    for i in range(len(keys) - 1):
        pair = (keys[i], keys[i + 1])
        if pair == ("with", "sufficient"):
            found.setdefault(SUFFICIENT, i)
        elif pair == ("without", "sufficient") or pair == ("insufficient", "data"):
            found.setdefault(INSUFFICIENT, i)
        elif pair == ("no", "response"):
            found.setdefault(NO_RESPONSE, i)
    return found


def _legend(page: _Page, body_colour: RGB | None) -> _Legend:
    """Learn status -> colour from the legend: the swatch just left of each phrase, or else the
    phrase's own text colour when it differs from the body text."""
    colours: dict[str, RGB] = {}
    grey = False
    for line in page.lines:
        starts = _phrase_starts(line)
        if NO_RESPONSE in starts and re.search(r"\b(gr[ae]y)\b", line.text, re.IGNORECASE):
            grey = True
        for status, index in starts.items():
            word = line.words[index]
            swatch = _swatch_before(page, word, line.words[index - 1] if index else None)
            if swatch is not None:
                colours.setdefault(status, swatch)
            elif word.colour is not None and word.colour != body_colour:
                colours.setdefault(status, word.colour)
    return _Legend(colours, grey)


def _swatch_before(page: _Page, word: _Word, previous: _Word | None) -> RGB | None:
    """The fill colour of a small filled square between the previous word and this one."""
    limit = previous.x1 - 1 if previous is not None else word.x0 - 3 * word.size
    best: tuple[float, RGB] | None = None
    for rect in page.rects:
        small = rect.x1 - rect.x0 <= 2.5 * word.size and rect.bottom - rect.top <= 2.5 * word.size
        beside = limit <= rect.x0 and rect.x1 <= word.x0 + 1
        level = rect.top < word.bottom and rect.bottom > word.top
        if small and beside and level and rect.colour is not None:
            distance = word.x0 - rect.x1
            if best is None or distance < best[0]:
                best = (distance, rect.colour)
    return best[1] if best else None


def _grid_cells(page: _Page, below: float) -> list[_Cell]:
    """Filled rectangles under the outcomes heading that hold text: the grid's cells. Text between
    them on the same row (a cell left white) is a cell too, without a colour. Their words leave the
    page's lines: the grid is emitted once, as rows of cells."""
    cells: list[_Cell] = []
    taken: set[int] = set()
    words = [w for line in page.lines for w in line.words]
    for rect in sorted(page.rects, key=lambda r: (r.top, r.x0)):
        if rect.top < below or rect.x1 - rect.x0 > 0.6 * page.width or rect.bottom - rect.top > 0.2 * page.height:
            continue
        inside = [w for w in words if id(w) not in taken and rect.holds(w)]
        if inside:
            taken.update(id(w) for w in inside)
            cells.append(_Cell(_paragraph(_group_lines(inside)), rect.colour, rect.x0, rect.x1, rect.top, rect.bottom))
    left, right = min((c.x0 for c in cells), default=0.0), max((c.x1 for c in cells), default=0.0)
    for top, bottom in {(c.top, c.bottom) for c in cells}:
        loose = [
            w
            for w in words
            if id(w) not in taken and top <= (w.top + w.bottom) / 2 <= bottom and left <= w.x0 and w.x1 <= right
        ]
        taken.update(id(w) for w in loose)
        for group in _stacks(loose):
            x0, x1 = min(w.x0 for w in group), max(w.x1 for w in group)
            cells.append(_Cell(_paragraph(_group_lines(group)), None, x0, x1, top, bottom))
    for line in page.lines:
        line.words = [w for w in line.words if id(w) not in taken]
    page.lines = [line for line in page.lines if line.words]
    return cells


def _stacks(words: list[_Word]) -> list[list[_Word]]:
    """Words of one grid row grouped into cells: fragments of lines whose x ranges overlap."""
    stacks: list[list[_Word]] = []
    for fragment in sorted((f for line in _group_lines(words) for f in _fragments(line)), key=lambda f: f.x0):
        if stacks and fragment.x0 <= max(w.x1 for w in stacks[-1]):
            stacks[-1].extend(fragment.words)
        else:
            stacks.append(list(fragment.words))
    return stacks


def _grid_rows(cells: list[_Cell]) -> list[tuple[float, str]]:
    rows: list[list[_Cell]] = []
    for cell in sorted(cells, key=lambda c: (c.top, c.x0)):
        if rows and abs(rows[-1][0].top - cell.top) <= 2:
            rows[-1].append(cell)
        else:
            rows.append([cell])
    return [(row[0].top, "\t".join(c.label for c in sorted(row, key=lambda c: c.x0))) for row in rows]


def _distance(a: RGB, b: RGB) -> float:
    return sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5


def _statuses(cells: list[_Cell], legend: _Legend) -> dict[str, str]:
    """Cell label -> status of the nearest legend colour. Without both data colours in the legend,
    or for a colour near none of them, no status is given: a status is never guessed."""
    if SUFFICIENT not in legend.colours or INSUFFICIENT not in legend.colours:
        return {}
    statuses: dict[str, str] = {}
    for cell in cells:
        if cell.colour is None:
            continue
        distance, status = min((_distance(cell.colour, colour), status) for status, colour in legend.colours.items())
        if distance <= MAX_COLOUR_DISTANCE:
            statuses[cell.label] = status
        elif legend.grey_means_no_response and NO_RESPONSE not in legend.colours:
            if max(cell.colour) - min(cell.colour) <= MAX_GREY_CHROMA and max(cell.colour) < 0.97:
                statuses[cell.label] = NO_RESPONSE
    return statuses


# --------------------------------------------------------------------------- reading order
def _gutter(page: _Page) -> float | None:
    """The x of a column gutter: a vertical strip in the middle of the page that no text crosses on
    enough lines either side. None for a single-column page."""
    fragments = [fragment for line in page.lines for fragment in _fragments(line)]
    if not fragments:
        return None
    lo, hi = int(page.width * 0.3), int(page.width * 0.7)
    crossings = {x: sum(1 for f in fragments if f.x0 < x < f.x1) for x in range(lo, hi)}
    fewest = min(crossings.values())
    runs: list[list[int]] = []
    for x in range(lo, hi):
        if crossings[x] == fewest:
            if runs and runs[-1][-1] == x - 1:
                runs[-1].append(x)
            else:
                runs.append([x])
    run = max(runs, key=len)
    if len(run) < MIN_GUTTER:
        return None
    x = (run[0] + run[-1]) / 2
    left = sum(1 for f in fragments if f.x1 <= x)
    right = sum(1 for f in fragments if f.x0 >= x)
    if left < MIN_COLUMN_LINES or right < MIN_COLUMN_LINES or fewest > 0.25 * len(fragments):
        return None
    return x


def _fragments(line: _Line) -> list[_Line]:
    """A line cut where words are further apart than a word space could be (1 em)."""
    parts: list[_Line] = [_Line([line.words[0]])]
    for word in line.words[1:]:
        previous = parts[-1].words[-1]
        if word.x0 - previous.x1 > max(previous.size, word.size):
            parts.append(_Line([word]))
        else:
            parts[-1].words.append(word)
    return parts


def _page_text(page: _Page, grid_rows: list[tuple[float, str]]) -> str:
    """The page's text in reading order: each band of two columns left then right, full-width
    lines, bars and grid rows in between, in order down the page."""
    gutter = _gutter(page)
    events: list[tuple[float, int, Any]] = [(line.top, 1, line) for line in page.lines]
    events += [(top, 0, text) for top, text in grid_rows]
    if gutter is not None:
        events += [
            (rule.top, 0, None)
            for rule in page.rules
            if rule.x0 < gutter - 1 < gutter + 1 < rule.x1 and rule.x1 - rule.x0 > 0.5 * page.width
        ]
    events.sort(key=lambda e: (e[0], e[1]))
    out: list[str] = []
    left: list[_Line] = []
    right: list[_Line] = []
    spanning: list[_Line] = []
    grid: list[str] = []

    def emit(*pending: list[_Line]) -> None:
        for lines in pending:
            if lines:
                out.append(_blocks(lines))
            lines.clear()

    def flush(*, keep_grid: bool = False) -> None:
        """Emit what is pending: the band's left column, then its right one, then full-width text."""
        emit(left, right, spanning)
        if grid and not keep_grid:
            out.append("\n".join(grid))
            grid.clear()

    for _, _, item in events:
        if item is None or isinstance(item, str):
            flush(keep_grid=True)
            if isinstance(item, str):
                grid.append(item)
            continue
        line: _Line = item
        fragments = _fragments(line)
        if grid:
            flush()
        grid_row = line.tabbed and len(fragments) > 1
        if gutter is None or grid_row or any(f.x0 < gutter < f.x1 for f in fragments):
            emit(left, right)
            spanning.append(line)
            continue
        emit(spanning)
        left_words = [w for f in fragments if f.x1 <= gutter for w in f.words]
        right_words = [w for f in fragments if f.x0 >= gutter for w in f.words]
        if left_words:
            left.append(_Line(left_words))
        if right_words:
            right.append(_Line(right_words))
    flush()
    return "\n\n".join(part for part in out if part)


def _starts_item(line: _Line) -> bool:
    first = line.words[0].text
    return first[0] in _BULLETS and (len(first) == 1 or first[0] in "•●▪■◦○·▶►▸▹➢➤✓✔")


def _blocks(lines: Sequence[_Line]) -> str:
    """Lines of one column -> paragraphs, one per output line. A new paragraph starts at a bullet,
    a change of font size, a line further left than the paragraph, or a gap wider than the leading;
    a visible gap also becomes a blank line."""
    paragraphs: list[tuple[list[_Line], bool]] = []
    previous: _Line | None = None
    for line in lines:
        if previous is None:
            paragraphs.append(([line], False))
        else:
            gap = line.top - previous.bottom
            same_size = abs(line.size - previous.size) <= 0.5
            first = paragraphs[-1][0][0]
            indent = first.words[1].x0 if _starts_item(first) and len(first.words) > 1 else first.x0
            cells = "\t" in line.text or "\t" in previous.text
            continues = (
                same_size and gap <= 0.45 * line.size and not _starts_item(line) and line.x0 >= indent - 2 and not cells
            )
            if continues:
                paragraphs[-1][0].append(line)
            else:
                paragraphs.append(([line], gap > 0.45 * line.size or not same_size))
        previous = line
    out: list[str] = []
    for n, (group, gap_before) in enumerate(paragraphs):
        if n and gap_before:
            out.append("")
        out.append(_paragraph(group))
    return "\n".join(out)


def _paragraph(lines: Sequence[_Line]) -> str:
    """Join wrapped lines: a word hyphenated at a line end, or a URL broken after '/', is re-joined."""
    text = ""
    for line in lines:
        part = line.text.strip()
        last = text.rsplit(" ", 1)[-1] if text else ""
        if not text:
            text = part
        elif _URL_END.search(last):
            text += part
        elif _HYPHENATED.search(text) and part[:1].islower():
            text = text[:-1] + part
        else:
            text = f"{text} {part}"
    return text
