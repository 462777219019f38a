"""Guards that keep a build from destroying good data: a wrong ``--raw`` folder, an emptied folder or
a build in which every document was rejected must never replace a warehouse holding loaded documents.

Plain Python (no Dagster): the CLI calls :func:`missing_raw_folder` before starting a run, and the
``duckdb_warehouse`` asset calls :func:`publish_refusal` right before publishing, so runs started from
the Dagster UI, the schedule or the sensor are protected too.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.paths import PARQUET_DIR

ALLOW_EMPTY_HINT = (
    "check the raw folder (CITYSNAP_RAW_DIR or --raw) and the rejected documents; to publish anyway, "
    "run `citysnap build --allow-empty` (or set allow_empty on the `settings` resource in the Dagster UI)"
)


class PublishRefused(RuntimeError):
    """The build would replace loaded documents with none: nothing was published."""


def missing_raw_folder(raw_dir: Path) -> str | None:
    """Why ``raw_dir`` cannot be a folder of documents, or None when it is one."""
    if not raw_dir.exists():
        return f"raw folder {raw_dir.resolve()} does not exist (looked for {raw_dir}); check --raw or CITYSNAP_RAW_DIR"
    if not raw_dir.is_dir():
        return f"raw folder {raw_dir.resolve()} is not a folder; give the folder that holds <year>/ subfolders"
    return None


def loaded_documents(documents_parquet: Path) -> int:
    """Documents with status 'loaded' in a ``documents`` Parquet file (0 when there is none)."""
    if not documents_parquet.exists():
        return 0
    import pyarrow.compute as pc  # here: the build command imports this module before it knows it builds
    import pyarrow.parquet as pq

    status = pq.read_table(documents_parquet, columns=["status"]).column("status")
    return int(pc.sum(pc.equal(status, "loaded")).as_py() or 0)


def published_loaded_documents(warehouse_dir: Path) -> int:
    """Loaded documents of the published warehouse, read from its Parquet twin (0 if none or unreadable:
    the guard then lets the build publish, as there is nothing to protect that can be read)."""
    try:
        return loaded_documents(warehouse_dir / PARQUET_DIR / "documents.parquet")
    except (OSError, ValueError, KeyError):
        return 0


def publish_refusal(staged_documents: Path, warehouse_dir: Path, allow_empty: bool) -> str | None:
    """Why the staged build must not be published, or None when it may be.

    Refused: a build that loads no document while the published warehouse holds some (the raw folder
    is empty or wrong, or every document was rejected), unless ``allow_empty``."""
    if allow_empty:
        return None
    published = published_loaded_documents(warehouse_dir)
    staged = loaded_documents(staged_documents)
    if staged == 0 and published > 0:
        return (
            f"refused to publish: this build loaded 0 documents, the published warehouse {warehouse_dir} holds "
            f"{published}; the previous warehouse is unchanged. Next: {ALLOW_EMPTY_HINT}"
        )
    return None
