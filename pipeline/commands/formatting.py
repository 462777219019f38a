"""Rendering query results for people and for tools, from plain rows (no pandas: ``citysnap sql`` stays
as quick to start as DuckDB itself).

NULL prints as ``NULL`` in every text format (table, vertical, markdown, csv) and as ``null`` in JSON.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

MAX_CELL_WIDTH = 60
FORMATS = ["table", "vertical", "csv", "json", "markdown"]
NULL = "NULL"


def shorten(value: object) -> object:
    if isinstance(value, str) and len(value) > MAX_CELL_WIDTH:
        return value[: MAX_CELL_WIDTH - 1] + "…"
    return value


def format_rows(columns: Sequence[str], rows: Sequence[Sequence[object]], fmt: str) -> str:
    """``rows`` (tuples from DuckDB) under ``columns`` in one of :data:`FORMATS`."""
    if fmt == "json":
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        return json.dumps(records, ensure_ascii=False, indent=2, default=str)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([NULL if value is None else value for value in row] for row in rows)
        return buffer.getvalue().rstrip("\n")
    if fmt == "vertical":
        blocks = []
        width = max((len(c) for c in columns), default=0)
        for number, row in enumerate(rows, start=1):
            blocks.append(f"-[ row {number} ]" + "-" * 20)
            blocks.extend(
                f"{column:<{width}} | {NULL if value is None else value}"
                for column, value in zip(columns, row, strict=True)
            )
        return "\n".join(blocks)
    from tabulate import tabulate

    if fmt == "markdown":
        return tabulate([list(row) for row in rows], headers=list(columns), tablefmt="github", missingval=NULL)
    shown = [[shorten(value) for value in row] for row in rows]
    return tabulate(shown, headers=list(columns), tablefmt="psql", missingval=NULL)
