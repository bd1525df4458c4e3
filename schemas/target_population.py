"""``target_population`` extract (jobcenter): month-end stock per district and target group."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas import not_duplicated
from schemas.codes import TARGET_GROUP

KEY = ("month", "district", "target_group")


class TargetPopulation(pa.DataFrameModel):
    #: ``YYYY-MM``; the intake turns the spellings Excel produces for a month into this form.
    month: str = pa.Field(str_matches=r"^\d{4}-(0[1-9]|1[0-2])$", metadata={"kind": "month"})
    district: str
    target_group: str = pa.Field(isin=TARGET_GROUP)
    count: pl.Int32 = pa.Field(ge=0)

    class Config:
        strict = False

    @pa.dataframe_check(name="key_unique", statistics={"key": list(KEY)})
    def _key_unique(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return not_duplicated(data.lazyframe, list(KEY))


def schema_for(month: str) -> pa.DataFrameSchema:
    """The model plus: every row is about the file's reporting month."""
    schema = TargetPopulation.to_schema()
    same_month = pa.Check(
        lambda d: d.lazyframe.select(pl.col("month") == month),
        name="month_mismatch",
        statistics={"expected": month},
    )
    return schema.update_column("month", checks=[*schema.columns["month"].checks, same_month])
