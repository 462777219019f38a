"""Inline SVG charts as plain strings: no chart library, no script, nothing fetched.

Every chart carries its title, axis labels and the number of cities behind each share, so a chart
copied out of the report still says what it shows. Bars never shrink below ``MIN_BAR`` pixels, so a
0% bar is still visible (and its label says 0%).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

WIDTH = 640
LABEL_WIDTH = 250
VALUE_WIDTH = 120
ROW = 24
BAR = 16
TOP = 76
MIN_BAR = 2.0
MAX_LABEL = 36


@dataclass(frozen=True)
class Bar:
    """One share: ``count`` of ``base`` cities; ``highlight`` marks the city a page is about."""

    label: str
    count: int
    base: int
    highlight: bool = False

    @property
    def pct(self) -> float:
        return 100.0 * self.count / self.base if self.base else 0.0


@dataclass(frozen=True)
class Group:
    """A heading row inside a bar chart (e.g. one measure, with a bar per wave below it)."""

    label: str


@dataclass(frozen=True)
class Column:
    label: str
    count: int
    highlight: bool = False


@dataclass(frozen=True)
class Claim:
    """A stated share (a range: 'more than half' is 50-100) next to the recomputed one."""

    label: str
    stated_text: str
    stated_low: float | None
    stated_high: float | None
    computed_pct: float | None
    cities_answering: int


def _text(x: float, y: float, text: str, cls: str = "", anchor: str = "start", full: str | None = None) -> str:
    tip = f"<title>{escape(full)}</title>" if full and full != text else ""
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>{tip}{escape(text)}</text>'


def _short(label: str, limit: int = MAX_LABEL) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _open(chart_id: str, title: str, subtitle: str, height: float) -> list[str]:
    return [
        f'<svg class="chart" data-chart="{escape(chart_id)}" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="100%" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)} — {escape(subtitle)}</title>",
        _text(0, 20, title, "title"),
        _text(0, 40, subtitle, "subtitle"),
    ]


def _legend(x: float, y: float, items: list[tuple[str, str]]) -> list[str]:
    parts = []
    for cls, label in items:
        parts.append(f'<rect class="legend {cls}" x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10"/>')
        parts.append(_text(x + 14, y, label, "legend-text"))
        x += 26 + 7 * len(label)
    return parts


def _share_axis(x0: float, width: float, y: float, label: str) -> list[str]:
    parts = [f'<line class="axis" x1="{x0:.1f}" y1="{y:.1f}" x2="{x0 + width:.1f}" y2="{y:.1f}"/>']
    for tick in (0, 25, 50, 75, 100):
        x = x0 + width * tick / 100
        parts.append(f'<line class="tick" x1="{x:.1f}" y1="{y:.1f}" x2="{x:.1f}" y2="{y + 4:.1f}"/>')
        parts.append(_text(x, y + 16, f"{tick}", "tick-label", "middle"))
    parts.append(_text(x0 + width / 2, y + 34, label, "axis-label", "middle"))
    return parts


def bar_chart(
    chart_id: str,
    title: str,
    subtitle: str,
    rows: list[Bar | Group],
    axis_label: str = "Share of cities (%)",
    highlight_label: str | None = None,
) -> str:
    """Horizontal bars of shares (0-100%), each labelled 'N% (count of base)'."""
    plot_x = LABEL_WIDTH + 10
    plot_w = WIDTH - plot_x - VALUE_WIDTH
    height = TOP + ROW * max(len(rows), 1) + 48
    parts = _open(chart_id, title, subtitle, height)
    if highlight_label:
        parts += _legend(0, 58, [("highlight", highlight_label), ("bar-other", "other answers")])
    for tick in (25, 50, 75, 100):
        x = plot_x + plot_w * tick / 100
        parts.append(f'<line class="grid" x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{TOP + ROW * len(rows):.1f}"/>')
    for index, row in enumerate(rows):
        y = TOP + ROW * index
        if isinstance(row, Group):
            parts.append(_text(0, y + BAR - 2, _short(row.label, 60), "group", full=row.label))
            continue
        width = max(plot_w * row.pct / 100, MIN_BAR)
        cls = "bar highlight" if row.highlight else ("bar bar-other" if highlight_label else "bar")
        label = ("◆ " + _short(row.label, MAX_LABEL - 6)) if row.highlight else _short(row.label)
        parts.append(_text(LABEL_WIDTH, y + BAR - 3, label, "label" + (" strong" if row.highlight else ""), "end",
                           full=row.label))  # fmt: skip
        parts.append(
            f'<rect class="{cls}" x="{plot_x}" y="{y}" width="{width:.1f}" height="{BAR}">'
            f"<title>{escape(row.label)}: {row.pct:.0f}% ({row.count} of {row.base} cities)</title></rect>"
        )
        parts.append(_text(plot_x + width + 6, y + BAR - 3, f"{row.pct:.0f}% ({row.count} of {row.base})", "value"))
    parts += _share_axis(plot_x, plot_w, TOP + ROW * len(rows) + 2, axis_label)
    parts.append("</svg>")
    return "\n".join(parts)


def column_chart(
    chart_id: str,
    title: str,
    subtitle: str,
    columns: list[Column],
    x_label: str,
    y_label: str = "Cities",
    highlight_label: str | None = None,
) -> str:
    """Vertical bars of counts (a distribution), each labelled with its count."""
    height = 300
    left, bottom, top = 56, height - 56, TOP + 14
    plot_h = bottom - top
    plot_w = WIDTH - left - 10
    peak = max((column.count for column in columns), default=0) or 1
    step = max(1, -(-peak // 5))
    ceiling = step * -(-peak // step)
    parts = _open(chart_id, title, subtitle, height)
    if highlight_label:
        parts += _legend(0, 58, [("highlight", highlight_label), ("bar-other", "other cities")])
    for tick in range(0, ceiling + 1, step):
        y = bottom - plot_h * tick / ceiling
        parts.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}"/>')
        parts.append(_text(left - 6, y + 4, str(tick), "tick-label", "end"))
    slot = plot_w / max(len(columns), 1)
    for index, column in enumerate(columns):
        bar_h = max(plot_h * column.count / ceiling, MIN_BAR)
        x = left + slot * index + slot * 0.15
        cls = "bar highlight" if column.highlight else ("bar bar-other" if highlight_label else "bar")
        parts.append(
            f'<rect class="{cls}" x="{x:.1f}" y="{bottom - bar_h:.1f}" width="{slot * 0.7:.1f}" height="{bar_h:.1f}">'
            f"<title>{escape(column.label)}: {column.count} cities</title></rect>"
        )
        parts.append(_text(x + slot * 0.35, bottom - bar_h - 5, str(column.count), "value", "middle"))
        parts.append(_text(x + slot * 0.35, bottom + 16, column.label, "tick-label", "middle"))
    parts.append(f'<line class="axis" x1="{left}" y1="{bottom}" x2="{left + plot_w}" y2="{bottom}"/>')
    parts.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{bottom}"/>')
    parts.append(_text(left + plot_w / 2, bottom + 38, x_label, "axis-label", "middle"))
    parts.append(
        f'<text class="axis-label" text-anchor="middle" transform="translate(16 {top + plot_h / 2:.1f}) rotate(-90)">'
        f"{escape(y_label)}</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts)


def claims_chart(chart_id: str, title: str, subtitle: str, claims: list[Claim]) -> str:
    """Each stated share as a band (its range) with the recomputed share as a dot on it."""
    plot_x = LABEL_WIDTH + 10
    plot_w = WIDTH - plot_x - VALUE_WIDTH
    height = TOP + ROW * max(len(claims), 1) + 48
    parts = _open(chart_id, title, subtitle, height)
    parts += _legend(0, 58, [("band", "stated share (range)"), ("marker", "recomputed share")])
    for tick in (25, 50, 75, 100):
        x = plot_x + plot_w * tick / 100
        parts.append(
            f'<line class="grid" x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{TOP + ROW * len(claims):.1f}"/>'
        )
    for index, claim in enumerate(claims):
        y = TOP + ROW * index
        parts.append(_text(LABEL_WIDTH, y + BAR - 3, _short(claim.label), "label", "end", full=claim.label))
        if claim.stated_low is not None and claim.stated_high is not None:
            x = plot_x + plot_w * claim.stated_low / 100
            width = max(plot_w * (claim.stated_high - claim.stated_low) / 100, 4.0)
            parts.append(
                f'<rect class="band" x="{x - (2 if width == 4.0 else 0):.1f}" y="{y + 2}" width="{width:.1f}" '
                f'height="{BAR - 4}"><title>stated: {escape(claim.stated_text)}</title></rect>'
            )
        if claim.computed_pct is None:
            value = "not comparable"
        else:
            cx = plot_x + plot_w * claim.computed_pct / 100
            parts.append(
                f'<circle class="marker" cx="{cx:.1f}" cy="{y + BAR / 2}" r="6">'
                f"<title>recomputed: {claim.computed_pct:.0f}% of {claim.cities_answering} cities</title></circle>"
            )
            value = f"{claim.computed_pct:.0f}% of {claim.cities_answering}"
        parts.append(_text(plot_x + plot_w + 10, y + BAR - 3, value, "value"))
    parts += _share_axis(plot_x, plot_w, TOP + ROW * len(claims) + 2, "Share of cities (%): stated vs recomputed")
    parts.append("</svg>")
    return "\n".join(parts)
