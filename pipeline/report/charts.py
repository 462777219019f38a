"""Inline SVG charts as plain strings: no chart library, no script, nothing fetched.

Every chart carries its title, axis labels and the number of cities behind each share, so a chart
copied out of the report still says what it shows. Long labels wrap onto several lines (a row grows
to fit them) instead of being cut. Bars never shrink below ``MIN_BAR`` pixels, so a 0% bar is still
visible (and its label says 0%). A share's 95% Wilson interval is drawn as a whisker across its bar.
Value labels sit in their own column right of the plot, so gridlines never run through them. The SVG
scales with its ``viewBox`` to the width of the page (a phone included).

A chart is either inlined in a page (the index) or written as its own ``.svg`` file (``standalone``),
shown with ``<img>`` by every city page of its wave; ``CHART_STYLE`` styles it in both places.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from html import escape

WIDTH = 540
"""Narrow enough that text stays legible when a chart is scaled down to a phone's width."""
LABEL_WIDTH = 200
VALUE_WIDTH = 112
ROW = 24
BAR = 16
LINE = 15
MIN_BAR = 2.0
LABEL_CHARS = 29
"""Characters of a label per line (12.5 px text in LABEL_WIDTH); longer labels wrap."""
GROUP_CHARS = 70
SUBTITLE_CHARS = 80
STATED_OVERHANG = 5
"""How far a stated share's marker reaches above and below the recomputed share's dot."""


CHART_STYLE = """
.chart { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
.chart .title { font-size: 16px; font-weight: 600; fill: #1f2933; }
.chart .subtitle, .chart .legend-text { font-size: 12px; fill: #52606d; }
.chart .label, .chart .value, .chart .tick-label { font-size: 12.5px; fill: #323f4b; }
.chart .strong { font-weight: 600; fill: #8a3b00; }
.chart .group { font-size: 13px; font-weight: 600; fill: #1f2933; }
.chart .axis-label { font-size: 12px; fill: #52606d; }
.chart .bar { fill: #2f6fb0; }
.chart .bar-other { fill: #a9c1da; }
.chart .highlight { fill: #d9640f; }
.chart .band { fill: #f3c98b; }
.chart .marker { fill: #1f2933; stroke: #fff; stroke-width: 1.5; }
.chart .stated { fill: #b45309; stroke: #fff; stroke-width: 0.75; }
.chart .whisker { stroke: #1f2933; stroke-width: 1.5; fill: none; }
.chart .whisker-halo { stroke: #fff; stroke-opacity: 0.8; stroke-width: 3.5; fill: none; }
.chart .grid { stroke: #e4e7eb; }
.chart .axis, .chart .tick { stroke: #7b8794; }
"""
"""How charts look, inline in a page (``svg.chart`` there) as in a file of their own (its root ``svg``)."""


def standalone(svg: str) -> str:
    """``svg`` as the text of an ``.svg`` file: its style inside it (a page's CSS does not reach an image) and a
    fixed size, so ``<img>`` knows its shape before it loads."""
    opening, rest = svg.split("\n", 1)
    view_box = re.search(r'viewBox="0 0 (\d+) (\d+)"', opening)
    sized = opening.replace('width="100%"', f'width="{view_box.group(1)}" height="{view_box.group(2)}"', 1)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{sized}\n<style>{CHART_STYLE}</style>\n{rest}\n'


@dataclass(frozen=True)
class Bar:
    """One share: ``count`` of ``base`` cities, with its 95% interval; ``highlight`` marks the city a
    page is about."""

    label: str
    count: int
    base: int
    highlight: bool = False
    ci_low: float | None = None
    ci_high: float | None = None

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
    """A stated share (a range: 'more than half' is 50-100) next to the recomputed one and its interval."""

    label: str
    stated_text: str
    stated_low: float | None
    stated_high: float | None
    computed_pct: float | None
    cities_answering: int
    ci_low: float | None = None
    ci_high: float | None = None


def wrap(text: str, width: int) -> list[str]:
    """``text`` on lines of at most ``width`` characters (words longer than a line are split)."""
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


def _text(x: float, y: float, text: str, cls: str = "", anchor: str = "start") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>{escape(text)}</text>'


def _lines(x: float, y: float, lines: list[str], cls: str, anchor: str = "start") -> str:
    """A multi-line label: one ``tspan`` per line, the first baseline at ``y``."""
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if index == 0 else LINE}">{escape(line)}</tspan>'
        for index, line in enumerate(lines)
    )
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{cls}">{spans}</text>'


def _open(chart_id: str, title: str, subtitle: str, height: float) -> list[str]:
    lines = wrap(subtitle, SUBTITLE_CHARS)
    return [
        f'<svg class="chart" data-chart="{escape(chart_id)}" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="100%" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)} — {escape(subtitle)}</title>",
        _text(0, 20, title, "title"),
        _lines(0, 40, lines, "subtitle"),
    ]


