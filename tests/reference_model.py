"""Independent re-computation of docs/indicators.md in plain Python — the yardstick for the dbt marts.

Why it exists: the dbt SQL is the product; this module is written straight from the spec by
someone who never read that SQL, so that a figure-by-figure comparison of both on the same
data catches misreadings of the spec on either side. It favours being obviously correct over
being fast: every participant becomes one :class:`Participant` record, and every indicator is a
plain predicate over those records (it runs on a few thousand participants).

Conventions decided by the team where the spec leaves room (see the task brief):
- counts: numerator = value, denominator empty;
- rates: value = numerator / denominator, empty when the denominator is 0;
- durations: numerator empty, denominator = number of leavers, value empty when there are none;
- ``ALL`` reach_rate_12m: numerator = sum of the projects' numerators, denominator = sum over the
  DISTINCT (district, target_group) of the started projects of their mean monthly population
  (only pairs with data; empty when none has data);
- ``ALL`` target_achievement: sum of participants_cumulative / sum of planned_participants of the
  started projects.

Also the helpers the cross-check needs: :func:`load_raw_from_data_folder` (a data folder → the raw
tables, as the intake accepts them) and :func:`compare_exports` (expected frames vs. export CSVs).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from schemas.codes import (
    COLUMNS,
    EMPLOYMENT_STATUS,
    FOLLOWUP_COLUMNS,
    GENDER,
    PARTICIPANTS_COLUMNS,
    REGISTRY_COLUMNS,
    TARGET_POPULATION_COLUMNS,
)

GENDERS = (*GENDER, "total")
#: the extract types the participant indicators are computed from (the process checklists
#: have their own hand-computed test: tests/integration/test_process_exports.py)
RECOMPUTED = ("participants", "followup", "target_population")
ALL = "ALL"

# --------------------------------------------------------------------------- months and windows


def month_index(month: str) -> int:
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def month_of_index(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_start(month: str) -> date:
    year, mon = month.split("-")
    return date(int(year), int(mon), 1)


def month_end(month: str) -> date:
    return month_start(month_of_index(month_index(month) + 1)) - timedelta(days=1)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@dataclass(frozen=True)
class Window:
    """The dates a cut-off C needs (docs/indicators.md, "Cut-off")."""

    cutoff: str

    @property
    def end(self) -> date:
        """Last day of C."""
        return month_end(self.cutoff)

    @property
    def start_12m(self) -> date:
        """First day of month C−11: "12 months to C" = start_12m .. end."""
        return month_start(month_of_index(month_index(self.cutoff) - 11))

    @property
    def months_12m(self) -> set[str]:
        return {month_of_index(month_index(self.cutoff) - k) for k in range(12)}

    @property
    def minus_6(self) -> date:
        """ "C minus 6 months": last day of the month six months before C (2024-06 → 2023-12-31)."""
        return month_end(month_of_index(month_index(self.cutoff) - 6))

    def in_12m(self, day: date | None) -> bool:
        return day is not None and self.start_12m <= day <= self.end


# --------------------------------------------------------------------------- participants at C


@dataclass(frozen=True)
class Participant:
    """One (project_id, participant_id) as known at the cut-off."""

    project_id: str
    participant_id: str
    first: dict  # the FIRST spell (situation at entry)
    last: dict  # the LAST spell (results)
    first_entry: date
    leaver: bool  # every spell closed at C
    last_exit: date | None  # only for leavers
    followup: dict | None  # the followup row at C for this (participant, project), any exit_date

    @property
    def gender(self) -> str | None:
        return self.first["gender"]

    @property
    def age(self) -> int | None:
        birth_year = self.first["birth_year"]
        return None if birth_year is None else self.first_entry.year - birth_year

    @property
    def complete(self) -> bool:
        """gender, birth_year, employment_status, isced present and valid in the first spell."""
        f = self.first
        return (
            f["gender"] in GENDER
            and self.age is not None
            and 14 <= self.age <= 70
            and f["employment_status"] in EMPLOYMENT_STATUS
            and f["isced"] is not None
            and 0 <= f["isced"] <= 8
        )

    @property
    def status(self) -> str | None:
        """status_upon_leaving of the last spell (leavers only)."""
        return self.last["status_upon_leaving"] if self.leaver else None

    @property
    def followup_for_exit(self) -> dict | None:
        """The followup row only if it is about the participant's last exit (same exit_date)."""
        if self.leaver and self.followup is not None and self.followup["exit_date"] == self.last_exit:
            return self.followup
        return None

    @property
    def duration_days(self) -> int | None:
        return (self.last_exit - self.first_entry).days + 1 if self.leaver else None


