"""Rendering query results for people and for tools."""

import json

import pandas as pd
from tabulate import tabulate

MAX_CELL_WIDTH = 60
FORMATS = ["table", "vertical", "csv", "json", "markdown"]


def shorten(value: object) -> object:
    if isinstance(value, str) and len(value) > MAX_CELL_WIDTH:
        return value[: MAX_CELL_WIDTH - 1] + "…"
    return value


def format_frame(frame: pd.DataFrame, fmt: str) -> str:
    frame = frame.astype(object).where(frame.notna(), None)
    if fmt == "csv":
        return frame.to_csv(index=False).rstrip("\n")
    if fmt == "json":
        return json.dumps(frame.to_dict("records"), ensure_ascii=False, indent=2, default=str)
    if fmt == "markdown":
        return tabulate(frame.values.tolist(), headers=list(frame.columns), tablefmt="github")
    if fmt == "vertical":
        blocks = []
        width = max((len(c) for c in frame.columns), default=0)
        for number, row in enumerate(frame.to_dict("records"), start=1):
            blocks.append(f"-[ row {number} ]" + "-" * 20)
            blocks.extend(f"{column:<{width}} | {'' if value is None else value}" for column, value in row.items())
        return "\n".join(blocks)
    rows = [[shorten(value) for value in row] for row in frame.values.tolist()]
    return tabulate(rows, headers=list(frame.columns), tablefmt="psql", missingval="NULL")
