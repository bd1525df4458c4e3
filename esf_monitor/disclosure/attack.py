"""A differencing attack on published counts (the disclosure audit's, and the tests').

The attacker knows every published number, the ptable (so, for each published value, the
true counts it can come from — ``ptable.possible_true_values``) and the relations between
the tables, and tries to pin a true count of 1 or 2 down exactly:
- ``eq`` lines: total = sum of parts (gender f+m+d of the common indicators and SFC tables,
  projects = programme, projects of an SFC group = its row, EECO02+04+05 = EECO01 and
  EECO09+10+11 = EECO01, the categories of a breakdown = participants_cumulative);
- ``ge`` lines: total ≥ sum of parts (headline figures: total also holds participants without
  a valid gender);
- month pairs: a cumulative count of month C minus that of C−1 (the persons who came in);
- rates: an exact rate times its exact denominator gives the numerator (v1 showed both).
Each unknown true count is an interval; the lines are applied until nothing changes (bounds
propagation). A true count of 1 or 2 is RECOVERED when its interval — or the interval of a
month difference — shrinks to exactly that value. This is a sound attacker (whatever it
derives is certain); a cleverer one could use the holes of the sets (a published 4 is never
a true 3) — the tests show that even this one undoes v1's suppression.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from esf_monitor.disclosure.ptable import possible_true_values

BIG = 10**9
SMALL = (1, 2)


@dataclass
class View:
    """What the attacker sees: per cell key the interval of its true count, and the lines."""

    bounds: dict[tuple, tuple[int, int]]
    shown_exactly: set[tuple] = field(default_factory=set)  # cells published as their true value
    eq: list[tuple[tuple, list[tuple]]] = field(default_factory=list)
    ge: list[tuple[tuple, list[tuple]]] = field(default_factory=list)
    months: list[tuple[tuple, tuple]] = field(default_factory=list)  # (cell at C, same cell at C−1)
    rates: list[tuple[tuple, tuple, Fraction]] = field(default_factory=list)  # (num, den, exact rate)


def perturbed_bounds(published: int) -> tuple[int, int]:
    """The interval of true counts a published value can come from. A value the ptable never
    publishes (1 or 2: a release that was not perturbed) is taken as exact — the worst case,
    and the audit reports it anyway; it must not crash the audit that has to catch it."""
    values = possible_true_values(published)
    if not values:
        return published, published
    return min(values), max(values)


def v1_bounds(shown: str | int) -> tuple[int, int]:
    """v1's pages: an exact figure, or '*' (a hidden count: at least 1)."""
    return (1, BIG) if shown == "*" else (int(shown), int(shown))


def _tighten(bounds: dict, total, parts, equal: bool) -> bool:
    if total not in bounds or any(p not in bounds for p in parts):
        return False
    changed = False
    lo_sum = sum(bounds[p][0] for p in parts)
    hi_sum = sum(min(bounds[p][1], BIG) for p in parts)
    t_lo, t_hi = bounds[total]
    new_t = (max(t_lo, lo_sum), min(t_hi, hi_sum) if equal else t_hi)
    if new_t != (t_lo, t_hi) and new_t[0] <= new_t[1]:
        bounds[total] = new_t
        changed = True
    t_lo, t_hi = bounds[total]
    for p in parts:
        others_lo = lo_sum - bounds[p][0]
        others_hi = hi_sum - min(bounds[p][1], BIG)
        lo, hi = bounds[p]
        new = (max(lo, t_lo - others_hi) if equal else lo, min(hi, t_hi - others_lo))
        if new != (lo, hi) and new[0] <= new[1]:
            lo_sum += new[0] - lo
            hi_sum += min(new[1], BIG) - min(hi, BIG)
            bounds[p] = new
            changed = True
    return changed


def attack(view: View, truth: dict[tuple, int], rounds: int = 12) -> list[tuple]:
    """Cells (and month differences, as ("diff", cell, previous)) whose true count of 1 or 2
    the attacker pins down exactly — apart from cells that were published exactly anyway."""
    bounds = dict(view.bounds)
    for num, den, rate in view.rates:
        if num in bounds and den in bounds and bounds[den][0] == bounds[den][1]:
            value = rate * bounds[den][0]
            if value.denominator == 1:
                bounds[num] = (int(value), int(value))
    for _ in range(rounds):
        changed = False
        for total, parts in view.eq:
            changed |= _tighten(bounds, total, parts, True)
        for total, parts in view.ge:
            changed |= _tighten(bounds, total, parts, False)
        if not changed:
            break
    recovered = [
        k
        for k, (lo, hi) in bounds.items()
        if lo == hi and lo in SMALL and truth.get(k) == lo and k not in view.shown_exactly
    ]
    for cell, previous in view.months:
        if cell in bounds and previous in bounds:
            lo = bounds[cell][0] - bounds[previous][1]
            hi = bounds[cell][1] - bounds[previous][0]
            if (
                lo == hi
                and lo in SMALL
                and cell in truth
                and previous in truth
                and truth[cell] - truth[previous] == lo
            ):
                recovered.append(("diff", cell, previous))
    return recovered
