"""``process_checklist`` extract (municipality): its answers to the checklist in one survey wave.

Key: ``item_id``. Status codes or their German wordings (the intake maps "Bereits umgesetzt" to
``implemented``, case-insensitive and trimmed); ``responsibility`` only on items whose catalogue
row asks it; ``note`` is free text of at most 500 characters, checked by the personal-data guard
like every text column and never published. The rules that need the catalogue and the wave
are added by :func:`schema_for`.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas import not_duplicated
from schemas.checklist_items import ITEM_ID_PATTERN, asked_in
from schemas.codes import (
    NOTE_MAX_CHARS,
    PROCESS_STATUS,
    PROCESS_STATUS_DE,
    RESPONSIBILITY,
)

KEY = ("item_id",)

#: Spellings accepted for a status code, lower case (the intake compares in lower case).
STATUS_ALIASES = {wording.lower(): code for code, wording in PROCESS_STATUS_DE.items()}


class ProcessChecklist(pa.DataFrameModel):
    item_id: str = pa.Field(str_matches=ITEM_ID_PATTERN)
    status: str = pa.Field(isin=PROCESS_STATUS, metadata={"aliases": STATUS_ALIASES})
    responsibility: str = pa.Field(nullable=True, isin=RESPONSIBILITY)
    note: str = pa.Field(nullable=True, metadata={"max_chars": NOTE_MAX_CHARS})

    class Config:
        strict = False

    @pa.dataframe_check(name="key_unique", statistics={"key": list(KEY)})
    def _key_unique(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return not_duplicated(data.lazyframe, list(KEY))


def schema_for(catalogue: pl.DataFrame, wave: str) -> pa.DataFrameSchema:
    """The model plus the rules that depend on the catalogue and the file's wave.

    ``catalogue``: the validated ``reference/checklist_items.csv`` (may be empty: then every
    item is unknown). An unknown item is reported once (``unknown_item``), not again as "not
    asked"; responsibility is checked only on known items.
    """
    known = catalogue["item_id"].to_list() if catalogue.height else []
    asked = asked_in(catalogue, wave)["item_id"].to_list() if catalogue.height else []
    asking = catalogue.filter(pl.col("asks_responsibility"))["item_id"].to_list() if catalogue.height else []
    schema = ProcessChecklist.to_schema()
    in_catalogue = pa.Check(
        lambda d: d.lazyframe.select(pl.col("item_id").is_in(known)),
        name="unknown_item",
        statistics={"allowed": known},
    )
    in_wave = pa.Check(
        lambda d: d.lazyframe.select(~pl.col("item_id").is_in(known) | pl.col("item_id").is_in(asked)),
        name="item_not_asked",
        statistics={"expected": wave},
    )
    where_asked = pa.Check(
        lambda d: d.lazyframe.select(
            pl.col("responsibility").is_null()
            | ~pl.col("item_id").is_in(known)
            | pl.col("item_id").is_in(asking)
        ),
        name="responsibility_not_asked",
        ignore_na=False,
        statistics={"allowed": asking},
    )
    return schema.update_column(
        "item_id", checks=[*schema.columns["item_id"].checks, in_catalogue, in_wave]
    ).update_column("responsibility", checks=[*schema.columns["responsibility"].checks, where_asked])


def unanswered(catalogue: pl.DataFrame, wave: str, answered: list[str]) -> list[str]:
    """Items of the wave the file does not answer (a warning: counted as "no answer")."""
    if not catalogue.height:
        return []
    return [i for i in asked_in(catalogue, wave)["item_id"].to_list() if i not in set(answered)]
