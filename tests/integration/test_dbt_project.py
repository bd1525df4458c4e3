"""The dbt project (dbt_project/): parses, builds with every data test, SFC2021 rule and unit
test against a tiny hand-made warehouse, and yields figures computed here by hand.

Why a hand-made warehouse: the figures below can be checked with pencil and paper against
docs/indicators.md, independent of the intake code and the generator.

Fixture (raw schema, SQL inserts), cut-offs 2024-01 .. 2024-03:

Registry
  PRJ-A  JC-1 district Nord  elb_total       more_developed ESO4.8   2023-01-01..2025-12-31 planned 20
  PRJ-B  JC-1 district Nord  single_parents  transition     ESO4.8   2024-02-01..2025-12-31 planned 10
  PRJ-C  JC-2 district Sued  parents_low_q.  more_developed ESO4.11  2024-03-01..2025-12-31 planned 5
         (never delivers: zeros, delivery "missing")

Spells (final truth; each monthly snapshot holds the spells entered by its month end, with
exit data only once the exit has happened):
  A1 f 1990 unemployed   isced 3  2023-02-01..2023-08-31 employed_sv, qualification yes
  A2 m 1960 long_term_u. isced 2  2023-03-01..2023-09-15 job_searching
  A3 f 2006 inactive_in_education isced 2  2023-05-10..2023-06-30 vocational_training
     re-entry: unemployed isced 3, 2024-01-15..2024-02-20 status unknown
  A4 d 1994 employed     isced 6  2024-01-10..(open)  disability yes, rural yes
  A5 m ---- unemployed   isced 4  2024-02-05..2024-03-25 status still empty (birth_year missing)
  A6 - 1985 unemployed   isced 1  2024-03-01..(open)  (gender missing)
  A7 f 1995 self_employed isced 5 2024-03-10..2024-03-31 self_employed, third_country, fb yes
  B1 f 1988 unemployed   isced 2  2024-02-01..2024-03-15 employed_marginal; single parent, 2 kids, fb yes
  B2 m 1970 inactive     isced 3  2024-02-15..(open)  single parent, 1 kid, homeless, minority
  B3 f 1969 unemployed   isced 0  2024-03-05..(open)  3 kids, not single parent

Follow-up (JC-1): 2024-02 file: A1 exit 2023-08-31 unemployed;
                  2024-03 file: A1 exit 2023-08-31 employed_sv (newest wins),
                                A2 exit 2023-09-14 employed_sv (exit date off by one: not matched)
Target population (JC-1, Nord): elb_total 1000/1100/1200 (Jan/Feb/Mar),
                                single_parents 100/—/140 (February has no row)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from esf_monitor.warehouse import ensure_schema
from schemas import codes

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"

MONTHS = ("2024-01", "2024-02", "2024-03")
MONTH_END = {"2024-01": date(2024, 1, 31), "2024-02": date(2024, 2, 29), "2024-03": date(2024, 3, 31)}

PROJECTS = [
    # project_id, name, programme, jobcenter, district, target_group, region, SO, start, end, planned
    (
        "PRJ-A",
        "Projekt A",
        "Stark im Beruf",
        "JC-1",
        "Nord",
        "elb_total",
        "more_developed",
        "ESO4.8",
        date(2023, 1, 1),
        date(2025, 12, 31),
        20,
    ),
    (
        "PRJ-B",
        "Projekt B",
        "Stark im Beruf",
        "JC-1",
        "Nord",
        "single_parents",
        "transition",
        "ESO4.8",
        date(2024, 2, 1),
        date(2025, 12, 31),
        10,
    ),
    (
        "PRJ-C",
        "Projekt C",
        "Job Coach",
        "JC-2",
        "Sued",
        "parents_low_qualified",
        "more_developed",
        "ESO4.11",
        date(2024, 3, 1),
        date(2025, 12, 31),
        5,
    ),
]


def _spell(
    pid,
    project,
    entry,
    exit_=None,
    gender=None,
    birth_year=None,
    employment_status=None,
    isced=None,
    status=None,
    qualification=None,
    **extra,
):
    return dict(
        participant_id=pid,
        project_id=project,
        entry_date=entry,
        exit_date=exit_,
        gender=gender,
        birth_year=birth_year,
        employment_status=employment_status,
        isced=isced,
        status_upon_leaving=status,
        qualification_gained=qualification,
        exit_reason="completed" if exit_ else None,
        **extra,
    )


SPELLS = [
    _spell(
        "A1-000001",
        "PRJ-A",
        date(2023, 2, 1),
        date(2023, 8, 31),
        "f",
        1990,
        "unemployed",
        3,
        "employed_sv",
        True,
    ),
    _spell(
        "A2-000002",
        "PRJ-A",
        date(2023, 3, 1),
        date(2023, 9, 15),
        "m",
        1960,
        "long_term_unemployed",
        2,
        "job_searching",
        False,
    ),
    _spell(
        "A3-000003",
        "PRJ-A",
        date(2023, 5, 10),
        date(2023, 6, 30),
        "f",
        2006,
        "inactive_in_education",
        2,
        "vocational_training",
        False,
    ),
    _spell(
        "A3-000003",
        "PRJ-A",
        date(2024, 1, 15),
        date(2024, 2, 20),
        "f",
        2006,
        "unemployed",
        3,
        "unknown",
        False,
    ),
    _spell(
        "A4-000004", "PRJ-A", date(2024, 1, 10), None, "d", 1994, "employed", 6, disability="yes", rural="yes"
    ),
    _spell("A5-000005", "PRJ-A", date(2024, 2, 5), date(2024, 3, 25), "m", None, "unemployed", 4),
    _spell("A6-000006", "PRJ-A", date(2024, 3, 1), None, None, 1985, "unemployed", 1),
    _spell(
        "A7-000007",
        "PRJ-A",
        date(2024, 3, 10),
        date(2024, 3, 31),
        "f",
        1995,
        "self_employed",
        5,
        "self_employed",
        False,
        nationality="third_country",
        foreign_background="yes",
    ),
    _spell(
        "B1-000001",
        "PRJ-B",
        date(2024, 2, 1),
        date(2024, 3, 15),
        "f",
        1988,
        "unemployed",
        2,
        "employed_marginal",
        False,
        single_parent=True,
        children_under_18=2,
        foreign_background="yes",
    ),
    _spell(
        "B2-000002",
        "PRJ-B",
        date(2024, 2, 15),
        None,
        "m",
        1970,
        "inactive",
        3,
        single_parent=True,
        children_under_18=1,
        homeless="yes",
        minority="yes",
    ),
    _spell(
        "B3-000003",
        "PRJ-B",
        date(2024, 3, 5),
        None,
        "f",
        1969,
        "unemployed",
        0,
        single_parent=False,
        children_under_18=3,
    ),
]

#: (provider, type, month, arrived_at, status) — one row per file version processed
DELIVERIES = [
    ("PRJ-A", "participants", "2024-01", datetime(2024, 2, 5, 9), "accepted"),
    ("PRJ-A", "participants", "2024-02", datetime(2024, 3, 8, 9), "accepted"),
    ("PRJ-A", "participants", "2024-03", datetime(2024, 4, 9, 9), "accepted"),
    ("PRJ-A", "participants", "2024-03", datetime(2024, 4, 15, 9), "accepted"),  # re-sent
    ("PRJ-B", "participants", "2024-02", datetime(2024, 3, 12, 9), "rejected"),  # late
    ("PRJ-B", "participants", "2024-02", datetime(2024, 3, 20, 9), "accepted"),
    ("PRJ-B", "participants", "2024-03", datetime(2024, 4, 10, 23, 30), "accepted"),  # on time
    ("JC-1", "target_population", "2024-01", datetime(2024, 2, 2, 9), "accepted"),
    ("JC-1", "target_population", "2024-02", datetime(2024, 3, 2, 9), "accepted"),
    ("JC-1", "target_population", "2024-03", datetime(2024, 4, 2, 9), "accepted"),
    ("JC-1", "followup", "2024-02", datetime(2024, 3, 2, 9), "accepted"),
    ("JC-1", "followup", "2024-03", datetime(2024, 4, 2, 9), "accepted"),
    ("JC-2", "target_population", "2024-03", datetime(2024, 4, 3, 9), "rejected"),
]

FOLLOWUP = [  # participant, project, exit_date, status_6m, reporting month
    ("A1-000001", "PRJ-A", date(2023, 8, 31), "unemployed", "2024-02"),
    ("A1-000001", "PRJ-A", date(2023, 8, 31), "employed_sv", "2024-03"),
    ("A2-000002", "PRJ-A", date(2023, 9, 14), "employed_sv", "2024-03"),
]

TARGET_POPULATION = [  # month, district, target_group, count
    ("2024-01", "Nord", "elb_total", 1000),
    ("2024-02", "Nord", "elb_total", 1100),
    ("2024-03", "Nord", "elb_total", 1200),
    ("2024-01", "Nord", "single_parents", 100),
    ("2024-03", "Nord", "single_parents", 140),
]


def _snapshot(month: str) -> list[dict]:
    """The cumulative snapshot a project would send for ``month``."""
    end = MONTH_END[month]
    rows = []
    for spell in SPELLS:
        if spell["entry_date"] > end:
            continue
        row = dict(spell)
        if row["exit_date"] and row["exit_date"] > end:
            row.update(exit_date=None, exit_reason=None, status_upon_leaving=None, qualification_gained=None)
        rows.append(row)
    return rows


def _insert(con, table: str, rows: list[dict]) -> None:
    columns = list(rows[0])
    con.executemany(
        f"insert into raw.{table} ({', '.join(columns)}) values ({', '.join('?' * len(columns))})",
        [[row[c] for c in columns] for row in rows],
    )


def build_warehouse(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        ensure_schema(con)
        loaded = datetime(2024, 4, 20)
        _insert(
            con,
            "projects",
            [dict(zip(codes.REGISTRY_COLUMNS, p), _file_sha256="reg", _loaded_at=loaded) for p in PROJECTS],
        )
        participants = []
        for project, months in (("PRJ-A", MONTHS), ("PRJ-B", MONTHS[1:])):
            for month in months:
                for n, row in enumerate(r for r in _snapshot(month) if r["project_id"] == project):
                    participants.append(
                        {c: row.get(c) for c in codes.PARTICIPANTS_COLUMNS}
                        | dict(
                            _provider_id=project,
                            _reporting_month=month,
                            _file_sha256=f"{project}{month}",
                            _source_row=n + 2,
                            _loaded_at=loaded,
                        )
                    )
        _insert(con, "participants", participants)
        _insert(
            con,
            "followup",
            [
                dict(
                    participant_id=p,
                    project_id=pr,
                    exit_date=e,
                    status_6m=s,
                    benefit_receipt_6m="no",
                    _provider_id="JC-1",
                    _reporting_month=m,
                    _file_sha256=f"fu{m}",
                    _source_row=n + 2,
                    _loaded_at=loaded,
                )
                for n, (p, pr, e, s, m) in enumerate(FOLLOWUP)
            ],
        )
        _insert(
            con,
            "target_population",
            [
                dict(
                    month=m,
                    district=d,
                    target_group=t,
                    count=c,
                    _provider_id="JC-1",
                    _reporting_month=m,
                    _file_sha256=f"tp{m}",
                    _source_row=n + 2,
                    _loaded_at=loaded,
                )
                for n, (m, d, t, c) in enumerate(TARGET_POPULATION)
            ],
        )
        row_counts = {
            (p, m): sum(1 for r in participants if r["_provider_id"] == p and r["_reporting_month"] == m)
            for p, m in {(r["_provider_id"], r["_reporting_month"]) for r in participants}
        }
        _insert(
            con,
            "deliveries",
            [
                dict(
                    provider_id=p,
                    extract_type=t,
                    reporting_month=m,
                    sha256=f"{p}{t}{m}{n}",
                    file_name=f"{m}.csv",
                    arrived_at=arrived,
                    processed_at=arrived,
                    status=status,
                    row_count=row_counts.get((p, m), 3) if status == "accepted" else 4,
                    error_count=0 if status == "accepted" else 1,
                    warning_count=0,
                    incomplete_count=0,
                )
                for n, (p, t, m, arrived, status) in enumerate(DELIVERIES)
            ],
        )
    finally:
        con.close()


def _dbt(*args: str, tmp_path: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = (
        os.environ | {"ESF_DATA_DIR": str(tmp_path), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"} | (env or {})
    )
    result = subprocess.run(
        [
            str(DBT),
            *args,
            "--project-dir",
            str(DBT_DIR),
            "--profiles-dir",
            str(DBT_DIR),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return result


@dataclass
class Built:
    root: Path  # ESF_DATA_DIR of the build; dbt's target/ lies inside
    con: duckdb.DuckDBPyConnection


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    """`dbt build` (models, data tests, SFC2021 rules, unit tests) on the fixture warehouse."""
    tmp_path = tmp_path_factory.mktemp("dbt")
    build_warehouse(tmp_path / "warehouse" / "esf.duckdb")
    _dbt("build", tmp_path=tmp_path)
    con = duckdb.connect(str(tmp_path / "warehouse" / "esf.duckdb"), read_only=True)
    yield Built(tmp_path, con)
    con.close()


# --------------------------------------------------------------------------- parse


@pytest.fixture(scope="module")
def parsed_manifest(tmp_path_factory) -> dict:
    tmp_path = tmp_path_factory.mktemp("dbt_parse")
    _dbt("parse", tmp_path=tmp_path)
    return json.loads((tmp_path / "target" / "manifest.json").read_text())


def test_dbt_parse_maps_sources_to_intake_assets(parsed_manifest):
    asset_keys = {
        source["name"]: source["config"]["meta"]["dagster"]["asset_key"]
        for source in parsed_manifest["sources"].values()
    }
    assert asset_keys == {
        "participants": ["raw_participants"],
        "followup": ["raw_followup"],
        "target_population": ["raw_target_population"],
        "projects": ["registry"],
        "deliveries": ["delivery_log"],
        "process_checklist": ["raw_process_checklist"],
        "municipalities": ["registry"],
        "checklist_items": ["registry"],
    }
    models = {n["name"] for n in parsed_manifest["nodes"].values() if n["resource_type"] == "model"}
    assert {
        "common_indicators",
        "sfc_table",
        "indicators",
        "delivery_status",
        "participant_breakdowns",
        "process_items",
        "process_responsibility",
        "process_change",
        "process_waves",
    } <= models
    assert parsed_manifest["metadata"]["send_anonymous_usage_stats"] is False


#: accepted_values lists that must equal a code list of schemas/codes.py
CODE_LISTS = {
    "gender": codes.GENDER,
    "employment_status": codes.EMPLOYMENT_STATUS,
    "disability": codes.YES_NO_UNKNOWN,
    "foreign_background": codes.YES_NO_UNKNOWN,
    "minority": codes.YES_NO_UNKNOWN,
    "homeless": codes.YES_NO_UNKNOWN,
    "rural": codes.YES_NO_UNKNOWN,
    "benefit_receipt_6m": codes.YES_NO_UNKNOWN,
    "nationality": codes.NATIONALITY,
    "access_channel": codes.ACCESS_CHANNEL,
    "exit_reason": codes.EXIT_REASON,
    "status_upon_leaving": codes.STATUS_UPON_LEAVING,
    "status_6m": codes.STATUS_6M,
    "target_group": codes.TARGET_GROUP,
    "category_of_region": codes.CATEGORY_OF_REGION,
    "extract_type": codes.EXTRACT_TYPES,
    "provider_kind": tuple(codes.PROVIDER_KIND_EXTRACTS),
    "kind": codes.MUNICIPALITY_KIND,
    "responsibility": codes.RESPONSIBILITY,
}


#: delivery_status covers the monthly extracts; process checklists have process_waves
MONTHLY_CODE_LISTS = {
    "extract_type": codes.INDICATOR_EXTRACT_TYPES,
    "provider_kind": ("project", "jobcenter"),
}


def test_accepted_values_equal_the_code_lists(parsed_manifest):
    """The dbt YAML cannot import schemas/codes.py, so this test keeps them from drifting."""
    checked = set()
    for node in parsed_manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        column = meta.get("kwargs", {}).get("column_name")
        if meta.get("name") != "accepted_values" or column not in CODE_LISTS:
            continue
        expected = set(CODE_LISTS[column])
        if node["attached_node"].endswith(".delivery_status"):  # monthly extracts only (no checklists)
            expected = set(MONTHLY_CODE_LISTS[column]) if column in MONTHLY_CODE_LISTS else expected
        if column == "gender" and "stg_esf__" not in node["attached_node"]:
            expected |= {"total"}
        if column == "responsibility" and node["attached_node"].endswith(".process_responsibility"):
            expected |= {"unknown"}  # implemented or in planning, responsibility not said
        assert set(meta["kwargs"]["values"]) == expected, node["unique_id"]
        checked.add(column)
    assert checked == set(CODE_LISTS)


# --------------------------------------------------------------------------- build


def _rows(con, sql: str) -> dict:
    """{key tuple: value} of a query whose last column is the value."""
    return {tuple(row[:-1]): row[-1] for row in con.execute(sql).fetchall()}


def test_build_documents_every_column(built):
    manifest = json.loads((built.root / "target" / "manifest.json").read_text())
    documented = {
        (n["name"], c)
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model"
        for c, spec in n["columns"].items()
        if spec.get("description", "").strip()
    }
    described_models = {
        n["name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["description"].strip()
    }
    actual = set(
        built.con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema in ('staging', 'intermediate', 'marts')"
        ).fetchall()
    )
    assert actual - documented == set()
    assert {t for t, _ in actual} <= described_models


def test_common_indicators_hand_computed(built):
    ci = _rows(built.con, "select cutoff, project_id, indicator, gender, value from marts.common_indicators")
    # 3 cut-offs: 2024-01 PRJ-A + ALL, 2024-02 + PRJ-B, 2024-03 + PRJ-C; x 22 indicators x 4 genders
    assert len(ci) == (2 + 3 + 4) * 22 * 4
    # 2024-03, PRJ-A, complete participants A1 A2 A3 A4 A7 (A5 lacks birth_year, A6 gender):
    # f = A1 A3 A7, m = A2, d = A4
    assert [ci["2024-03", "PRJ-A", "EECO01", g] for g in ("f", "m", "d", "total")] == [3, 1, 1, 5]
    assert ci["2024-03", "PRJ-A", "EECO02", "total"] == 2  # A1 unemployed, A2 long-term
    assert ci["2024-03", "PRJ-A", "EECO06", "f"] == 1  # A3: 2023 - 2006 = 17 (first spell)
    assert ci["2024-03", "PRJ-A", "EECO07", "f"] == 1  # A7: 2024 - 1995 = 29
    assert ci["2024-03", "PRJ-A", "EECO08", "m"] == 1  # A2: 63
    assert ci["2024-03", "PRJ-A", "EECO09", "total"] == 2  # A2, A3 (first spell isced 2)
    # A3's last spell ended "unknown": its first spell's vocational_training does not count
    assert ci["2024-03", "PRJ-A", "EECR02", "total"] == 0
    assert ci["2024-03", "PRJ-A", "EECR04", "f"] == 2  # A1 employed_sv, A7 self_employed
    # EECR05 at 2024-03 (exit <= 2023-09-30): A1 matched employed_sv; A2's row names 09-14
    assert ci["2024-03", "PRJ-A", "EECR05", "total"] == 1
    # ... at 2024-02 the follow-up known then (2024-02 file) said "unemployed"
    assert ci["2024-02", "PRJ-A", "EECR05", "total"] == 0
    # PRJ-B: B1 f unemployed, B2 m inactive, B3 f unemployed (age 55 -> EECO08)
    assert ci["2024-03", "PRJ-B", "EECO02", "f"] == 2
    assert ci["2024-03", "PRJ-B", "EECO04", "m"] == 1
    assert ci["2024-03", "PRJ-B", "EECO08", "f"] == 1
    assert ci["2024-03", "PRJ-B", "EECO07", "total"] == 0  # B2 is 54, B1 36
    # PRJ-C started 2024-03 but never delivered: zeros
    assert {v for (c, p, _, _), v in ci.items() if p == "PRJ-C"} == {0}
    assert ("2024-02", "PRJ-C", "EECO01", "total") not in ci  # not started yet
    # programme: 5 + 3 complete participants; EECR04 = A1, A7, B1 (employed_marginal)
    assert ci["2024-03", "ALL", "EECO01", "total"] == 8
    assert ci["2024-03", "ALL", "EECR04", "total"] == 3
    # 2024-01: snapshot of January; A3's second spell open -> active, no results yet
    assert ci["2024-01", "ALL", "EECO01", "total"] == 4


def test_sfc_table_hand_computed(built):
    sfc = _rows(
        built.con,
        "select cutoff, specific_objective, category_of_region, indicator, gender, "
        "value from marts.sfc_table where indicator = 'EECO01' and gender = 'total'",
    )
    assert sfc == {
        ("2024-01", "ESO4.8", "more_developed", "EECO01", "total"): 4,
        ("2024-02", "ESO4.8", "more_developed", "EECO01", "total"): 4,  # A1-A4 complete
        ("2024-02", "ESO4.8", "transition", "EECO01", "total"): 2,  # B1, B2
        ("2024-03", "ESO4.8", "more_developed", "EECO01", "total"): 5,
        ("2024-03", "ESO4.8", "transition", "EECO01", "total"): 3,
        ("2024-03", "ESO4.11", "more_developed", "EECO01", "total"): 0,  # PRJ-C, zeros
    }


def test_indicators_hand_computed(built):
    rows = {
        tuple(r[:4]): r[4:]
        for r in built.con.execute(
            "select cutoff, project_id, indicator, gender, numerator, denominator, value "
            "from marts.indicators"
        ).fetchall()
    }

    def at(project, indicator, gender="total", cutoff="2024-03"):
        return rows[cutoff, project, indicator, gender]

    # PRJ-A at 2024-03: A1..A7 (A6 without gender: total only)
    assert [at("PRJ-A", "participants_cumulative", g)[2] for g in ("f", "m", "d", "total")] == [3, 2, 1, 7]
    assert at("PRJ-A", "participants_active") == (2, None, 2)  # A4, A6
    assert at("PRJ-A", "entries_month") == (2, None, 2)  # A6, A7 (A3's re-entry is no entry)
    assert at("PRJ-A", "leavers_month") == (2, None, 2)  # A5 03-25, A7 03-31
    assert at("PRJ-A", "target_achievement") == (7, 20, 0.35)
    # window 2023-04-01..2024-03-31, target group elb_total: A3 A4 A5 A6 A7;
    # Nord/elb_total mean of 1000, 1100, 1200
    assert at("PRJ-A", "reach_rate_12m") == (5, 1100, pytest.approx(5 / 1100))
    # leavers in window: A1 A2 A3 A5 A7; integrated A1 (employed_sv), A7 (self_employed);
    # A3 "unknown", A5 still empty (exit 6 days before C) -> not integrated, status unknown
    assert at("PRJ-A", "integration_rate_12m") == (2, 5, 0.4)
    assert at("PRJ-A", "status_unknown_share") == (2, 5, 0.4)
    # exit <= 2023-09-30: A1 (follow-up matches, employed_sv), A2 (follow-up names 09-14)
    assert at("PRJ-A", "integration_rate_6m") == (1, 2, 0.5)
    assert at("PRJ-A", "followup_coverage") == (1, 2, 0.5)
    # durations: A7 22, A5 50, A2 199, A1 212, A3 287 (2023-05-10..2024-02-20)
    assert at("PRJ-A", "duration_median_days") == (None, 5, 199)
    assert at("PRJ-A", "duration_mean_days") == (None, 5, 154)  # 770 / 5
    assert at("PRJ-A", "duration_median_days", "m") == (None, 2, 124.5)  # (50 + 199) / 2
    # PRJ-B: single_parents members entering in the window: B1, B2 (B3 is not a single
    # parent); Nord/single_parents has data for January (100) and March (140) only -> 120
    assert at("PRJ-B", "reach_rate_12m") == (2, 120, pytest.approx(2 / 120))
    assert at("PRJ-B", "integration_rate_12m") == (0, 1, 0.0)  # B1 employed_marginal
    assert at("PRJ-B", "integration_rate_6m") == (0, 0, None)
    # PRJ-C: no participants, no population data for Sued
    assert at("PRJ-C", "reach_rate_12m") == (0, None, None)
    assert at("PRJ-C", "target_achievement") == (0, 5, 0.0)
    # ALL: 10 participants / (20 + 10 + 5); reach (5 + 2 + 0) / (1100 + 120)
    assert at("ALL", "target_achievement") == (10, 35, pytest.approx(10 / 35))
    assert at("ALL", "reach_rate_12m") == (7, 1220, pytest.approx(7 / 1220))
    # six leavers in window incl. B1 (44 days): 22 44 50 199 212 287 -> (50 + 199) / 2
    assert at("ALL", "duration_median_days") == (None, 6, 124.5)
    assert ("2024-03", "ALL", "reach_rate_12m", "f") not in rows
    # 2024-02: A1 left 2023-08-31 = C minus 6 months; follow-up known then: unemployed
    assert at("PRJ-A", "integration_rate_6m", cutoff="2024-02") == (0, 1, 0.0)
    assert at("PRJ-A", "followup_coverage", cutoff="2024-02") == (1, 1, 1.0)


def test_delivery_status_hand_computed(built):
    rows = {
        tuple(r[:3]): r[3:]
        for r in built.con.execute(
            "select provider_id, extract_type, reporting_month, status, versions, is_late, row_count, "
            "incomplete_count from marts.delivery_status"
        ).fetchall()
    }
    assert rows == {
        # snapshot rows: Jan A1 A2 A3x2 A4; Feb + A5 (no birth_year); Mar + A6 (no gender), A7
        ("PRJ-A", "participants", "2024-01"): ("accepted", 1, False, 5, 0),
        ("PRJ-A", "participants", "2024-02"): ("accepted", 1, False, 6, 1),
        ("PRJ-A", "participants", "2024-03"): ("corrected", 2, False, 8, 2),
        # first version (rejected) arrived on 12 March: late
        ("PRJ-B", "participants", "2024-02"): ("accepted", 2, True, 2, 0),
        ("PRJ-B", "participants", "2024-03"): ("accepted", 1, False, 3, 0),  # 10 April 23:30
        ("PRJ-C", "participants", "2024-03"): ("missing", 0, None, None, None),
        ("JC-1", "followup", "2024-01"): ("missing", 0, None, None, None),
        ("JC-1", "followup", "2024-02"): ("accepted", 1, False, 3, None),
        ("JC-1", "followup", "2024-03"): ("accepted", 1, False, 3, None),
        ("JC-1", "target_population", "2024-01"): ("accepted", 1, False, 3, None),
        ("JC-1", "target_population", "2024-02"): ("accepted", 1, False, 3, None),
        ("JC-1", "target_population", "2024-03"): ("accepted", 1, False, 3, None),
        ("JC-2", "followup", "2024-03"): ("missing", 0, None, None, None),
        ("JC-2", "target_population", "2024-03"): ("rejected", 1, False, None, None),
    }


def test_participant_breakdowns_hand_computed(built):
    pb = {
        tuple(r[:3]): r[3:]
        for r in built.con.execute(
            "select dimension, category, gender, participants, leavers, integrated_leavers "
            "from marts.participant_breakdowns where cutoff = '2024-03' and project_id = 'ALL'"
        ).fetchall()
    }
    # ages at entry: A1 33, A2 63, A3 17, A4 30, A5 ?, A6 39, A7 29, B1 36, B2 54, B3 55
    # 30–54: A1 (left, integrated), A4, A6, B1 (left, employed_marginal), B2
    assert pb["age_group", "30–54", "total"] == (5, 2, 1)
    assert pb["age_group", "55+", "total"] == (2, 1, 0)  # A2 (job_searching), B3
    assert pb["age_group", "unknown", "total"] == (1, 1, 0)  # A5
    assert sum(v[0] for (d, _, g), v in pb.items() if d == "age_group" and g == "total") == 10
    assert pb["target_group", "single_parents", "total"] == (2, 1, 0)  # B1, B2
    assert pb["target_group", "parents_low_qualified", "total"] == (2, 1, 0)  # B1, B3
    assert pb["target_group", "women_foreign_background", "f"] == (2, 2, 1)  # A7, B1
    assert pb["target_group", "elb_total", "total"] == (10, 6, 2)
    # unemployed: A1 (left, integrated), A5 (left), A6, B1 (left), B3
    assert pb["employment_status", "unemployed", "total"] == (5, 3, 1)


def test_sfc2021_rules_fail_the_build_on_a_breach(built, tmp_path):
    """The singular tests are real checks: a tampered mart makes `dbt test` fail."""
    (tmp_path / "warehouse").mkdir()
    copy = tmp_path / "warehouse" / "esf.duckdb"
    copy.write_bytes((built.root / "warehouse" / "esf.duckdb").read_bytes())
    con = duckdb.connect(str(copy))
    con.execute(
        "update marts.common_indicators set value = value + 2 where cutoff = '2024-03' "
        "and project_id = 'PRJ-A' and gender = 'm' and indicator in ('EECO02', 'EECR01')"
    )
    con.close()
    env = os.environ | {"ESF_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [
            str(DBT),
            "test",
            "--select",
            "test_type:singular",
            "--project-dir",
            str(DBT_DIR),
            "--profiles-dir",
            str(DBT_DIR),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    for name in (
        "sfc2021_eeco01_equals_employment_groups",
        "sfc2021_eecr_not_above_eeco01",
        "common_indicators_gender_rows_add_up_to_total",
        "common_indicators_programme_total_is_sum_of_projects",
    ):
        assert f"FAIL 1 {name}" in result.stdout or f"FAIL 2 {name}" in result.stdout, name
