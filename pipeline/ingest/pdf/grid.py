"""The outcomes grid of a PDF: its cells (filled rectangles holding text), and each cell's data status
from its colour, matched to the nearest colour the legend shows. No colour value is hard-coded, and the
legend's words come from the snapshot template."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from pipeline.ingest.pdf.geometry import RGB, Cell, Page, TextLine, Word, group_lines, paragraph, split_fragments
from pipeline.ingest.pdf.wording import grey_pattern, legend_key, legend_phrases

SUFFICIENT, INSUFFICIENT, NO_RESPONSE = "sufficient", "insufficient", "no_response"
"""The data statuses (the keys of the template's outcomes_legend_phrases)."""


MAX_COLOUR_DISTANCE = 0.2
"""A cell colour further than this (RGB, 0..1 per channel) from every legend colour gets no status."""


MAX_GREY_CHROMA = 0.06
"""When the legend only says 'in grey' (no swatch), a cell this close to neutral is 'no response'."""


def main_text_colour(pages: list[Page]) -> RGB | None:
    """The colour most of the text is printed in: a legend phrase in another colour is a colour key."""
    counts: Counter[RGB | None] = Counter()
    for page in pages:
        for line in page.lines:
            for word in line.words:
                counts[word.colour] += len(word.text)
    return counts.most_common(1)[0][0] if counts else None


@dataclass
class Legend:
    colours: dict[str, RGB]
    grey_means_no_response: bool

    def merged(self, other: Legend) -> Legend:
        """A grid continued on a later page keeps the key learned on the page before."""
        return Legend({**other.colours, **self.colours}, self.grey_means_no_response or other.grey_means_no_response)


def legend_phrase_starts(line: TextLine) -> dict[str, int]:
    """Index of the first word of each legend phrase found on a line."""
    keys = [legend_key(w.text) for w in line.words]
    phrases = legend_phrases()
    found: dict[str, int] = {}
    for i in range(len(keys) - 1):
        status = phrases.get((keys[i], keys[i + 1]))
        if status is not None:
            found.setdefault(status, i)
    return found


def read_legend(page: Page, body_colour: RGB | None) -> Legend:
    """Learn status -> colour from the legend: the swatch just left of each phrase, or else the
    phrase's own text colour when it differs from the body text."""
    colours: dict[str, RGB] = {}
    grey = False
    for line in page.lines:
        starts = legend_phrase_starts(line)
        if NO_RESPONSE in starts and grey_pattern().search(line.text):
            grey = True
        for status, index in starts.items():
            word = line.words[index]
            swatch = _swatch_before(page, word, line.words[index - 1] if index else None)
            if swatch is not None:
                colours.setdefault(status, swatch)
            elif word.colour is not None and word.colour != body_colour:
                colours.setdefault(status, word.colour)
    return Legend(colours, grey)


def _swatch_before(page: Page, word: Word, previous: Word | None) -> RGB | None:
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


def grid_cells(page: Page, below: float) -> list[Cell]:
    """Filled rectangles under the outcomes heading that hold text: the grid's cells. Text between
    them on the same row (a cell left white) is a cell too, without a colour. Their words leave the
    page's lines: the grid is emitted once, as rows of cells."""
    cells: list[Cell] = []
    taken: set[int] = set()
    words = [w for line in page.lines for w in line.words]
    for rect in sorted(page.rects, key=lambda r: (r.top, r.x0)):
        if rect.top < below or rect.x1 - rect.x0 > 0.6 * page.width or rect.bottom - rect.top > 0.2 * page.height:
            continue
        inside = [w for w in words if id(w) not in taken and rect.holds(w)]
        if inside:
            taken.update(id(w) for w in inside)
            cells.append(Cell(paragraph(group_lines(inside)), rect.colour, rect.x0, rect.x1, rect.top, rect.bottom))
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
            cells.append(Cell(paragraph(group_lines(group)), None, x0, x1, top, bottom))
    for line in page.lines:
        line.words = [w for w in line.words if id(w) not in taken]
    page.lines = [line for line in page.lines if line.words]
    return cells


def _stacks(words: list[Word]) -> list[list[Word]]:
    """Words of one grid row grouped into cells: fragments of lines whose x ranges overlap."""
    stacks: list[list[Word]] = []
    for fragment in sorted((f for line in group_lines(words) for f in split_fragments(line)), key=lambda f: f.x0):
        if stacks and fragment.x0 <= max(w.x1 for w in stacks[-1]):
            stacks[-1].extend(fragment.words)
        else:
            stacks.append(list(fragment.words))
    return stacks


def grid_rows(cells: list[Cell]) -> list[tuple[float, str]]:
    rows: list[list[Cell]] = []
    for cell in sorted(cells, key=lambda c: (c.top, c.x0)):
        if rows and abs(rows[-1][0].top - cell.top) <= 2:
            rows[-1].append(cell)
        else:
            rows.append([cell])
    return [(row[0].top, "\t".join(c.label for c in sorted(row, key=lambda c: c.x0))) for row in rows]


def _distance(a: RGB, b: RGB) -> float:
    return sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5


def cell_statuses(cells: list[Cell], legend: Legend) -> dict[str, str]:
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
