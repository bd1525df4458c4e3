"""Checklist catalogue ``reference/checklist_items.csv`` (managing authority; process monitoring).

One row per item of the working aid "Prozessmanagement ‚Gemeinsam klappt's' – Checkliste zur
lokalen Planung", with the waves in which it is asked (``first_wave`` … ``last_wave``, the last
may be empty = still asked). The order of the rows is the order of the checklist and of the
dashboard's bars.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

ITEM_ID_PATTERN = r"^[a-z0-9_.]{2,40}$"
WAVE_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class ChecklistItems(pa.DataFrameModel):
    item_id: str = pa.Field(str_matches=ITEM_ID_PATTERN, unique=True)
    section: str
    section_title_de: str
    section_title_en: str
    item_text_de: str = pa.Field(metadata={"max_chars": 500})
    item_text_en: str = pa.Field(metadata={"max_chars": 500})
    asks_responsibility: pl.Boolean
    first_wave: str = pa.Field(str_matches=WAVE_PATTERN, metadata={"kind": "month"})
    last_wave: str = pa.Field(nullable=True, str_matches=WAVE_PATTERN, metadata={"kind": "month"})

    class Config:
        strict = False

    @pa.check("last_wave", name="last_wave_before_first")
    def _last_not_before_first(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("last_wave") >= pl.col("first_wave"))


def schema() -> pa.DataFrameSchema:
    return ChecklistItems.to_schema()


def asked_in(catalogue: pl.DataFrame, wave: str) -> pl.DataFrame:
    """The catalogue's items asked in ``wave`` (``YYYY-MM``), in checklist order."""
    return catalogue.filter(
        (pl.col("first_wave") <= wave) & (pl.col("last_wave").is_null() | (pl.col("last_wave") >= wave))
    )
