"""Cross-city aggregate tables, computed by DuckDB over the published Parquet tables.

Each ``sql/<name>.sql`` file is one aggregate table; its leading comment is its description. Every
share comes with its 95 % Wilson interval (``pipeline.sqlfiles``). The result is cast to the table's
pandera model, so a column keeps its type when the aggregate is empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from pipeline.sqlfiles import SqlFolder, connect, create_macros, quote
from schemas.derived import AGGREGATE_MODELS, typed_frame

SQL = SqlFolder(Path(__file__).parent / "sql", "agg_")


def aggregate_queries() -> dict[str, str]:
    return SQL.queries()


def aggregate_descriptions() -> dict[str, str]:
    return SQL.descriptions()


def compute_aggregates(parquet_files: dict[str, Path]) -> Iterator[tuple[str, pd.DataFrame]]:
    """Each aggregate table (small: a row per wave, country, size band or code), typed by its model,
    from views over the Parquet files of the base tables; one connection for all of them."""
    connection = connect()
    try:
        for table, path in parquet_files.items():
            connection.execute(f'CREATE VIEW "{table}" AS SELECT * FROM read_parquet({quote(str(path))})')
        create_macros(connection, temporary=True)
        for name, sql in aggregate_queries().items():
            yield name, typed_frame(connection.execute(sql).df(), AGGREGATE_MODELS[name])
    finally:
        connection.close()
