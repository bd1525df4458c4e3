"""Small-cell suppression for everything the dashboards show (docs/indicators.md,
"Publication and small cells").

The exports stay exact; the dashboards are seen beyond the data team, so they follow the BA
rule. It is applied to the frames BEFORE any table or chart spec is built from them: a
hidden value is nulled here and never reaches the HTML, the chart data or a tooltip.

- primary: a count of 1 or 2 is hidden; zero stays 0;
- secondary: a count is also hidden when a shown total would let one work it out. A "line"
  is a set of cells adding up to a total (f + m + d = total, projects = ALL, categories =
  the participants total shown elsewhere). A line must never have exactly one hidden cell,
  so the smallest other non-zero part is hidden too (or the total, if no part is left);
  this is repeated until no line changes, because a cell hidden for one line can leave
  another line with a single hidden cell;
- rates (and durations, whose denominator is the number of leavers): hidden when the
  numerator or the denominator is 1 or 2.

Which lines exist between the published tables is decided in `data.suppress_published_counts`.
Not covered, on purpose: differences over time (participants_cumulative of C minus that of
C−1 = entries_month of C). Treating a month and its predecessor as a line would blank most of
a small project's trend; if wanted, it is one more kind of line there, this module is ready.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

#: counts that must not be published
SMALL_COUNTS = (1, 2)
#: what a hidden cell shows
HIDDEN = "*"
#: name of the flag column the functions add
SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class Margin:
    """Cells that differ only in `column` and add up to a total that is shown.

    total: the member of `column` holding the total (e.g. gender "total", project "ALL");
        None when the total is published elsewhere (e.g. the participants total of a
        breakdown), so it counts as a shown cell that cannot be hidden here.
    parts: the members adding up to it; None = every member except the total.
    """

    column: str
    total: str | None = None
    parts: tuple[str, ...] | None = None


def is_small(count: float | int | None) -> bool:
    """True for a count of 1 or 2 (the primary rule); None and 0 are not small."""
    return count is not None and count in SMALL_COUNTS


def small_count(expr: pl.Expr) -> pl.Expr:
    """Expression form of `is_small` for any numeric column (null → False)."""
    return expr.cast(pl.Float64).is_in([float(v) for v in SMALL_COUNTS]).fill_null(False)


#: a set of cells adding up to a total: (row indices of the parts, row index of the total or
#: None when the total is published elsewhere and so counts as shown)
Line = tuple[list[int], int | None]


def hide_cells(values: Sequence[float | int | None], lines: Sequence[Line]) -> list[bool]:
    """Which cells to hide: primary (1 or 2), then secondary until no line has exactly one hidden cell.

    Secondary picks the smallest non-zero shown part of the line (ties: the first), or the total
    when no part is left; zero is never hidden (a hidden 0 protects nothing, the sum stays known).
    """
    hidden = [is_small(v) for v in values]
    changed = True
    while changed:
        changed = False
        for parts, total in lines:
            cells = parts + ([total] if total is not None else [])
            if sum(hidden[i] for i in cells) != 1:
                continue
            candidates = [i for i in parts if not hidden[i] and values[i]]
            if candidates:
                hidden[min(candidates, key=lambda i: (values[i], i))] = True
                changed = True
            elif total is not None and not hidden[total] and values[total]:
                hidden[total] = True
                changed = True
    return hidden


def margin_lines(frame: pl.DataFrame, keys: Sequence[str], margin: Margin, offset: int = 0) -> list[Line]:
    """The lines of a margin: groups of rows that agree on every key but `margin.column`.

    `offset` shifts the row indices, for several frames suppressed together (see hide_cells).
    """
    others = [k for k in keys if k != margin.column]
    groups: dict[tuple, list[int]] = defaultdict(list)
    rows = frame.select(others).rows() if others else [()] * frame.height
    for i, row in enumerate(rows):
        groups[row].append(i + offset)
    members = frame[margin.column].to_list()
    lines: list[Line] = []
    for indices in groups.values():
        total = next((i for i in indices if members[i - offset] == margin.total), None) if margin.total else None
        parts = [i for i in indices if members[i - offset] != margin.total
                 and (margin.parts is None or members[i - offset] in margin.parts)]
        if parts:
            lines.append((parts, total))
    return lines


def apply_hidden(frame: pl.DataFrame, hidden: Sequence[bool], value: str = "value") -> pl.DataFrame:
    """Null the hidden values and flag them in the `suppressed` column."""
    flags = pl.Series(SUPPRESSED, list(hidden), dtype=pl.Boolean)
    return frame.with_columns(flags).with_columns(
        pl.when(pl.col(SUPPRESSED)).then(None).otherwise(pl.col(value)).alias(value)
    )


def suppress_counts(
    frame: pl.DataFrame,
    keys: Sequence[str],
    margins: Sequence[Margin] = (),
    value: str = "value",
) -> pl.DataFrame:
    """Null every count the rule hides and flag it in a `suppressed` column (one table).

    `keys` identify a cell (one row per key combination); every margin's column is one of them.
    """
    lines = [line for margin in margins for line in margin_lines(frame, keys, margin)]
    return apply_hidden(frame, hide_cells(frame[value].to_list(), lines), value)


def suppress_rates(
    frame: pl.DataFrame,
    numerator: str = "numerator",
    denominator: str = "denominator",
    value: str = "value",
    also_hide: pl.Expr | None = None,
) -> pl.DataFrame:
    """Null a rate (or a duration) whose numerator or denominator is 1 or 2.

    A missing numerator (durations) only tests the denominator. `also_hide` adds cells that
    must go for another reason (e.g. target achievement when its participant count is
    hidden: with the public plan figure it would give the count back).
    """
    small = small_count(pl.col(numerator)) | small_count(pl.col(denominator))
    if also_hide is not None:
        small = small | also_hide.fill_null(False)
    return frame.with_columns(small.alias(SUPPRESSED)).with_columns(
        pl.when(pl.col(SUPPRESSED)).then(None).otherwise(pl.col(value)).alias(value)
    )
