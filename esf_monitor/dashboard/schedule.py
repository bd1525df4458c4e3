"""Which projects are behind: target achievement against the share of the run that has elapsed.

The rule (docs/decisions.md, "At a glance"; docs/indicators.md, "Dashboards"):

- expected share E at cut-off C = days of the project's run up to the last day of month C
  (start and that day included, never past the end date) ÷ days of the whole run (start to end,
  both included); 0 before the start, 1 from the end date on;
- achievement A = ``target_achievement`` of the export (participants_cumulative ÷ planned);
- ratio R = A ÷ E;
- status: R ≥ 0.9 → on track ("im Plan"), 0.7 ≤ R < 0.9 → behind ("im Rückstand"),
  R < 0.7 → far behind ("weit im Rückstand"); no rating when the run has not begun at C
  (E = 0), when A is missing (no plan, no data, or withheld) or when the registry dates are
  missing or reversed.

Pure functions on plain values: the pages call them for every project and cut-off, and the unit
tests check them on hand-computed dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from esf_monitor.dashboard.labels import bi

#: R at or above ON_TRACK: on track; at or above BEHIND: behind; below: far behind
ON_TRACK = 0.9
BEHIND = 0.7

#: status → (German, English, symbol, css class); "none" = no rating
STATUS = {
    "on_track": ("im Plan", "on track", "✓", "sched-ok"),
    "behind": ("im Rückstand", "behind", "▼", "sched-behind"),
    "far_behind": ("weit im Rückstand", "far behind", "▼▼", "sched-far"),
    "none": ("keine Bewertung", "not rated", "–", "sched-none"),
}
#: order of the comparison table: furthest behind first, unrated last
ORDER = {"far_behind": 0, "behind": 1, "on_track": 2, "none": 3}


@dataclass(frozen=True)
class Schedule:
    expected: float | None  # E, 0–1 (None: registry dates missing or reversed)
    achievement: float | None  # A, as exported (None: not shown)
    ratio: float | None  # A ÷ E (None: no rating)
    status: str  # on_track | behind | far_behind | none

    @property
    def label(self) -> str:
        de, en, symbol, _ = STATUS[self.status]
        return f"{symbol} {bi(de, en)}"

    @property
    def cls(self) -> str:
        return STATUS[self.status][3]


def month_end(cutoff: str) -> dt.date:
    """'2025-01' → 2025-01-31 (a cut-off is a month end, docs/indicators.md)."""
    year, month = int(cutoff[:4]), int(cutoff[5:7])
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def expected_share(start: dt.date | None, end: dt.date | None, cutoff: str) -> float | None:
    """Share of the run [start, end] (days, both ends included) elapsed by the end of month cutoff."""
    if not isinstance(start, dt.date) or not isinstance(end, dt.date) or end < start:
        return None
    day = min(month_end(cutoff), end)
    if day < start:
        return 0.0
    return ((day - start).days + 1) / ((end - start).days + 1)


def status_of(ratio: float | None) -> str:
    if ratio is None:
        return "none"
    if ratio >= ON_TRACK:
        return "on_track"
    return "behind" if ratio >= BEHIND else "far_behind"


def schedule(start, end, cutoff: str, achievement: float | None) -> Schedule:
    expected = expected_share(start, end, cutoff)
    shown = achievement is not None and achievement == achievement  # NaN: not shown
    ratio = achievement / expected if shown and expected else None
    return Schedule(expected, achievement if shown else None, ratio, status_of(ratio))
