"""The public release as CSV: ``exports/public/<C>/`` and ``exports/public/all_months/``.

Written from the dbt marts (true counts AND their cell keys), never from the exact exports,
by the cell key method (docs/indicators.md "Publication", v2):
- every count is perturbed as its own cell (``ptable.perturb_expr``), totals included;
- rates = whole percent of perturbed numerator / perturbed denominator, only where the
  perturbed denominator ≥ 10 (else empty); the registry plan (target_achievement) and the mean
  target population (reach) are not counts of participants and are published as they are
  (the population rounded to a whole number);
- durations in whole days, only where the perturbed leavers ≥ 10;
- delivery status without row counts (a file's row count counts persons' spells).
The same cell (the same persons) gets the same key and so the same value wherever it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from esf_monitor.disclosure.ptable import MIN_DENOMINATOR, perturb_expr

COUNT_INDICATORS = ("participants_cumulative", "participants_active", "entries_month", "leavers_month")
DURATIONS = ("duration_median_days", "duration_mean_days")
#: published columns (public/<C>/indicators.csv: value = count, whole percent or whole days)
INDICATOR_COLUMNS = [
    "cutoff",
    "project_id",
    "indicator",
    "gender",
    "unit",
    "numerator",
    "denominator",
    "value",
]
COMMON_COLUMNS = ["cutoff", "project_id", "indicator", "gender", "value"]
SFC_COLUMNS = ["cutoff", "specific_objective", "category_of_region", "indicator", "gender", "value"]
BREAKDOWN_COLUMNS = [
    "cutoff",
    "project_id",
    "dimension",
    "category",
    "gender",
    "participants",
    "leavers",
    "integrated_leavers",
    "integration_rate_percent",
]
DELIVERY_COLUMNS = [
    "provider_id",
    "provider_kind",
    "extract_type",
    "reporting_month",
    "status",
    "versions",
    "first_arrived_at",
    "last_arrived_at",
    "is_late",
]


@dataclass
class PublicRelease:
    indicators: pl.DataFrame
    common_indicators: pl.DataFrame
    sfc_table: pl.DataFrame
    participant_breakdowns: pl.DataFrame
    delivery_status: pl.DataFrame

    def frames(self) -> dict[str, pl.DataFrame]:
        return {
            "indicators": self.indicators,
            "common_indicators": self.common_indicators,
            "sfc_table": self.sfc_table,
            "participant_breakdowns": self.participant_breakdowns,
            "delivery_status": self.delivery_status,
        }


def _half_up(expr: pl.Expr) -> pl.Expr:
    return (expr + 0.5).floor().cast(pl.Int64)


def _percent(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """Whole percent, half up, only where the (perturbed) denominator ≥ MIN_DENOMINATOR."""
    return pl.when(denominator >= MIN_DENOMINATOR).then(
        ((200 * numerator + denominator) / (2 * denominator)).floor().cast(pl.Int64)
    )


def perturb_indicators(indicators: pl.DataFrame) -> pl.DataFrame:
    frame = indicators.with_columns(
        pl.col("numerator").cast(pl.Int64, strict=False).alias("_n"),
        pl.col("denominator").alias("_d"),
    )
    frame = frame.with_columns(
        pl.when(pl.col("numerator_ckey").is_not_null())
        .then(perturb_expr("_n", "numerator_ckey"))
        .alias("p_num"),
        pl.when(pl.col("denominator_ckey").is_not_null())
        .then(perturb_expr("_d", "denominator_ckey").cast(pl.Float64))
        .otherwise(pl.col("_d").round(0))
        .alias("p_den"),
    )
    is_count = pl.col("indicator").is_in(COUNT_INDICATORS)
    is_duration = pl.col("indicator").is_in(DURATIONS)
    return frame.select(
        "cutoff",
        "project_id",
        "indicator",
        "gender",
        pl.when(is_count)
        .then(pl.lit("count"))
        .when(is_duration)
        .then(pl.lit("days"))
        .otherwise(pl.lit("percent"))
        .alias("unit"),
        pl.col("p_num").alias("numerator"),
        pl.when(is_count).then(None).otherwise(pl.col("p_den")).cast(pl.Int64).alias("denominator"),
        pl.when(is_count)
        .then(pl.col("p_num"))
        .when(is_duration)
        .then(pl.when(pl.col("p_den") >= MIN_DENOMINATOR).then(_half_up(pl.col("value"))))
        .otherwise(_percent(pl.col("p_num"), pl.col("p_den")))
        .alias("value"),
    )


def perturb_counts(frame: pl.DataFrame, pairs: dict[str, str]) -> pl.DataFrame:
    """Each ``count column → cell key column`` replaced by its perturbed value; keys dropped."""
    return frame.with_columns(perturb_expr(c, k).alias(c) for c, k in pairs.items()).drop(
        list(pairs.values())
    )


def build_release(marts: dict[str, pl.DataFrame]) -> PublicRelease:
    breakdowns = perturb_counts(
        marts["participant_breakdowns"],
        {
            "participants": "participants_ckey",
            "leavers": "leavers_ckey",
            "integrated_leavers": "integrated_leavers_ckey",
        },
    )
    breakdowns = breakdowns.with_columns(
        _percent(pl.col("integrated_leavers"), pl.col("leavers")).alias("integration_rate_percent")
    )
    delivery = marts["delivery_status"]
    return PublicRelease(
        indicators=perturb_indicators(marts["indicators"]).select(INDICATOR_COLUMNS),
        common_indicators=perturb_counts(marts["common_indicators"], {"value": "ckey"}).select(
            COMMON_COLUMNS
        ),
        sfc_table=perturb_counts(marts["sfc_table"], {"value": "ckey"}).select(SFC_COLUMNS),
        participant_breakdowns=breakdowns.select(BREAKDOWN_COLUMNS),
        delivery_status=delivery.select([c for c in DELIVERY_COLUMNS if c in delivery.columns]),
    )


GENDER_ORDER = {"f": 0, "m": 1, "d": 2, "total": 3}


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    keys = [c for c in frame.columns if frame.schema[c] == pl.Utf8 and c != "gender"]
    if "gender" in frame.columns:
        return (
            frame.with_columns(
                pl.col("gender").replace_strict(GENDER_ORDER, default=9, return_dtype=pl.Int8).alias("_g")
            )
            .sort(keys + ["_g"], nulls_last=True)
            .drop("_g")
        )
    return frame.sort(keys, nulls_last=True)


def write_release(release: PublicRelease, folder: Path, cutoffs: list[str], latest: str | None) -> list[Path]:
    """all_months/*.csv, <C>/{indicators,common_indicators,sfc_table}.csv, cutoffs.csv."""
    from esf_monitor.exports import write_csv  # one atomic CSV writer for every export

    written = []
    for name, frame in release.frames().items():
        written.append(write_csv(_sorted(frame), folder / "all_months" / f"{name}.csv"))
    for cutoff in cutoffs:
        for name in ("indicators", "common_indicators", "sfc_table"):
            frame = release.frames()[name].filter(pl.col("cutoff") == cutoff)
            written.append(write_csv(_sorted(frame), folder / cutoff / f"{name}.csv"))
    written.append(
        write_csv(
            pl.DataFrame(
                {
                    "cutoff": cutoffs,
                    "is_sfc_cutoff": [c[5:] in ("06", "12") for c in cutoffs],
                    "is_latest": [c == latest for c in cutoffs],
                },
                schema={"cutoff": pl.Utf8, "is_sfc_cutoff": pl.Boolean, "is_latest": pl.Boolean},
            ),
            folder / "cutoffs.csv",
        )
    )
    return written
