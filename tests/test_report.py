"""The visual report: written by the Dagster build, self-contained, and every share says its base."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.cli import main
from tests.report_helpers import multi_wave_warehouse


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside <text> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))


def parse(path: Path) -> list[tuple[str, dict]]:
    parser = Elements()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tags


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return multi_wave_warehouse(tmp_path_factory) / "report"


def pages(report: Path) -> list[Path]:
    return [report / "index.html", *sorted((report / "cities").glob("*.html"))]


def chart_files(report: Path) -> list[Path]:
    return sorted((report / "waves").glob("*/*.svg"))


def charts_in(path: Path) -> list[str]:
    """The charts of a page (inline) or of a chart file."""
    return re.findall(r"<svg class=\"chart\".*?</svg>", path.read_text(encoding="utf-8"), flags=re.S)


def test_the_build_writes_an_index_and_one_page_per_city_and_wave(report):
    assert (report / "index.html").exists()
    assert sorted(path.stem for path in (report / "cities").glob("*.html")) == [
        "2018-no-oslo",
        "2018-se-stockholm",
        "2020-dk-aarhus",
        "2020-no-oslo",
        "2020-se-stockholm",
    ]


def test_the_report_is_self_contained_and_works_offline(report):
    files = [*pages(report), *chart_files(report), report / "report.css"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "<script" not in text and "@import" not in text and "url(" not in text, path.name
        for tag, attrs in parse(path):
            for name in ("src", "href"):
                target = attrs.get(name)
                assert target is None or not re.match(r"^(https?:)?//", target), f"{path.name}: {tag} {target}"


def test_every_link_image_and_stylesheet_of_a_page_resolves_to_a_file_and_anchor(report):
    for path in pages(report):
        for tag, attrs in parse(path):
            target = attrs.get("src") if tag == "img" else attrs.get("href")
            if tag not in {"a", "img", "link"} or not target or target.startswith(("#", "data:")):
                continue
            file, _, anchor = target.partition("#")
            resolved = (path.parent / file).resolve()
            assert resolved.is_file(), f"{path.name} points to missing {target}"
            if anchor:
                assert f'id="{anchor}"' in resolved.read_text(encoding="utf-8"), f"{path.name}: no #{anchor}"


def test_the_index_has_every_chart_the_report_promises(report):
    charts = {attrs["data-chart"] for tag, attrs in parse(report / "index.html") if tag == "svg"}
    for wave in (2018, 2020):
        assert {
            f"team-size-{wave}",
            f"staff_skills-{wave}",
            f"priority_policy_areas-{wave}",
            f"success_factors-{wave}",
            f"benefits-{wave}",
            f"funding_sources-{wave}",
            f"benchmarks-{wave}",
            f"headline-{wave}",
        } <= charts
    assert "headline-by-wave" in charts


def test_each_wave_chart_is_a_file_of_its_own_with_the_same_drawing_as_on_the_index(report):
    index = (report / "index.html").read_text(encoding="utf-8")
    for wave in (2018, 2020):
        names = sorted(path.stem for path in (report / "waves" / str(wave)).glob("*.svg"))
        assert names == sorted(["headline", "team-size", "staff_skills", "priority_policy_areas", "success_factors",
                                "benefits", "funding_sources", "benchmarks"])  # fmt: skip
        for path in (report / "waves" / str(wave)).glob("*.svg"):
            [svg] = charts_in(path)
            drawing = re.sub(r"<style>.*?</style>\n", "", svg.split("\n", 1)[1], flags=re.S)
            assert drawing in index, f"{path.name} is drawn as on the index"
            assert "<style>" in svg, "an image is not styled by the page around it"


def test_every_chart_has_a_title_and_axis_labels_and_every_share_its_number_of_cities(report):
    for path in [*pages(report), *chart_files(report)]:
        for svg in charts_in(path):
            assert 'class="title"' in svg and 'class="axis-label"' in svg
            for title in re.findall(r'<rect class="bar[^"]*"[^>]*><title>([^<]*)</title>', svg):
                assert re.search(r"\d+ (of \d+ )?cities\b", title), title
            for value in re.findall(r'<text [^>]*class="value">([^<]*)</text>', svg):
                assert re.fullmatch(r"\d+% \(\d+ of \d+\)|\d+|\d+% of \d+|not comparable", value), value


def section(html: str, anchor: str) -> str:
    return re.search(rf'<section class="compare" id="{anchor}">.*?</section>', html, flags=re.S).group(0)


def test_a_city_page_shows_the_city_answers_next_to_the_chart_of_all_cities_of_its_wave(report):
    html = (report / "cities" / "2020-no-oslo.html").read_text(encoding="utf-8")
    skills = section(html, "staff_skills")
    named = re.findall(r'<li><span class="mark">◆</span> ([^<]*)</li>', skills)
    assert named == ["Project manager", "Data scientist"]
    assert re.search(r'<img class="chart" src="../waves/2020/staff_skills.svg" alt="Staff skills: [^"]*2020', skills)
    wave_chart = (report / "waves" / "2020" / "staff_skills.svg").read_text(encoding="utf-8")
    bars = re.findall(r'<rect class="bar"[^>]*><title>([^:]*):', wave_chart)
    assert set(named) <= set(bars) and len(bars) == 8, "the city's answers are bars of the wave's chart"
    headline = section(html, "headline")
    assert re.search(r"Dedicated innovation funding</td><td>no</td>", headline)
    assert re.search(r"Approach</td><td><span class=\"mark\">◆</span> Specific policy areas</td>", headline)
    assert 'src="../waves/2020/headline.svg"' in headline
    assert "Oslo, Norway — 2020" in html and 'href="../cities/2018-no-oslo.html"' in html


def test_a_city_page_shows_no_figure_computed_over_its_wave(report):
    """What the wave's cities answered lives in the wave's chart files: a city page does not change when
    another city's document does."""
    for path in sorted((report / "cities").glob("*.html")):
        html = path.read_text(encoding="utf-8")
        assert "<svg" not in html and "%" not in re.sub(r"(like|unlike|than) \d+%", "", html), path.name
        assert not re.search(r"\b\d+ (of \d+ )?cities\b", html), path.name


