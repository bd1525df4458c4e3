"""Pandera (polars) models of extract contract v1 — the executable form of docs/extract-contract.md.

One module per file kind: :mod:`schemas.registry`, :mod:`schemas.participants`,
:mod:`schemas.followup`, :mod:`schemas.target_population`; code lists and column orders come
from :mod:`schemas.codes`.

Each module has a ``DataFrameModel`` with the rules that hold for every file (types, code
lists, ranges, keys, cross-column rules) and a ``schema_for(...)`` function that adds the
rules depending on WHO sent the file for WHICH month (the uploading provider, the reporting
month, the project's run from the registry). Why a function and not more model fields: the
models are static classes, the context changes per file, and closures keep every rule a
single vectorised polars expression.

Every check carries a ``name`` that is the stable rule id shown to uploaders (e.g.
``exit_before_entry``); pandera's built-in checks keep their own names (``isin``,
``in_range``, ``str_matches``, ...) and are translated to rule ids by the intake
(``esf_monitor.intake.validate``). Checks only see typed data: reading and parsing the
file's text is the intake's job; the column dtypes declared here tell it how to parse.
"""

from __future__ import annotations

from datetime import date

import polars as pl

#: Pseudonym of a participant (contract: never a name, a birth date or a BA customer number).
PARTICIPANT_ID_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
#: A project id of the registry.
PROJECT_ID_PATTERN = r"^[A-Z0-9-]{3,32}$"


def month_end(month: str) -> date:
    """Last day of a ``YYYY-MM`` month."""
    year, mon = (int(x) for x in month.split("-"))
    first_next = date(year + mon // 12, mon % 12 + 1, 1)
    return date.fromordinal(first_next.toordinal() - 1)


def dates_not_after(column: str, last_day: date) -> pl.Expr:
    """``column <= last_day`` (null stays null, i.e. passes: emptiness is checked elsewhere)."""
    return pl.col(column) <= pl.lit(last_day)


def not_duplicated(frame: pl.LazyFrame, key: list[str]) -> pl.LazyFrame:
    """One boolean per row: False where another row has the same ``key`` values.

    Hashes first (one 64-bit number per row), then compares the actual values only among
    rows whose hash repeats — so a hash collision can never report a false duplicate, and
    the full-width comparison runs on few rows. Several times faster than pandera's
    multi-column ``unique`` on a million rows. Rows with an empty key part are left to the
    required-field check (two empty ids are not "the same person").
    """
    rows = frame.select(key).with_row_index("_row")
    hashed = pl.struct(key).hash() if len(key) > 1 else pl.col(key[0]).hash()
    repeated = (
        rows.filter(pl.all_horizontal(pl.col(key).is_not_null()))
        .filter(hashed.is_duplicated())
        .filter(pl.struct(key).is_duplicated())
        .select("_row", pl.lit(False).alias("unique"))
    )
    return rows.join(repeated, on="_row", how="left", maintain_order="left").select(
        pl.col("unique").fill_null(True)
    )
