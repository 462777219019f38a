"""Parse stage: snapshot text in, typed record out (plain Python, no Dagster)."""
