"""Edge rules of docs/indicators.md on tiny inline frames, each value worked out by hand.

These pin down the reference model (tests/reference_model.py) where a misreading is most likely:
window edges, "C minus 6 months", medians, age boundaries, target groups, cut-off truncation,
and the team's conventions for empty denominators and the ALL rows.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from reference_model import (
    ALL,
    COMMON_INDICATORS,
    Window,
    compare_exports,
    compute,
    in_target_group,
    participants_at,
    reporting_months,
)

from schemas.codes import FOLLOWUP_COLUMNS, PARTICIPANTS_COLUMNS, REGISTRY_COLUMNS

P1 = "PRJ-A"

# ------------------------------------------------------------------ tiny frame builders


def _d(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def spell(
    pid: str, entry: str, exit: str | None = None, *, project: str = P1, month: str = "2024-06", **overrides
) -> dict:
    """One complete spell (f, 1990, unemployed, isced 3) unless overridden."""
    row = {
        "participant_id": pid,
        "project_id": project,
        "entry_date": _d(entry),
        "exit_date": _d(exit),
        "gender": "f",
        "birth_year": 1990,
        "employment_status": "unemployed",
        "isced": 3,
        "single_parent": False,
        "children_under_18": 0,
        "disability": "no",
        "nationality": "national",
        "foreign_background": "no",
        "minority": "no",
        "homeless": "no",
        "rural": "no",
        "district": "Mitte",
        "access_channel": "jobcenter",
        "exit_reason": "completed" if exit else None,
        "status_upon_leaving": "employed_sv" if exit else None,
        "qualification_gained": False if exit else None,
    }
    row.update(overrides)
    return {**row, "_provider_id": project, "_reporting_month": month}


PARTICIPANTS_SCHEMA = {c: pl.Utf8 for c in PARTICIPANTS_COLUMNS} | {
    "entry_date": pl.Date,
    "exit_date": pl.Date,
    "birth_year": pl.Int64,
    "isced": pl.Int64,
    "children_under_18": pl.Int64,
    "single_parent": pl.Boolean,
    "qualification_gained": pl.Boolean,
    "_provider_id": pl.Utf8,
    "_reporting_month": pl.Utf8,
}
FOLLOWUP_SCHEMA = {c: pl.Utf8 for c in FOLLOWUP_COLUMNS} | {
    "exit_date": pl.Date,
    "_provider_id": pl.Utf8,
    "_reporting_month": pl.Utf8,
}
TARGET_SCHEMA = {
    "month": pl.Utf8,
    "district": pl.Utf8,
    "target_group": pl.Utf8,
    "count": pl.Int64,
    "_provider_id": pl.Utf8,
    "_reporting_month": pl.Utf8,
}
REGISTRY_SCHEMA = {c: pl.Utf8 for c in REGISTRY_COLUMNS} | {
    "start_date": pl.Date,
    "end_date": pl.Date,
    "planned_participants": pl.Int64,
}


def followup_row(pid: str, exit: str, status_6m: str, month: str, project: str = P1) -> dict:
    return {
        "participant_id": pid,
        "project_id": project,
        "exit_date": _d(exit),
        "status_6m": status_6m,
        "benefit_receipt_6m": "no",
        "_provider_id": "JC-X",
        "_reporting_month": month,
    }


def population_row(
    month: str,
    count: int,
    district: str = "Mitte",
    target_group: str = "elb_total",
    file_month: str | None = None,
) -> dict:
    return {
        "month": month,
        "district": district,
        "target_group": target_group,
        "count": count,
        "_provider_id": "JC-X",
        "_reporting_month": file_month or month,
    }


def project(
    pid: str = P1,
    start: str = "2023-01-01",
    planned: int = 100,
    district: str = "Mitte",
    target_group: str = "elb_total",
    objective: str = "ESO4.8",
    region: str = "more_developed",
) -> dict:
    return {
        "project_id": pid,
        "project_name": pid,
        "programme": "Test",
        "jobcenter_id": "JC-X",
        "district": district,
        "target_group": target_group,
        "category_of_region": region,
        "specific_objective": objective,
        "start_date": _d(start),
        "end_date": date(2026, 12, 31),
        "planned_participants": planned,
    }


def run(spells: list[dict], cutoff: str, followups=(), population=(), projects=None):
    return compute(
        pl.DataFrame(spells, schema=PARTICIPANTS_SCHEMA),
        pl.DataFrame(list(followups), schema=FOLLOWUP_SCHEMA),
        pl.DataFrame(list(population), schema=TARGET_SCHEMA),
        pl.DataFrame(projects or [project()], schema=REGISTRY_SCHEMA),
        cutoff,
    )


def figure(result, indicator: str, gender: str = "total", project_id: str = P1) -> tuple:
    """(numerator, denominator, value) of one headline indicator."""
    rows = result["indicators"].filter(
        (pl.col("project_id") == project_id)
        & (pl.col("indicator") == indicator)
        & (pl.col("gender") == gender)
    )
    assert rows.height == 1, (project_id, indicator, gender, rows)
    return rows.select("numerator", "denominator", "value").row(0)


def common(result, code: str, gender: str = "total", project_id: str = P1) -> int:
    rows = result["common_indicators"].filter(
        (pl.col("project_id") == project_id) & (pl.col("indicator") == code) & (pl.col("gender") == gender)
    )
    assert rows.height == 1
    return rows["value"][0]


# ------------------------------------------------------------------ dates of a cut-off


def test_window_dates():
    w = Window("2024-06")
    assert (w.start_12m, w.end, w.minus_6) == (date(2023, 7, 1), date(2024, 6, 30), date(2023, 12, 31))
    assert Window("2024-08").minus_6 == date(2024, 2, 29)  # month END, leap year
    assert Window("2024-01").start_12m == date(2023, 2, 1)
    assert Window("2024-06").months_12m == {f"2023-{m:02d}" for m in range(7, 13)} | {
        f"2024-{m:02d}" for m in range(1, 7)
    }


def test_12_month_window_edges_for_leavers():
    # C = 2024-06: window 2023-07-01 .. 2024-06-30.
    result = run(
        [
            spell("tn-out-0630", "2023-03-01", "2023-06-30"),  # one day before the window
            spell("tn-in-0701a", "2023-03-01", "2023-07-01", status_upon_leaving="unknown"),  # first day
            spell("tn-in-0630b", "2024-03-01", "2024-06-30"),  # last day
        ],
        "2024-06",
    )
    assert figure(result, "integration_rate_12m") == (1, 2, 0.5)  # only the 2024-06-30 leaver is sv
    assert figure(result, "integration_rate_cumulative") == (2, 3, 2 / 3)
    assert figure(result, "status_unknown_share") == (1, 2, 0.5)
    # durations: 2023-03-01..2023-07-01 = 31+30+31+30 + 1 = 123; 2024-03-01..2024-06-30 = 122
    assert figure(result, "duration_median_days") == (None, 2, 122.5)
    assert figure(result, "leavers_month") == (1, None, 1)


def test_12_month_window_edges_for_reach_and_population_months():
    # entries 2023-06-30 (out) and 2023-07-01 (in); target population months: 2023-06 is outside,
    # 2023-07 and 2024-06 inside → mean(10, 20) = 15; a 2024-07 file is after C and ignored.
    result = run(
        [
            spell("tn-e-0630x", "2023-06-30"),
            spell("tn-e-0701x", "2023-07-01"),
            spell("tn-e-0610x", "2024-06-10"),
        ],
        "2024-06",
        population=[
            population_row("2023-06", 1000),
            population_row("2023-07", 10),
            population_row("2024-06", 20),
            population_row("2024-07", 5000),
        ],
    )
    assert figure(result, "reach_rate_12m") == (2, 15.0, 2 / 15)
    assert figure(result, "entries_month") == (1, None, 1)


def test_c_minus_6_months_edge():
    # C = 2024-06 → C minus 6 months = 2023-12-31; exit on 2023-12-31 counts, 2024-01-01 does not yet.
    spells = [spell("tn-x-1231", "2023-06-01", "2023-12-31"), spell("tn-x-0101", "2023-06-01", "2024-01-01")]
    followups = [
        followup_row("tn-x-1231", "2023-12-31", "employed_sv", "2024-06"),
        followup_row("tn-x-0101", "2024-01-01", "employed_sv", "2024-06"),
    ]
    june = run(spells, "2024-06", followups)
    assert figure(june, "integration_rate_6m") == (1, 1, 1.0)
    assert figure(june, "followup_coverage") == (1, 1, 1.0)
    assert common(june, "EECR05") == 1
    july = run([{**s, "_reporting_month": "2024-07"} for s in spells], "2024-07", followups)
    assert figure(july, "integration_rate_6m") == (2, 2, 1.0)
    assert common(july, "EECR05") == 2


def test_eecr05_and_integration_6m_differ_on_marginal_employment():
    # employed_marginal six months on: an EU result (EECR05), not an integration (seeds' definition)
    spells = [spell("tn-minijob", "2023-01-02", "2023-10-31")]
    result = run(
        spells, "2024-06", [followup_row("tn-minijob", "2023-10-31", "employed_marginal", "2024-05")]
    )
    assert common(result, "EECR05") == 1
    assert figure(result, "integration_rate_6m") == (0, 1, 0.0)
    assert figure(result, "followup_coverage") == (1, 1, 1.0)


def test_followup_newest_file_wins_and_later_files_are_ignored():
    spells = [spell("tn-fu-newest", "2023-01-02", "2023-11-15", month="2024-05")]
    followups = [
        followup_row("tn-fu-newest", "2023-11-15", "employed_sv", "2024-05"),
        followup_row("tn-fu-newest", "2023-11-15", "unemployed", "2024-06"),
        followup_row("tn-fu-newest", "2023-11-15", "vocational_training", "2024-07"),
    ]
    assert figure(run(spells, "2024-05", followups), "integration_rate_6m") == (1, 1, 1.0)
    assert figure(run(spells, "2024-06", followups), "integration_rate_6m") == (0, 1, 0.0)
    assert figure(run(spells, "2024-07", followups), "integration_rate_6m") == (1, 1, 1.0)


def test_followup_for_another_exit_date_does_not_match():
    spells = [spell("tn-fu-other", "2023-01-02", "2023-11-15")]
    result = run(spells, "2024-06", [followup_row("tn-fu-other", "2023-11-16", "employed_sv", "2024-05")])
    assert figure(result, "followup_coverage") == (0, 1, 0.0)
    assert figure(result, "integration_rate_6m") == (0, 1, 0.0)
    assert common(result, "EECR05") == 0


def test_median_of_an_even_count_is_the_mean_of_the_middle_two():
    # durations 10, 20, 30, 41 days → median (20 + 30) / 2 = 25, mean 101 / 4 = 25.25
    result = run(
        [
            spell("tn-dur-10d", "2024-01-01", "2024-01-10"),
            spell("tn-dur-20d", "2024-01-01", "2024-01-20"),
            spell("tn-dur-30d", "2024-01-01", "2024-01-30"),
            spell("tn-dur-41d", "2024-01-01", "2024-02-10"),
        ],
        "2024-06",
    )
    assert figure(result, "duration_median_days") == (None, 4, 25.0)
    assert figure(result, "duration_mean_days") == (None, 4, 25.25)


@pytest.mark.parametrize(
    ("age", "eeco06", "eeco07", "eeco08"),
    [(17, 1, 0, 0), (18, 0, 1, 0), (29, 0, 1, 0), (30, 0, 0, 0), (54, 0, 0, 0), (55, 0, 0, 1)],
)
def test_age_boundaries(age, eeco06, eeco07, eeco08):
    # age at entry = year(entry_date) − birth_year; the birthday within the year does not matter
    result = run([spell("tn-age-test", "2024-12-31", month="2024-12", birth_year=2024 - age)], "2024-12")
    assert (common(result, "EECO06"), common(result, "EECO07"), common(result, "EECO08")) == (
        eeco06,
        eeco07,
        eeco08,
    )


def test_common_indicators_use_the_first_spell_and_results_of_the_last():
    spells = [
        spell(
            "tn-reentry",
            "2023-01-02",
            "2023-03-31",
            isced=2,
            status_upon_leaving="job_searching",
            qualification_gained=True,
        ),
        spell(
            "tn-reentry",
            "2023-06-01",
            "2023-09-30",
            employment_status="inactive",
            isced=5,
            homeless="yes",
            status_upon_leaving="employed_sv",
            qualification_gained=False,
        ),
        spell("tn-reopened", "2023-01-02", "2023-03-31"),
        spell("tn-reopened", "2024-05-02"),  # second spell still open → active, not a leaver
    ]
    result = run(spells, "2024-06")
    assert [common(result, c) for c in ("EECO01", "EECO02", "EECO04", "EECO09", "EECO11", "EECO16")] == [
        2,
        2,
        0,
        1,
        0,
        0,
    ]
    assert [common(result, c) for c in ("EECR01", "EECR03", "EECR04")] == [0, 0, 1]
    assert figure(result, "participants_cumulative") == (2, None, 2)
    assert figure(result, "participants_active") == (1, None, 1)
    assert figure(result, "entries_month") == (0, None, 0)  # tn-reopened first entered in 2023
    # 2023-01-02 .. 2023-09-30: 29 + 28 + 31 + 30 + 31 + 30 + 31 + 31 + 30 + 1 = 272
    assert figure(result, "duration_mean_days") == (None, 1, 272.0)


def test_incomplete_participants_only_in_headline_and_missing_gender_only_in_total():
    result = run(
        [
            spell("tn-no-gender", "2024-02-01", gender=None),
            spell("tn-no-isced1", "2024-02-01", gender="m", isced=None),
            spell("tn-complete1", "2024-02-01", gender="d"),
        ],
        "2024-06",
    )
    assert [common(result, "EECO01", g) for g in ("f", "m", "d", "total")] == [0, 0, 1, 1]
    assert [figure(result, "participants_cumulative", g)[2] for g in ("f", "m", "d", "total")] == [0, 1, 1, 3]


def test_cutoff_truncation_and_snapshot_choice():
    spells = [
        spell("tn-snap-may", "2024-01-08", month="2024-05"),
        spell("tn-snap-may", "2024-01-08", "2024-06-20", month="2024-06"),
        spell("tn-snap-jun", "2024-06-03", month="2024-06"),
        # dates after C inside a file ≤ C: entry after C is ignored, exit after C is no exit
        spell("tn-late-ent", "2024-07-01", month="2024-06"),
        spell("tn-late-exi", "2024-02-01", "2024-07-02", month="2024-06"),
    ]
    may = run(spells, "2024-05")  # only the May file: one person, active
    assert figure(may, "participants_cumulative") == (1, None, 1)
    assert figure(may, "participants_active") == (1, None, 1)
    june = run(spells, "2024-06")
    assert figure(june, "participants_cumulative") == (3, None, 3)
    assert figure(june, "participants_active") == (2, None, 2)  # tn-snap-jun and tn-late-exi
    assert figure(june, "leavers_month") == (1, None, 1)
    assert figure(june, "entries_month") == (1, None, 1)
    august = run(spells, "2024-08")  # no newer file: June's is used; the July dates now count
    assert figure(august, "participants_cumulative") == (4, None, 4)
    assert figure(august, "participants_active") == (2, None, 2)  # tn-snap-jun, tn-late-ent


def test_newest_snapshot_replaces_older_one_entirely():
    # a participant dropped from the June file (a correction) is gone at 2024-06
    spells = [
        spell("tn-dropped", "2024-01-08", month="2024-05"),
        spell("tn-kept-001", "2024-01-08", month="2024-05"),
        spell("tn-kept-001", "2024-01-08", month="2024-06"),
    ]
    assert figure(run(spells, "2024-06"), "participants_cumulative") == (1, None, 1)


@pytest.mark.parametrize(
    ("target_group", "overrides", "member"),
    [
        ("elb_total", {"gender": None}, True),
        ("single_parents", {"single_parent": True}, True),
        ("single_parents", {"single_parent": False}, False),
        ("single_parents", {"single_parent": None}, False),
        ("women_foreign_background", {"gender": "f", "foreign_background": "yes"}, True),
        ("women_foreign_background", {"gender": "m", "foreign_background": "yes"}, False),
        ("women_foreign_background", {"gender": "f", "foreign_background": "unknown"}, False),
        ("women_foreign_background", {"gender": None, "foreign_background": "yes"}, False),
        ("parents_low_qualified", {"children_under_18": 1, "isced": 2}, True),
        ("parents_low_qualified", {"children_under_18": 3, "isced": 0}, True),
        ("parents_low_qualified", {"children_under_18": 0, "isced": 1}, False),
        ("parents_low_qualified", {"children_under_18": 2, "isced": 3}, False),
        ("parents_low_qualified", {"children_under_18": None, "isced": 1}, False),
        ("parents_low_qualified", {"children_under_18": 1, "isced": None}, False),
    ],
)
def test_target_group_membership(target_group, overrides, member):
    spells = pl.DataFrame([spell("tn-member-1", "2024-02-01", **overrides)], schema=PARTICIPANTS_SCHEMA)
    (person,) = participants_at(spells, pl.DataFrame(schema=FOLLOWUP_SCHEMA), "2024-06")
    assert in_target_group(person, target_group) is member
    result = run(
        [spell("tn-member-1", "2024-02-01", **overrides)],
        "2024-06",
        population=[population_row("2024-06", 40, target_group=target_group)],
        projects=[project(target_group=target_group)],
    )
    assert figure(result, "reach_rate_12m") == (int(member), 40.0, int(member) / 40)


def test_all_reach_counts_each_district_and_target_group_once():
    # PRJ-A and PRJ-B share (Mitte, single_parents): mean(100, 110) = 105 counted once;
    # PRJ-C (Nord, single_parents): mean(30) = 30; PRJ-D (Süd) has no data: left out.
    projects = [
        project("PRJ-A", target_group="single_parents"),
        project("PRJ-B", target_group="single_parents"),
        project("PRJ-C", district="Nord", target_group="single_parents"),
        project("PRJ-D", district="Süd", target_group="single_parents"),
    ]
    spells = [
        spell(f"tn-{p.lower()}-1", "2024-03-01", project=p, single_parent=True)
        for p in ("PRJ-A", "PRJ-B", "PRJ-C", "PRJ-D")
    ]
    population = [
        population_row("2024-05", 100, target_group="single_parents"),
        population_row("2024-06", 110, target_group="single_parents"),
        population_row("2024-06", 30, district="Nord", target_group="single_parents"),
    ]
    result = run(spells, "2024-06", population=population, projects=projects)
    assert figure(result, "reach_rate_12m", project_id="PRJ-A") == (1, 105.0, 1 / 105)
    assert figure(result, "reach_rate_12m", project_id="PRJ-D") == (1, None, None)
    assert figure(result, "reach_rate_12m", project_id=ALL) == (4, 135.0, 4 / 135)


def test_started_projects_only_and_all_sums():
    projects = [
        project("PRJ-A", planned=10, objective="ESO4.8"),
        project("PRJ-B", planned=30, objective="ESO4.8"),
        project("PRJ-LATE", start="2024-07-01", planned=50, objective="ESO4.9"),
    ]
    spells = [
        spell("tn-all-aa1", "2024-02-01", project="PRJ-A"),
        spell("tn-all-bb1", "2024-02-01", project="PRJ-B", gender="m"),
        spell("tn-all-bb2", "2024-03-01", project="PRJ-B", gender="m", isced=None),
    ]
    june = run(spells, "2024-06", projects=projects)
    assert set(june["common_indicators"]["project_id"]) == {"PRJ-A", "PRJ-B", ALL}
    assert set(june["indicators"]["project_id"]) == {"PRJ-A", "PRJ-B", ALL}
    assert june["common_indicators"].height == 3 * len(COMMON_INDICATORS) * 4
    assert june["indicators"].height == 3 * (11 * 4 + 2)
    assert figure(june, "target_achievement", project_id=ALL) == (3, 40, 3 / 40)
    assert [common(june, "EECO01", g, ALL) for g in ("f", "m", "d", "total")] == [1, 1, 0, 2]
    sfc = june["sfc_table"]
    assert sfc.select("specific_objective", "category_of_region").unique().rows() == [
        ("ESO4.8", "more_developed")
    ]
    assert sfc.filter((pl.col("indicator") == "EECO01") & (pl.col("gender") == "total"))[
        "value"
    ].to_list() == [2]
    july = run(spells, "2024-07", projects=projects)  # PRJ-LATE started: its rows are there, all zero
    assert figure(july, "participants_cumulative", project_id="PRJ-LATE") == (0, None, 0)
    assert common(july, "EECO01", project_id="PRJ-LATE") == 0
    assert figure(july, "target_achievement", project_id=ALL) == (3, 90, 3 / 90)
    assert {r[:2] for r in july["sfc_table"].select("specific_objective", "category_of_region").rows()} == {
        ("ESO4.8", "more_developed"),
        ("ESO4.9", "more_developed"),
    }


def test_conventions_for_empty_denominators():
    result = run([spell("tn-active-1", "2024-02-01")], "2024-06", projects=[project(planned=0)])
    assert figure(result, "participants_active") == (1, None, 1)  # count: denominator empty
    assert figure(result, "integration_rate_12m") == (0, 0, None)  # rate over nobody: empty value
    assert figure(result, "duration_median_days") == (None, 0, None)  # no leaver: empty value
    assert figure(result, "reach_rate_12m") == (1, None, None)  # no target-population data
    assert figure(result, "target_achievement") == (1, 0, None)
    assert figure(result, "integration_rate_12m", "m") == (0, 0, None)


# ------------------------------------------------------------------ compare_exports


def _write(frame: pl.DataFrame, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path)  # nulls become empty cells


def test_compare_exports_accepts_equal_files_and_names_each_difference(tmp_path):
    expected = run([spell("tn-cmp-0001", "2024-02-01", "2024-05-31")], "2024-06")
    for name, frame in expected.items():
        _write(frame, tmp_path / "2024-06" / f"{name}.csv")
    assert compare_exports(expected, tmp_path / "2024-06") == []

    indicators = pl.read_csv(tmp_path / "2024-06" / "indicators.csv", infer_schema=False)
    changed = indicators.with_columns(
        pl.when(
            (pl.col("indicator") == "duration_mean_days")
            & (pl.col("gender") == "total")
            & (pl.col("project_id") == P1)
        )
        .then(pl.lit("122.0000001"))
        .otherwise(pl.col("value"))
        .alias("value")
    )
    changed = changed.filter(
        ~(
            (pl.col("indicator") == "entries_month")
            & (pl.col("gender") == "d")
            & (pl.col("project_id") == ALL)
        )
    )
    _write(changed, tmp_path / "2024-06" / "indicators.csv")
    (tmp_path / "2024-06" / "sfc_table.csv").unlink()
    problems = compare_exports(expected, tmp_path / "2024-06")
    assert len(problems) == 3, problems
    assert any("duration_mean_days" in p and "122.0000001" in p for p in problems)
    assert any("row missing" in p and "entries_month" in p for p in problems)
    assert any("sfc_table: file missing" in p for p in problems)


def test_compare_exports_tolerates_float_noise_only(tmp_path):
    expected = run([spell("tn-cmp-0002", "2024-02-01", "2024-05-31")], "2024-06")
    noisy = expected["indicators"].with_columns(pl.col("value") * (1 + 1e-12))
    _write(noisy, tmp_path / "indicators.csv")
    assert compare_exports({"indicators": expected["indicators"]}, tmp_path) == []


def test_reporting_months_span_first_to_last_file():
    spells = pl.DataFrame([spell("tn-months-1", "2024-01-08", month="2024-05")], schema=PARTICIPANTS_SCHEMA)
    followups = pl.DataFrame(
        [followup_row("tn-months-1", "2023-06-30", "unemployed", "2024-08")], schema=FOLLOWUP_SCHEMA
    )
    population = pl.DataFrame([population_row("2024-03", 10)], schema=TARGET_SCHEMA)
    assert reporting_months(spells, followups, population) == [
        "2024-03",
        "2024-04",
        "2024-05",
        "2024-06",
        "2024-07",
        "2024-08",
    ]
