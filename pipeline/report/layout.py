"""Where each file of the report lives, relative to the report's folder."""

STYLESHEET = "report.css"
"""One stylesheet for every page (pages and charts), next to index.html."""


def city_page_name(snapshot_id: str) -> str:
    return f"cities/{snapshot_id}.html"


def wave_chart_name(wave: int, chart: str) -> str:
    """The file of one chart of a wave, shown by every city page of the wave."""
    return f"waves/{wave}/{chart}.svg"
