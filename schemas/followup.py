"""``followup`` extract (jobcenter): status six months after leaving, one row per former participant.

Not checked here: that ``exit_date`` matches the participant's last exit in the project's own
``participants`` data. That needs another file (the project's snapshot), so it is a
cross-file rule of the warehouse (dbt: mismatching rows are held back with a warning), not a
reason to reject the jobcenter's file.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import pandera.polars as pa
import polars as pl

from schemas import PARTICIPANT_ID_PATTERN, not_duplicated
from schemas.codes import STATUS_6M, YES_NO_UNKNOWN

KEY = ("participant_id", "project_id")


class Followup(pa.DataFrameModel):
    participant_id: str = pa.Field(str_matches=PARTICIPANT_ID_PATTERN)
    project_id: str
    exit_date: pl.Date
    status_6m: str = pa.Field(isin=STATUS_6M)
    benefit_receipt_6m: str = pa.Field(nullable=True, isin=YES_NO_UNKNOWN)

    class Config:
        strict = False

    @pa.dataframe_check(name="key_unique", statistics={"key": list(KEY)})
    def _key_unique(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return not_duplicated(data.lazyframe, list(KEY))


def schema_for(jobcenter_projects: Collection[str], month_end: date) -> pa.DataFrameSchema:
    """The model plus the rules that depend on the uploading jobcenter and the reporting month.

    ``jobcenter_projects``: the registry's projects that name this jobcenter — a jobcenter may
    only report on those. A row is only due once the six-month point (exit + 6 months) lies
    in the reporting month or earlier; a later one cannot be known yet.
    """
    allowed = sorted(jobcenter_projects)
    schema = Followup.to_schema()
    own = pa.Check(
        lambda d: d.lazyframe.select(pl.col("project_id").is_in(allowed)),
        name="foreign_project",
        statistics={"allowed": allowed},
    )
    due = pa.Check(
        lambda d: d.lazyframe.select(pl.col("exit_date").dt.offset_by("6mo") <= month_end),
        name="followup_too_early",
        statistics={"last_day": month_end},
    )
    return schema.update_column(
        "project_id", checks=[*schema.columns["project_id"].checks, own]
    ).update_column("exit_date", checks=[*schema.columns["exit_date"].checks, due])
