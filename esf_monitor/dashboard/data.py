"""Read the export files for the pages: the exact exports (internal pages) or the public
release exports/public/ (public pages, docs/indicators.md "Publication", v2).

Internal pages show the exact figures and are marked as not for publication. Public pages
read ONLY exports/public/, whose counts are already perturbed by the cell key method and whose
rates (whole percent) and durations (whole days) are already withheld where the perturbed
denominator is below 10 (esf_monitor.disclosure.release): nothing exact reaches them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from polars.exceptions import NoDataError

PROGRAMME = "ALL"
GENDERS = ("f", "m", "d", "total")

S, I, F, B = pl.Utf8, pl.Int64, pl.Float64, pl.Boolean  # noqa: E741 (type letters of the schemas below)
#: column types of the export files (docs/indicators.md; esf_monitor/exports.py writes them)
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "indicators": {
        "cutoff": S,
        "project_id": S,
        "indicator": S,
        "gender": S,
        "numerator": F,
        "denominator": F,
        "value": F,
    },
    "common_indicators": {"cutoff": S, "project_id": S, "indicator": S, "gender": S, "value": I},
    "sfc_table": {
        "cutoff": S,
        "specific_objective": S,
        "category_of_region": S,
        "indicator": S,
        "gender": S,
        "value": I,
    },
    "delivery_status": {
        "provider_id": S,
        "provider_kind": S,
        "extract_type": S,
        "reporting_month": S,
        "status": S,
        "versions": I,
        "first_arrived_at": S,
        "last_arrived_at": S,
        "is_late": B,
        "row_count": I,
        "incomplete_count": I,
    },
    "participant_breakdowns": {
        "cutoff": S,
        "project_id": S,
        "dimension": S,
        "category": S,
        "gender": S,
        "participants": I,
        "leavers": I,
        "integrated_leavers": I,
    },
    "cutoffs": {"cutoff": S, "is_sfc_cutoff": B, "is_latest": B},
}
#: column types of the public release (esf_monitor/disclosure/release.py)
PUBLIC_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    **SCHEMAS,
    "indicators": {
        "cutoff": S,
        "project_id": S,
        "indicator": S,
        "gender": S,
        "unit": S,
        "numerator": I,
        "denominator": I,
        "value": F,
    },
    "participant_breakdowns": {
        "cutoff": S,
        "project_id": S,
        "dimension": S,
        "category": S,
        "gender": S,
        "participants": I,
        "leavers": I,
        "integrated_leavers": I,
        "integration_rate_percent": I,
    },
    "delivery_status": {
        "provider_id": S,
        "provider_kind": S,
        "extract_type": S,
        "reporting_month": S,
        "status": S,
        "versions": I,
        "first_arrived_at": S,
        "last_arrived_at": S,
        "is_late": B,
    },
}
COUNT_INDICATORS = ("participants_cumulative", "participants_active", "entries_month", "leavers_month")


@dataclass
class DashboardData:
    """The frames the pages show: exact (internal) or the public release (public = True);
    a value that is not shown (no denominator, or a public rate/duration under 10) is null."""

    registry: pl.DataFrame
    cutoffs: pl.DataFrame  # cutoff, is_sfc_cutoff, is_latest (sorted)
    months: list[str]  # every month with indicators (trend axis)
    indicators: pl.DataFrame  # cutoff, project_id, indicator, gender, value (rates 0–1)
    common: pl.DataFrame  # cutoff, project_id, indicator, gender, value
    sfc: pl.DataFrame  # cutoff, specific_objective, category_of_region, indicator,
    #                                  gender, value
    sfc_checks: pl.DataFrame  # cutoff, specific_objective, category_of_region, gender, rule,
    #                                  ok (on the exact values)
    breakdowns: pl.DataFrame  # cutoff, project_id, dimension, category, gender, participants,
    #                                  integration_rate
    deliveries: pl.DataFrame  # delivery_status (+ incomplete_share, internal only)
    public: bool = False  # the public release: perturbed, whole percent / days

    @property
    def latest(self) -> str | None:
        return self.months[-1] if self.months else None

    @property
    def shown_cutoffs(self) -> list[str]:
        """The cut-offs with their own section: latest month first, then SFC cut-offs, newest first."""
        sfc = self.sfc_cutoffs
        latest = [self.latest] if self.latest and self.latest not in sfc else []
        return latest + sorted(sfc, reverse=True)

    @property
    def sfc_cutoffs(self) -> list[str]:
        return self.cutoffs.filter(pl.col("is_sfc_cutoff"))["cutoff"].sort().to_list()


def read_export(path: Path, name: str, schemas: dict = SCHEMAS) -> pl.DataFrame:
    """An export file as typed frame; missing or empty file → empty frame (no data yet)."""
    schema = schemas[name]
    empty = pl.DataFrame(schema=schema)
    if not path.is_file():
        return empty
    try:
        frame = pl.read_csv(path, schema_overrides=schema)
    except NoDataError:
        return empty
    return frame.select(
        [pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c) for c, t in schema.items()]
    )


def load(exports_root: Path, registry: pl.DataFrame, public: bool = False) -> DashboardData:
    """exports_root = exports/ (internal pages) or exports/public/ (public = True)."""
    schemas = PUBLIC_SCHEMAS if public else SCHEMAS
    folder = exports_root / "all_months"
    raw = {name: read_export(folder / f"{name}.csv", name, schemas) for name in schemas if name != "cutoffs"}
    cutoffs = read_export(exports_root / "cutoffs.csv", "cutoffs").sort("cutoff")
    months = sorted(set(raw["indicators"]["cutoff"].drop_nulls().to_list()))
    if cutoffs.is_empty():
        cutoffs = _cutoffs_from_months(sorted(set(months) | set(raw["sfc_table"]["cutoff"].drop_nulls())))
    shown = pl.col("cutoff").is_in(set(cutoffs["cutoff"].to_list()) | set(months[-1:]))
    indicators = raw["indicators"]
    breakdowns = (
        raw["participant_breakdowns"].filter(shown).with_columns(pl.col("category").fill_null("unknown"))
    )
    deliveries = raw["delivery_status"].sort("provider_id", "extract_type", "reporting_month")
    if public:  # whole percent → the fraction the pages format (exactly k/100, nothing finer)
        indicators = indicators.with_columns(
            pl.when(pl.col("unit") == "percent")
            .then(pl.col("value") / 100)
            .otherwise(pl.col("value"))
            .alias("value")
        )
        breakdowns = breakdowns.with_columns(
            (pl.col("integration_rate_percent") / 100).alias("integration_rate")
        )
    else:
        breakdowns = breakdowns.with_columns(
            pl.when(pl.col("leavers") > 0)
            .then(pl.col("integrated_leavers") / pl.col("leavers"))
            .alias("integration_rate")
        )
        deliveries = deliveries.with_columns(
            pl.when(pl.col("row_count") > 0)
            .then(pl.col("incomplete_count") / pl.col("row_count"))
            .alias("incomplete_share")
        )
    return DashboardData(
        registry=registry.sort("project_id"),
        cutoffs=cutoffs,
        months=months,
        indicators=indicators.select("cutoff", "project_id", "indicator", "gender", "value").sort(COUNT_KEYS),
        common=raw["common_indicators"]
        .filter(shown & (pl.col("project_id") != PROGRAMME))
        .select("cutoff", "project_id", "indicator", "gender", "value"),
        sfc=raw["sfc_table"].filter(shown),
        sfc_checks=sfc_checks(raw["sfc_table"])
        if not public
        else pl.DataFrame(
            schema={
                "cutoff": pl.Utf8,
                "specific_objective": pl.Utf8,
                "category_of_region": pl.Utf8,
                "gender": pl.Utf8,
                "rule": pl.Utf8,
                "ok": pl.Boolean,
            }
        ),
        breakdowns=breakdowns.select(*BREAKDOWN_KEYS, "participants", "integration_rate"),
        deliveries=deliveries,
        public=public,
    )


def _cutoffs_from_months(months: list[str]) -> pl.DataFrame:
    """Fallback when cutoffs.csv is missing: June, December and the latest month (as exports.py)."""
    if not months:
        return pl.DataFrame(schema=SCHEMAS["cutoffs"])
    chosen = sorted({m for m in months if m[5:] in ("06", "12")} | {months[-1]})
    return pl.DataFrame(
        {
            "cutoff": chosen,
            "is_sfc_cutoff": [c[5:] in ("06", "12") for c in chosen],
            "is_latest": [c == months[-1] for c in chosen],
        },
        schema=SCHEMAS["cutoffs"],
    )


COUNT_KEYS = ["cutoff", "indicator", "project_id", "gender"]
BREAKDOWN_KEYS = ["cutoff", "project_id", "dimension", "category", "gender"]


def sfc_checks(sfc: pl.DataFrame) -> pl.DataFrame:
    """SFC2021 validation rules on the exact figures: EECO01 = EECO02+EECO04+EECO05, EECR ≤ EECO01.

    A ✓/✗ per rule reveals no cell value, so it is computed before suppression.
    """
    keys = ["cutoff", "specific_objective", "category_of_region", "gender"]
    wide = (
        sfc.pivot(on="indicator", index=keys, values="value", aggregate_function="first")
        if not sfc.is_empty()
        else pl.DataFrame(schema={k: pl.Utf8 for k in keys})
    )

    def col(code: str) -> pl.Expr:
        return pl.col(code).fill_null(0) if code in wide.columns else pl.lit(0)

    rules = [
        ("EECO01 = EECO02 + EECO04 + EECO05", col("EECO01") == col("EECO02") + col("EECO04") + col("EECO05"))
    ]
    rules += [(f"EECR0{n} ≤ EECO01", col(f"EECR0{n}") <= col("EECO01")) for n in range(1, 6)]
    if wide.is_empty():
        return pl.DataFrame(schema={**{k: pl.Utf8 for k in keys}, "rule": pl.Utf8, "ok": pl.Boolean})
    return pl.concat(
        [wide.select(*keys, pl.lit(rule).alias("rule"), expr.alias("ok")) for rule, expr in rules]
    ).sort(keys + ["rule"])
