"""Incremental dbt models (delete+insert per cut-off, dbt_project/macros/esf_rebuild.sql, the
months chosen by orchestration/dbt_build_plan.py as the asset does) give exactly what a full
rebuild gives, and rebuild only the cut-offs a new or replaced upload can change.

Uses the hand-made warehouse of tests/integration/test_dbt_project.py (cut-offs 2024-01 .. 2024-03):
1. the March uploads held back, `dbt run` (first build = full);
2. March arrives (loaded later): the incremental run recomputes cut-off 2024-03 only (the
   SQL dbt ran says so; the snapshot list and the multi-spell set regroup March only) —
   and every model equals a `--full-refresh` build of the same data;
3. PRJ-A re-sends February without person A5: cut-offs 2024-02 and 2024-03 are rebuilt (A5
   gone from both), 2024-01 is kept — again equal to a full rebuild;
4. nothing new: nothing is recomputed;
5. a re-sent month that leaves a cut-off without any row of a model (A3's second spell in
   January gone: int_multi_spell_participants has no January row left) removes the old rows
   (the pre-hook; delete+insert alone deletes only the keys of the new batch).
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from test_dbt_project import _dbt, build_warehouse

from orchestration import dbt_build_plan

INCREMENTAL = (
    "intermediate.int_participant_snapshots",
    "intermediate.int_multi_spell_participants",
    "intermediate.int_participants_at_cutoff",
    "intermediate.int_common_indicators_wide",
    "intermediate.int_headline_indicators_wide",
    "marts.participant_breakdowns",
)
#: int_record_keys is incremental too (append of the pairs not yet hashed; a Python model, so
#: not in _rebuilt_from's compiled-SQL reading): a pair it missed would differ here
COMPARED = INCREMENTAL + (
    "intermediate.int_record_keys",
    "marts.common_indicators",
    "marts.indicators",
    "marts.sfc_table",
)
RAW = ("participants", "followup", "target_population")


def _db(root: Path) -> Path:
    return root / "warehouse" / "esf.duckdb"


def _rebuilt_from(root: Path) -> dict[str, str | None]:
    """Per incremental model, the first cut-off the last dbt invocation rebuilt, read from the
    SQL dbt actually ran (target/compiled): ``cutoff >= 'YYYY-MM'`` (the snapshot-keyed
    int_participant_snapshots and int_multi_spell_participants: ``reporting_month >=
    'YYYY-MM'``); None = a full build."""
    found = {}
    for rel in INCREMENTAL:
        name = rel.split(".")[1]
        sql = next((root / "target" / "compiled").rglob(f"{name}.sql")).read_text()
        months = set(re.findall(r"(?:cutoff|reporting_month) >= '(\d{4}-\d{2}|0000-00|9999-99)'", sql))
        assert len(months) <= 1, (name, months)
        found[name] = months.pop() if months else None
    return found


def _planned_run(root: Path) -> dbt_build_plan.BuildPlan:
    """`dbt run` as the asset esf_dbt_models runs it: plan, run, save the state on success."""
    _dbt("parse", tmp_path=root)
    state = dbt_build_plan.current_state(_db(root), root / "target" / "manifest.json")
    plan = dbt_build_plan.plan_build(dbt_build_plan.load_state(root / "target"), state)
    _dbt("run", *plan.dbt_args(), tmp_path=root, env=plan.env())
    dbt_build_plan.save_state(root / "target", state)
    return plan


def _count(root: Path, sql: str) -> int:
    con = duckdb.connect(str(_db(root)), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def _differences(root: Path, tmp_path: Path) -> dict[str, int]:
    """Rows that differ (both directions) between the incremental warehouse and a full
    rebuild of a copy of it."""
    full = tmp_path / "full"
    shutil.rmtree(full, ignore_errors=True)
    _db(full).parent.mkdir(parents=True)
    shutil.copy(_db(root), _db(full))
    # the same data folder secret, so the same record keys (a new folder would get its own)
    shutil.copytree(root / "secrets", full / "secrets")
    _dbt("run", "--full-refresh", tmp_path=full)
    con = duckdb.connect(str(_db(root)), read_only=True)
    try:
        con.execute(f"attach '{_db(full)}' as full_build (read_only)")
        diff = {}
        for rel in COMPARED:
            a, b = f"esf.{rel}", f"full_build.{rel}"
            diff[rel] = con.execute(
                f"select (select count(*) from (select * from {a} except all select * from {b})) "
                f"+ (select count(*) from (select * from {b} except all select * from {a}))"
            ).fetchone()[0]
        return diff
    finally:
        con.close()


@pytest.fixture(scope="module")
def held_back(tmp_path_factory):
    """Warehouse with every March row set aside in tables hold_<type>; first (full) build."""
    root = tmp_path_factory.mktemp("dbt_incremental")
    build_warehouse(_db(root))
    con = duckdb.connect(str(_db(root)))
    try:
        for t in RAW:
            con.execute(
                f"create table main.hold_{t} as select * from raw.{t} where _reporting_month = '2024-03'"
            )
            con.execute(f"delete from raw.{t} where _reporting_month = '2024-03'")
        con.execute(
            "create table main.hold_deliveries as select * from raw.deliveries where reporting_month = '2024-03'"
        )
        con.execute("delete from raw.deliveries where reporting_month = '2024-03'")
    finally:
        con.close()
    assert _planned_run(root) == dbt_build_plan.BuildPlan(full_refresh=True, rebuild_from=None)
    return root


def test_new_month_rebuilds_only_its_cutoff_and_equals_a_full_build(held_back, tmp_path):
    root = held_back
    assert _count(root, "select max(cutoff) from intermediate.int_participants_at_cutoff") == "2024-02"
    later = datetime(2024, 5, 1)  # after every stamp of the first build
    con = duckdb.connect(str(_db(root)))
    try:
        for t in RAW:
            con.execute(
                f"insert into raw.{t} select * replace (cast(? as timestamp) as _loaded_at) "
                f"from main.hold_{t}",
                [later],
            )
        con.execute(
            "insert into raw.deliveries select * replace (cast(? as timestamp) as processed_at) "
            "from main.hold_deliveries",
            [later],
        )
    finally:
        con.close()
    assert _planned_run(root) == dbt_build_plan.BuildPlan(full_refresh=False, rebuild_from="2024-03")

    assert _rebuilt_from(root) == dict.fromkeys((m.split(".")[1] for m in INCREMENTAL), "2024-03")
    # the fixture's March snapshot: PRJ-A 7 people, PRJ-B 3 people (tests/integration/test_dbt_project.py)
    assert (
        _count(root, "select count(*) from intermediate.int_participants_at_cutoff where cutoff = '2024-03'")
        == 10
    )
    # A3 (two spells since January) is listed for March too; the months before were kept
    assert (
        _count(
            root,
            "select string_agg(reporting_month, ',' order by reporting_month) "
            "from intermediate.int_multi_spell_participants "
            "where participant_id = 'A3-000003'",
        )
        == "2024-01,2024-02,2024-03"
    )
    assert _differences(root, tmp_path) == dict.fromkeys(COMPARED, 0)


def test_resubmitted_month_replaces_its_slice_and_later_cutoffs(held_back, tmp_path):
    root = held_back
    before_jan = _count(
        root, "select count(*) from intermediate.int_participants_at_cutoff where cutoff = '2024-01'"
    )
    con = duckdb.connect(str(_db(root)))
    try:
        # PRJ-A re-sends February: person A5 (entered 2024-02-05) was a mistake
        con.execute(
            "update raw.participants set _loaded_at = timestamp '2024-05-02', _file_sha256 = 'v2' "
            "where _provider_id = 'PRJ-A' and _reporting_month = '2024-02'"
        )
        con.execute(
            "delete from raw.participants where _provider_id = 'PRJ-A' and _reporting_month = '2024-02' "
            "and participant_id = 'A5-000005'"
        )
        con.execute(
            "insert into raw.deliveries select * replace (timestamp '2024-05-02' as processed_at, "
            "'v2' as sha256) from raw.deliveries where provider_id = 'PRJ-A' "
            "and extract_type = 'participants' and reporting_month = '2024-02' limit 1"
        )
    finally:
        con.close()
    assert _planned_run(root) == dbt_build_plan.BuildPlan(full_refresh=False, rebuild_from="2024-02")

    # only participants and followup feed the headline table too; its target population is unchanged
    assert _rebuilt_from(root) == dict.fromkeys((m.split(".")[1] for m in INCREMENTAL), "2024-02")
    assert (
        _count(root, "select count(*) from intermediate.int_participants_at_cutoff where cutoff = '2024-01'")
        == before_jan
    )
    # A5 is gone from February (the re-sent file) but still in March (the March file has them)
    assert (
        _count(
            root,
            "select count(*) from intermediate.int_participants_at_cutoff "
            "where participant_id = 'A5-000005' and cutoff = '2024-02'",
        )
        == 0
    )
    assert (
        _count(
            root,
            "select count(*) from intermediate.int_participants_at_cutoff "
            "where participant_id = 'A5-000005' and cutoff = '2024-03'",
        )
        == 1
    )
    assert _differences(root, tmp_path) == dict.fromkeys(COMPARED, 0)


def test_nothing_new_rebuilds_nothing(held_back):
    root = held_back
    rows = _count(root, "select count(*) from intermediate.int_participants_at_cutoff")
    assert _planned_run(root) == dbt_build_plan.BuildPlan(full_refresh=False, rebuild_from=None)
    assert _rebuilt_from(root) == dict.fromkeys((m.split(".")[1] for m in INCREMENTAL), "9999-99")
    assert _count(root, "select count(*) from intermediate.int_participants_at_cutoff") == rows


def test_rejected_file_of_a_new_month_adds_that_cutoff(held_back, tmp_path):
    """Cut-off rule v2 (docs/indicators.md): the cut-offs run to the latest month of ANY
    delivery. PRJ-A's April file is rejected (no rows loaded): cut-off 2024-04 exists all the
    same, with the figures as known — the March snapshots (PRJ-A 7 people, PRJ-B 3) — and the
    incremental build adds exactly that cut-off, equal to a full rebuild."""
    root = held_back
    con = duckdb.connect(str(_db(root)))
    try:
        con.execute(
            "insert into raw.deliveries select * replace (timestamp '2024-05-03' as processed_at, "
            "'2024-04' as reporting_month, 'rejected' as status, 'v-rej' as sha256) "
            "from raw.deliveries where provider_id = 'PRJ-A' and extract_type = 'participants' "
            "and reporting_month = '2024-03' limit 1"
        )
    finally:
        con.close()
    assert _planned_run(root) == dbt_build_plan.BuildPlan(full_refresh=False, rebuild_from="2024-04")
    assert _count(root, "select max(cutoff) from intermediate.int_cutoffs") == "2024-04"
    assert _rebuilt_from(root) == dict.fromkeys((m.split(".")[1] for m in INCREMENTAL), "2024-04")
    assert (
        _count(root, "select count(*) from intermediate.int_participants_at_cutoff where cutoff = '2024-04'")
        == 10
    )
    assert _differences(root, tmp_path) == dict.fromkeys(COMPARED, 0)


def test_resent_month_that_empties_a_cutoff_of_a_model_removes_its_old_rows(held_back, tmp_path):
    root = held_back
    multi_spell_january = (
        "select count(*) from intermediate.int_multi_spell_participants where reporting_month = '2024-01'"
    )
    assert _count(root, multi_spell_january) == 1  # A3, the January snapshot's only two-spell person
    con = duckdb.connect(str(_db(root)))
    try:
        # PRJ-A re-sends January without A3's second spell (entered 2024-01-15, a mistake)
        con.execute(
            "update raw.participants set _loaded_at = timestamp '2024-05-03', _file_sha256 = 'v3' "
            "where _provider_id = 'PRJ-A' and _reporting_month = '2024-01'"
        )
        con.execute(
            "delete from raw.participants where _provider_id = 'PRJ-A' and _reporting_month = '2024-01' "
            "and participant_id = 'A3-000003' and entry_date = date '2024-01-15'"
        )
        con.execute(
            "insert into raw.deliveries select * replace (timestamp '2024-05-03' as processed_at, "
            "'v3' as sha256) from raw.deliveries where provider_id = 'PRJ-A' "
            "and extract_type = 'participants' and reporting_month = '2024-01' limit 1"
        )
    finally:
        con.close()
    assert _planned_run(root) == dbt_build_plan.BuildPlan(full_refresh=False, rebuild_from="2024-01")

    # the new batch has no January row of the model at all: delete+insert alone would keep the old one
    assert _count(root, multi_spell_january) == 0
    assert (
        _count(
            root,
            "select string_agg(reporting_month, ',' order by reporting_month) "
            "from intermediate.int_multi_spell_participants",
        )
        == "2024-02,2024-03"
    )
    assert _differences(root, tmp_path) == dict.fromkeys(COMPARED, 0)
