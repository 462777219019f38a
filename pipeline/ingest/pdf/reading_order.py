"""Reading order of a PDF page: running headers and footers dropped, two-column bands read column
by column, wrapped lines joined into paragraphs."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pipeline.ingest.pdf.geometry import Page, TextLine, paragraph, split_fragments
from pipeline.ingest.pdf.wording import title_pattern

RUNNING_BAND = 0.1
"""Headers and footers live in the top and bottom tenth of a page."""


MIN_COLUMN_LINES = 3
"""Lines needed on each side of a gutter before a page is read as two columns."""


MIN_GUTTER = 8.0


_BULLETS = "•●▪■◦○·▶►▸▹➢➤✓✔-–—*"


def _running_key(line: TextLine) -> str:
    return re.sub(r"\d+", "#", " ".join(line.text.lower().split()))


def drop_running_lines(pages: list[Page]) -> None:
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
            elif not title_kept and title_pattern().search(line.text):
                title_kept = True
                kept.append(line)
        page.lines = kept


def _band_key(page: Page, line: TextLine) -> tuple[str, str] | None:
    if line.bottom <= page.height * RUNNING_BAND:
        return ("top", _running_key(line))
    if line.top >= page.height * (1 - RUNNING_BAND):
        return ("bottom", _running_key(line))
    return None


def _gutter(page: Page) -> float | None:
    """The x of a column gutter: a vertical strip in the middle of the page that no text crosses on
    enough lines either side. None for a single-column page."""
    fragments = [fragment for line in page.lines for fragment in split_fragments(line)]
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


def page_text(page: Page, grid_rows: list[tuple[float, str]]) -> str:
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
    left: list[TextLine] = []
    right: list[TextLine] = []
    spanning: list[TextLine] = []
    grid: list[str] = []

    def emit(*pending: list[TextLine]) -> None:
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
        line: TextLine = item
        fragments = split_fragments(line)
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
            left.append(TextLine(left_words))
        if right_words:
            right.append(TextLine(right_words))
    flush()
    return "\n\n".join(part for part in out if part)


def _starts_item(line: TextLine) -> bool:
    first = line.words[0].text
    return first[0] in _BULLETS and (len(first) == 1 or first[0] in "•●▪■◦○·▶►▸▹➢➤✓✔")


def _blocks(lines: Sequence[TextLine]) -> str:
    """Lines of one column -> paragraphs, one per output line. A new paragraph starts at a bullet,
    a change of font size, a line further left than the paragraph, or a gap wider than the leading;
    a visible gap also becomes a blank line."""
    paragraphs: list[tuple[list[TextLine], bool]] = []
    previous: TextLine | None = None
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
        out.append(paragraph(group))
    return "\n".join(out)
