"""Build City Innovation Snapshot PDFs for the tests, laid out like the published ones.

The published snapshots are two-page PDFs: a running header with the title, two text columns, a
running footer, and on page 2 the "How are outcomes measured?" grid whose cells are coloured by data
status, explained by a legend of colour swatches. The content here is the Stockholm seed
(raw/2020/stockholm.txt), so a record read from one of these PDFs can be compared field by field with
the record read from the text. Colours are parameters: the extractor must learn them from the legend.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

Colour = tuple[float, float, float]

TITLE = "City Innovation Snapshot STOCKHOLM, Sweden"
FOOTER = "City Innovation Snapshots 2020 | OECD / Bloomberg Philanthropies | page {page}"
PALETTE: dict[str, Colour] = {
    "sufficient": (0.0, 0.53, 0.58),
    "insufficient": (0.93, 0.55, 0.16),
    "no_response": (0.78, 0.78, 0.78),
}
"""Data status -> cell colour. Tests also use other palettes: nothing in the extractor knows these."""
OTHER_PALETTE: dict[str, Colour] = {
    "sufficient": (0.45, 0.2, 0.6),
    "insufficient": (0.95, 0.85, 0.1),
    "no_response": (0.6, 0.6, 0.6),
}
GRID: list[list[str]] = [
    ["Transport / Mobility", "Economic Development", "Housing", "Policing and Law Enforcement", "Health"],
    ["Government Finance", "Waste and Sewage", "Labour Market and Skills", "Environment and Climate Change",
     "Education"],
    ["Culture", "Social Inclusion, Equity", "Public Works", "Tourism", "Digital Governance"],
]  # fmt: skip
STATUSES: dict[str, str] = {
    label: ("sufficient", "insufficient", "no_response")[(row + col) % 3]
    for row, labels in enumerate(GRID)
    for col, label in enumerate(labels)
}
"""The status each grid cell is coloured with: every status occurs, in every row."""

BODY, HEADING = ("Helvetica", 9.0), ("Helvetica-Bold", 12.0)
LEADING = 11.5
PAGE_W, PAGE_H = A4
MARGIN, GUTTER = 40.0, 24.0
COLUMN_W = (PAGE_W - 2 * MARGIN - GUTTER) / 2

Block = tuple[str, str | Sequence[str]]
"""("heading", text), ("para", text), ("bullets", [items]) or ("labels", [short labels])."""

PAGE1_LEFT: list[Block] = [
    ("heading", "Overview"),
    ("bullets", [
        "Mayor: Anna König Jerlmyr",
        "Term: 2018–2022",
        "Innovation Lead: Gunnar Bjorkman",
        "Population size: 974 073 (2019)",
        "Innovation / open data website: https://start.stockholm/om-stockholms-stad/sa-arbetar-staden/innovation",
    ]),
    ("heading", "What is the organisational structure?"),
    ("para", "Situated within the City Executive Office, Stockholm's dedicated innovation team consists of 9 staff."),
    ("para", "Staff skills and profiles include:"),
    ("bullets", [
        "Project Manager", "Data Scientist", "Strategic Communications / Marketing", "Engineer", "Designer",
        "Community Engagement", "Sociologist", "Business and Economics",
    ]),
    ("heading", "Spotlight | Digital Demo Stockholm"),
    ("para", "Digital Demo Stockholm (DDS) is an innovation partnership between the public sector, academia and "
     "private industry that leverages digital solutions to facilitate and improve the quality of life for the "
     "citizens of Stockholm. Based on the Triple Helix model and Design Thinking process, DDS addresses the "
     "region's challenges with innovative tools derived from design work. Demo projects range from \"iWater\" – "
     "a cloud-based sensor technology providing real-time updates on changes to the drinking water network for "
     "faster detection of contamination to \"Smart locks\" – a digital, key-free solution aimed at increasing "
     "efficiency and security, reducing cost and providing greater freedom for the elderly."),
]  # fmt: skip
PAGE1_RIGHT: list[Block] = [
    ("heading", "What is the city's innovation vision?"),
    ("para", "Like 50% of cities surveyed, Stockholm has a formal innovation strategy."),
    ("para", "The city most closely associates innovation capacity with:"),
    ("bullets", ["Bold leadership", "Increased quality in public services"]),
    ("heading", "What is the city's innovation approach?"),
    ("para", "Similar to more than half of cities surveyed, Stockholm approaches innovation capacity both from a "
     "holistic / macro level and in specific policy areas."),
    ("para", "The top two priority policy areas for the city's innovation work are:"),
    ("labels", ["Digital Governance", "Economic Development"]),
    ("heading", "What innovation partnerships exist?"),
    ("para", "Stockholm has developed partnerships to promote innovation capacity with other public agencies and "
     "municipalities, private firms, not-for-profit organisations, and city residents/resident associations."),
    ("para", "To improve data use, the city has also developed data partnerships with the private sector, academia "
     "and think tanks, to collect and analyse data, as well as with other cities."),
]  # fmt: skip
PAGE2_LEFT: list[Block] = [
    ("heading", "What funding is available?"),
    ("para", "Like 81% of cities surveyed, Stockholm has dedicated funding to support innovation capacity, which "
     "comes from the following sources:"),
    ("bullets", [
        "International/multilateral institution budget",
        "Higher levels of government",
        "Municipal budget (operating budget / special funding process)",
        "External (non-public) funding (philanthropic or non-profit / academic or think tank resources)",
    ]),
    ("para", "Stockholm's funding for innovation capacity is generally directed towards training staff and "
     "building capacity, generating ideas and brainstorming, investing in digital systems and physical "
     "infrastructure."),
    ("heading", "How is innovation helping the city?"),
    ("bullets", [
        "Gaining efficiency within the public sector",
        "Anticipating / managing current and future challenges",
        "Improving service delivery for residents and entrepreneurs",
    ]),
    ("para", "The most critical success factors in supporting the city's innovation work are dedicated funding, "
     "Human Resource involvement, a dedicated innovation team, a culture of innovation within the municipal "
     "administration and leadership from the Mayor."),
]  # fmt: skip
PAGE2_RIGHT: list[Block] = [
    ("heading", "How is data used?"),
    ("para", "Data has become a crucial component in urban planning as Stockholm moves towards a data-driven urban "
     "planning and design process. The city currently uses data to align its budget process with its strategic "
     "priorities. One of the challenges preventing the use of data to support innovation goals is the limited "
     "compatibility of data across policy areas."),
    ("para", "Stockholm publishes open data to a central, public online location and provides clear how-to "
     "guidance to help residents access and use city data."),
]  # fmt: skip


def _wrap(text: str, width: float, font: tuple[str, float]) -> list[str]:
    """Greedy line breaking; a word that does not fit is hyphenated (or broken after a '/' in a URL),
    so the extractor has split words to re-join."""
    name, size = font
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if stringWidth(candidate, name, size) <= width:
            line = candidate
            continue
        prefix = f"{line} " if line else ""
        cut = _break_point(word, width - stringWidth(prefix, name, size), font)
        if cut:
            lines.append(prefix + cut[0])
            line = cut[1]
        else:
            lines.append(line)
            line = word
    return [*lines, line] if line else lines


def _break_point(word: str, room: float, font: tuple[str, float]) -> tuple[str, str] | None:
    if "://" in word:
        slashes = [i + 1 for i, ch in enumerate(word) if ch == "/" and i > word.index("://") + 2]
        fits = [i for i in slashes if stringWidth(word[:i], *font) <= room]
        return (word[: fits[-1]], word[fits[-1] :]) if fits else None
    if len(word) < 9 or not word.isalpha():
        return None
    fits = [i for i in range(4, len(word) - 3) if stringWidth(word[:i] + "-", *font) <= room]
    return (word[: fits[-1]] + "-", word[fits[-1] :]) if fits else None


class _Column:
    """Writes blocks top-down into one column of a page."""

    def __init__(self, canvas: Canvas, x: float, top: float, width: float) -> None:
        self.canvas, self.x, self.y, self.width = canvas, x, top, width

    def text(self, text: str, font: tuple[str, float], x: float | None = None) -> None:
        self.canvas.setFont(*font)
        self.canvas.drawString(self.x if x is None else x, self.y, text)
        self.y -= LEADING if font == BODY else font[1] * 1.3

    def block(self, kind: str, content: str | Sequence[str]) -> None:
        if kind == "heading":
            self.y -= 4
            for line in _wrap(str(content), self.width, HEADING):
                self.text(line, HEADING)
            self.y -= 3
        elif kind == "para":
            for line in _wrap(str(content), self.width, BODY):
                self.text(line, BODY)
            self.y -= 6
        elif kind == "bullets":
            for item in content:
                lines = _wrap(item, self.width - 10, BODY)
                self.canvas.setFont(*BODY)
                self.canvas.drawString(self.x, self.y, "•")
                for line in lines:
                    self.text(line, BODY, self.x + 10)
            self.y -= 6
        elif kind == "labels":
            for label in content:
                for line in _wrap(label, 60, BODY):
                    self.text(line, BODY)
                self.y -= 6


def _page_frame(canvas: Canvas, page: int, header: bool) -> None:
    """Running header (the title) and footer, repeated on every page."""
    canvas.setFillColorRGB(0, 0, 0)
    if header:
        canvas.setFont("Helvetica-Bold", 14)
        canvas.drawString(MARGIN, PAGE_H - 40, TITLE)
    canvas.setFont("Helvetica", 7)
    canvas.drawString(MARGIN, 24, FOOTER.format(page=page))


def _columns(canvas: Canvas, top: float, left: list[Block], right: list[Block]) -> float:
    """Two columns side by side; returns the y below the longer one."""
    columns = [_Column(canvas, MARGIN, top, COLUMN_W), _Column(canvas, MARGIN + COLUMN_W + GUTTER, top, COLUMN_W)]
    for column, blocks in zip(columns, (left, right), strict=True):
        for kind, content in blocks:
            column.block(kind, content)
    return min(column.y for column in columns)


def _swatch(canvas: Canvas, x: float, y: float, colour: Colour) -> float:
    canvas.setFillColorRGB(*colour)
    canvas.rect(x, y - 1, 8, 8, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    return x + 11


def _phrase(canvas: Canvas, x: float, y: float, text: str, colour: Colour = (0, 0, 0)) -> float:
    canvas.setFillColorRGB(*colour)
    canvas.drawString(x, y, text)
    canvas.setFillColorRGB(0, 0, 0)
    return x + stringWidth(text + " ", *BODY)


def _outcomes(
    canvas: Canvas,
    top: float,
    palette: dict[str, Colour],
    statuses: dict[str, str],
    legend: str,
    grey_swatch: bool,
) -> None:
    """Heading bar, legend, the coloured grid of policy areas, and the 'no response' note."""
    y = top - 10
    canvas.setFillColorRGB(0.92, 0.94, 0.97)
    canvas.rect(MARGIN, y - 5, PAGE_W - 2 * MARGIN, 20, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(*HEADING)
    canvas.drawString(MARGIN + 4, y, "How are outcomes measured?")
    y -= 26
    canvas.setFont(*BODY)
    x = _phrase(canvas, MARGIN, y, "Policy areas")
    if legend == "swatches":
        x = _phrase(canvas, _swatch(canvas, x, y, palette["sufficient"]), y, "with sufficient data")
        x = _phrase(canvas, x, y, "or")
        x = _swatch(canvas, x, y, palette["insufficient"])
        x = _phrase(canvas, x, y, "without sufficient data")
    else:
        keyed = legend == "text"
        x = _phrase(canvas, x, y, "with sufficient data", palette["sufficient"] if keyed else (0, 0, 0))
        x = _phrase(canvas, x, y, "or")
        x = _phrase(canvas, x, y, "without sufficient data", palette["insufficient"] if keyed else (0, 0, 0))
    _phrase(canvas, x, y, "to support innovation capacity in the city.")
    y -= 14
    cell_w, cell_h, pad = (PAGE_W - 2 * MARGIN) / 5, 26.0, 2.0
    canvas.setFont("Helvetica", 8)
    for row in GRID:
        y -= cell_h + pad
        for col, label in enumerate(row):
            x = MARGIN + col * cell_w
            status = statuses.get(label)
            if status is not None:
                canvas.setFillColorRGB(*palette[status])
                canvas.rect(x, y, cell_w - pad, cell_h, stroke=0, fill=1)
            ink = (1.0, 1.0, 1.0) if status in ("sufficient", "insufficient") else (0.2, 0.2, 0.2)
            canvas.setFillColorRGB(*ink)
            lines = _wrap(label, cell_w - 10, ("Helvetica", 8))
            for n, line in enumerate(lines):
                canvas.drawString(x + 4, y + cell_h - 10 - n * 9, line)
    canvas.setFillColorRGB(0, 0, 0)
    y -= 18
    canvas.setFont(*BODY)
    x = _swatch(canvas, MARGIN, y, palette["no_response"]) if grey_swatch and legend == "swatches" else MARGIN
    _phrase(canvas, x, y, "NB: No response provided by the city for the policy areas in grey.")


@dataclass(frozen=True)
class SnapshotLayout:
    """Knobs of the generated snapshot; the defaults mimic the published layout."""

    palette: dict[str, Colour] | None = None
    statuses: dict[str, str] | None = None
    legend: str = "swatches"
    """'swatches' (coloured squares before the phrases), 'text' (the phrases themselves coloured) or
    'none' (the legend's words in black: nothing says which colour means what)."""
    grey_swatch: bool = True
    header: bool = True


def snapshot_pdf(layout: SnapshotLayout | None = None, password: str | None = None) -> bytes:
    """The Stockholm snapshot as a two-page, two-column PDF with a coloured outcomes grid."""
    layout = layout or SnapshotLayout()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, encrypt=password, invariant=1)
    canvas.setTitle("City Innovation Snapshot")
    _page_frame(canvas, 1, layout.header)
    _columns(canvas, PAGE_H - 80, PAGE1_LEFT, PAGE1_RIGHT)
    canvas.showPage()
    _page_frame(canvas, 2, layout.header)
    bottom = _columns(canvas, PAGE_H - 80, PAGE2_LEFT, PAGE2_RIGHT)
    _outcomes(
        canvas,
        bottom,
        layout.palette or PALETTE,
        STATUSES if layout.statuses is None else layout.statuses,
        layout.legend,
        layout.grey_swatch,
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def image_only_pdf() -> bytes:
    """A scanned page: a picture of text, with no text layer."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(image).text((20, 20), TITLE, fill="black")
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    canvas.drawImage(ImageReader(image), MARGIN, PAGE_H - 300, width=400, height=200)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def text_pdf(lines: Sequence[str]) -> bytes:
    """A plain one-page PDF with the given lines (e.g. a PDF that is not a snapshot)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    canvas.setFont(*BODY)
    for n, line in enumerate(lines):
        canvas.drawString(MARGIN, PAGE_H - 60 - n * LEADING, line)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
