"""``participants`` extract (one row per participation spell; cumulative monthly snapshot).

Core fields (gender, birth_year, employment_status, isced) are nullable here: a MISSING core
value is accepted (the intake reports it as a warning and counts the row as incomplete), an
INVALID one fails its check. Context rules (own project, project run, reporting month) are
added per file by :func:`schema_for`.
"""

from __future__ import annotations

from datetime import date

import pandera.polars as pa
import polars as pl

from schemas import PARTICIPANT_ID_PATTERN, dates_not_after, not_duplicated
from schemas.codes import (
    ACCESS_CHANNEL,
    EMPLOYMENT_STATUS,
    EXIT_REASON,
    GENDER,
    NATIONALITY,
    STATUS_UPON_LEAVING,
    YES_NO_UNKNOWN,
)

KEY = ("participant_id", "entry_date")
AGE_AT_ENTRY = (14, 70)
#: An open spell (no exit yet) lasts until the end of the reporting month, i.e. beyond any
#: later spell of the snapshot.
_OPEN_END = date(9999, 12, 31)


class Participants(pa.DataFrameModel):
    participant_id: str = pa.Field(str_matches=PARTICIPANT_ID_PATTERN)
    project_id: str
    entry_date: pl.Date
    exit_date: pl.Date = pa.Field(nullable=True)
    gender: str = pa.Field(nullable=True, isin=GENDER)
    birth_year: pl.Int32 = pa.Field(nullable=True)
    employment_status: str = pa.Field(nullable=True, isin=EMPLOYMENT_STATUS)
    isced: pl.Int32 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 8})
    single_parent: pl.Boolean = pa.Field(nullable=True)
    children_under_18: pl.Int32 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 15})
    disability: str = pa.Field(nullable=True, isin=YES_NO_UNKNOWN)
    nationality: str = pa.Field(nullable=True, isin=NATIONALITY)
    foreign_background: str = pa.Field(nullable=True, isin=YES_NO_UNKNOWN)
    minority: str = pa.Field(nullable=True, isin=YES_NO_UNKNOWN)
    homeless: str = pa.Field(nullable=True, isin=YES_NO_UNKNOWN)
    rural: str = pa.Field(nullable=True, isin=YES_NO_UNKNOWN)
    district: str = pa.Field(nullable=True)
    access_channel: str = pa.Field(nullable=True, isin=ACCESS_CHANNEL)
    exit_reason: str = pa.Field(nullable=True, isin=EXIT_REASON)
    status_upon_leaving: str = pa.Field(nullable=True, isin=STATUS_UPON_LEAVING)
    qualification_gained: pl.Boolean = pa.Field(nullable=True)

    class Config:
        strict = False  # lineage columns such as _source_row travel along

    @pa.dataframe_check(name="key_unique", statistics={"key": list(KEY)})
    def _key_unique(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return not_duplicated(data.lazyframe, list(KEY))

    @pa.check("exit_date", name="exit_before_entry")
    def _exit_not_before_entry(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("exit_date") >= pl.col("entry_date"))

    @pa.check("birth_year", name="age_at_entry")
    def _age_at_entry(cls, data: pa.PolarsData) -> pl.LazyFrame:
        age = pl.col("entry_date").dt.year().cast(pl.Int32) - pl.col("birth_year")
        return data.lazyframe.select(age.is_between(*AGE_AT_ENTRY))

    @pa.check("exit_reason", name="exit_reason_missing", ignore_na=False)
    def _exit_reason_with_exit(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("exit_date").is_null() | pl.col("exit_reason").is_not_null())

    @pa.check("entry_date", name="spells_overlap")
    def _spells_do_not_overlap(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _spells_not_overlapping(data.lazyframe)


#: Dates as day numbers shifted to be positive, and a stride larger than any of them: lets
#: one global running maximum stand in for a running maximum per person (see below).
_DAY_OFFSET = 1_000_000
_STRIDE = 4_000_000


def _spells_not_overlapping(frame: pl.LazyFrame) -> pl.LazyFrame:
    """One boolean per row: False for a spell that starts before an earlier spell of the same
    person has ended.

    Only people with several spells can overlap, so they are picked first (by the hash of
    their id: a collision only adds a few rows to compare);
    their spells are sorted by (person, entry), and each is compared with the LATEST exit of
    all earlier spells of the person (an open spell counting as open-ended). That running
    maximum per person is one global ``cum_max`` over ``person_number * stride + exit_day``:
    person numbers grow along the sort, so earlier people never win. A window with
    ``over(order_by=...)`` does the same but costs seconds on a million one-spell people.
    Exact key duplicates are left to the key check, so one mistake is reported once.
    """
    exit_day = pl.col("exit_date").fill_null(_OPEN_END).cast(pl.Int64) + _DAY_OFFSET
    entry_day = pl.col("entry_date").cast(pl.Int64) + _DAY_OFFSET
    same_person = (pl.col("participant_id") == pl.col("participant_id").shift(1)).fill_null(False)
    person_number = (~same_person).cast(pl.Int64).cum_sum()
    latest_earlier_exit = (person_number * _STRIDE + exit_day).cum_max().shift(1) % _STRIDE
    rows = frame.select("participant_id", "entry_date", "exit_date").with_row_index("_row")
    overlapping = (
        rows.filter(pl.col("participant_id").hash().is_duplicated() & pl.col("entry_date").is_not_null())
        .sort("participant_id", "entry_date")
        .filter(
            same_person
            & (pl.col("entry_date") != pl.col("entry_date").shift(1))
            & (entry_day <= latest_earlier_exit)
        )
        .select("_row", pl.lit(False).alias("ok"))
    )
    return rows.join(overlapping, on="_row", how="left", maintain_order="left").select(
        pl.col("ok").fill_null(True)
    )


def schema_for(
    project_id: str, month_end: date, run_start: date | None, run_end: date | None
) -> pa.DataFrameSchema:
    """The model plus the rules that depend on the uploading project and the reporting month.

    ``run_start``/``run_end``: the project's run from the registry (None = not in the
    registry; the intake rejects such a sender before it gets here).
    """
    schema = Participants.to_schema()
    own = pa.Check(
        lambda d: d.lazyframe.select(pl.col("project_id") == project_id),
        name="foreign_project",
        statistics={"expected": project_id},
    )
    entry_checks = [
        pa.Check(
            lambda d: d.lazyframe.select(dates_not_after("entry_date", month_end)),
            name="after_reporting_month",
            statistics={"last_day": month_end},
        )
    ]
    if run_start is not None and run_end is not None:
        entry_checks.append(
            pa.Check(
                lambda d: d.lazyframe.select(pl.col("entry_date").is_between(run_start, run_end)),
                name="entry_outside_project_run",
                statistics={"start": run_start, "end": run_end},
            )
        )
    exit_check = pa.Check(
        lambda d: d.lazyframe.select(dates_not_after("exit_date", month_end)),
        name="after_reporting_month",
        statistics={"last_day": month_end},
    )
    return (
        schema.update_column("project_id", checks=[*schema.columns["project_id"].checks, own])
        .update_column("entry_date", checks=[*schema.columns["entry_date"].checks, *entry_checks])
        .update_column("exit_date", checks=[*schema.columns["exit_date"].checks, exit_check])
    )
