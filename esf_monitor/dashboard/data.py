"""Read the export files and suppress small cells once, for every page alike.

Suppression runs on the whole programme before pages are cut out of it, so a cell hidden on
the overview is hidden on the project page too (otherwise two pages side by side would give
it back). The frames handed to the pages hold no numerators, denominators or raw row counts
beyond what is shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from polars.exceptions import NoDataError

from esf_monitor.dashboard.suppression import (
    SUPPRESSED, Margin, apply_hidden, hide_cells, margin_lines, small_count, suppress_rates,
)

PROGRAMME = "ALL"
GENDERS = ("f", "m", "d", "total")

S, I, F, B = pl.Utf8, pl.Int64, pl.Float64, pl.Boolean
#: column types of the export files (docs/indicators.md; esf_monitor/exports.py writes them)
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "indicators": {"cutoff": S, "project_id": S, "indicator": S, "gender": S,
                   "numerator": F, "denominator": F, "value": F},
    "common_indicators": {"cutoff": S, "project_id": S, "indicator": S, "gender": S, "value": I},
    "sfc_table": {"cutoff": S, "specific_objective": S, "category_of_region": S, "indicator": S,
                  "gender": S, "value": I},
    "delivery_status": {"provider_id": S, "provider_kind": S, "extract_type": S,
                        "reporting_month": S, "status": S, "versions": I, "first_arrived_at": S,
                        "last_arrived_at": S, "is_late": B, "row_count": I, "incomplete_count": I},
    "participant_breakdowns": {"cutoff": S, "project_id": S, "dimension": S, "category": S,
                               "gender": S, "participants": I, "leavers": I,
                               "integrated_leavers": I},
    "cutoffs": {"cutoff": S, "is_sfc_cutoff": B, "is_latest": B},
}
COUNT_INDICATORS = ("participants_cumulative", "participants_active", "entries_month", "leavers_month")
#: EECO01 is the sum of these lines (docs/indicators.md): a hidden part could be worked out
EECO01_LINES = (("EECO02", "EECO04", "EECO05"), ("EECO09", "EECO10", "EECO11"))
#: `unit` of an SFC row among the project rows of the common indicators (see eu_cells)
SFC_ROW = "__SFC__"


@dataclass
class DashboardData:
    """Suppressed frames: `value`/`participants` null where hidden, `suppressed` flags it."""

    registry: pl.DataFrame
    cutoffs: pl.DataFrame            # cutoff, is_sfc_cutoff, is_latest (sorted)
    months: list[str]                # every month with indicators (trend axis)
    indicators: pl.DataFrame         # cutoff, project_id, indicator, gender, value, suppressed
    common: pl.DataFrame             # cutoff, project_id, indicator, gender, value, suppressed
    sfc: pl.DataFrame                # cutoff, specific_objective, category_of_region, indicator,
    #                                  gender, value, suppressed
    sfc_checks: pl.DataFrame         # cutoff, specific_objective, category_of_region, gender, rule,
    #                                  ok (on the exact values)
    breakdowns: pl.DataFrame         # cutoff, project_id, dimension, category, gender, participants,
    #                                  suppressed, integration_rate, rate_suppressed
    deliveries: pl.DataFrame         # delivery_status; row_count, incomplete_count, incomplete_share
    #                                  suppressed (flags *_suppressed)

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


def read_export(path: Path, name: str) -> pl.DataFrame:
    """An export file as typed frame; missing or empty file → empty frame (no data yet)."""
    schema = SCHEMAS[name]
    empty = pl.DataFrame(schema=schema)
    if not path.is_file():
        return empty
    try:
        frame = pl.read_csv(path, schema_overrides=schema)
    except NoDataError:
        return empty
    return frame.select([pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
                         for c, t in schema.items()])


def load(exports_root: Path, registry: pl.DataFrame) -> DashboardData:
    folder = exports_root / "all_months"
    raw = {name: read_export(folder / f"{name}.csv", name) for name in SCHEMAS if name != "cutoffs"}
    cutoffs = read_export(exports_root / "cutoffs.csv", "cutoffs").sort("cutoff")
    months = sorted(set(raw["indicators"]["cutoff"].drop_nulls().to_list()))
    if cutoffs.is_empty():
        cutoffs = _cutoffs_from_months(sorted(set(months) | set(raw["sfc_table"]["cutoff"].drop_nulls())))
    shown = pl.col("cutoff").is_in(set(cutoffs["cutoff"].to_list()) | set(months[-1:]))
    registry = registry.sort("project_id")
    counts, breakdowns, eu = suppress_published_counts(
        raw["indicators"].filter(pl.col("indicator").is_in(COUNT_INDICATORS)),
        complete_breakdowns(raw["participant_breakdowns"].filter(shown)),
        eu_cells(raw["common_indicators"].filter(shown), raw["sfc_table"].filter(shown), registry),
    )
    return DashboardData(
        registry=registry,
        cutoffs=cutoffs,
        months=months,
        indicators=with_rates(counts, raw["indicators"]),
        common=(eu.filter(pl.col("unit") != SFC_ROW).rename({"unit": "project_id"})
                .select("cutoff", "project_id", "indicator", "gender", "value", SUPPRESSED)),
        sfc=eu.filter(pl.col("unit") == SFC_ROW).drop("unit"),
        sfc_checks=sfc_checks(raw["sfc_table"]),
        breakdowns=breakdown_rates(breakdowns),
        deliveries=suppress_deliveries(raw["delivery_status"]),
    )


def _cutoffs_from_months(months: list[str]) -> pl.DataFrame:
    """Fallback when cutoffs.csv is missing: June, December and the latest month (as exports.py)."""
    if not months:
        return pl.DataFrame(schema=SCHEMAS["cutoffs"])
    chosen = sorted({m for m in months if m[5:] in ("06", "12")} | {months[-1]})
    return pl.DataFrame({"cutoff": chosen, "is_sfc_cutoff": [c[5:] in ("06", "12") for c in chosen],
                         "is_latest": [c == months[-1] for c in chosen]},
                        schema=SCHEMAS["cutoffs"])


COUNT_KEYS = ["cutoff", "indicator", "project_id", "gender"]
BREAKDOWN_KEYS = ["cutoff", "project_id", "dimension", "category", "gender"]
EU_KEYS = ["cutoff", "specific_objective", "category_of_region", "unit", "indicator", "gender"]
#: categories of these dimensions overlap (elb_total = everyone): they do not add up to a total
OVERLAPPING_DIMENSIONS = ("target_group",)


def suppress_published_counts(counts: pl.DataFrame, breakdowns: pl.DataFrame, eu: pl.DataFrame):
    """Every published count, suppressed as ONE set of cells, because the tables are linked.

    Lines: within each table, gender (f+m+d = total) and units (projects = ALL, projects of
    an SFC breakdown = its SFC row, EECO02+04+05 and EECO09+10+11 = EECO01); between tables,
    the categories of a breakdown dimension add up to participants_cumulative of the same
    project and gender, and a cell that equals participants_cumulative (a target group
    holding everyone, EECO01 when all participants are complete) is the same number and must
    share its fate — otherwise one page would show what another hides.
    """
    frames = [counts, breakdowns, eu]
    value_columns = ["value", "participants", "value"]
    offsets = [0, counts.height, counts.height + breakdowns.height]
    values = [v for frame, col in zip(frames, value_columns) for v in frame[col].to_list()]
    genders_units = [Margin("gender", "total")]
    lines = [line for m in genders_units + [Margin("project_id", PROGRAMME)]
             for line in margin_lines(counts, COUNT_KEYS, m)]
    lines += [line for m in genders_units + [Margin("project_id", PROGRAMME)]
              for line in margin_lines(breakdowns, BREAKDOWN_KEYS, m, offsets[1])]
    eu_margins = genders_units + [Margin("unit", SFC_ROW)]
    eu_margins += [Margin("indicator", "EECO01", parts) for parts in EECO01_LINES]
    lines += [line for m in eu_margins for line in margin_lines(eu, EU_KEYS, m, offsets[2])]

    participants = {(c, p, g): i for i, (c, ind, p, g) in enumerate(counts.select(COUNT_KEYS).rows())
                    if ind == "participants_cumulative"}
    categories: dict[tuple, list[int]] = defaultdict(list)
    for i, (c, p, dim, _, g) in enumerate(breakdowns.select(BREAKDOWN_KEYS).rows(), start=offsets[1]):
        if dim in OVERLAPPING_DIMENSIONS:
            lines += _same_number(i, participants.get((c, p, g)), values)
        else:
            categories[(c, p, dim, g)].append(i)
    lines += [(parts, participants.get((c, p, g))) for (c, p, _, g), parts in categories.items()]
    for i, (c, unit, ind, g) in enumerate(eu.select("cutoff", "unit", "indicator", "gender").rows(),
                                          start=offsets[2]):
        if ind == "EECO01":
            lines += _same_number(i, participants.get((c, unit, g)), values)

    hidden = hide_cells(values, lines)
    return tuple(apply_hidden(frame, hidden[start:start + frame.height], col)
                 for frame, start, col in zip(frames, offsets, value_columns))


def _same_number(cell: int, other: int | None, values: list) -> list:
    """A one-part line (cell = other) when two cells hold the same count: one hidden hides both."""
    return [([cell], other)] if other is not None and values[cell] == values[other] else []


def with_rates(counts: pl.DataFrame, indicators: pl.DataFrame) -> pl.DataFrame:
    """Suppressed counts plus rates and durations under the numerator/denominator rule.

    Target achievement goes with its participant count: the plan figure is public, so the
    rate would give a hidden count back.
    """
    hidden_totals = (counts.filter((pl.col("indicator") == "participants_cumulative")
                     & (pl.col("gender") == "total") & pl.col(SUPPRESSED))
                     .select("cutoff", "project_id", pl.lit(True).alias("_count_hidden")))
    rates = suppress_rates(
        indicators.filter(~pl.col("indicator").is_in(COUNT_INDICATORS))
        .join(hidden_totals, on=["cutoff", "project_id"], how="left"),
        also_hide=(pl.col("indicator") == "target_achievement") & pl.col("_count_hidden"),
    ).drop("_count_hidden")
    columns = COUNT_KEYS + ["value", SUPPRESSED]
    return pl.concat([counts.select(columns), rates.select(columns)]).sort(COUNT_KEYS)


def eu_cells(common: pl.DataFrame, sfc: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """Common indicators per project and the SFC rows in one frame (`unit` = project or SFC row).

    An SFC cell is the sum of the projects of its specific objective × category of region, so
    the projects and their SFC row form a line. The programme rows (ALL) are shown nowhere.
    """
    group = registry.select("project_id", "specific_objective", "category_of_region")
    projects = (common.filter(pl.col("project_id") != PROGRAMME)
                .join(group, on="project_id", how="left")
                .rename({"project_id": "unit"}))
    sfc_rows = sfc.with_columns(pl.lit(SFC_ROW).alias("unit"))
    return pl.concat([projects.select(*EU_KEYS, "value"), sfc_rows.select(*EU_KEYS, "value")])


def sfc_checks(sfc: pl.DataFrame) -> pl.DataFrame:
    """SFC2021 validation rules on the exact figures: EECO01 = EECO02+EECO04+EECO05, EECR ≤ EECO01.

    A ✓/✗ per rule reveals no cell value, so it is computed before suppression.
    """
    keys = ["cutoff", "specific_objective", "category_of_region", "gender"]
    wide = sfc.pivot(on="indicator", index=keys, values="value", aggregate_function="first") \
        if not sfc.is_empty() else pl.DataFrame(schema={k: pl.Utf8 for k in keys})

    def col(code: str) -> pl.Expr:
        return pl.col(code).fill_null(0) if code in wide.columns else pl.lit(0)

    rules = [("EECO01 = EECO02 + EECO04 + EECO05",
              col("EECO01") == col("EECO02") + col("EECO04") + col("EECO05"))]
    rules += [(f"EECR0{n} ≤ EECO01", col(f"EECR0{n}") <= col("EECO01")) for n in range(1, 6)]
    if wide.is_empty():
        return pl.DataFrame(schema={**{k: pl.Utf8 for k in keys}, "rule": pl.Utf8, "ok": pl.Boolean})
    return pl.concat([wide.select(*keys, pl.lit(rule).alias("rule"), expr.alias("ok"))
                      for rule, expr in rules]).sort(keys + ["rule"])


def complete_breakdowns(frame: pl.DataFrame) -> pl.DataFrame:
    """Breakdowns with programme rows (ALL) and gender totals, added if the export lacks them,
    so the suppression lines exist whatever the mart emits; a missing category is "unknown"."""
    keys = BREAKDOWN_KEYS
    measures = ["participants", "leavers", "integrated_leavers"]
    frame = frame.with_columns(pl.col("category").fill_null("unknown"))
    if not frame.filter(pl.col("gender") == "total").height:
        frame = pl.concat([frame, frame.group_by([k for k in keys if k != "gender"], maintain_order=True)
                           .agg(pl.col(measures).sum()).with_columns(pl.lit("total").alias("gender"))
                           .select(frame.columns)])
    if not frame.filter(pl.col("project_id") == PROGRAMME).height:
        frame = pl.concat([frame, frame.group_by([k for k in keys if k != "project_id"], maintain_order=True)
                           .agg(pl.col(measures).sum()).with_columns(pl.lit(PROGRAMME).alias("project_id"))
                           .select(frame.columns)])
    return frame


def breakdown_rates(counted: pl.DataFrame) -> pl.DataFrame:
    """Integration rate of a category (integrated / leavers) under the rate rule; the leaver
    counts themselves are not passed on."""
    rated = suppress_rates(
        counted.rename({SUPPRESSED: "_p"})
        .with_columns((pl.col("integrated_leavers") / pl.col("leavers")).alias("integration_rate")),
        numerator="integrated_leavers", denominator="leavers", value="integration_rate",
    ).rename({SUPPRESSED: "rate_suppressed", "_p": SUPPRESSED})
    return rated.select(*BREAKDOWN_KEYS, "participants", SUPPRESSED, "integration_rate", "rate_suppressed")


def suppress_deliveries(frame: pl.DataFrame) -> pl.DataFrame:
    """Row counts are counts of participation spells: a 1 or 2 is hidden; the share of incomplete rows follows the rate rule."""
    return (
        frame.with_columns(
            (pl.col("incomplete_count") / pl.col("row_count")).alias("incomplete_share"),
            small_count(pl.col("row_count")).alias("row_count_suppressed"),
            small_count(pl.col("incomplete_count")).alias("incomplete_suppressed"),
        )
        .pipe(suppress_rates, numerator="incomplete_count", denominator="row_count", value="incomplete_share")
        .rename({SUPPRESSED: "share_suppressed"})
        .with_columns(
            pl.when(pl.col("row_count_suppressed")).then(None).otherwise(pl.col("row_count")).alias("row_count"),
            pl.when(pl.col("incomplete_suppressed")).then(None).otherwise(pl.col("incomplete_count"))
            .alias("incomplete_count"),
        )
        .sort("provider_id", "extract_type", "reporting_month")
    )
