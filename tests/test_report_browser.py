"""The report in a real browser: headless Chromium (Debian's /usr/bin/chromium driven by its matching
chromedriver through Selenium) loads the pages from a localhost server and from file://, draws every chart
(inline on the index, the wave's chart files as images on a city page), logs no console error, and the
links between the index and the city pages work."""

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

from tests.report_helpers import multi_wave_warehouse

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1366,900",
]
SCREENSHOTS = os.environ.get("REPORT_SCREENSHOTS_DIR")
"""Set to a folder to keep the screenshots (to look at them); by default they go to pytest's tmp_path."""
VIEWPORTS = {"phone": 420, "desktop": 1366}
LAYOUT = """
const page = {width: document.documentElement.clientWidth, scroll: document.documentElement.scrollWidth};
const problems = [];
const inside = (r, box) => r.left >= box.left - 1 && r.right <= box.right + 1;
for (const svg of document.querySelectorAll('svg.chart')) {
  const box = svg.getBoundingClientRect();
  if (box.left < -1 || box.right > page.width + 1) problems.push(['chart outside the page', svg.dataset.chart]);
  for (const t of svg.querySelectorAll('text')) {
    if (!inside(t.getBoundingClientRect(), box)) problems.push(['text cut off', svg.dataset.chart, t.textContent]);
  }
  const grid = Array.from(svg.querySelectorAll('line.grid')).map(l => l.getBoundingClientRect());
  for (const t of svg.querySelectorAll('text.value')) {
    const r = t.getBoundingClientRect();
    if (grid.some(g => g.left <= r.right && g.right >= r.left && g.top <= r.bottom && g.bottom >= r.top))
      problems.push(['gridline through a value label', svg.dataset.chart, t.textContent]);
  }
}
return {page: page, problems: problems};
"""
MARKERS = """
const hidden = [];
for (const m of document.querySelectorAll('svg.chart rect.stated')) {
  m.scrollIntoView({block: 'center'});
  const r = m.getBoundingClientRect();
  if (document.elementFromPoint(r.left + r.width / 2, r.top + 1) !== m) hidden.push('stated ' + m.textContent);
}
for (const c of document.querySelectorAll('svg.chart circle.marker')) {
  c.scrollIntoView({block: 'center'});
  const r = c.getBoundingClientRect();
  const at = document.elementFromPoint(r.left + r.width * 0.2, r.top + r.height / 2);
  if (at !== c) hidden.push('dot ' + c.textContent);
}
return [document.querySelectorAll('svg.chart rect.stated').length, hidden];
"""
IMAGES = """
return Array.from(document.querySelectorAll('img.chart')).map(img => { img.scrollIntoView({block: 'center'});
  const r = img.getBoundingClientRect();
  return {src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0, width: r.width,
          height: r.height, inside: r.left >= -1 && r.right <= document.documentElement.clientWidth + 1}; });
"""
SIZES = """
return Array.from(document.querySelectorAll('svg.chart, svg.chart rect.bar, svg.chart circle.marker'))
  .map(e => { const r = e.getBoundingClientRect();
              return [e.tagName + '.' + (e.getAttribute('class') || ''), r.width, r.height]; });
"""


