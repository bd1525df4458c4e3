"""The build rule (orchestration/dbt_build_plan.py): full refresh, rebuild from month M, or nothing."""

from __future__ import annotations

import json

import duckdb

from orchestration.dbt_build_plan import (
    BuildPlan,
    load_state,
    plan_build,
    project_fingerprint,
    save_state,
    source_state,
)

BEFORE = {
    "registry_sha256": "reg1",
    "project_fingerprint": "fp1",
    "record_key_id": "key1",
    "months": {"2024-01": "2024-02-03 10:00:00", "2024-02": "2024-03-04 10:00:00"},
}


def _now(**changes):
    return {**BEFORE, **changes}


def test_no_saved_state_is_a_full_refresh():
    assert plan_build(None, BEFORE) == BuildPlan(full_refresh=True, rebuild_from=None)


def test_other_registry_or_other_project_is_a_full_refresh():
    assert plan_build(BEFORE, _now(registry_sha256="reg2")) == BuildPlan(True, None)
    assert plan_build(BEFORE, _now(project_fingerprint="fp2")) == BuildPlan(True, None)


def test_replaced_record_key_secret_is_a_full_refresh():
    # int_record_keys only hashes pairs it has not seen: keys of the old secret must not stay
    assert plan_build(BEFORE, _now(record_key_id="key2")) == BuildPlan(True, None)
    # a state saved before the fingerprint was kept (no record_key_id) is rebuilt once
    older = {k: v for k, v in BEFORE.items() if k != "record_key_id"}
    assert plan_build(older, BEFORE) == BuildPlan(True, None)


def test_nothing_changed_rebuilds_nothing():
    assert plan_build(BEFORE, _now()) == BuildPlan(full_refresh=False, rebuild_from=None)


def test_new_month_rebuilds_from_it():
    months = {**BEFORE["months"], "2024-03": "2024-04-02 09:00:00"}
    assert plan_build(BEFORE, _now(months=months)) == BuildPlan(False, "2024-03")


def test_reloaded_month_rebuilds_from_the_earliest_changed_one():
    months = {
        "2024-01": "2024-05-01 08:00:00",
        "2024-02": "2024-05-01 08:00:00",
        "2024-03": "2024-04-02 09:00:00",
    }
    assert plan_build(BEFORE, _now(months=months)) == BuildPlan(False, "2024-01")


def test_month_gone_from_the_warehouse_rebuilds_from_it():
    assert plan_build(BEFORE, _now(months={"2024-01": "2024-02-03 10:00:00"})) == BuildPlan(False, "2024-02")


def test_dbt_args_and_env():
    assert BuildPlan(True, None).dbt_args() == ["--full-refresh"]
    assert BuildPlan(True, None).env() == {"ESF_REBUILD_FROM": "0000-00"}
    assert BuildPlan(False, "2024-02").dbt_args() == []
    assert BuildPlan(False, "2024-02").env() == {"ESF_REBUILD_FROM": "2024-02"}
    assert BuildPlan(False, None).env() == {"ESF_REBUILD_FROM": "9999-99"}


def _manifest(sql_checksum="abc", config=None, macro_sql="{% macro m() %}1{% endmacro %}", version="1.11.16"):
    return {
        "metadata": {"dbt_version": version, "project_name": "esf_monitor"},
        "nodes": {
            "model.esf_monitor.a": {
                "resource_type": "model",
                "checksum": {"checksum": sql_checksum},
                "config": config or {"materialized": "incremental"},
            },
            "test.esf_monitor.t": {"resource_type": "test", "checksum": {"checksum": "t"}, "config": {}},
        },
        "macros": {
            "macro.esf_monitor.m": {"package_name": "esf_monitor", "macro_sql": macro_sql},
            "macro.dbt.is_incremental": {"package_name": "dbt", "macro_sql": "x"},
        },
    }


def test_project_fingerprint_follows_models_configs_project_macros_and_dbt_version():
    base = project_fingerprint(_manifest())
    assert project_fingerprint(_manifest()) == base
    assert (
        len(
            {
                base,
                project_fingerprint(_manifest(sql_checksum="abd")),
                project_fingerprint(_manifest(config={"materialized": "table"})),
                project_fingerprint(_manifest(macro_sql="{% macro m() %}2{% endmacro %}")),
                project_fingerprint(_manifest(version="1.11.17")),
            }
        )
        == 5
    )
    other = _manifest()
    other["nodes"]["test.esf_monitor.t"]["checksum"]["checksum"] = "u"  # a data test is no model logic
    other["macros"]["macro.dbt.is_incremental"]["macro_sql"] = "y"  # dbt's own: the version covers it
    assert project_fingerprint(other) == base


def test_source_state_reads_load_stamps_per_month_and_the_registry():
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.participants (_reporting_month varchar, _loaded_at timestamp)")
    con.execute(
        "insert into raw.participants values ('2024-01', '2024-02-01 10:00'), "
        "('2024-01', '2024-02-05 10:00'), ('2024-02', '2024-03-01 10:00')"
    )
    con.execute("create table raw.followup (_reporting_month varchar, _loaded_at timestamp)")
    con.execute("insert into raw.followup values ('2024-02', '2024-03-09 10:00')")
    con.execute(
        "create table raw.deliveries (extract_type varchar, reporting_month varchar, "
        "processed_at timestamp, status varchar)"
    )
    con.execute(
        "insert into raw.deliveries values ('participants', '2024-03', '2024-04-01 10:00', 'accepted'), "
        "('followup', '2024-04', '2024-05-01 10:00', 'rejected'), "  # a rejected file adds its cut-off
        # a process-monitoring wave feeds no incremental model (plain tables)
        "('process_checklist', '2020-06', '2024-05-02 10:00', 'accepted')"
    )
    con.execute("create table raw.projects (_file_sha256 varchar)")
    con.execute("insert into raw.projects values ('reg1')")
    assert source_state(con) == {
        "registry_sha256": "reg1",
        "months": {
            "2024-01": "2024-02-05 10:00:00",
            "2024-02": "2024-03-09 10:00:00",
            "2024-03": "2024-04-01 10:00:00",
            "2024-04": "2024-05-01 10:00:00",
        },
    }


def test_state_round_trip(tmp_path):
    assert load_state(tmp_path / "dbt_target") is None
    save_state(tmp_path / "dbt_target", BEFORE)
    assert load_state(tmp_path / "dbt_target") == BEFORE
    assert json.loads((tmp_path / "dbt_target" / "esf_build_state.json").read_text()) == BEFORE