def _header_height(subtitle: str, legend: bool) -> float:
    """Where the plot starts: below the title, the subtitle's lines and the legend."""
    bottom = 40 + LINE * (len(wrap(subtitle, SUBTITLE_CHARS)) - 1)
    return bottom + (22 if legend else 0) + 20


def _legend(x: float, y: float, items: list[tuple[str, str]]) -> list[str]:
    parts = []
    for cls, label in items:
        if cls == "stated":
            parts.append(f'<rect class="legend stated" x="{x + 3:.1f}" y="{y - 11:.1f}" width="4" height="14"/>')
        elif cls == "whisker":
            parts.append(
                f'<path class="legend whisker" d="M{x:.1f} {y - 4:.1f}h10M{x:.1f} {y - 8:.1f}v8M{x + 10:.1f} '
                f'{y - 8:.1f}v8"/>'
            )
        elif cls == "marker":
            parts.append(f'<circle class="legend marker" cx="{x + 5:.1f}" cy="{y - 4:.1f}" r="5"/>')
        else:
            parts.append(f'<rect class="legend {cls}" x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10"/>')
        parts.append(_text(x + 14, y, label, "legend-text"))
        x += 28 + 6.8 * len(label)
    return parts


def _share_axis(x0: float, width: float, y: float, label: str) -> list[str]:
    parts = [f'<line class="axis" x1="{x0:.1f}" y1="{y:.1f}" x2="{x0 + width:.1f}" y2="{y:.1f}"/>']
    for tick in (0, 25, 50, 75, 100):
        x = x0 + width * tick / 100
        parts.append(f'<line class="tick" x1="{x:.1f}" y1="{y:.1f}" x2="{x:.1f}" y2="{y + 4:.1f}"/>')
        parts.append(_text(x, y + 16, f"{tick}", "tick-label", "middle"))
    parts.append(_text(x0 + width / 2, y + 34, label, "axis-label", "middle"))
    return parts


def _gridlines(x0: float, width: float, top: float, bottom: float) -> list[str]:
    return [
        f'<line class="grid" x1="{x0 + width * tick / 100:.1f}" y1="{top - 4:.1f}" '
        f'x2="{x0 + width * tick / 100:.1f}" y2="{bottom:.1f}"/>'
        for tick in (25, 50, 75, 100)
    ]


def _whisker(x0: float, width: float, y: float, low: float, high: float, subject: str) -> str:
    """The 95% interval as a line with end caps, centred on the row at ``y``."""
    x1, x2 = x0 + width * low / 100, x0 + width * high / 100
    shape = f"M{x1:.1f} {y:.1f}H{x2:.1f}M{x1:.1f} {y - 5:.1f}v10M{x2:.1f} {y - 5:.1f}v10"
    return (
        f'<path class="whisker-halo" d="{shape}"/>'
        f'<path class="whisker" d="{shape}"><title>{escape(subject)}: 95% interval {low:.0f}–{high:.0f}%</title></path>'
    )


def _row_heights(labels: list[list[str]]) -> list[float]:
    return [max(ROW, LINE * len(lines) + 9) for lines in labels]