def chromium_or_skip() -> None:
    """Skip only where Chromium cannot be installed; in CI (.ci/run installs it) a missing browser fails."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if not missing:
        return
    message = f"{', '.join(missing)} not installed: `apt-get install -y chromium chromium-driver` (as .ci/run does)"
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser test: {message}")
    pytest.skip(message)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    report = multi_wave_warehouse(tmp_path_factory) / "report"
    handler = functools.partial(QuietHandler, directory=str(report))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    chromium_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tmp_path_factory.mktemp("chromium_profile")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def load(browser, url: str) -> list[dict]:
    """Open ``url`` and return the console errors it logged."""
    browser.get_log("browser")
    browser.get(url)
    assert browser.execute_script("return document.readyState") == "complete"
    return [entry for entry in browser.get_log("browser") if entry["level"] in {"SEVERE", "ERROR"}]


def assert_every_chart_is_drawn(browser, expected_charts: int) -> None:
    sizes = browser.execute_script(SIZES)
    charts = [size for size in sizes if size[0] == "svg.chart"]
    assert len(charts) >= expected_charts
    empty = [size for size in sizes if not (size[1] > 0 and size[2] > 0)]
    assert empty == [], f"elements drawn with no size: {empty[:5]}"


def assert_every_wave_chart_image_is_drawn(browser, expected_images: int) -> list[dict]:
    images = browser.execute_script(IMAGES)
    assert len(images) == expected_images
    for image in images:
        assert image["loaded"] and image["width"] > 100 and image["height"] > 50, image
        assert image["src"].startswith("../waves/"), image
    return images


def test_the_index_draws_every_chart_without_console_errors(browser, server, tmp_path):
    assert load(browser, f"{server}/index.html") == []
    assert browser.title == "City Innovation Snapshots — report"
    assert_every_chart_is_drawn(browser, expected_charts=1 + 2 * 7)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1366, min(height + 120, 6000))
    assert browser.save_screenshot(str(tmp_path / "report_index.png"))
    assert (tmp_path / "report_index.png").stat().st_size > 10_000


def test_links_lead_from_the_index_to_a_city_page_and_back(browser, server, tmp_path):
    from selenium.webdriver.common.by import By

    assert load(browser, f"{server}/index.html") == []
    browser.find_element(By.LINK_TEXT, "Aarhus").click()
    assert browser.current_url == f"{server}/cities/2020-dk-aarhus.html"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Aarhus, Denmark — 2020"
    assert browser.get_log("browser") == []
    assert_every_wave_chart_image_is_drawn(browser, expected_images=8)
    assert browser.save_screenshot(str(tmp_path / "report_city.png"))
    browser.find_element(By.PARTIAL_LINK_TEXT, "All cities").click()
    assert browser.current_url == f"{server}/index.html"


def test_every_city_page_loads_cleanly_and_links_to_its_other_waves(browser, server, tmp_path_factory):
    from selenium.webdriver.common.by import By

    cities = sorted((multi_wave_warehouse(tmp_path_factory) / "report" / "cities").glob("*.html"))
    assert len(cities) == 5
    for page in cities:
        assert load(browser, f"{server}/cities/{page.name}") == [], page.name
        assert_every_wave_chart_image_is_drawn(browser, expected_images=8)
    assert browser.current_url.endswith("/cities/2020-se-stockholm.html")
    browser.find_element(By.LINK_TEXT, "2018").click()
    assert browser.current_url == f"{server}/cities/2018-se-stockholm.html"


def screenshot(browser, tmp_path: Path, name: str) -> Path:
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    width = browser.get_window_size()["width"]
    browser.set_window_size(width, min(height + 140, 7000))
    path = folder / f"{name}.png"
    assert browser.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    return path


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("page", ["index.html", "cities/2018-se-stockholm.html"])
def test_pages_fit_the_viewport_with_no_chart_or_label_cut_off(browser, server, tmp_path, viewport, page):
    """At phone width (420 px) as on a desktop: no sideways scrolling, every chart and every label inside
    its chart, no gridline through a value label."""
    browser.set_window_size(VIEWPORTS[viewport], 900)
    assert load(browser, f"{server}/{page}") == []
    assert browser.execute_script("return window.innerWidth") <= VIEWPORTS[viewport]
    layout = browser.execute_script(LAYOUT)
    assert layout["page"]["scroll"] <= layout["page"]["width"], "the page scrolls sideways"
    assert layout["problems"] == []
    if page == "index.html":
        assert_every_chart_is_drawn(browser, expected_charts=7)
    else:
        images = assert_every_wave_chart_image_is_drawn(browser, expected_images=8)
        assert all(image["inside"] for image in images), "a chart reaches out of the page"
    screenshot(browser, tmp_path, f"{viewport}-{page.replace('/', '-').removesuffix('.html')}")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_stated_share_and_the_recomputed_dot_are_both_visible_when_they_coincide(browser, server, viewport):
    """The 2018 wave: Stockholm's 'Unlike 50% of cities' and the recomputed 50% sit on the same spot."""
    browser.set_window_size(VIEWPORTS[viewport], 900)
    assert load(browser, f"{server}/index.html") == []
    stated, hidden = browser.execute_script(MARKERS)
    assert stated >= 2
    assert hidden == []


BAR_BLUE = (0x2F, 0x6F, 0xB0)
"""The fill of a bar (``.chart .bar`` in the chart's own style): unstyled, an SVG draws its bars black."""


def test_a_city_page_opened_from_the_file_system_shows_its_wave_charts(browser, tmp_path_factory, tmp_path):
    """No server: file:// pages load the wave's chart files as images, styled by their own stylesheet."""
    import io

    from PIL import Image
    from selenium.webdriver.common.by import By

    page = multi_wave_warehouse(tmp_path_factory) / "report" / "cities" / "2020-no-oslo.html"
    browser.set_window_size(1366, 900)
    assert load(browser, page.as_uri()) == []
    assert browser.find_element(By.TAG_NAME, "h1").text == "Oslo, Norway — 2020"
    assert_every_wave_chart_image_is_drawn(browser, expected_images=8)
    chart = browser.find_element(By.CSS_SELECTOR, "#staff_skills img.chart")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", chart)
    drawn = Image.open(io.BytesIO(chart.screenshot_as_png)).convert("RGB")
    pixels = drawn.tobytes()
    blue = sum(1 for i in range(0, len(pixels), 3) if all(abs(pixels[i + k] - BAR_BLUE[k]) <= 12 for k in range(3)))
    assert blue > 500, "the skills chart's bars are drawn in the chart's own colour"
    screenshot(browser, tmp_path, "file-city-2020-no-oslo")