def snapshot_rows(participants: pl.DataFrame, cutoff: str) -> list[dict]:
    """Per project the newest snapshot with reporting month ≤ C, truncated to C.

    Spells that start after C are dropped; an exit after C counts as no exit yet.
    """
    eligible = participants.filter(pl.col("_reporting_month") <= cutoff)
    newest: dict[str, str] = {}
    for row in eligible.select("project_id", "_reporting_month").iter_rows(named=True):
        newest[row["project_id"]] = max(newest.get(row["project_id"], ""), row["_reporting_month"])
    end = month_end(cutoff)
    rows = []
    for row in eligible.iter_rows(named=True):
        if row["_reporting_month"] != newest[row["project_id"]] or row["entry_date"] > end:
            continue
        if row["exit_date"] is not None and row["exit_date"] > end:
            row = {**row, "exit_date": None}
        rows.append(row)
    return rows


def newest_rows(frame: pl.DataFrame, cutoff: str, key: tuple[str, ...]) -> dict[tuple, dict]:
    """Rows of all files with reporting month ≤ C, the newest file's row winning per key."""
    eligible = frame.filter(pl.col("_reporting_month") <= cutoff).sort(
        "_reporting_month", maintain_order=True
    )
    return {tuple(row[k] for k in key): row for row in eligible.iter_rows(named=True)}


def participants_at(participants: pl.DataFrame, followup: pl.DataFrame, cutoff: str) -> list[Participant]:
    spells: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in snapshot_rows(participants, cutoff):
        spells[(row["project_id"], row["participant_id"])].append(row)
    followups = newest_rows(followup, cutoff, ("participant_id", "project_id"))
    people = []
    for (project_id, participant_id), rows in spells.items():
        rows.sort(key=lambda r: r["entry_date"])
        leaver = all(r["exit_date"] is not None for r in rows)
        people.append(
            Participant(
                project_id=project_id,
                participant_id=participant_id,
                first=rows[0],
                last=rows[-1],
                first_entry=rows[0]["entry_date"],
                leaver=leaver,
                last_exit=max(r["exit_date"] for r in rows) if leaver else None,
                followup=followups.get((participant_id, project_id)),
            )
        )
    return people


# --------------------------------------------------------------------------- EU common indicators

EMPLOYED_RESULT = {"employed_sv", "employed_marginal", "self_employed"}
Predicate = Callable[[Participant, Window], bool]


def _leaver_with(statuses: set[str]) -> Predicate:
    return lambda p, w: p.leaver and p.status in statuses


def _eecr05(p: Participant, w: Window) -> bool:
    fu = p.followup_for_exit
    return p.leaver and p.last_exit <= w.minus_6 and fu is not None and fu["status_6m"] in EMPLOYED_RESULT


def _isced(p: Participant) -> int:
    return p.first["isced"]


#: code -> "counts complete participants with first entry ≤ C where …"
COMMON_INDICATORS: dict[str, Predicate] = {
    "EECO01": lambda p, w: True,
    "EECO02": lambda p, w: p.first["employment_status"] in {"unemployed", "long_term_unemployed"},
    "EECO03": lambda p, w: p.first["employment_status"] == "long_term_unemployed",
    "EECO04": lambda p, w: p.first["employment_status"] in {"inactive", "inactive_in_education"},
    "EECO05": lambda p, w: p.first["employment_status"] in {"employed", "self_employed"},
    "EECO06": lambda p, w: p.age < 18,
    "EECO07": lambda p, w: 18 <= p.age <= 29,
    "EECO08": lambda p, w: p.age >= 55,
    "EECO09": lambda p, w: _isced(p) <= 2,
    "EECO10": lambda p, w: _isced(p) in {3, 4},
    "EECO11": lambda p, w: _isced(p) >= 5,
    "EECO12": lambda p, w: p.first["disability"] == "yes",
    "EECO13": lambda p, w: p.first["nationality"] in {"third_country", "stateless"},
    "EECO14": lambda p, w: p.first["foreign_background"] == "yes",
    "EECO15": lambda p, w: p.first["minority"] == "yes",
    "EECO16": lambda p, w: p.first["homeless"] == "yes",
    "EECO17": lambda p, w: p.first["rural"] == "yes",
    "EECR01": _leaver_with({"job_searching"}),
    "EECR02": _leaver_with({"vocational_training", "education"}),
    "EECR03": lambda p, w: p.leaver and p.last["qualification_gained"] is True,
    "EECR04": _leaver_with(EMPLOYED_RESULT),
    "EECR05": _eecr05,
}

