"""The DuckDB warehouse's ``raw`` schema, and the only code that writes it.

Accepted data is never half-written: one file's rows replace its partition
``(_provider_id, _reporting_month)`` inside ONE transaction (delete + insert + commit), so a
crash leaves either the old or the new version, never a mix. Polars frames reach DuckDB through
Arrow (zero-copy), never row by row.

DuckDB allows one writing process; every asset that calls :func:`connect` for writing sits in
the Dagster pool ``warehouse`` (limit 1). :func:`connect` still waits briefly for a lock held
elsewhere (e.g. an analyst's read-only session) instead of failing at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from schemas.codes import (
    CHECKLIST_ITEM_COLUMNS,
    COLUMNS,
    MUNICIPALITY_COLUMNS,
    REGISTRY_COLUMNS,
)

_INT = {"birth_year", "isced", "children_under_18", "count", "planned_participants"}
_DATE = {"entry_date", "exit_date", "start_date", "end_date", "joined_on"}
_BOOL = {"single_parent", "qualification_gained", "asks_responsibility"}

#: WAL size after which a writing connection checkpoints (see :func:`connect`).
CHECKPOINT_THRESHOLD = "256MB"

META_COLUMNS = {
    "_provider_id": "VARCHAR",
    "_reporting_month": "VARCHAR",
    "_file_sha256": "VARCHAR",
    "_source_row": "INTEGER",
    "_loaded_at": "TIMESTAMP",
}

DELIVERY_COLUMNS = {
    "provider_id": "VARCHAR",
    "extract_type": "VARCHAR",
    "reporting_month": "VARCHAR",
    "sha256": "VARCHAR",
    "file_name": "VARCHAR",
    "arrived_at": "TIMESTAMP",
    "processed_at": "TIMESTAMP",
    "status": "VARCHAR",
    "row_count": "INTEGER",
    "error_count": "INTEGER",
    "warning_count": "INTEGER",
    "incomplete_count": "INTEGER",
    "archive_path": "VARCHAR",
    "quarantine_path": "VARCHAR",
    "summary_de": "VARCHAR",
    "summary_en": "VARCHAR",
}


def _sql_type(column: str) -> str:
    if column in _INT:
        return "INTEGER"
    if column in _DATE:
        return "DATE"
    if column in _BOOL:
        return "BOOLEAN"
    return "VARCHAR"


def _ddl(table: str, columns: dict[str, str]) -> str:
    cols = ",\n  ".join(f'"{c}" {t}' for c, t in columns.items())
    return f"CREATE TABLE IF NOT EXISTS raw.{table} (\n  {cols}\n)"


def raw_table_columns(extract_type: str) -> dict[str, str]:
    return {c: _sql_type(c) for c in COLUMNS[extract_type]} | META_COLUMNS


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for extract_type in COLUMNS:
        con.execute(_ddl(extract_type, raw_table_columns(extract_type)))
    con.execute(
        _ddl(
            "projects",
            {c: _sql_type(c) for c in REGISTRY_COLUMNS}
            | {"_file_sha256": "VARCHAR", "_loaded_at": "TIMESTAMP"},
        )
    )
    con.execute(_ddl("deliveries", DELIVERY_COLUMNS))
    # process monitoring (docs/process-monitoring.md): the municipality registry and the
    # checklist catalogue (item_order = row of the catalogue file: the checklist's order)
    registry_meta = {"_file_sha256": "VARCHAR", "_loaded_at": "TIMESTAMP"}
    con.execute(_ddl("municipalities", {c: _sql_type(c) for c in MUNICIPALITY_COLUMNS} | registry_meta))
    con.execute(
        _ddl(
            "checklist_items",
            {c: _sql_type(c) for c in CHECKLIST_ITEM_COLUMNS} | {"item_order": "INTEGER"} | registry_meta,
        )
    )


@contextmanager
def connect(
    path: Path, read_only: bool = False, wait_seconds: float = 120.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse, waiting up to ``wait_seconds`` for another process's lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    delay = 0.1
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:  # "Could not set lock on file"
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    try:
        if not read_only:
            # DuckDB checkpoints (compresses and rewrites into the database file) whenever its
            # WAL passes 16 MB: with one commit per upload slot that is a checkpoint after
            # nearly every file of a history load — 40 % of the load time measured over 16M
            # rows. 256 MB checkpoints every ~15 files and at close; the rows not yet
            # checkpointed stay in memory meanwhile, which bounds the threshold.
            con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
            ensure_schema(con)
        yield con
    finally:
        con.close()


def _now() -> datetime:
    return datetime.now(tz=UTC).replace(tzinfo=None)


def replace_partition(
    con: duckdb.DuckDBPyConnection,
    extract_type: str,
    data: pl.DataFrame,
    provider_id: str,
    month: str,
    sha256: str,
) -> int:
    """Atomically make ``data`` the only rows of (provider, month) in ``raw.<extract_type>``."""
    columns = list(raw_table_columns(extract_type))
    incoming = data.with_columns(
        pl.lit(provider_id).alias("_provider_id"),
        pl.lit(month).alias("_reporting_month"),
        pl.lit(sha256).alias("_file_sha256"),
        pl.lit(_now()).alias("_loaded_at"),
    ).select(columns)
    arrow = incoming.to_arrow()  # noqa: F841 — read by DuckDB's replacement scan below
    col_list = ", ".join(f'"{c}"' for c in columns)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            f"DELETE FROM raw.{extract_type} WHERE _provider_id = ? AND _reporting_month = ?",
            [provider_id, month],
        )
        con.execute(f"INSERT INTO raw.{extract_type} ({col_list}) SELECT {col_list} FROM arrow")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return incoming.height


def replace_registry(con: duckdb.DuckDBPyConnection, registry: pl.DataFrame, sha256: str) -> None:
    arrow = (  # noqa: F841 (read by DuckDB's replacement scan)
        registry.select(REGISTRY_COLUMNS)
        .with_columns(pl.lit(sha256).alias("_file_sha256"), pl.lit(_now()).alias("_loaded_at"))
        .to_arrow()
    )
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM raw.projects")
        con.execute("INSERT INTO raw.projects SELECT * FROM arrow")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def replace_process_registries(
    con: duckdb.DuckDBPyConnection, municipalities: pl.DataFrame, checklist_items: pl.DataFrame, sha256: str
) -> None:
    """Make the municipality registry and the checklist catalogue the only rows of
    raw.municipalities / raw.checklist_items (one transaction; empty frames empty them)."""
    stamp = [pl.lit(sha256).alias("_file_sha256"), pl.lit(_now()).alias("_loaded_at")]
    towns = municipalities.select(MUNICIPALITY_COLUMNS).with_columns(*stamp).to_arrow()  # noqa: F841
    items = (  # noqa: F841 (read by DuckDB's replacement scan)
        checklist_items.select(CHECKLIST_ITEM_COLUMNS)
        .with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int32).alias("item_order"), *stamp)
        .to_arrow()
    )
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM raw.municipalities")
        con.execute("INSERT INTO raw.municipalities SELECT * FROM towns")
        con.execute("DELETE FROM raw.checklist_items")
        con.execute("INSERT INTO raw.checklist_items SELECT * FROM items")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def replace_deliveries(con: duckdb.DuckDBPyConnection, records: list[dict]) -> None:
    frame = pl.DataFrame(records, schema={c: pl.Utf8 for c in DELIVERY_COLUMNS} if not records else None)
    arrow = frame.to_arrow()  # noqa: F841
    casts = ", ".join(
        f'TRY_CAST("{c}" AS {t}) AS "{c}"' if t == "TIMESTAMP" else f'CAST("{c}" AS {t}) AS "{c}"'
        for c, t in DELIVERY_COLUMNS.items()
    )
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM raw.deliveries")
        if records:
            con.execute(f"INSERT INTO raw.deliveries SELECT {casts} FROM arrow")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
