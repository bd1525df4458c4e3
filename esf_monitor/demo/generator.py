"""Deterministic demo / benchmark data folder (``esf-monitor generate``).

Why: the pipeline needs a complete, realistic data folder to demonstrate and to benchmark
itself without any real personal data. Everything here is synthetic; the calibration
(programmes, districts, shares) is in :mod:`esf_monitor.demo.generator_data`.

What ``generate(out, seed, scale, months, end_month)`` writes (extract contract v1)::

    reference/projects.csv                                  registry (UTF-8, comma, ISO dates)
    landing/<project_id>/participants/<YYYY-MM>.<csv|xlsx>  every month the project runs
    landing/<jobcenter_id>/followup/<YYYY-MM>.csv           months that have follow-up rows
    landing/<jobcenter_id>/target_population/<YYYY-MM>.csv  every month one of its projects runs
    landing_corrections/<project_id>/participants/<end_month>.<ext>
                                                            a corrected re-send (see below)

- Reporting window: ``months`` months ending with ``end_month`` (default 2024-01 .. 2025-12).
  Projects that started earlier deliver their whole history in their first snapshot; one
  project starts inside the default window (SIB-LG, GK-GE), one ends inside it
  (JCS-MUEMMELMANNSBERG, 2025-06).
- ``participants`` is a cumulative snapshot of all spells up to the month end. Exit data
  appear from the exit month on; for about 12 % of the leavers ``status_upon_leaving`` is
  still empty in the exit month and only known in the next month's snapshot.
- ``followup`` is INCREMENTAL: a row appears in the file of the month in which the leaver's
  six-month point (exit month + 6) falls; the window's first file also carries the backlog
  of all earlier six-month points ("that month or earlier"), ~5 % of the rows arrive one or
  two months late, ~2 % are re-sent in the next month with an updated status (newest wins),
  ~12 % of the leavers never get a row (coverage < 100 %), and ~1.5 % (at least one per
  project) carry an ``exit_date`` a few days off the participant's last exit, to exercise
  the "held back" warning. Rows exist only for the person's LAST spell. A month without
  rows gets no file.
- ``target_population``: one row per district of the jobcenter's projects x each of the
  four target groups, a slowly drifting month-end stock. Counts are multiplied by
  ``max(1, scale)`` so that reach rates stay plausible in the benchmark.
- Corrected delivery: for one CSV project (AEN-WUP when it runs in ``end_month``) the
  snapshot of ``end_month`` is written a second time under ``landing_corrections/`` with
  the missing core data filled in (the original has at least one incomplete row). Drop it
  into ``landing/`` after a first run to demonstrate a re-submission; it is not counted in
  the summary.
- Process monitoring ("Gemeinsam klappt's", ``process=True``, the default):
  ``reference/municipalities.csv`` (47 NRW municipalities), ``reference/checklist_items.csv``
  (14 items) and ``landing/<municipality_id>/process_checklist/<2020-06|2020-12>.<csv|xlsx>``,
  calibrated to the seed's published shares (:mod:`esf_monitor.demo.process`). The two waves
  are fixed (2020), whatever the reporting window. ``process=False`` writes none of it (the
  benchmarks: docs/decisions.md, "Process monitoring demo data").

Deliberate imperfections (all still VALID files): re-entries (second spell after the first
exit, sometimes with changed entry data), ~3 % of spells missing one core field, leavers
with status ``unknown``, the follow-up mismatches above, and four export dialects rotated
over the providers (see ``DIALECTS``): UTF-8/comma/ISO/``true,false``; Windows-1252/
semicolon/``DD.MM.YYYY``/``ja,nein``/CRLF/Title_Case headers (district names with umlauts
make the encoding matter); UTF-8 with BOM/semicolon/``1,0``/CRLF; XLSX with real Excel
date cells.

Determinism: same arguments -> byte-identical files (numpy ``default_rng`` seeded from
``seed`` and the provider id; fixed XLSX metadata). Everything is vectorised with
numpy/polars per project, and only one jobcenter's projects are in memory at a time, so
``scale`` 300-400 (~1M spells in the latest snapshots) is feasible. XLSX cells are written
one by one by xlsxwriter (the only XLSX writer installed), which is why the two XLSX
projects are small ones.
"""

from __future__ import annotations

import codecs
import os
import re
import shutil
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