# --------------------------------------------------------------------------- headline indicators

INTEGRATED = {"employed_sv", "self_employed", "vocational_training"}


def _left_12m(p: Participant, w: Window) -> bool:
    return p.leaver and w.in_12m(p.last_exit)


def _left_by_minus_6(p: Participant, w: Window) -> bool:
    return p.leaver and p.last_exit <= w.minus_6


def _integrated_6m(p: Participant, w: Window) -> bool:
    fu = p.followup_for_exit
    return fu is not None and fu["status_6m"] in INTEGRATED


#: counts: indicator -> which participants count
COUNTS: dict[str, Predicate] = {
    "participants_cumulative": lambda p, w: True,
    "participants_active": lambda p, w: not p.leaver,
    "entries_month": lambda p, w: month_of(p.first_entry) == w.cutoff,
    "leavers_month": lambda p, w: p.leaver and month_of(p.last_exit) == w.cutoff,
}
#: rates: indicator -> (denominator population, numerator condition within it)
RATES: dict[str, tuple[Predicate, Predicate]] = {
    "integration_rate_12m": (_left_12m, lambda p, w: p.status in INTEGRATED),
    "integration_rate_cumulative": (lambda p, w: p.leaver, lambda p, w: p.status in INTEGRATED),
    "integration_rate_6m": (_left_by_minus_6, _integrated_6m),
    "followup_coverage": (_left_by_minus_6, lambda p, w: p.followup_for_exit is not None),
    "status_unknown_share": (_left_12m, lambda p, w: p.status in (None, "unknown")),
}
#: durations over the leavers of the 12 months to C: indicator -> statistic of the day counts
DURATIONS: dict[str, Callable[[list[int]], float]] = {
    "duration_median_days": statistics.median,  # even count: mean of the two middle values
    "duration_mean_days": statistics.fmean,
}
HEADLINE_ORDER = (*COUNTS, "target_achievement", "reach_rate_12m", *RATES, *DURATIONS)


def in_target_group(p: Participant, target_group: str) -> bool:
    f = p.first
    if target_group == "elb_total":
        return True
    if target_group == "single_parents":
        return f["single_parent"] is True
    if target_group == "women_foreign_background":
        return f["gender"] == "f" and f["foreign_background"] == "yes"
    if target_group == "parents_low_qualified":
        return (
            f["children_under_18"] is not None
            and f["children_under_18"] >= 1
            and f["isced"] is not None
            and f["isced"] <= 2
        )
    raise ValueError(f"unknown target_group {target_group!r}")


def mean_population(
    target_population: pl.DataFrame, w: Window, district: str, target_group: str
) -> float | None:
    """Mean monthly count over the months of the 12-month window that have data (None if none)."""
    rows = newest_rows(target_population, w.cutoff, ("month", "district", "target_group"))
    counts = [
        r["count"]
        for (month, d, tg), r in rows.items()
        if d == district and tg == target_group and month in w.months_12m
    ]
    return statistics.fmean(counts) if counts else None


def _ratio(numerator: float, denominator: float | None) -> float | None:
    return numerator / denominator if denominator else None


# --------------------------------------------------------------------------- compute


