"""The report's pages: an index of all cities and waves, one page per city and wave, and the charts of
each wave as files of their own.

No script and no external URL: the report opens offline from the file system or any static server. A city
page shows the city's own answers and, with ``<img>``, the charts of its wave (``waves/<wave>/*.svg``), so
its bytes depend on that city's document alone. Pure functions of the rows of ``pipeline.report.data``.
"""

from __future__ import annotations

from functools import cache, lru_cache
from html import escape

from pipeline.report.charts import CHART_STYLE, Bar, Claim, Column, Group, bar_chart, column_chart
from pipeline.report.charts import claims_chart as claims_chart_svg
from pipeline.report.data import (
    BY_WAVE_MEASURES,
    REPORT_DIMENSIONS,
    TEAM_BINS,
    TOPIC_LABELS,
    IndexData,
    WaveData,
    bin_label,
    team_bin,
)
from pipeline.report.layout import STYLESHEET, city_page_name, wave_chart_name
from pipeline.report.tables import CHANGES_HEAD, CITIES_HEAD, table
from schemas.measures import answer_wording, measures

STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: #1f2933; background: #f5f7fa; }
header, main, footer { max-width: 1240px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 20px; margin: 32px 0 8px; border-bottom: 2px solid #d9e2ec; padding-bottom: 4px; }
p.lead { color: #52606d; margin: 0 0 12px; }
nav a, a { color: #1f5f9e; }
nav { margin: 8px 0 0; }
nav a { margin-right: 14px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(540px, 100%), 1fr)); gap: 16px; }
.grid > * { min-width: 0; }
figure { margin: 0; background: #fff; border: 1px solid #d9e2ec; border-radius: 6px; padding: 12px 14px; }
figcaption { font-size: 13px; color: #52606d; margin-top: 4px; }
svg.chart, img.chart { display: block; width: 100%; max-width: 820px; height: auto; }
table { border-collapse: collapse; background: #fff; width: 100%; font-size: 14px; }
th, td { border: 1px solid #d9e2ec; padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #eef2f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; background: #fff;
           border: 1px solid #d9e2ec; border-radius: 6px; padding: 12px 16px; margin: 0; }
dl.facts dt { color: #52606d; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
footer { color: #7b8794; font-size: 13px; padding: 32px 24px; }
.table-wrap { overflow-x: auto; max-width: 100%; }
section.compare { display: grid; grid-template-columns: minmax(200px, 1fr) minmax(0, 2fr); gap: 8px 20px;
                  align-items: start; background: #fff; border: 1px solid #d9e2ec; border-radius: 6px;
                  padding: 12px 14px; margin: 16px 0; }
section.compare > * { min-width: 0; }
section.compare h2 { grid-column: 1 / -1; margin: 0; border: 0; padding: 0; font-size: 18px; }
section.compare figure { border: 0; padding: 0; }
.own p { margin: 0 0 6px; color: #52606d; }
ul.answers { list-style: none; margin: 0; padding: 0; }
ul.answers li { padding: 2px 0; }
.own .mark { color: #d9640f; font-weight: 600; }
ul.answers .note { color: #52606d; font-size: 13px; }
table.answers td:first-child { color: #52606d; }
@media (max-width: 800px) {
  section.compare { grid-template-columns: 1fr; }
}
@media (max-width: 600px) {
  header, main, footer { padding-left: 10px; padding-right: 10px; }
  figure { padding: 8px 6px; }
  h1 { font-size: 22px; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: 6px; }
}
"""


def stylesheet() -> str:
    return STYLE + CHART_STYLE


def page(title: str, body: str, root: str = "") -> str:
    """A page of the report; ``root`` leads from its folder to the report's (``../`` for a city page)."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="icon" href="data:,">\n'
        f'<link rel="stylesheet" href="{root}{STYLESHEET}">\n'
        f"<title>{escape(title)}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _figure(svg: str, caption: str = "") -> str:
    caption_html = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f"<figure>{svg}{caption_html}</figure>"


def _cities(count: int) -> str:
    return f"{count} {'city' if count == 1 else 'cities'}"


def _number(value: object) -> str:
    return "—" if value is None else f"{int(value):,}".replace(",", " ")


# --- the charts of a wave: one file each, shared by every page of the wave --------------------------


def item_chart(wave: WaveData, dimension: str) -> str:
    """Share of the wave's cities naming each code of one list, most named first."""
    shares = wave.item_shares.get(dimension, [])
    answering = int(shares[0]["cities_answering"]) if shares else 0
    bars = [
        Bar(
            str(row["label"]),
            int(row["cities"]),
            wave.cities,
            ci_low=row["pct_of_cities_ci_low"],
            ci_high=row["pct_of_cities_ci_high"],
        )
        for row in shares
    ] or [Bar("no city named any", 0, wave.cities)]
    title = f"{REPORT_DIMENSIONS[dimension]}: share of cities"
    subtitle = f"{wave.wave} · {_cities(wave.cities)} · {answering} answered this list"
    return bar_chart(f"{dimension}-{wave.wave}", title, subtitle, bars)


def team_size_chart(wave: WaveData) -> str:
    columns = [Column(bin_label(low, high), wave.team_bins[bin_label(low, high)]) for low, high in TEAM_BINS]
    stated = sum(count for label, count in wave.team_bins.items() if label is not None)
    subtitle = f"{wave.wave} · {stated} of {_cities(wave.cities)} state one number for their team"
    return column_chart(
        f"team-size-{wave.wave}",
        "Innovation team size",
        subtitle,
        columns,
        x_label="Team size (staff)",
        y_label="Cities",
    )


def headline_chart(wave: WaveData) -> str:
    """Every headline answer of the wave: the share of the cities answering each question that say yes."""
    bars = [
        Bar(str(row["label"]), int(row["cities_with"]), int(row["cities_answering"]), ci_low=row["ci_low_pct"],
            ci_high=row["ci_high_pct"])
        for row in wave.headline
    ]  # fmt: skip
    return bar_chart(
        f"headline-{wave.wave}",
        "Headline answers: share of cities saying yes",
        f"{wave.wave} · of the cities answering each question",
        bars,
    )


def headline_by_wave_chart(waves: list[WaveData]) -> str:
    rows: list[Bar | Group] = []
    for measure in BY_WAVE_MEASURES:
        measure_rows = [
            (wave.wave, row) for wave in sorted(waves, key=lambda w: w.wave) for row in wave.headline
            if row["measure"] == measure
        ]  # fmt: skip
        if not measure_rows:
            continue
        rows.append(Group(str(measure_rows[0][1]["label"])))
        rows += [
            Bar(f"{number}", int(row["cities_with"]), int(row["cities_answering"]), ci_low=row["ci_low_pct"],
                ci_high=row["ci_high_pct"])
            for number, row in measure_rows
        ]  # fmt: skip
    numbers = ", ".join(str(wave.wave) for wave in sorted(waves, key=lambda w: w.wave))
    return bar_chart(
        "headline-by-wave",
        "Strategy and funding: share of cities by wave",
        f"waves {numbers} · share of the cities that answered each question",
        rows,
    )


CLAIMS_CAPTION = (
    "Dot on the stated share (or in its band): the claim holds exactly in this warehouse. Stated share within "
    "the whisker: the claim is consistent with the recomputed share, given how few cities it is taken of."
)


def _number_or_none(value: object) -> float | None:
    return None if value is None else float(value)


def claim_label(row: dict) -> str:
    """How a claim reads, on the wave's chart and on the page of a city making it: 'Topic = answer: like N%'."""
    topic = TOPIC_LABELS.get(row["topic"], str(row["topic"]))
    answer = "" if row["city_value"] is None else f" = {row['city_value']}"
    return f"{topic}{answer}: {row['comparator']} {row['stated_text']}"


def claims_chart(wave: WaveData) -> str | None:
    """Each distinct claim of the wave's documents, with how many documents make it."""
    if not wave.claims:
        return None
    ordered = sorted(wave.claims, key=lambda row: (claim_label(row), repr(sorted(row.items()))))
    claims = [
        Claim(
            claim_label(row) + (f" (in {row['documents']} documents)" if row["documents"] > 1 else ""),
            str(row["stated_text"]),
            _number_or_none(row["stated_low"]),
            _number_or_none(row["stated_high"]),
            _number_or_none(row["computed_pct"]),
            int(row["cities_answering"]),
            _number_or_none(row["ci_low_pct"]),
            _number_or_none(row["ci_high_pct"]),
        )
        for row in ordered
    ]
    subtitle = f"{wave.wave} · 'Like N% of cities surveyed' vs the share of the wave's cities in the warehouse"
    return claims_chart_svg(f"benchmarks-{wave.wave}", "Stated vs recomputed benchmark shares", subtitle, claims)


def wave_charts(wave: WaveData) -> dict[str, str]:
    """chart name -> SVG, in the order pages show them."""
    charts = {"headline": headline_chart(wave), "team-size": team_size_chart(wave)}
    charts |= {dimension: item_chart(wave, dimension) for dimension in REPORT_DIMENSIONS}
    claims_svg = claims_chart(wave)
    if claims_svg:
        charts["benchmarks"] = claims_svg
    return charts


# --- the index: every wave's charts inline, every city listed ---------------------------------------


def index_page(data: IndexData, charts: dict[int, dict[str, str]]) -> str:
    """``charts``: wave -> its charts (``wave_charts``), drawn inline here."""
    counts = ", ".join(f"{_cities(wave.cities)} in {wave.wave}" for wave in data.waves)
    nav = " ".join(
        [
            '<a href="#by-wave">By wave</a>',
            *(f'<a href="#wave-{wave.wave}">Wave {wave.wave}</a>' for wave in data.waves),
            *(['<a href="#changes">Changes between waves</a>'] if data.changes_html else []),
            '<a href="#cities">Cities (city pages)</a>',
        ]
    )
    body = [
        "<header>",
        "<h1>City Innovation Snapshots</h1>",
        f'<p class="lead">{counts}. Every share says how many cities it is taken of; the whisker across a '
        "bar is its 95% interval, the range the share could plausibly have with this few cities.</p>",
        f"<nav>{nav}</nav>",
        "</header>",
        "<main>",
        '<h2 id="by-wave">Strategy and funding by wave</h2>',
        '<div class="grid">',
        _figure(headline_by_wave_chart(data.waves), "Share of the cities answering each question, per survey wave."),
        "</div>",
    ]
    for wave in data.waves:
        body += [f'<h2 id="wave-{wave.wave}">Wave {wave.wave}: {_cities(wave.cities)}</h2>', '<div class="grid">']
        body += [
            _figure(svg, CLAIMS_CAPTION if name == "benchmarks" else "") for name, svg in charts[wave.wave].items()
        ]
        body.append("</div>")
    if data.changes_html:
        body += ['<h2 id="changes">Changes between waves</h2>', table("changes", CHANGES_HEAD, data.changes_html)]
    body += ['<h2 id="cities">Cities</h2>', table("cities", CITIES_HEAD, data.cities_html)]
    body += ["</main>", "<footer>Generated by citysnap from warehouse.duckdb.</footer>"]
    return page("City Innovation Snapshots — report", "\n".join(body))


# --- a city page: the city's own answers, each next to its wave's chart ------------------------------
# A city page shows nothing computed over the wave: the wave's shares are in the chart files it shows with
# <img>. So a changed document changes its own page (and the wave's charts), never the pages of other cities.


def _facts(city: dict) -> str:
    team = city["team_staff_text"] or (str(city["team_staff"]) if city["team_staff"] is not None else "not stated")
    website = city["website"]
    facts = {
        "Country": f"{city['country']}" + (f" ({city['region']})" if city["region"] else ""),
        f"{city['mayor_title'] or 'Mayor'}": city["mayor"] or "not stated",
        "Population": _number(city["population"])
        + (f" ({city['population_year']})" if city["population_year"] else ""),
        "Innovation team": f"{team}" + (f", in the {city['team_location']}" if city["team_location"] else ""),
        "Approach": city["approach_label"] or "not stated",
        "Source document": city["source_path"] or "—",
    }
    items = [f"<dt>{_text(key)}</dt><dd>{escape(str(value))}</dd>" for key, value in facts.items()]
    if website:
        items.insert(4, f"<dt>Website</dt><dd>{escape(str(website))}</dd>")
    return f'<dl class="facts">{"".join(items)}</dl>'


MARK = '<span class="mark">◆</span> '
FREE_TEXT_NOTE = ' <span class="note">(free text: counted as “Other”)</span>'


@lru_cache(maxsize=8192)
def _text(value: str) -> str:
    """``value`` escaped for HTML; labels and questions repeat on every page, so each is escaped once."""
    return escape(value)


@cache
def _wave_figure(wave: int, chart: str) -> str:
    """The ``<img>`` of one chart of a wave, with its description: the same on every page of the wave."""
    title, caption = WAVE_FIGURES[chart]
    return (
        f'<figure><img class="chart" src="../{wave_chart_name(wave, chart)}" '
        f'alt="{escape(title.format(wave=wave))}"><figcaption>{escape(caption.format(wave=wave))}</figcaption></figure>'
    )


WAVE_FIGURES = {
    "headline": (
        "Headline answers: share of the cities of the {wave} wave saying yes",
        "All cities of the {wave} wave; ◆ marks this city's answers that are a bar of this chart.",
    ),
    "team-size": (
        "Innovation team size: cities of the {wave} wave per team size",
        "All cities of the {wave} wave, by the size of their innovation team.",
    ),
    **{
        dimension: (
            f"{label}: share of the cities of the {{wave}} wave naming each",
            "All cities of the {wave} wave: the share naming each, most named first.",
        )
        for dimension, label in REPORT_DIMENSIONS.items()
    },
    "benchmarks": (
        "Stated vs recomputed benchmark shares of the {wave} wave",
        "Every claim made in the {wave} wave, with the share recomputed over its cities. " + CLAIMS_CAPTION,
    ),
}
"""chart -> (alt text, caption) of its image on a city page."""


def _compare(chart: str, title: str, own: str, wave: int) -> str:
    """One of the city's answers (left) next to the chart of its wave (right)."""
    return (
        f'<section class="compare" id="{chart}"><h2>{_text(title)}</h2><div class="own">{own}</div>'
        f"{_wave_figure(wave, chart)}</section>"
    )


@cache
def _options(code: str) -> dict[str, str]:
    return dict(next(item for item in measures() if item.code == code).options())


def headline_answers(city: dict) -> list[tuple[str, str, bool]]:
    """(question, the city's answer, whether it is a 'yes' in the wave's headline chart) per headline measure."""
    answers = []
    for item in measures():
        value = city[item.column]
        if item.kind == "yes_no":
            answers.append((item.label, answer_wording(value), bool(value)))
        else:
            answer = _options(item.code).get(value, value) if value else answer_wording(None)
            answers.append((item.label, str(answer), bool(value)))
    return answers


def _list_answer(name: str, items: list[tuple[str, bool]]) -> str:
    """``items``: (label, is_free_text) of each answer of one list, in order."""
    if not items:
        return f"<p>{name} named none.</p>"
    entries = "".join(
        f"<li>{MARK}{_text(label)}{FREE_TEXT_NOTE if free_text else ''}</li>" for label, free_text in items
    )
    return f'<p>{name} named {len(items)}:</p><ul class="answers">{entries}</ul>'


def _team(name: str, city: dict) -> str:
    staff, text = city["team_staff"], city["team_staff_text"]
    if staff is not None:
        return f"<p>{name}: {escape(str(text or staff))} (the bar “{escape(team_bin(staff) or '')}”).</p>"
    return f"<p>{name} states no single number for its team" + (f" ({escape(text)})" if text else "") + ".</p>"


def city_page(inputs: dict) -> str:
    """The page of one city and wave, from its own rows (``page_inputs``) alone."""
    city = inputs["profile"]
    wave, name = int(city["survey_wave"]), escape(str(city["city"]))
    others = [f'<a href="../{city_page_name(row["other_id"])}">{row["survey_wave"]}</a>' for row in inputs["others"]]
    title = f"{city['city']}, {city['country']}"
    answers = "".join(
        f"<tr><td>{_text(question)}</td><td>{MARK if yes else ''}{_text(answer)}</td></tr>"
        for question, answer, yes in headline_answers(city)
    )
    body = [
        "<header>",
        f'<nav><a href="../index.html">← All cities</a><a href="../index.html#wave-{wave}">The {wave} wave</a>'
        + (f" Other waves: {' '.join(others)}" if others else "")
        + "</nav>",
        f"<h1>{escape(title)} — {wave}</h1>",
        f'<p class="lead">The answers of {name} (◆), each next to the chart of all cities of the {wave} '
        "wave: find the answer among the bars to see how common it is.</p>",
        "</header>",
        "<main>",
        _facts(city),
        _compare("headline", "Headline answers", f'<table class="answers">{answers}</table>', wave),
        _compare("team-size", "Innovation team size", _team(name, city), wave),
    ]
    for dimension, label in REPORT_DIMENSIONS.items():
        body.append(_compare(dimension, label, _list_answer(name, inputs["items"].get(dimension, [])), wave))
    if inputs["claims"]:
        claims = "".join(f"<li>{MARK}{_text(claim_label(claim))}</li>" for claim in inputs["claims"])
        own = f'<p>The document of {name} says:</p><ul class="answers">{claims}</ul>'
        body.append(_compare("benchmarks", "Benchmark claims", own, wave))
    if inputs["changes"]:
        rows = "".join(change["html"] for change in inputs["changes"])
        body += ["<h2>Changes since the previous wave</h2>", table("changes", CHANGES_HEAD, rows)]
    body += ["</main>", '<footer><a href="../index.html">← All cities</a></footer>']
    return page(f"{title} {wave} — City Innovation Snapshot", "\n".join(body), root="../")
