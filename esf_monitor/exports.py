"""Write the indicator exports from the dbt marts (docs/indicators.md, "Export …" sections).

Exact figures (the data team, the SFC2021 transmission; the public release is
esf_monitor.disclosure.release, exports/public/), fixed column order, deterministic row order and number formatting, so that
re-running an export for a cut-off gives byte-identical files unless the data changed.
Each file is written to a temp name and renamed: a reader never sees half a file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from esf_monitor import warehouse
from esf_monitor.paths import DataDir
from esf_monitor.safe_cells import write_safe_csv

#: marts exported per cut-off (spec) — file name = mart name, columns as the spec lists them
CUTOFF_EXPORTS = {
    "common_indicators": ["cutoff", "project_id", "indicator", "gender", "value"],
    "sfc_table": ["cutoff", "specific_objective", "category_of_region", "indicator", "gender", "value"],
    "indicators": ["cutoff", "project_id", "indicator", "gender", "numerator", "denominator", "value"],
}
#: further marts exported for every month (dashboards; data team)
ALL_MONTHS_EXTRA = ["delivery_status", "participant_breakdowns"]
MARTS = list(CUTOFF_EXPORTS) + ALL_MONTHS_EXTRA

GENDER_ORDER = {"f": 0, "m": 1, "d": 2, "total": 3}


@dataclass
class ExportSummary:
    cutoffs: list[str]
    latest: str | None
    files: list[Path]


def export_cutoffs(all_cutoffs: list[str]) -> list[str]:
    """Every June and December cut-off covered by the data, plus the latest month."""
    if not all_cutoffs:
        return []
    months = sorted(set(all_cutoffs))
    chosen = {m for m in months if m[5:] in ("06", "12")} | {months[-1]}
    return sorted(chosen)


#: Significant digits of a fractional export figure. DuckDB sums in parallel, so the last bits
#: of a float can differ between two builds of the same data (issue #13: reach_rate_12m);
#: 12 digits lie far above that noise and far below any figure's meaning.
SIGNIFICANT_DIGITS = 12


def _number_text(column: str) -> pl.Expr:
    """Whole numbers without a decimal point ("12"), others rounded to
    :data:`SIGNIFICANT_DIGITS` significant digits and written as the shortest decimal of that
    ("0.333333333333", "102.5"); null stays an empty cell. One rule for every number, so
    a reach denominator (a mean population) keeps its fraction and counts stay integers, and
    identical data give byte-identical files."""
    x = pl.col(column).cast(pl.Float64).round_sig_figs(SIGNIFICANT_DIGITS)
    return (
        pl.when(x.is_null())
        .then(None)
        .when(x == x.floor())
        .then(x.cast(pl.Int64).cast(pl.Utf8))
        .otherwise(x.cast(pl.Utf8))
        .alias(column)
    )


def number_text(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The exports' one number rule (:func:`_number_text`) applied to ``columns`` — for the
    other export writers (esf_monitor.process_exports)."""
    return frame.with_columns(_number_text(c) for c in columns)


def _fixed_floats(frame: pl.DataFrame) -> pl.DataFrame:
    """Every float column rounded to :data:`SIGNIFICANT_DIGITS` (see there)."""
    floats = [n for n, t in frame.schema.items() if t in (pl.Float32, pl.Float64)]
    return frame.with_columns(pl.col(n).round_sig_figs(SIGNIFICANT_DIGITS) for n in floats)


def _format(frame: pl.DataFrame, mart: str) -> pl.DataFrame:
    numeric = [c for c in ("numerator", "denominator", "value") if c in frame.columns]
    frame = frame.with_columns(_number_text(c) for c in numeric)
    sort_cols = [
        c
        for c in CUTOFF_EXPORTS.get(mart, frame.columns)
        if c not in ("gender", "value", "numerator", "denominator")
    ]
    if "gender" in frame.columns:
        frame = frame.with_columns(
            pl.col("gender").replace_strict(GENDER_ORDER, default=9, return_dtype=pl.Int8).alias("_g")
        )
        return frame.sort(sort_cols + ["_g"]).drop("_g")
    return frame.sort(sort_cols)


def write_csv(frame: pl.DataFrame, path: Path) -> Path:
    """Write one export file atomically (temp name + rename), formula-safe: the one CSV writer
    of every export (exact, public release, process monitoring)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    write_safe_csv(frame, tmp)  # no text cell may open as a formula in Excel
    os.replace(tmp, path)
    return path


def write_exports(dd: DataDir) -> ExportSummary:
    with warehouse.connect(dd.warehouse, read_only=True) as con:
        marts = read_marts(con, MARTS)
    files: list[Path] = []
    for mart in MARTS:
        frame = marts[mart]
        if mart in CUTOFF_EXPORTS:
            frame = _format(frame.select(CUTOFF_EXPORTS[mart]), mart)
        else:  # a dbt rebuild may return rows in any order: sort, so equal data = equal bytes
            # the cell keys are for the public release only (esf_monitor.disclosure), not exported
            frame = frame.select([c for c in frame.columns if not c.endswith("ckey")])
            frame = _fixed_floats(frame).sort(frame.columns, nulls_last=True)
        files.append(write_csv(frame, dd.exports / "all_months" / f"{mart}.csv"))

    months = sorted(marts["indicators"]["cutoff"].unique().to_list())
    chosen = export_cutoffs(months)
    for cutoff in chosen:
        for mart, columns in CUTOFF_EXPORTS.items():
            frame = _format(marts[mart].filter(pl.col("cutoff") == cutoff).select(columns), mart)
            files.append(write_csv(frame, dd.exports / cutoff / f"{mart}.csv"))
    latest = months[-1] if months else None
    cutoffs = pl.DataFrame(
        {
            "cutoff": chosen,
            "is_sfc_cutoff": [c[5:] in ("06", "12") for c in chosen],
            "is_latest": [c == latest for c in chosen],
        },
        schema={"cutoff": pl.Utf8, "is_sfc_cutoff": pl.Boolean, "is_latest": pl.Boolean},
    )
    files.append(write_csv(cutoffs, dd.exports / "cutoffs.csv"))
    return ExportSummary(chosen, latest, files)


def read_marts(con, names) -> dict[str, pl.DataFrame]:
    """Each named dbt mart, whole, as a polars frame (the exports, the release and its audit)."""
    return {m: con.sql(f"select * from {relation(con, m)}").pl() for m in names}


def relation(con, name: str) -> str:
    """Schema-qualified name of a dbt mart, wherever the dbt project's schema config put it."""
    rows = con.execute(
        "select table_schema from information_schema.tables where table_name = ? "
        "and table_schema <> 'raw' order by table_schema like '%marts%' desc limit 1",
        [name],
    ).fetchall()  # fetchall: DuckDB 2 keeps a half-fetched result open and refuses the next query
    row = rows[0] if rows else None
    if row is None:
        raise LookupError(f"dbt mart {name!r} not found in the warehouse — did `dbt build` run?")
    return f'"{row[0]}"."{name}"'
