"""The report's HTML pages: an index of all cities and waves, and one page per city and wave.

Pages are self-contained (inline CSS and SVG, no script, no external URL) so they open offline
from the file system or any static server. Pure functions of ``ReportData``.
"""

from __future__ import annotations

from collections import Counter
from html import escape

import pandas as pd

from pipeline.report.charts import Bar, Claim, Column, Group, bar_chart, claims_chart, column_chart
from pipeline.report.data import (
    BY_WAVE_MEASURES,
    REPORT_DIMENSIONS,
    TEAM_BINS,
    TOPIC_LABELS,
    ReportData,
    bin_label,
    city_answers,
    team_bin,
)
from schemas.measures import answer_wording

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
svg.chart { display: block; width: 100%; max-width: 820px; height: auto; }
svg .title { font-size: 16px; font-weight: 600; fill: #1f2933; }
svg .subtitle, svg .legend-text { font-size: 12px; fill: #52606d; }
svg .label, svg .value, svg .tick-label { font-size: 12.5px; fill: #323f4b; }
svg .strong { font-weight: 600; fill: #8a3b00; }
svg .group { font-size: 13px; font-weight: 600; fill: #1f2933; }
svg .axis-label { font-size: 12px; fill: #52606d; }
svg .bar { fill: #2f6fb0; }
svg .bar-other { fill: #a9c1da; }
svg .highlight { fill: #d9640f; }
svg .band { fill: #f3c98b; }
svg .marker { fill: #1f2933; stroke: #fff; stroke-width: 1.5; }
svg .stated { fill: #b45309; stroke: #fff; stroke-width: 0.75; }
svg .whisker { stroke: #1f2933; stroke-width: 1.5; fill: none; }
svg .whisker-halo { stroke: #fff; stroke-opacity: 0.8; stroke-width: 3.5; fill: none; }
svg .grid { stroke: #e4e7eb; }
svg .axis, svg .tick { stroke: #7b8794; }
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
@media (max-width: 600px) {
  header, main, footer { padding-left: 10px; padding-right: 10px; }
  figure { padding: 8px 6px; }
  h1 { font-size: 22px; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: 6px; }
}
"""


def page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def city_page_name(snapshot_id: str) -> str:
    return f"cities/{snapshot_id}.html"


def _figure(svg: str, caption: str = "") -> str:
    caption_html = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f"<figure>{svg}{caption_html}</figure>"


def _cities(count: int) -> str:
    return f"{count} {'city' if count == 1 else 'cities'}"


def _number(value: object) -> str:
    return "—" if value is None else f"{int(value):,}".replace(",", " ")


# --- charts shared by the index and the city pages -------------------------------------------------


def item_chart(data: ReportData, wave: int, dimension: str, city: dict | None = None) -> str:
    """Share of the wave's cities naming each code of one list, sorted; the city's codes marked."""
    shares = data.shares_by_list.get((wave, dimension), [])
    cities_in_wave = len(data.wave_profiles(wave))
    answering = int(shares[0]["cities_answering"]) if shares else 0
    named: set[str] = set()
    if city is not None:
        named = data.codes_named.get((city["snapshot_id"], dimension), set())
    bars = [
        Bar(
            str(row["label"]),
            int(row["cities"]),
            cities_in_wave,
            highlight=row["code"] in named,
            ci_low=row["pct_of_cities_ci_low"],
            ci_high=row["pct_of_cities_ci_high"],
        )
        for row in shares
    ]
    title = f"{REPORT_DIMENSIONS[dimension]}: share of cities"
    subtitle = f"{wave} · {_cities(cities_in_wave)} · {answering} answered this list"
    if not bars:
        bars = [Bar("no city named any", 0, cities_in_wave)]
    return bar_chart(
        f"{dimension}-{wave}", title, subtitle, bars, highlight_label=f"{city['city']}" if city is not None else None
    )


def team_size_chart(data: ReportData, wave: int, city: dict | None = None) -> str:
    bins = data.team_bins_by_wave.get(wave, Counter())
    own = team_bin(city["team_staff"]) if city is not None else None
    columns = [
        Column(bin_label(low, high), bins[bin_label(low, high)], highlight=own == bin_label(low, high))
        for low, high in TEAM_BINS
    ]
    stated = sum(count for label, count in bins.items() if label is not None)
    subtitle = f"{wave} · {stated} of {_cities(bins.total())} state one number for their team"
    return column_chart(
        f"team-size-{wave}",
        "Innovation team size",
        subtitle,
        columns,
        x_label="Team size (staff)",
        y_label="Cities",
        highlight_label=city["city"] if city is not None else None,
    )


def headline_by_wave_chart(data: ReportData) -> str:
    rows: list[Bar | Group] = []
    headline = data.headline[data.headline["measure"].isin(BY_WAVE_MEASURES)]
    for measure in BY_WAVE_MEASURES:
        measure_rows = headline[headline["measure"] == measure].sort_values("survey_wave")
        if measure_rows.empty:
            continue
        rows.append(Group(str(measure_rows["label"].iloc[0])))
        rows += [
            Bar(f"{row.survey_wave}", int(row.cities_with), int(row.cities_answering), ci_low=row.ci_low_pct,
                ci_high=row.ci_high_pct)
            for row in measure_rows.itertuples()
        ]  # fmt: skip
    waves = ", ".join(str(wave) for wave in sorted(data.waves))
    return bar_chart(
        "headline-by-wave",
        "Strategy and funding: share of cities by wave",
        f"waves {waves} · share of the cities that answered each question",
        rows,
    )


def headline_chart(data: ReportData, wave: int, city: dict) -> str:
    """The city's yes/no and approach answers, each against the share of the wave giving the same answer."""
    bars = [
        Bar(answer.label, answer.cities_with, answer.cities_answering, highlight=answer.has_it,
            ci_low=answer.ci_low_pct, ci_high=answer.ci_high_pct)
        for answer in city_answers(city, data.headline_by_wave.get(wave, []))
    ]  # fmt: skip
    return bar_chart(
        f"headline-{wave}",
        "Headline answers: share of cities saying yes",
        f"{wave} · of the cities answering each question",
        bars,
        highlight_label=f"{city['city']} says yes",
    )


CLAIMS_CAPTION = (
    "Dot on the stated share (or in its band): the claim holds exactly in this warehouse. Stated share within "
    "the whisker: the claim is consistent with the recomputed share, given how few cities it is taken of."
)
CLAIM_KEYS = (
    "topic",
    "city_value",
    "comparator",
    "stated_text",
    "stated_low",
    "stated_high",
    "computed_pct",
    "cities_answering",
    "ci_low_pct",
    "ci_high_pct",
)


def _number_or_none(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def claims(rows: list[dict]) -> list[Claim]:
    """One entry per distinct claim and recomputed share, saying how many cities' documents make it."""
    documents: Counter[tuple] = Counter(tuple(row[key] for key in CLAIM_KEYS) for row in rows)
    result = []
    for key, count in sorted(documents.items(), key=lambda item: (str(item[0][0]), str(item[0][3]))):
        row = dict(zip(CLAIM_KEYS, key, strict=True))
        topic = TOPIC_LABELS.get(row["topic"], str(row["topic"]))
        answer = "" if row["city_value"] is None or pd.isna(row["city_value"]) else f" = {row['city_value']}"
        label = f"{topic}{answer}: {row['comparator']} {row['stated_text']}"
        if count > 1:
            label += f" (in {count} documents)"
        result.append(
            Claim(
                label,
                str(row["stated_text"]),
                _number_or_none(row["stated_low"]),
                _number_or_none(row["stated_high"]),
                _number_or_none(row["computed_pct"]),
                int(row["cities_answering"]),
                _number_or_none(row["ci_low_pct"]),
                _number_or_none(row["ci_high_pct"]),
            )
        )
    return result


def claims_chart_for(data: ReportData, wave: int, snapshot_id: str | None = None) -> str | None:
    if snapshot_id is not None:
        rows = data.benchmarks_by_snapshot.get(snapshot_id, [])
    else:
        rows = data.benchmarks_by_wave.get(wave, [])
    if not rows:
        return None
    subtitle = f"{wave} · 'Like N% of cities surveyed' vs the share of the wave's cities in the warehouse"
    return claims_chart(f"benchmarks-{wave}", "Stated vs recomputed benchmark shares", subtitle, claims(rows))


# --- pages -----------------------------------------------------------------------------------------


def _cities_table(data: ReportData, prefix: str = "") -> str:
    rows = []
    for row in data.profiles.sort_values(["city", "survey_wave"]).itertuples():
        rows.append(
            "<tr>"
            f'<td><a href="{prefix}{city_page_name(row.snapshot_id)}">{escape(str(row.city))}</a></td>'
            f"<td>{escape(str(row.country))}</td><td class=num>{row.survey_wave}</td>"
            f"<td class=num>{_number(row.population)}</td><td class=num>{_number(row.team_staff)}</td>"
            f"<td>{answer_wording(row.has_formal_strategy)}</td><td>{answer_wording(row.has_dedicated_funding)}</td>"
            f"<td>{escape(str(row.approach_label or '—'))}</td>"
            "</tr>"
        )
    head = (
        "<tr><th>City</th><th>Country</th><th>Wave</th><th>Population</th><th>Team size</th>"
        "<th>Formal strategy</th><th>Dedicated funding</th><th>Approach</th></tr>"
    )
    return f'<div class="table-wrap"><table class="cities">{head}{"".join(rows)}</table></div>'


def _changes_table(changes: pd.DataFrame) -> str:
    head = (
        "<tr><th>City</th><th>Waves</th><th>Strategy</th><th>Funding</th><th>Approach</th>"
        "<th>Team size</th><th>Skills added</th><th>Skills removed</th></tr>"
    )
    rows = []
    for row in changes.itertuples():
        approach = f"{row.approach_from or '—'} → {row.approach_to or '—'}"
        team = f"{_number(row.team_staff_from)} → {_number(row.team_staff_to)}"
        rows.append(
            f"<tr><td>{escape(str(row.city))}</td><td>{row.from_wave} → {row.to_wave}</td>"
            f"<td>{row.strategy_change}</td><td>{row.funding_change}</td><td>{escape(approach)}</td>"
            f"<td>{team}</td><td>{escape(row.skills_added or '—')}</td>"
            f"<td>{escape(row.skills_removed or '—')}</td></tr>"
        )
    return f'<div class="table-wrap"><table class="changes">{head}{"".join(rows)}</table></div>'


def index_page(data: ReportData) -> str:
    waves = data.waves
    counts = ", ".join(f"{_cities(len(data.wave_profiles(wave)))} in {wave}" for wave in waves)
    nav = " ".join(
        [
            '<a href="#by-wave">By wave</a>',
            *(f'<a href="#wave-{wave}">Wave {wave}</a>' for wave in waves),
            *(['<a href="#changes">Changes between waves</a>'] if len(data.changes) else []),
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
        _figure(headline_by_wave_chart(data), "Share of the cities answering each question, per survey wave."),
        "</div>",
    ]
    for wave in waves:
        body += [
            f'<h2 id="wave-{wave}">Wave {wave}: {_cities(len(data.wave_profiles(wave)))}</h2>',
            '<div class="grid">',
        ]
        body.append(_figure(team_size_chart(data, wave)))
        body += [_figure(item_chart(data, wave, dimension)) for dimension in REPORT_DIMENSIONS]
        claims_svg = claims_chart_for(data, wave)
        if claims_svg:
            body.append(_figure(claims_svg, CLAIMS_CAPTION))
        body.append("</div>")
    if len(data.changes):
        body += ['<h2 id="changes">Changes between waves</h2>', _changes_table(data.changes)]
    body += ['<h2 id="cities">Cities</h2>', _cities_table(data)]
    body += ["</main>", "<footer>Generated by citysnap from warehouse.duckdb.</footer>"]
    return page("City Innovation Snapshots — report", "\n".join(body))


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
    items = [f"<dt>{escape(key)}</dt><dd>{escape(str(value))}</dd>" for key, value in facts.items()]
    if website:
        items.insert(4, f"<dt>Website</dt><dd>{escape(str(website))}</dd>")
    return f'<dl class="facts">{"".join(items)}</dl>'


def city_page(data: ReportData, snapshot_id: str) -> str:
    city = data.profile_by_id[snapshot_id]
    wave = int(city["survey_wave"])
    same_city = data.profiles_by_city[city["city_key"]]
    others = [
        f'<a href="../{city_page_name(row["snapshot_id"])}">{row["survey_wave"]}</a>'
        for row in same_city
        if row["snapshot_id"] != snapshot_id
    ]
    name = f"{city['city']}, {city['country']}"
    body = [
        "<header>",
        '<nav><a href="../index.html">← All cities</a>'
        + (f" · Other waves: {' '.join(others)}" if others else "")
        + "</nav>",
        f"<h1>{escape(name)} — {wave}</h1>",
        f'<p class="lead">Answers of {escape(str(city["city"]))} (◆, orange) marked against all '
        f"{_cities(int(city['cities_in_wave']))} of the {wave} wave.</p>",
        "</header>",
        "<main>",
        '<div class="grid">',
        _facts(city),
        _figure(headline_chart(data, wave, city)),
        _figure(team_size_chart(data, wave, city)),
        *(_figure(item_chart(data, wave, dimension, city)) for dimension in REPORT_DIMENSIONS),
    ]
    claims_svg = claims_chart_for(data, wave, snapshot_id)
    if claims_svg:
        body.append(_figure(claims_svg, "The city's own 'Like N% of cities' sentences. " + CLAIMS_CAPTION))
    body.append("</div>")
    changes = data.changes_by_snapshot.get(snapshot_id, data.changes.iloc[0:0])
    if len(changes):
        body += ["<h2>Changes since the previous wave</h2>", _changes_table(changes)]
    body += ["</main>", '<footer><a href="../index.html">← All cities</a></footer>']
    return page(f"{name} {wave} — City Innovation Snapshot", "\n".join(body))