def compute(
    participants: pl.DataFrame,
    followup: pl.DataFrame,
    target_population: pl.DataFrame,
    projects: pl.DataFrame,
    cutoff: str,
) -> dict[str, pl.DataFrame]:
    """Every figure of docs/indicators.md for cut-off ``cutoff`` ('YYYY-MM') from the raw tables."""
    w = Window(cutoff)
    started = [r for r in projects.sort("project_id").iter_rows(named=True) if r["start_date"] <= w.end]
    started_ids = {r["project_id"] for r in started}
    people = [p for p in participants_at(participants, followup, cutoff) if p.project_id in started_ids]

    # (project or ALL, gender or total) -> participants
    groups: dict[tuple[str, str], list[Participant]] = defaultdict(list)
    for p in people:
        for project in (p.project_id, ALL):
            groups[(project, "total")].append(p)
            if p.gender in GENDER:
                groups[(project, p.gender)].append(p)

    common = {}
    for project in [r["project_id"] for r in started] + [ALL]:
        for code, rule in COMMON_INDICATORS.items():
            for gender in GENDERS:
                common[(project, code, gender)] = sum(
                    1 for p in groups[(project, gender)] if p.complete and rule(p, w)
                )

    sfc: dict[tuple, int] = defaultdict(int)
    for r in started:
        for code in COMMON_INDICATORS:
            for gender in GENDERS:
                sfc[(r["specific_objective"], r["category_of_region"], code, gender)] += common[
                    (r["project_id"], code, gender)
                ]

    headline = []  # (project, indicator, gender, numerator, denominator, value)
    for project in [r["project_id"] for r in started] + [ALL]:
        for gender in GENDERS:
            members = groups[(project, gender)]
            for name, rule in COUNTS.items():
                n = sum(1 for p in members if rule(p, w))
                headline.append((project, name, gender, n, None, n))
            for name, (population, condition) in RATES.items():
                den = [p for p in members if population(p, w)]
                num = sum(1 for p in den if condition(p, w))
                headline.append((project, name, gender, num, len(den), _ratio(num, len(den))))
            days = [p.duration_days for p in members if _left_12m(p, w)]
            for name, statistic in DURATIONS.items():
                headline.append(
                    (project, name, gender, None, len(days), float(statistic(days)) if days else None)
                )
        headline.extend(_total_only(project, started, groups, target_population, w))

    return {
        "common_indicators": pl.DataFrame(
            [(cutoff, *k, v) for k, v in common.items()],
            orient="row",
            schema={
                "cutoff": pl.Utf8,
                "project_id": pl.Utf8,
                "indicator": pl.Utf8,
                "gender": pl.Utf8,
                "value": pl.Int64,
            },
        ),
        "sfc_table": pl.DataFrame(
            [(cutoff, *k, v) for k, v in sfc.items()],
            orient="row",
            schema={
                "cutoff": pl.Utf8,
                "specific_objective": pl.Utf8,
                "category_of_region": pl.Utf8,
                "indicator": pl.Utf8,
                "gender": pl.Utf8,
                "value": pl.Int64,
            },
        ),
        "indicators": pl.DataFrame(
            [(cutoff, *row) for row in headline],
            orient="row",
            schema={
                "cutoff": pl.Utf8,
                "project_id": pl.Utf8,
                "indicator": pl.Utf8,
                "gender": pl.Utf8,
                "numerator": pl.Float64,
                "denominator": pl.Float64,
                "value": pl.Float64,
            },
        ),
    }


def _total_only(
    project: str, started: list[dict], groups: dict, target_population: pl.DataFrame, w: Window
) -> list[tuple]:
    """target_achievement and reach_rate_12m (gender total only) of one project or ALL."""
    chosen = started if project == ALL else [r for r in started if r["project_id"] == project]
    cumulative = sum(len(groups[(r["project_id"], "total")]) for r in chosen)
    planned = sum(r["planned_participants"] for r in chosen)

    reached = sum(
        1
        for r in chosen
        for p in groups[(r["project_id"], "total")]
        if w.in_12m(p.first_entry) and in_target_group(p, r["target_group"])
    )
    means = {
        (r["district"], r["target_group"]): mean_population(
            target_population, w, r["district"], r["target_group"]
        )
        for r in chosen
    }
    with_data = [m for m in means.values() if m is not None]
    population = sum(with_data) if with_data else None
    return [
        (project, "target_achievement", "total", cumulative, planned, _ratio(cumulative, planned)),
        (project, "reach_rate_12m", "total", reached, population, _ratio(reached, population)),
    ]


# --------------------------------------------------------------------------- reading a data folder

_DATE_COLUMNS = {"entry_date", "exit_date", "start_date", "end_date"}
_INT_COLUMNS = {"birth_year", "isced", "children_under_18", "count", "planned_participants"}
_BOOL_COLUMNS = {"single_parent", "qualification_gained"}
_TRUE = {"yes", "ja", "true", "1"}
_FALSE = {"no", "nein", "false", "0"}


