"""Write the process-monitoring exports from the dbt marts (docs/process-monitoring.md, "Figures").

    exports/process/waves.csv                               every wave (mart process_waves)
    exports/process/<YYYY-MM>/process_items.csv             per wave (mart process_items)
    exports/process/<YYYY-MM>/process_responsibility.csv    per wave (mart process_responsibility)
    exports/process/<YYYY-MM>/process_change.csv            per wave but the first (process_change)
    exports/process/<YYYY-MM>/process_answers.csv           per wave: each counted municipality's
                                                            answers (int_process_answers; no note;
                                                            internal only — the municipality pages,
                                                            left out of the public release)

Exact figures: these describe institutions, not persons (no small-cell rule). Columns in the
spec's order, rows in the checklist's order (catalogue row, then the seed's status order),
numbers by the exports' one rule (whole numbers without a decimal point, fractions with at
most 12 significant digits, empty = no value), each file written to a temp name and renamed
(esf_monitor.exports). A wave folder or file that the marts no longer yield is removed, so the
folder always shows exactly the marts.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from esf_monitor import warehouse
from esf_monitor.exports import number_text, read_marts, write_csv
from esf_monitor.paths import DataDir

#: export file → (mart, columns as the spec lists them, sort keys)
WAVE_EXPORTS = {
    "process_items": (
        "process_items",
        [
            "wave",
            "item_id",
            "section",
            "municipalities_registered",
            "municipalities_answering",
            "status",
            "count",
            "share",
        ],
        ["item_order", "status_order"],
    ),
    "process_responsibility": (
        "process_responsibility",
        ["wave", "item_id", "responsibility", "count", "share"],
        ["item_order", "responsibility_order"],
    ),
    "process_change": (
        "process_change",
        [
            "wave",
            "previous_wave",
            "item_id",
            "panel_municipalities",
            "share_implemented_prev",
            "share_implemented",
            "change_pp",
            "share_implemented_or_planning_prev",
            "share_implemented_or_planning",
            "change_or_planning_pp",
        ],
        ["item_order"],
    ),
    "process_answers": (
        "int_process_answers",
        ["wave", "municipality_id", "item_id", "status", "responsibility"],
        ["municipality_id", "item_order"],
    ),
}
WAVES_COLUMNS = ["wave", "municipalities_registered", "municipalities_answering", "response_rate"]
#: the dbt marts these exports read (Dagster: deps of the exports asset)
PROCESS_MARTS = ["process_waves", "process_items", "process_responsibility", "process_change"]
#: the dbt models these exports read (the marts and the counted answers)
PROCESS_MODELS = [*PROCESS_MARTS, "int_process_answers"]
_WAVE = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_TEXT = {"wave", "previous_wave", "item_id", "section", "status", "responsibility", "municipality_id"}


@dataclass
class ProcessExportSummary:
    waves: list[str]
    files: list[Path]


def process_folder(dd: DataDir) -> Path:
    return dd.exports / "process"


def _formatted(frame: pl.DataFrame, columns: list[str], sort: list[str]) -> pl.DataFrame:
    frame = frame.sort(sort).select(columns)
    return number_text(frame, [c for c in columns if c not in _TEXT])


def write_process_exports(dd: DataDir) -> ProcessExportSummary:
    """Every process export from the marts; stale wave folders and files removed."""
    with warehouse.connect(dd.warehouse, read_only=True) as con:
        marts = read_marts(con, PROCESS_MODELS)
    root = process_folder(dd)
    waves = sorted(marts["process_waves"]["wave"].to_list())
    files = [write_csv(_formatted(marts["process_waves"], WAVES_COLUMNS, ["wave"]), root / "waves.csv")]
    for wave in waves:
        folder = root / wave
        written = set()
        for name, (mart, columns, sort) in WAVE_EXPORTS.items():
            frame = marts[mart].filter(pl.col("wave") == wave)
            if name == "process_change" and wave == waves[0]:
                continue  # no change for the first wave: no file (spec)
            files.append(write_csv(_formatted(frame, columns, sort), folder / f"{name}.csv"))
            written.add(f"{name}.csv")
        for stale in folder.glob("*.csv"):
            if stale.name not in written:
                stale.unlink()
    for folder in root.iterdir() if root.exists() else ():
        if folder.is_dir() and _WAVE.fullmatch(folder.name) and folder.name not in waves:
            shutil.rmtree(folder)
    return ProcessExportSummary(waves, files)
