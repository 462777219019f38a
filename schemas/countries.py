"""ISO 3166-1 country codes from ``schemas/countries.csv`` (names and the aliases cities write)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from schemas.vocabulary import label_key

COUNTRIES_PATH = Path(__file__).parent / "countries.csv"


@cache
def country_index() -> dict[str, str]:
    """Label key of every name and alias -> alpha-2 code."""
    index: dict[str, str] = {}
    with COUNTRIES_PATH.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            names = [row["name"], row["code"], row["alpha3"], *row["aliases"].split("|")]
            for name in filter(None, (n.strip() for n in names)):
                index.setdefault(label_key(name), row["code"])
    return index


def country_code(name: str) -> str | None:
    """'Sweden' -> 'SE'; 'The Netherlands' -> 'NL'; 'Korea' -> 'KR'; unknown -> None."""
    return country_index().get(label_key(name))


@cache
def country_codes() -> frozenset[str]:
    return frozenset(country_index().values())