def read_plain_csv(path: Path, columns: tuple[str, ...]) -> pl.DataFrame:
    """Read a PLAIN contract file (UTF-8, comma, ISO dates) into typed contract columns.

    Only for hand-made fixtures: the other dialects are the intake's business.
    """
    raw = pl.read_csv(path, infer_schema=False)
    raw = raw.rename({c: c.strip().lower() for c in raw.columns})
    typed = []
    for column in columns:
        text = (
            pl.col(column).str.strip_chars().replace("", None)
            if column in raw.columns
            else pl.lit(None, pl.Utf8)
        )
        if column in _DATE_COLUMNS:
            text = text.str.to_date("%Y-%m-%d")
        elif column in _INT_COLUMNS:
            text = text.cast(pl.Int64)
        elif column in _BOOL_COLUMNS:
            lowered = text.str.to_lowercase()
            text = (
                pl.when(lowered.is_in(list(_TRUE)))
                .then(True)
                .when(lowered.is_in(list(_FALSE)))
                .then(False)
                .otherwise(None)
            )
        typed.append(text.alias(column))
    return raw.select(typed)


def _slot_candidates(data_dir: Path) -> dict[tuple[str, str, str], list[Path]]:
    """(provider, type, month) -> the files that may hold the slot's accepted rows, in order.

    First the slot's current landing file (the newest if both .csv and .xlsx exist), then the
    archived ACCEPTED versions, newest first: a rejected re-send does not undo the earlier
    accepted version, and a slot whose landing file is gone keeps its archived rows.
    """
    from esf_monitor import store  # only the archive's version log; no pipeline logic
    from esf_monitor.paths import DataDir

    landing: dict[tuple[str, str, str], Path] = {}
    for path in sorted((data_dir / "landing").glob("*/*/*")):
        if not path.is_file() or path.name.startswith(".") or path.suffix.lower() not in (".csv", ".xlsx"):
            continue
        key = (path.parent.parent.name, path.parent.name, path.stem)
        if key[1] in RECOMPUTED and (
            key not in landing or path.stat().st_mtime_ns > landing[key].stat().st_mtime_ns
        ):
            landing[key] = path
    archived = {
        (p.parent.parent.parent.name, p.parent.parent.name, p.parent.name)
        for p in (data_dir / "archive").glob(f"*/*/*/{store.VERSIONS_FILE}")
    }
    candidates = {}
    for key in sorted(landing.keys() | {k for k in archived if k[1] in RECOMPUTED}):
        versions = store.read_versions(DataDir(data_dir), *key)
        candidates[key] = [
            *([landing[key]] if key in landing else []),
            *[
                Path(v.archive_path)
                for v in reversed(versions)
                if v.status == "accepted" and v.archive_path and Path(v.archive_path).exists()
            ],
        ]
    return candidates


def _empty(columns: tuple[str, ...]) -> pl.DataFrame:
    schema = {
        c: (
            pl.Date
            if c in _DATE_COLUMNS
            else pl.Int64
            if c in _INT_COLUMNS
            else pl.Boolean
            if c in _BOOL_COLUMNS
            else pl.Utf8
        )
        for c in columns
    }
    return pl.DataFrame(schema={**schema, "_provider_id": pl.Utf8, "_reporting_month": pl.Utf8})