from esf_monitor.demo.generator_data import (
    JOBCENTERS,
    PROFILES,
    PROJECTS,
    STATUS_6M_IF_INTEGRATED,
    STATUS_6M_OTHERWISE,
    TARGET_POPULATION_BASE,
    JobcenterSpec,
    Profile,
    ProjectSpec,
)
from esf_monitor.demo.process import write_process
from esf_monitor.demo.process_data import MUNICIPALITIES
from schemas.codes import (
    CORE_FIELDS,
    FOLLOWUP_COLUMNS,
    PARTICIPANTS_COLUMNS,
    REGISTRY_COLUMNS,
    TARGET_GROUP,
    TARGET_POPULATION_COLUMNS,
)

#: Share of spells with one core field left empty (accepted, but incomplete).
MISSING_CORE_SHARE = 0.03
#: Share of leavers whose status_upon_leaving is only known a month after the exit.
STATUS_DELAYED_SHARE = 0.12
#: Share of persons who enter the project a second time after leaving.
REENTRY_SHARE = 0.05
#: Optional fields left empty now and then (no consequence beyond the indicator).
OPTIONAL_MISSING_SHARE = 0.01
FOLLOWUP_COVERAGE = 0.88
FOLLOWUP_LATE_SHARE = 0.05
FOLLOWUP_UPDATE_SHARE = 0.02
FOLLOWUP_MISMATCH_SHARE = 0.015
INTEGRATED = ("employed_sv", "self_employed", "vocational_training")
#: Residents of these districts count as rural (Landkreise); elsewhere almost nobody.
RURAL_SHARE = {"Mayen-Koblenz": 0.35, "Lüneburg": 0.45}
#: One project carries the ages at the indicator boundaries (EECO06-08) at any scale.
BOUNDARY_AGES_PROJECT = "AEN-WUP"
BOUNDARY_AGES = (17, 18, 29, 30, 54, 55)
CORRECTION_PROJECT = "AEN-WUP"
XLSX_CREATED = datetime(2020, 1, 1)
_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class Dialect:
    """How one real export tool writes a file."""

    ext: str
    encoding: str = "utf-8"
    bom: bool = False
    separator: str = ","
    line_terminator: str = "\n"
    date_format: str = "%Y-%m-%d"
    true: str = "true"
    false: str = "false"
    title_header: bool = False


DIALECTS = {
    "utf8_comma": Dialect("csv"),
    "cp1252_semicolon": Dialect(
        "csv",
        encoding="cp1252",
        separator=";",
        line_terminator="\r\n",
        date_format="%d.%m.%Y",
        true="ja",
        false="nein",
        title_header=True,
    ),
    "utf8_bom_semicolon": Dialect(
        "csv", bom=True, separator=";", line_terminator="\r\n", true="1", false="0"
    ),
    "xlsx": Dialect("xlsx"),
}


@dataclass(frozen=True)
class GenerateSummary:
    projects: int
    providers: int
    files: int
    spells_latest: int
    rows_total: int
    municipalities: int = 0  # of them providers (process monitoring)

    def __str__(self) -> str:
        towns = f" ({self.municipalities} Kommunen / municipalities)" if self.municipalities else ""
        return (
            f"{self.projects} Projekte / projects, {self.providers} Datenlieferanten / providers"
            f"{towns}, {self.files} Dateien / files, {self.spells_latest} Teilnahmen im letzten "
            f"Stand / spells in latest snapshots, {self.rows_total} Zeilen / rows"
        )


@dataclass(frozen=True)
class _Window:
    months: tuple[str, ...]
    starts: tuple[date, ...]
    ends: tuple[date, ...]

    @property
    def first_index(self) -> int:
        return _month_index(self.months[0])

    @property
    def last_index(self) -> int:
        return _month_index(self.months[-1])


