"""SQL shared by the aggregates and the views: the loader of a folder of ``<prefix>*.sql`` files, the
relations generated from ``schemas/`` (placeholders such as ``{measure_answers}``), and the macros
every share is computed with (``share_pct``, ``wilson_low_pct``, ``wilson_high_pct``).

Wilson score interval, 95 %: for ``k`` cities out of ``n`` (p = k / n, z = 1.959964, the 97.5th
percentile of the standard normal distribution)

    centre    = (p + z² / 2n) / (1 + z² / n)
    half      = z / (1 + z² / n) * sqrt(p (1 - p) / n + z² / 4n²)
    low, high = centre ∓ half   (× 100, rounded to 2 decimals; NULL when n = 0)

Unlike the normal approximation p ± z·sqrt(p(1-p)/n) it stays within 0-100 % and is not zero-width
at 0 or n cities, which is what small waves (3 of 5 cities) need.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from schemas.measures import measures
from schemas.vocabulary import item_dimensions

Z = 1.959963984540054
"""Two-sided 95 %: the standard normal's 97.5th percentile."""


BUILD_MEMORY_LIMIT = "512MB"
"""DuckDB's memory in every connection of a build; beyond it, sorts, joins and loads spill to disk, so a
100,000-document build stays under 1 GiB (Python and the libraries take about 0.3 GiB of it)."""


def connect(database: str | Path = ":memory:", read_only: bool = False, **config: object) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection for the build, limited to BUILD_MEMORY_LIMIT (DuckDB's default is 80 % of RAM)."""
    return duckdb.connect(str(database), read_only=read_only, config={"memory_limit": BUILD_MEMORY_LIMIT, **config})


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _wilson_bound(sign: str) -> str:
    z2 = Z * Z
    p = "(k::DOUBLE / n)"
    centre = f"({p} + {z2!r} / (2 * n))"
    half = f"{Z!r} * sqrt({p} * (1 - {p}) / n + {z2!r} / (4 * n * n))"
    bound = f"100.0 * ({centre} {sign} {half}) / (1 + {z2!r} / n)"
    clamp = f"greatest(0.0, {bound})" if sign == "-" else f"least(100.0, {bound})"
    return f"CASE WHEN n > 0 THEN round({clamp}, 2) END"


MACROS = {
    "share_pct": "round(100.0 * k / nullif(n, 0), 2)",
    "wilson_low_pct": _wilson_bound("-"),
    "wilson_high_pct": _wilson_bound("+"),
}
"""name -> body of a macro of (k, n): k cities of n, as a percentage or a bound of its 95 % interval."""


def create_macros(connection: duckdb.DuckDBPyConnection, temporary: bool = False) -> None:
    """Define the share macros (temporary ones for a scratch connection, stored ones in the warehouse)."""
    kind = "TEMPORARY MACRO" if temporary else "MACRO"
    for name, body in MACROS.items():
        connection.execute(f"CREATE OR REPLACE {kind} {name}(k, n) AS {body}")


def item_dimensions_sql() -> str:
    """The list -> vocabulary mapping as an inline relation, so no extra table is needed."""
    rows = ", ".join(f"({quote(item)}, {quote(vocab)})" for item, vocab in sorted(item_dimensions().items()))
    return f"(VALUES {rows}) AS item_dimensions(dimension, vocabulary)"


def measure_answers_sql() -> str:
    """One row per snapshot and headline measure (``schemas/measures.yaml``): whether the city answered,
    whether it has it, and its answer ('yes'/'no' or the choice's code)."""
    selects = []
    for order, item in enumerate(measures(), start=1):
        column = f'"{item.column}"'
        if item.kind == "yes_no":
            code = quote(item.code)
            selects.append(
                f"SELECT survey_wave, snapshot_id, {order} AS sort_order, {code} AS topic, 'headline' AS dimension, "
                f"{code} AS code, {code} AS measure, {quote(item.label)} AS label, "
                f"{quote(item.label)} AS measure_label, {column} IS NOT NULL AS answered, "
                f"coalesce({column}, false) AS has_it, "
                f"CASE WHEN {column} THEN 'yes' WHEN NOT {column} THEN 'no' END AS answer FROM snapshots"
            )
            continue
        for option, label in item.options():
            selects.append(
                f"SELECT survey_wave, snapshot_id, {order}, {quote(item.code)}, {quote(item.code)}, {quote(option)}, "
                f"{quote(f'{item.code}_{option}')}, {quote(label)}, {quote(f'{item.label}: {label}')}, "
                f"{column} IS NOT NULL, coalesce({column} = {quote(option)}, false), {column} FROM snapshots"
            )
    return "(" + "\n    UNION ALL ".join(selects) + ") AS measure_answers"


PLACEHOLDERS = {"{item_dimensions}": item_dimensions_sql, "{measure_answers}": measure_answers_sql}


def render(sql: str) -> str:
    """Fill the placeholders of a SQL file with the relations generated from ``schemas/``."""
    for placeholder, generate in PLACEHOLDERS.items():
        if placeholder in sql:
            sql = sql.replace(placeholder, generate())
    return sql


@dataclass(frozen=True)
class SqlFolder:
    """A folder of ``<prefix>*.sql`` files, one relation each; a file's leading ``--`` lines describe it."""

    folder: Path
    prefix: str

    def sources(self) -> dict[str, str]:
        return {path.stem: path.read_text(encoding="utf-8") for path in sorted(self.folder.glob(f"{self.prefix}*.sql"))}

    def queries(self) -> dict[str, str]:
        """name -> the query, placeholders filled."""
        return {name: render(sql) for name, sql in self.sources().items()}

    def descriptions(self) -> dict[str, str]:
        """name -> the leading ``--`` comment, as one sentence."""
        descriptions = {}
        for name, sql in self.sources().items():
            lines = []
            for line in sql.splitlines():
                if not line.startswith("--"):
                    break
                lines.append(line[2:].strip())
            descriptions[name] = " ".join(lines)
        return descriptions