def bar_chart(
    chart_id: str,
    title: str,
    subtitle: str,
    rows: list[Bar | Group],
    axis_label: str = "Share of cities (%)",
    highlight_label: str | None = None,
) -> str:
    """Horizontal bars of shares (0-100%) with their 95% intervals, each labelled 'N% (count of base)'."""
    plot_x = LABEL_WIDTH + 10
    plot_w = WIDTH - plot_x - VALUE_WIDTH
    top = _header_height(subtitle, legend=True)
    labels = [
        wrap(row.label, GROUP_CHARS) if isinstance(row, Group) else wrap(row.label, LABEL_CHARS - 6 * row.highlight)
        for row in rows
    ]
    heights = _row_heights(labels)
    bottom = top + sum(heights)
    parts = _open(chart_id, title, subtitle, bottom + 48)
    legend = [("whisker", "95% interval")]
    if highlight_label:
        legend = [("highlight", highlight_label), ("bar-other", "other answers"), *legend]
    parts += _legend(0, top - 20, legend)
    parts += _gridlines(plot_x, plot_w, top, bottom)
    y = top
    for row, lines, height in zip(rows, labels, heights, strict=True):
        first_baseline = y + height / 2 - LINE * (len(lines) - 1) / 2 + 4
        if isinstance(row, Group):
            parts.append(_lines(0, first_baseline, lines, "group"))
            y += height
            continue
        bar_y = y + (height - BAR) / 2
        width = max(plot_w * row.pct / 100, MIN_BAR)
        cls = "bar highlight" if row.highlight else ("bar bar-other" if highlight_label else "bar")
        if row.highlight:
            lines = ["◆ " + lines[0], *lines[1:]]
        parts.append(_lines(LABEL_WIDTH, first_baseline, lines, "label" + (" strong" if row.highlight else ""), "end"))
        parts.append(
            f'<rect class="{cls}" x="{plot_x}" y="{bar_y:.1f}" width="{width:.1f}" height="{BAR}">'
            f"<title>{escape(row.label)}: {row.pct:.0f}% ({row.count} of {row.base} cities)</title></rect>"
        )
        if row.ci_low is not None and row.ci_high is not None:
            parts.append(_whisker(plot_x, plot_w, bar_y + BAR / 2, row.ci_low, row.ci_high, row.label))
        value = f"{row.pct:.0f}% ({row.count} of {row.base})"
        parts.append(_text(plot_x + plot_w + 8, bar_y + BAR - 3, value, "value"))
        y += height
    parts += _share_axis(plot_x, plot_w, bottom + 2, axis_label)
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
    top = _header_height(subtitle, legend=bool(highlight_label)) + 14
    height = top + 210
    left, bottom = 56, height - 56
    plot_h = bottom - top
    plot_w = WIDTH - left - 10
    peak = max((column.count for column in columns), default=0) or 1
    step = max(1, -(-peak // 5))
    ceiling = step * -(-peak // step)
    parts = _open(chart_id, title, subtitle, height)
    if highlight_label:
        parts += _legend(0, top - 34, [("highlight", highlight_label), ("bar-other", "other cities")])
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
    """Each stated share (a band for a range, a tall marker for one figure) with the recomputed share as a
    dot and its 95% interval as a whisker. The stated marker is narrower than the dot and reaches above and
    below it, so both stay visible when the two shares are equal or close."""
    plot_x = LABEL_WIDTH + 10
    plot_w = WIDTH - plot_x - VALUE_WIDTH
    top = _header_height(subtitle, legend=True) + 16
    labels = [wrap(claim.label, LABEL_CHARS) for claim in claims]
    heights = [max(height, BAR + 2 * STATED_OVERHANG + 6) for height in _row_heights(labels)]
    bottom = top + sum(heights)
    parts = _open(chart_id, title, subtitle, bottom + 48)
    parts += _legend(0, top - 36, [("band", "stated range"), ("stated", "stated share")])
    parts += _legend(0, top - 16, [("marker", "recomputed share"), ("whisker", "its 95% interval")])
    parts += _gridlines(plot_x, plot_w, top, bottom)
    y = top
    for claim, lines, height in zip(claims, labels, heights, strict=True):
        centre = y + height / 2
        parts.append(_lines(LABEL_WIDTH, centre - LINE * (len(lines) - 1) / 2 + 4, lines, "label", "end"))
        stated = f"<title>stated: {escape(claim.stated_text)}</title>"
        point = claim.stated_low is not None and claim.stated_low == claim.stated_high
        if claim.stated_low is not None and claim.stated_high is not None and not point:
            x = plot_x + plot_w * claim.stated_low / 100
            width = plot_w * (claim.stated_high - claim.stated_low) / 100
            parts.append(
                f'<rect class="band" x="{x:.1f}" y="{centre - BAR / 2 + 2:.1f}" width="{width:.1f}" '
                f'height="{BAR - 4}">{stated}</rect>'
            )
        if claim.computed_pct is None:
            value = "not comparable"
        else:
            if claim.ci_low is not None and claim.ci_high is not None:
                parts.append(_whisker(plot_x, plot_w, centre, claim.ci_low, claim.ci_high, "recomputed share"))
            cx = plot_x + plot_w * claim.computed_pct / 100
            parts.append(
                f'<circle class="marker" cx="{cx:.1f}" cy="{centre:.1f}" r="6">'
                f"<title>recomputed: {claim.computed_pct:.0f}% of {claim.cities_answering} cities</title></circle>"
            )
            value = f"{claim.computed_pct:.0f}% of {claim.cities_answering}"
        if point:
            x = plot_x + plot_w * claim.stated_low / 100
            reach = 6 + STATED_OVERHANG
            parts.append(
                f'<rect class="stated" x="{x - 1.5:.1f}" y="{centre - reach:.1f}" width="3" '
                f'height="{2 * reach}">{stated}</rect>'
            )
        parts.append(_text(plot_x + plot_w + 12, centre + 4, value, "value"))
        y += height
    parts += _share_axis(plot_x, plot_w, bottom + 2, "Share of cities (%): stated vs recomputed")
    parts.append("</svg>")
    return "\n".join(parts)