def generate(
    out: Path,
    seed: int = 42,
    scale: float = 1.0,
    months: int = 24,
    end_month: str = "2025-12",
    overwrite: bool = False,
    process: bool = True,
) -> GenerateSummary:
    """Write a complete demo data folder into ``out`` (see the module docstring).

    A folder that already holds a registry or uploads is refused (stale months of an earlier
    run would mix in) unless ``overwrite``, which replaces the registries of ``reference/``
    (``projects.csv``, ``municipalities.csv``, ``checklist_items.csv``), ``landing/`` and
    ``landing_corrections/`` and leaves everything else alone. ``process``: also the process
    monitoring's registries and checklists.
    """
    if scale <= 0 or months < 1:
        raise ValueError("scale > 0 und months >= 1 erforderlich / scale > 0 and months >= 1 required")
    out = Path(out)
    window = _window(months, end_month)
    _prepare(out, overwrite)
    _write_registry(out / "reference" / "projects.csv", scale)

    files = rows_total = spells_latest = 0
    for jobcenter in JOBCENTERS:
        projects = [p for p in PROJECTS if p.jobcenter_id == jobcenter.jobcenter_id]
        followups = []
        for spec in projects:
            spells = _project_spells(
                spec, PROFILES[spec.profile], _rng(seed, spec.project_id), scale, window.ends[-1]
            )
            written = _write_snapshots(out, spec, spells, window)
            files += len(written)
            rows_total += sum(written)
            spells_latest += written[-1] if written else 0
            if spec.project_id == CORRECTION_PROJECT and _runs_in(spec, window.starts[-1], window.ends[-1]):
                _write_correction(out, spec, spells, window)
            followups.append(_followup(spells, _rng(seed, spec.project_id, 1), window))
        written = _write_followup(out, jobcenter, pl.concat(followups), window)
        written += _write_target_population(
            out, jobcenter, projects, _rng(seed, jobcenter.jobcenter_id), scale, window
        )
        files += len(written)
        rows_total += sum(written)
    if process:
        written = write_process(out, seed)
        files += len(written)
        rows_total += sum(written)
    _stamp_arrivals(out / "landing", seed)
    towns = len(MUNICIPALITIES) if process else 0
    return GenerateSummary(
        projects=len(PROJECTS),
        providers=len(PROJECTS) + len(JOBCENTERS) + towns,
        files=files,
        spells_latest=spells_latest,
        rows_total=rows_total,
        municipalities=towns,
    )