def load_raw_from_data_folder(
    data_dir: Path, use_intake: bool = True
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(participants, followup, target_population, projects) as the raw schema holds them.

    With ``use_intake`` (default) every file goes through ``esf_monitor.intake.check_file`` — all
    dialects — and per (provider, type, month) only the accepted version is used: the landing
    file if the intake accepts it, else the newest accepted archived version (a rejected re-send
    does not undo the earlier one). ``use_intake=False`` reads plain UTF-8/comma/ISO files with
    polars only (hand-made fixtures).
    """
    data_dir = Path(data_dir)
    registry_path = data_dir / "reference" / "projects.csv"
    if use_intake:
        from esf_monitor.intake import check_file, read_registry

        projects = read_registry(registry_path)
    else:
        projects = read_plain_csv(registry_path, REGISTRY_COLUMNS)

    frames: dict[str, list[pl.DataFrame]] = defaultdict(list)
    for (provider, extract_type, month), paths in _slot_candidates(data_dir).items():
        if use_intake:
            results = (check_file(path, provider, extract_type, month, projects) for path in paths)
            accepted = next((result for result in results if result.ok), None)
            data = None if accepted is None else accepted.data.select(COLUMNS[extract_type])
        else:
            data = read_plain_csv(paths[0], COLUMNS[extract_type]) if paths else None
        if data is not None:
            frames[extract_type].append(
                data.with_columns(
                    pl.lit(provider).alias("_provider_id"), pl.lit(month).alias("_reporting_month")
                )
            )

    def stacked(extract_type: str, columns: tuple[str, ...]) -> pl.DataFrame:
        parts = frames[extract_type]
        return pl.concat(parts, how="diagonal_relaxed") if parts else _empty(columns)

    target_population = stacked("target_population", TARGET_POPULATION_COLUMNS)
    if target_population.schema["month"] == pl.Date:
        target_population = target_population.with_columns(pl.col("month").dt.strftime("%Y-%m"))
    projects = projects.with_columns(pl.col("planned_participants").cast(pl.Int64))
    return (
        stacked("participants", PARTICIPANTS_COLUMNS),
        stacked("followup", FOLLOWUP_COLUMNS),
        target_population,
        projects,
    )


def reporting_months(
    participants: pl.DataFrame, followup: pl.DataFrame, target_population: pl.DataFrame
) -> list[str]:
    """Every month from the first to the last reporting month of any accepted file."""
    seen = [m for f in (participants, followup, target_population) for m in f["_reporting_month"].to_list()]
    if not seen:
        return []
    first, last = month_index(min(seen)), month_index(max(seen))
    return [month_of_index(i) for i in range(first, last + 1)]


# --------------------------------------------------------------------------- comparing

KEYS = {
    "common_indicators": ("cutoff", "project_id", "indicator", "gender"),
    "sfc_table": ("cutoff", "specific_objective", "category_of_region", "indicator", "gender"),
    "indicators": ("cutoff", "project_id", "indicator", "gender"),
}
VALUES = {
    "common_indicators": ("value",),
    "sfc_table": ("value",),
    "indicators": ("numerator", "denominator", "value"),
}


def _number(cell) -> float | None:
    if cell is None or (isinstance(cell, str) and cell.strip() == ""):
        return None
    return float(cell)


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.all().cast(pl.Utf8))


def compare_frames(name: str, expected: pl.DataFrame, actual: pl.DataFrame) -> list[str]:
    """Human-readable differences between two frames of mart ``name`` (empty = equal).

    Rows are matched on the mart's key; numbers compare with relative tolerance 1e-9; a null
    equals an empty cell.
    """
    keys, values = KEYS[name], VALUES[name]
    problems = []
    missing_columns = [c for c in (*keys, *values) if c not in actual.columns]
    if missing_columns:
        return [f"{name}: columns missing: {missing_columns} (has {actual.columns})"]
    if list(actual.columns) != [*keys, *values]:
        problems.append(f"{name}: column order {actual.columns}, expected {[*keys, *values]}")

    def by_key(frame: pl.DataFrame, label: str) -> dict[tuple, dict]:
        rows: dict[tuple, dict] = {}
        for row in _as_text(frame.select(*keys, *values)).iter_rows(named=True):
            key = tuple(row[k] for k in keys)
            if key in rows:
                problems.append(f"{name}: duplicate row in {label} for {key}")
            rows[key] = row
        return rows

    exp, act = by_key(expected, "expected"), by_key(actual, "actual")
    for key in sorted(exp.keys() - act.keys()):
        problems.append(f"{name}: row missing {key}")
    for key in sorted(act.keys() - exp.keys()):
        problems.append(f"{name}: unexpected row {key}")
    for key in sorted(exp.keys() & act.keys()):
        for column in values:
            e, a = _number(exp[key][column]), _number(act[key][column])
            same = (e is None and a is None) or (
                e is not None and a is not None and math.isclose(e, a, rel_tol=1e-9, abs_tol=1e-12)
            )
            if not same:
                problems.append(f"{name} {key} {column}: expected {e}, got {a}")
    return problems


def compare_exports(expected: dict[str, pl.DataFrame], export_dir: Path) -> list[str]:
    """Differences between expected frames and ``export_dir/<name>.csv`` (empty list = equal)."""
    problems = []
    for name, frame in expected.items():
        path = Path(export_dir) / f"{name}.csv"
        if not path.exists():
            problems.append(f"{name}: file missing: {path}")
            continue
        actual = pl.read_csv(path, infer_schema=False)
        problems.extend(compare_frames(name, frame, actual))
    return problems
