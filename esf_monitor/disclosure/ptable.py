"""The perturbation table (ptable) and the perturbation of published figures.

Format: the ONS package `cell-key-perturbation`'s (``pcv, ckey, pvalue``), kept as data in
``ptable.csv`` beside this module; rows pcv 0–5 × ckey 0–255. A count above the last pcv (5)
uses that row (docs/indicators.md "Publication"). Design, by the spec's constraints (|p| ≤ 2,
zero stays zero, no published 1 or 2, mean of p over the 256 keys 0 for every true count):

| true count | p (number of the 256 cell keys)           | published       | mean   | variance |
|---|---|---|---|---|
| 0          | 0 (256)                                   | 0               | 0      | 0        |
| 1          | −1 (171), +2 (85)                         | 0 or 3          | −1/256 | 2.00     |
| 2          | −2 (86), +1 (168), +2 (2)                 | 0, 3 or 4       | 0      | 2.03     |
| 3          | 0 (256)                                   | 3               | 0      | 0        |
| 4          | −1 (80), 0 (112), +1 (48), +2 (16)        | 3–6             | 0      | 0.75     |
| ≥ 5        | −2 (16), −1 (64), 0 (96), +1 (64), +2 (16)| n−2 … n+2       | 0      | 1.00     |

Why so: a true 1 may only become 0 (p = −1) or 3 (p = +2); a mean of exactly 0 would need
85⅓ keys of +2, so the nearest table over 256 keys has mean −1/256 (stated, tested). A true 3
cannot move down (to 1 or 2) and so, unbiased, cannot move at all. A published 0 may be a true
0, 1 or 2, a published 3 a true 1–5, a published 4 a true 2, 4, 5 or 6: no published value
tells a small count apart. The keys of each p are contiguous ranges (as in the ONS tables).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import polars as pl

PTABLE_CSV = Path(__file__).with_name("ptable.csv")
MAX_PCV = 5
N_KEYS = 256
#: rates and durations are shown only where the perturbed denominator is at least this
MIN_DENOMINATOR = 10

#: (true count → [(pvalue, number of keys), …]) — the design above
DESIGN: dict[int, list[tuple[int, int]]] = {
    0: [(0, 256)],
    1: [(-1, 171), (2, 85)],
    2: [(-2, 86), (1, 168), (2, 2)],
    3: [(0, 256)],
    4: [(-1, 80), (0, 112), (1, 48), (2, 16)],
    5: [(-2, 16), (-1, 64), (0, 96), (1, 64), (2, 16)],
}


def design_ptable() -> pl.DataFrame:
    """The ptable of DESIGN, contiguous key ranges in the order listed."""
    rows = []
    for pcv, parts in DESIGN.items():
        ckey = 0
        for pvalue, n in parts:
            rows += [(pcv, k, pvalue) for k in range(ckey, ckey + n)]
            ckey += n
        assert ckey == N_KEYS, pcv
    return pl.DataFrame(rows, schema={"pcv": pl.Int64, "ckey": pl.Int64, "pvalue": pl.Int64}, orient="row")


@lru_cache(maxsize=1)
def load_ptable() -> pl.DataFrame:
    return pl.read_csv(PTABLE_CSV, schema={"pcv": pl.Int64, "ckey": pl.Int64, "pvalue": pl.Int64})


@lru_cache(maxsize=1)
def _lookup() -> tuple[tuple[int, ...], ...]:
    table = load_ptable().sort(["pcv", "ckey"])
    return tuple(tuple(table.filter(pl.col("pcv") == pcv)["pvalue"].to_list()) for pcv in range(MAX_PCV + 1))


def perturb(count: int, ckey: int) -> int:
    """Perturbed value of one cell: true count + p(min(count, last pcv), ckey)."""
    return count + _lookup()[min(count, MAX_PCV)][ckey]


def perturb_expr(count: str, ckey: str) -> pl.Expr:
    """polars expression: the perturbed value of column ``count`` with cell key column ``ckey``
    (the same lookup as ``perturb``, vectorised)."""
    table = load_ptable()
    codes = (table["pcv"] * N_KEYS + table["ckey"]).to_list()
    code = pl.min_horizontal(pl.col(count).cast(pl.Int64), pl.lit(MAX_PCV, pl.Int64)) * N_KEYS + pl.col(
        ckey
    ).cast(pl.Int64)
    pvalue = code.replace_strict(codes, table["pvalue"].to_list(), return_dtype=pl.Int64)
    return pl.col(count).cast(pl.Int64) + pvalue


def possible_true_values(published: int) -> set[int]:
    """Every true count that the ptable can publish as ``published`` (the attacker's view,
    who knows the ptable but not the cell keys)."""
    out = set()
    for pcv, parts in DESIGN.items():
        for pvalue, _ in parts:
            true = published - pvalue
            if true < 0:
                continue
            if (pcv < MAX_PCV and true == pcv) or (pcv == MAX_PCV and true >= MAX_PCV):
                out.add(true)
    return out


def rate_percent(numerator: int | None, denominator: float | None) -> int | None:
    """Whole percent of perturbed numerator / perturbed denominator, half up; None (shown
    "–") where the denominator is below MIN_DENOMINATOR."""
    if numerator is None or denominator is None or denominator < MIN_DENOMINATOR:
        return None
    return int((200 * numerator + denominator) // (2 * denominator))


def whole_days(days: float | None, leavers: int | None) -> int | None:
    """Duration in whole days (half up), only where the perturbed leavers ≥ MIN_DENOMINATOR."""
    if days is None or leavers is None or leavers < MIN_DENOMINATOR:
        return None
    return int(days + 0.5)
