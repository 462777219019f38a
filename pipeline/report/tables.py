"""The report's HTML tables of many rows (every city, every change between waves), written by DuckDB.

The index lists every city of the warehouse: built in Python, its rows would cost time in proportion to the
corpus on every build. DuckDB builds them in one vectorised query instead; the same SQL gives a city page
its row of the changes table, so the table reads the same wherever it is.
"""

from __future__ import annotations

from pipeline.sqlfiles import quote
from schemas.measures import answer_wording

ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))
"""What ``html.escape`` replaces, in its order (``&`` first)."""


def text(expression: str) -> str:
    """SQL for the text of ``expression`` escaped for HTML (as ``html.escape``)."""
    for raw, entity in ESCAPES:
        expression = f"replace({expression}, {quote(raw)}, {quote(entity)})"
    return expression


def number(expression: str) -> str:
    """SQL for a count as the report writes it: '974 073', or '—' when unknown."""
    return f"CASE WHEN {expression} IS NULL THEN '—' ELSE replace(format('{{:,}}', {expression}), ',', ' ') END"


def answer(expression: str) -> str:
    """SQL for a yes/no answer in the words of ``schemas/measures.yaml``."""
    yes, no, unknown = (quote(answer_wording(value)) for value in (True, False, None))
    return f"CASE WHEN {expression} THEN {yes} WHEN NOT {expression} THEN {no} ELSE {unknown} END"


def _or_dash(expression: str) -> str:
    return f"coalesce(nullif(CAST({expression} AS VARCHAR), ''), '—')"


def _row(cells: list[str], numeric: set[int] = frozenset()) -> str:
    parts = [
        f"'<td{' class=num' if index in numeric else ''}>' || {cell} || '</td>'" for index, cell in enumerate(cells)
    ]
    return "'<tr>' || " + " || ".join(parts) + " || '</tr>'"


CITIES_HEAD = (
    "<tr><th>City</th><th>Country</th><th>Wave</th><th>Population</th><th>Team size</th>"
    "<th>Formal strategy</th><th>Dedicated funding</th><th>Approach</th></tr>"
)


def cities_rows_sql(page_prefix: str, page_suffix: str) -> str:
    """One query: the rows of the index's table of cities, by city and wave, each linking to its page."""
    link = f"'<a href=\"{page_prefix}' || snapshot_id || '{page_suffix}\">' || {text('city')} || '</a>'"
    row = _row(
        [
            link,
            text("coalesce(country, '')"),
            "CAST(survey_wave AS VARCHAR)",
            number("population"),
            number("team_staff"),
            answer("has_formal_strategy"),
            answer("has_dedicated_funding"),
            text(_or_dash("approach_label")),
        ],
        numeric={2, 3, 4},
    )
    return f"SELECT coalesce(string_agg({row}, '' ORDER BY city, survey_wave, snapshot_id), '') FROM v_city_profile"


CHANGES_HEAD = (
    "<tr><th>City</th><th>Waves</th><th>Strategy</th><th>Funding</th><th>Approach</th>"
    "<th>Team size</th><th>Skills added</th><th>Skills removed</th></tr>"
)
CHANGE_ROW = _row(
    [
        text("coalesce(city, '')"),
        "from_wave || ' → ' || to_wave",
        text("coalesce(strategy_change, '')"),
        text("coalesce(funding_change, '')"),
        text(f"{_or_dash('approach_from')} || ' → ' || {_or_dash('approach_to')}"),
        f"{number('team_staff_from')} || ' → ' || {number('team_staff_to')}",
        text(_or_dash("skills_added")),
        text(_or_dash("skills_removed")),
    ]
)
"""SQL over agg_city_changes: a change between two waves of a city as a table row."""


def table(css_class: str, head: str, rows: str) -> str:
    return f'<div class="table-wrap"><table class="{css_class}">{head}{rows}</table></div>'