def test_citysnap_report_writes_the_report_and_prints_its_path(report, capsys, monkeypatch):
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    assert main(["report", "--open", "--warehouse", str(report.parent)]) == 0
    index = (report / "index.html").resolve()
    assert capsys.readouterr().out == f"{index}\n"
    assert opened == [index.as_uri()]


def test_citysnap_city_prints_the_profile_with_shares_against_all_cities(report, capsys):
    assert main(["city", "STOCKHOLM", "--warehouse", str(report.parent)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Stockholm, Sweden — survey wave 2020 (3 cities in the wave; also in 2018)\n")
    assert re.search(r"Formal innovation strategy\s+yes\s+67% \(2 of 3\)", out)
    assert re.search(r"Communications / marketing\s+67% \(2 of 3\)", out)
    assert "changes since 2018: strategy gained" in out
    assert main(["city", "stockholm", "--wave", "2018", "--warehouse", str(report.parent)]) == 0
    assert re.search(r"Formal innovation strategy\s+no\s+50% \(1 of 2\)", capsys.readouterr().out)


def test_citysnap_city_suggests_a_name_when_none_matches(report, capsys):
    assert main(["city", "Stokholm", "--warehouse", str(report.parent)]) == 1
    assert "did you mean Stockholm?" in capsys.readouterr().err


def chart(html: str, chart_id: str) -> str:
    return re.search(rf'<svg class="chart" data-chart="{chart_id}".*?</svg>', html, flags=re.S).group(0)


def visible_texts(svg: str) -> list[str]:
    """Each <text> element's words as a reader sees them: its lines (tspans) joined."""
    texts = re.findall(r"<text [^>]*>(.*?)</text>", svg, flags=re.S)
    return [" ".join(re.findall(r">([^<]+)<", f">{text}<")) for text in texts]


def test_long_labels_wrap_onto_lines_instead_of_being_cut(report):
    html = (report / "index.html").read_text(encoding="utf-8")
    claims = chart(html, "benchmarks-2020")
    assert "…" not in html
    labels = visible_texts(claims)
    assert "Dedicated funding = yes: like 81% (in 2 documents)" in labels
    wrapped = [text for text in re.findall(r"<text [^>]*>(.*?)</text>", claims, flags=re.S) if "81%" in text]
    assert len(re.findall(r"<tspan ", wrapped[0])) >= 2, "the label runs over several lines"


def test_every_share_bar_has_its_95_percent_interval_as_a_whisker(report):
    for path in [*pages(report), *chart_files(report)]:
        for svg in charts_in(path):
            if 'data-chart="team-size' in svg:
                continue  # counts of cities, not shares
            bars = re.findall(r'<rect class="bar[^"]*"', svg)
            whiskers = re.findall(r'<path class="whisker"[^>]*><title>[^<]*95% interval (\d+)–(\d+)%', svg)
            markers = re.findall(r'<circle class="marker"', svg)
            assert len(whiskers) == len(bars) + len(markers), path.name


def test_a_stated_share_stays_visible_when_the_recomputed_share_is_the_same(report):
    """2018: Stockholm says 'Unlike 50% of cities' and 1 of the 2 cities has a strategy: both at 50%."""
    claims = chart((report / "index.html").read_text(encoding="utf-8"), "benchmarks-2018")
    dots = {
        round(float(cx)): float(r)
        for cx, r in re.findall(r'<circle class="marker" cx="([\d.]+)" [^>]*r="([\d.]+)"', claims)
    }
    stated = re.findall(r'<rect class="stated" x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="([\d.]+)"', claims)
    radius = set(dots.values()).pop()
    centres = [float(x) + float(width) / 2 for x, width, _ in stated]
    assert any(round(centre) in dots for centre in centres), "a claim whose stated and recomputed shares coincide"
    for _, width, height in stated:
        assert float(height) > 2 * radius and float(width) < radius, "the marker reaches past the dot: both visible"


def test_readers_see_no_internal_view_or_table_names(report):
    for path in pages(report):
        html = path.read_text(encoding="utf-8")
        readable = re.sub(r"<[^>]+>", " ", html)
        assert not re.search(r"\b(v|agg)_[a-z_]+", readable), path.name


@pytest.mark.parametrize("value", ["Zürich & <Co>", 'Say "no"', "l'Hospitalet", "plain", ""])
def test_rows_written_by_duckdb_escape_text_as_html_escape_does(value):
    """The index's long tables are written in SQL; their text must be escaped exactly as the Python pages'."""
    import html

    import duckdb

    from pipeline.report.tables import answer, number, text
    from pipeline.sqlfiles import quote

    with duckdb.connect() as connection:
        assert connection.execute(f"SELECT {text(quote(value))}").fetchone()[0] == html.escape(value)
        sql = f"SELECT {number('n')} FROM (VALUES (974073::BIGINT), (7), (NULL)) AS t(n)"
        assert [row[0] for row in connection.execute(sql).fetchall()] == ["974 073", "7", "—"]
        sql = f"SELECT {answer('b')} FROM (VALUES (true), (false), (NULL)) AS t(b)"
        assert [row[0] for row in connection.execute(sql).fetchall()] == ["yes", "no", "not stated"]
