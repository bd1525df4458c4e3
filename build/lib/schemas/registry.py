"""Project registry ``reference/projects.csv`` (managing authority).

Every column is required: the pipeline routes uploads by ``project_id``/``jobcenter_id``,
checks entries against ``start_date``/``end_date``, and breaks the indicators down by
``category_of_region``, ``specific_objective`` and ``target_group``; an empty cell there
would silently lose data further down.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas import PROJECT_ID_PATTERN
from schemas.codes import CATEGORY_OF_REGION, TARGET_GROUP

#: A jobcenter id names a folder under landing/ (see docs/extract-contract.md).
PROVIDER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$"


class Registry(pa.DataFrameModel):
    project_id: str = pa.Field(str_matches=PROJECT_ID_PATTERN, unique=True)
    project_name: str
    programme: str
    jobcenter_id: str = pa.Field(str_matches=PROVIDER_ID_PATTERN)
    district: str
    target_group: str = pa.Field(isin=TARGET_GROUP)
    category_of_region: str = pa.Field(isin=CATEGORY_OF_REGION)
    specific_objective: str
    start_date: pl.Date
    end_date: pl.Date
    planned_participants: pl.Int32 = pa.Field(ge=0)

    class Config:
        strict = False

    @pa.check("end_date", name="end_before_start")
    def _end_not_before_start(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("end_date") >= pl.col("start_date"))

    @pa.check("jobcenter_id", name="provider_kind_ambiguous")
    def _jobcenter_is_not_a_project(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A provider id must say unambiguously whether a project or a jobcenter uploads."""
        return data.lazyframe.select(~pl.col("jobcenter_id").is_in(pl.col("project_id").implode()))


def schema() -> pa.DataFrameSchema:
    return Registry.to_schema()
