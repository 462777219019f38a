"""Run by a DuckDB 1.x interpreter (tests/test_duckdb1_client.py): open the published file as a BI tool
with an older driver would, and print what it sees as JSON. Imports only duckdb, duckdb-engine and
SQLAlchemy 1.4, the stack of Superset's ``[duckdb]`` extra."""

import json
import sys

import duckdb
import sqlalchemy as sa

path = sys.argv[1]
seen: dict = {"duckdb": duckdb.__version__, "sqlalchemy": sa.__version__, "relations": {}}
with duckdb.connect(path, read_only=True) as connection:
    relations = connection.execute(
        "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal"
    ).fetchall()
    for (name,) in relations:
        rows = connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        types = connection.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [name]
        ).fetchall()
        seen["relations"][name] = {"rows": rows, "columns": [list(column) for column in types]}
    seen["catalog"] = connection.execute("SELECT current_database()").fetchone()[0]

engine = sa.create_engine(f"duckdb:///{path}?access_mode=read_only")
inspector = sa.inspect(engine)
seen["sqlalchemy_views"] = sorted(inspector.get_view_names())
seen["sqlalchemy_comments"] = {column["name"]: column["comment"] for column in inspector.get_columns("v_city_profile")}
with engine.connect() as connection:
    seen["sqlalchemy_rows"] = [
        list(row)
        for row in connection.execute(
            sa.text("SELECT measure, cities_with, ci_low_pct FROM v_headline_shares ORDER BY survey_wave, measure")
        )
    ]
engine.dispose()
print(json.dumps(seen, default=str))
