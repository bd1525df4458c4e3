"""The demo's follow-up rows keep to the contract's due rule even where they are deliberately off.

A jobcenter's follow-up row is due once the leaver's six-month point lies in the reporting month
or earlier (schemas/followup.py, rule ``followup_too_early``); the generator misstates a few exit
dates on purpose (``FOLLOWUP_MISMATCH_SHARE``). Shifted LATER, a last-days-of-the-month exit
crossed into the next month and the intake rejected the whole file — at the benchmark's scale
every jobcenter's file. Here: 4,000 leavers, all leaving on the last three days of June.
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import polars as pl

from esf_monitor.demo.generator import FOLLOWUP_MISMATCH_SHARE, _followup, _window


def test_deliberately_wrong_exit_dates_never_make_a_row_too_early():
    n = 4_000
    exits = [dt.date(2025, 6, 28 + i % 3) for i in range(n)]
    spells = pl.DataFrame(
        {
            "participant_id": [f"p{i:05d}" for i in range(n)],
            "project_id": ["PRJ"] * n,
            "exit_date": exits,
            "status_upon_leaving": ["employed_sv"] * n,
            "_last": [True] * n,
        }
    )
    rows = _followup(spells, np.random.default_rng(1), _window(12, "2025-12"))
    off = rows.filter(
        pl.col("exit_date")
        != pl.col("participant_id").replace_strict(spells["participant_id"], spells["exit_date"])
    )
    assert off.height >= FOLLOWUP_MISMATCH_SHARE * n / 2  # the deliberate mismatches are there
    for month_index, part in rows.partition_by("_month", as_dict=True).items():
        year, month = divmod(month_index[0], 12)
        month_end = dt.date(year, month + 1, calendar.monthrange(year, month + 1)[1])
        assert (part["exit_date"].dt.offset_by("6mo") <= month_end).all(), month_end
