"""Municipality registry ``reference/municipalities.csv`` (managing authority; process monitoring).

A municipality (Kommune, Kreis) of "Gemeinsam klappt's" uploads its planning checklist once per
survey wave (docs/process-monitoring.md). Its id names its folder under ``landing/``, so it
follows the project id pattern and may not be a project or jobcenter id of the project registry
— that cross-registry rule is checked where both are read (``esf_monitor.intake.registry``).
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas import PROJECT_ID_PATTERN
from schemas.codes import MUNICIPALITY_KIND

MUNICIPALITY_ID_PATTERN = PROJECT_ID_PATTERN


class Municipalities(pa.DataFrameModel):
    municipality_id: str = pa.Field(str_matches=MUNICIPALITY_ID_PATTERN, unique=True)
    municipality_name: str
    programme: str
    kind: str = pa.Field(isin=MUNICIPALITY_KIND)
    region: str
    joined_on: pl.Date

    class Config:
        strict = False


def schema() -> pa.DataFrameSchema:
    return Municipalities.to_schema()