def _stamp_arrivals(landing: Path, seed: int) -> None:
    """Give every upload a realistic arrival time (its mtime, which the pipeline records).

    Most files arrive between the 3rd and the 10th of the following month (the contract's
    deadline); about 6 % arrive late (11th–25th), so the delivery report has something to show.
    """
    for path in sorted(landing.glob("*/*/*.*")):
        year, month = map(int, path.stem.split("-"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        rng = _rng(seed, "/".join(path.parts[-3:]), 7)
        day = int(rng.integers(11, 26)) if rng.random() < 0.06 else int(rng.integers(3, 11))
        hour = int(rng.integers(8, 18))
        ts = datetime(year, month, day, hour, int(rng.integers(0, 60)), tzinfo=UTC).timestamp()
        os.utime(path, (ts, ts))


def _prepare(out: Path, overwrite: bool) -> None:
    """Refuse to mix generated data with an existing folder's uploads (stale months would stay)."""
    reference = out / "reference"
    ours = (
        reference / "projects.csv",
        reference / "municipalities.csv",
        reference / "checklist_items.csv",
        out / "landing",
        out / "landing_corrections",
    )
    occupied = [p for p in ours if p.is_file() or (p.is_dir() and any(p.iterdir()))]
    if occupied and not overwrite:
        raise FileExistsError(
            f"Zielordner enthält bereits Daten / target folder already holds data: "
            f"{', '.join(map(str, occupied))}"
        )
    for p in occupied:
        p.unlink() if p.is_file() else shutil.rmtree(p)


def _rng(seed: int, provider_id: str, stream: int = 0) -> np.random.Generator:
    """One independent stream per provider, so adding a project does not reshuffle the others."""
    return np.random.default_rng([seed, zlib.crc32(provider_id.encode()), stream])


def _month_index(month: str) -> int:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise ValueError(f"Monat muss JJJJ-MM sein / month must be YYYY-MM: {month!r}")
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def _window(months: int, end_month: str) -> _Window:
    last = _month_index(end_month)
    idx = range(last - months + 1, last + 1)
    starts = [date(i // 12, i % 12 + 1, 1) for i in idx]
    ends = [date((i + 1) // 12, (i + 1) % 12 + 1, 1) for i in idx]
    ends = [date.fromordinal(d.toordinal() - 1) for d in ends]
    return _Window(tuple(f"{i // 12:04d}-{i % 12 + 1:02d}" for i in idx), tuple(starts), tuple(ends))


def _choice(rng: np.random.Generator, law: dict, n: int) -> np.ndarray:
    codes = list(law)
    return np.asarray(codes)[rng.choice(len(codes), size=n, p=np.fromiter(law.values(), float))]


def _persons_count(spec: ProjectSpec, scale: float, days: int) -> int:
    return round(spec.entries_per_month * scale * days / 30.44)


# --------------------------------------------------------------------------- registry


def _write_registry(path: Path, scale: float) -> None:
    rows = [
        {
            "project_id": p.project_id,
            "project_name": p.project_name,
            "programme": p.programme,
            "jobcenter_id": p.jobcenter_id,
            "district": p.district,
            "target_group": p.target_group,
            "category_of_region": p.category_of_region,
            "specific_objective": p.specific_objective,
            "start_date": p.start_date,
            "end_date": p.end_date,
            "planned_participants": max(10, _persons_count(p, scale, (p.end_date - p.start_date).days + 1)),
        }
        for p in PROJECTS
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(rows).select(REGISTRY_COLUMNS).write_csv(path)


# --------------------------------------------------------------------------- participants


def _pseudonyms(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unique hash-like ids: letters with single digits in between (never a digit run that
    looks like a phone number, never two letters + two digits like an IBAN)."""
    letters = np.frombuffer(b"abcdefghjkmnpqrstuvwxyz", np.uint8)
    digits = np.frombuffer(b"23456789", np.uint8)
    radices = [len(digits) if pos % 3 == 2 else len(letters) for pos in range(12)]
    capacity = int(np.prod(radices, dtype=np.float64))
    codes = rng.integers(0, capacity, n, dtype=np.int64)
    while len(first := np.unique(codes, return_index=True)[1]) < n:  # rare collisions: redraw
        duplicates = np.setdiff1d(np.arange(n), first)
        codes[duplicates] = rng.integers(0, capacity, len(duplicates), dtype=np.int64)
    chars = np.empty((n, 12), np.uint8)
    for pos, radix in enumerate(radices):
        chars[:, pos] = (digits if radix == len(digits) else letters)[codes % radix]
        codes //= radix
    return chars.view("S12").ravel().astype("U12")


def _weekday_shift(days: np.ndarray, last: np.datetime64) -> np.ndarray:
    """Entries happen on working days: Saturday/Sunday move to Monday (not beyond ``last``)."""
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    return np.minimum(days + np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0)), last)


def _durations(rng: np.random.Generator, profile: Profile, exit_reason: np.ndarray) -> np.ndarray:
    days = rng.gamma(2.0, profile.duration_mean_days / 2, len(exit_reason))
    return np.where(exit_reason == "dropout", days * 0.5, days).astype(np.int64)


def _project_spells(
    spec: ProjectSpec, profile: Profile, rng: np.random.Generator, scale: float, window_end: date
) -> pl.DataFrame:
    """All spells of the project up to the window end, with their TRUE values; the snapshot
    hides what is not known yet (``_missing`` core field, ``_delayed`` status)."""
    start = np.datetime64(spec.start_date, "D")
    end = np.datetime64(spec.end_date, "D")
    last_entry = min(end, np.datetime64(window_end, "D"))
    span = int((last_entry - start).astype(np.int64)) + 1
    if span <= 0:
        return _empty_spells()
    n = max(8, _persons_count(spec, scale, span))

    # persons (situation at first entry)
    entry = _weekday_shift(start + rng.integers(0, span, n), last_entry)
    age = np.clip(
        np.rint(rng.normal(profile.age_mean, profile.age_sd, n)), profile.age_min, profile.age_max
    ).astype(np.int64)
    if spec.project_id == BOUNDARY_AGES_PROJECT:
        age[: len(BOUNDARY_AGES)] = BOUNDARY_AGES
    birth_year = entry.astype("datetime64[Y]").astype(np.int64) + 1970 - age
    residence = spec.residence_districts or {spec.district: 1.0}
    rural_yes = RURAL_SHARE.get(spec.district, 0.0)
    person = {
        "participant_id": _pseudonyms(rng, n),
        "gender": _choice(rng, profile.gender, n),
        "birth_year": birth_year,
        "employment_status": _choice(rng, profile.employment_status, n),
        "isced": _choice(rng, profile.isced, n).astype(np.int64),
        "single_parent": rng.random(n) < profile.single_parent,
        "children_under_18": np.minimum(15, profile.children_min + rng.poisson(profile.children_mean, n)),
        "disability": _choice(rng, profile.disability, n),
        "nationality": _choice(rng, profile.nationality, n),
        "foreign_background": _choice(rng, profile.foreign_background, n),
        "minority": _choice(rng, profile.minority, n),
        "homeless": _choice(rng, profile.homeless, n),
        "rural": _choice(rng, {"yes": rural_yes, "no": 0.98 - rural_yes, "unknown": 0.02}, n),
        "district": _choice(rng, residence, n),
        "access_channel": _choice(rng, profile.access_channel, n),
    }
    reason = _choice(rng, profile.exit_reason, n)
    exit_ = np.minimum(entry + _durations(rng, profile, reason), end)

    # re-entries: a second spell after the first exit, some entry data changed
    gap = rng.integers(14, 200, n)
    again = (exit_ + gap <= last_entry) & (rng.random(n) < REENTRY_SHARE)
    k = int(again.sum())
    second = {c: v[again] for c, v in person.items()}
    entry2 = _weekday_shift(exit_[again] + gap[again], last_entry)
    changed = rng.random(k) < 0.5
    second["employment_status"] = np.where(
        changed, _choice(rng, profile.employment_status, k), second["employment_status"]
    )
    second["children_under_18"] = np.minimum(15, second["children_under_18"] + (rng.random(k) < 0.15))
    reason2 = _choice(rng, profile.exit_reason, k)
    exit2 = np.minimum(entry2 + _durations(rng, profile, reason2), end)

    m = n + k
    spells = {c: np.concatenate([person[c], second[c]]) for c in person}
    spells["entry_date"] = np.concatenate([entry, entry2])
    spells["exit_date"] = np.concatenate([exit_, exit2])
    spells["exit_reason"] = np.concatenate([reason, reason2])
    spells["_last"] = np.concatenate([~again, np.ones(k, bool)])
    spells["status_upon_leaving"] = _choice(rng, profile.status_upon_leaving, m)
    p_qual = np.select(
        [spells["exit_reason"] == "completed", spells["exit_reason"] == "dropout"], [0.35, 0.05], 0.1
    )
    spells["qualification_gained"] = rng.random(m) < p_qual
    spells["_delayed"] = rng.random(m) < STATUS_DELAYED_SHARE
    missing = rng.random(m) < MISSING_CORE_SHARE
    missing[0] |= not missing.any()  # every project has an incomplete row (the correction fills it)
    spells["_missing"] = np.where(
        missing, _choice(rng, {c: 1 / len(CORE_FIELDS) for c in CORE_FIELDS}, m), ""
    )

    frame = pl.DataFrame(spells).with_columns(pl.lit(spec.project_id).alias("project_id"))
    for column in ("disability", "minority", "homeless", "access_channel"):
        blank = pl.Series(rng.random(m) < OPTIONAL_MISSING_SHARE)
        frame = frame.with_columns(pl.when(blank).then(None).otherwise(pl.col(column)).alias(column))
    return (
        frame.with_columns(pl.col("birth_year", "isced", "children_under_18").cast(pl.Int32))
        .select(*PARTICIPANTS_COLUMNS, "_last", "_delayed", "_missing")
        .sort("entry_date", "participant_id")
    )


def _empty_spells() -> pl.DataFrame:
    schema = {c: pl.String for c in PARTICIPANTS_COLUMNS}
    schema.update(
        entry_date=pl.Date,
        exit_date=pl.Date,
        birth_year=pl.Int32,
        isced=pl.Int32,
        children_under_18=pl.Int32,
        single_parent=pl.Boolean,
        qualification_gained=pl.Boolean,
        _last=pl.Boolean,
        _delayed=pl.Boolean,
        _missing=pl.String,
    )
    return pl.DataFrame(schema=schema)


def _snapshot(
    spells: pl.DataFrame, month_start: date, month_end: date, blank_missing: bool = True
) -> pl.DataFrame:
    """What the project's tool exports at the end of the month (cumulative)."""
    left = pl.col("exit_date") <= month_end
    known = left & (~pl.col("_delayed") | (pl.col("exit_date") < month_start))
    columns = []
    for c in PARTICIPANTS_COLUMNS:
        value = pl.col(c)
        if c in ("exit_date", "exit_reason", "qualification_gained"):
            value = pl.when(left).then(value)
        elif c == "status_upon_leaving":
            value = pl.when(known).then(value)
        elif c in CORE_FIELDS and blank_missing:
            value = pl.when(pl.col("_missing") != c).then(value)
        columns.append(value.alias(c))
    return spells.filter(pl.col("entry_date") <= month_end).select(columns)


def _runs_in(spec: ProjectSpec, month_start: date, month_end: date) -> bool:
    return spec.start_date <= month_end and spec.end_date >= month_start


def _write_snapshots(out: Path, spec: ProjectSpec, spells: pl.DataFrame, window: _Window) -> list[int]:
    dialect = DIALECTS[spec.dialect]
    rows = []
    for month, start, end in zip(window.months, window.starts, window.ends):
        if not _runs_in(spec, start, end):
            continue
        path = out / "landing" / spec.project_id / "participants" / f"{month}.{dialect.ext}"
        rows.append(_write(_snapshot(spells, start, end), path, dialect))
    return rows


def _write_correction(out: Path, spec: ProjectSpec, spells: pl.DataFrame, window: _Window) -> None:
    dialect = DIALECTS[spec.dialect]
    path = (
        out / "landing_corrections" / spec.project_id / "participants" / f"{window.months[-1]}.{dialect.ext}"
    )
    _write(_snapshot(spells, window.starts[-1], window.ends[-1], blank_missing=False), path, dialect)


# --------------------------------------------------------------------------- jobcenter extracts


def _followup(spells: pl.DataFrame, rng: np.random.Generator, window: _Window) -> pl.DataFrame:
    """Follow-up rows of one project's leavers, with the reporting month they arrive in."""
    leavers = spells.filter(pl.col("_last") & (pl.col("exit_date") <= window.ends[-1]))
    n = leavers.height
    if n == 0:
        return pl.DataFrame(
            schema={**{c: pl.String for c in FOLLOWUP_COLUMNS}, "exit_date": pl.Date, "_month": pl.Int64}
        )
    exit_index = (
        leavers["exit_date"].dt.year().cast(pl.Int64) * 12
        + leavers["exit_date"].dt.month().cast(pl.Int64)
        - 1
    ).to_numpy()
    late = np.where(rng.random(n) < FOLLOWUP_LATE_SHARE, rng.integers(1, 3, n), 0)
    month = np.maximum(exit_index + 6 + late, window.first_index)

    status = leavers["status_upon_leaving"].to_numpy()
    if_integrated = _choice(rng, STATUS_6M_IF_INTEGRATED, n)
    status_6m = np.where(
        np.isin(status, INTEGRATED),
        np.where(if_integrated == "same", status, if_integrated),
        _choice(rng, STATUS_6M_OTHERWISE, n),
    )
    exit_date = leavers["exit_date"].to_numpy()
    mismatch = rng.random(n) < FOLLOWUP_MISMATCH_SHARE
    if n >= 10 and not mismatch.any():
        mismatch[rng.integers(0, n)] = True
    # a few days EARLIER: a later date could push the six-month point past the reporting month,
    # and the intake rightly rejects such a file whole (rule followup_too_early)
    exit_date = exit_date + np.where(mismatch, rng.choice([-3, -2, -1], n), 0)
    rows = pl.DataFrame(
        {
            "participant_id": leavers["participant_id"],
            "project_id": leavers["project_id"],
            "exit_date": exit_date,
            "status_6m": status_6m,
            "_month": month,
            "_covered": rng.random(n) < FOLLOWUP_COVERAGE,
            "_update": rng.random(n) < FOLLOWUP_UPDATE_SHARE,
            "_status_update": _choice(rng, STATUS_6M_OTHERWISE, n),
        }
    ).filter(pl.col("_covered") & (pl.col("_month") <= window.last_index))
    updates = rows.filter(pl.col("_update") & (pl.col("_month") < window.last_index)).with_columns(
        pl.col("_month") + 1, pl.col("_status_update").alias("status_6m")
    )
    rows = pl.concat([rows, updates])
    in_work = pl.col("status_6m").is_in(INTEGRATED)
    benefit = rng.random(rows.height)
    return rows.with_columns(
        pl.when(in_work).then(pl.lit(0.2)).otherwise(pl.lit(0.8)).alias("_p_yes"),
        pl.Series("_u", benefit),
    ).select(
        *FOLLOWUP_COLUMNS[:4],
        pl.when(pl.col("_u") < pl.col("_p_yes"))
        .then(pl.lit("yes"))
        .when(pl.col("_u") < 0.94)
        .then(pl.lit("no"))
        .otherwise(pl.lit("unknown"))
        .alias("benefit_receipt_6m"),
        "_month",
    )


def _write_followup(out: Path, jobcenter: JobcenterSpec, rows: pl.DataFrame, window: _Window) -> list[int]:
    dialect = DIALECTS[jobcenter.dialect]
    written = []
    for month in window.months:
        part = rows.filter(pl.col("_month") == _month_index(month))
        if part.height:
            path = out / "landing" / jobcenter.jobcenter_id / "followup" / f"{month}.csv"
            written.append(_write(part.drop("_month").sort("project_id", "participant_id"), path, dialect))
    return written


def _write_target_population(
    out: Path,
    jobcenter: JobcenterSpec,
    projects: list[ProjectSpec],
    rng: np.random.Generator,
    scale: float,
    window: _Window,
) -> list[int]:
    """Month-end stock per district x target group: a level per district and group with a
    small random walk (±0.4 % a month), the way SGB II stocks drift."""
    districts = list(dict.fromkeys(p.district for p in projects))
    months = [
        i
        for i, (s, e) in enumerate(zip(window.starts, window.ends))
        if any(_runs_in(p, s, e) for p in projects)
    ]
    base = np.array([TARGET_POPULATION_BASE[d] for d in districts], float)  # districts x groups
    level = rng.uniform(0.97, 1.03, base.shape)
    drift = np.cumprod(1 + rng.normal(0, 0.004, (len(window.months), *base.shape)), axis=0)
    counts = np.rint(base * level * drift * max(1.0, scale)).astype(np.int64)
    dialect = DIALECTS[jobcenter.dialect]
    written = []
    for i in months:
        frame = pl.DataFrame(
            {
                "month": [window.months[i]] * base.size,
                "district": np.repeat(districts, len(TARGET_GROUP)),
                "target_group": np.tile(TARGET_GROUP, len(districts)),
                "count": counts[i].ravel(),
            }
        ).select(TARGET_POPULATION_COLUMNS)
        path = out / "landing" / jobcenter.jobcenter_id / "target_population" / f"{window.months[i]}.csv"
        written.append(_write(frame, path, dialect))
    return written


# --------------------------------------------------------------------------- writers


def _write(frame: pl.DataFrame, path: Path, dialect: Dialect) -> int:
    """Write one extract in the dialect; returns its number of data rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if dialect.ext == "xlsx":
        _write_xlsx(frame, path)
        return frame.height
    frame = frame.with_columns(
        pl.col(c).replace_strict({True: dialect.true, False: dialect.false}, return_dtype=pl.String)
        for c, dtype in frame.schema.items()
        if dtype == pl.Boolean
    )
    if dialect.title_header:
        frame = frame.rename(_title_header)
    text = frame.write_csv(
        separator=dialect.separator, line_terminator=dialect.line_terminator, date_format=dialect.date_format
    )
    data = text.encode(dialect.encoding)
    path.write_bytes(codecs.BOM_UTF8 + data if dialect.bom else data)
    return frame.height


def _title_header(column: str) -> str:
    """``participant_id`` -> ``Participant_ID``, as some case-management tools label columns."""
    return "_".join(part.upper() if part == "id" else part.capitalize() for part in column.split("_"))


def _write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    """First sheet, header in row 1, dates as real Excel date cells (serial number + date format)."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    workbook.set_properties({"created": XLSX_CREATED, "author": "Fachverfahren Export"})
    sheet = workbook.add_worksheet("Teilnehmende")
    date_cell = workbook.add_format({"num_format": "dd.mm.yyyy"})
    sheet.write_row(0, 0, frame.columns)
    columns = []
    for j, (name, dtype) in enumerate(frame.schema.items()):
        series = frame[name]
        if dtype == pl.Date:
            values = (series - _EXCEL_EPOCH).dt.total_days().to_list()
            columns.append((j, values, sheet.write_number, date_cell))
        elif dtype == pl.Boolean:
            columns.append((j, series.to_list(), sheet.write_boolean, None))
        elif dtype.is_integer():
            columns.append((j, series.to_list(), sheet.write_number, None))
        else:
            columns.append((j, series.to_list(), sheet.write_string, None))
    for i in range(frame.height):  # xlsxwriter writes cell by cell; constant_memory needs row order
        row = i + 1
        for j, values, write, cell_format in columns:
            value = values[i]
            if value is not None:
                write(row, j, value, cell_format)
    workbook.close()
