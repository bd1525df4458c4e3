"""The one policy of "what runs when" (orchestration/planning.py), decided without an instance.

The sensors and ``esf-monitor run`` both execute what these functions return; the integration
tests (tests/integration/test_sensors.py, test_cli.py) show that they do.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestration.planning import (
    IntakeObservation,
    PendingFile,
    RefreshObservation,
    ScanResult,
    contiguous_blocks,
    plan_intake,
    plan_refresh,
    settle_wait,
)

A = "HC-ALPHA|participants|2024-06"
B = "HC-ALPHA|participants|2024-07"
C = "HC-BETA|participants|2024-07"
F = "JC-HC|followup|2024-07"


def scan_of(*keys: str, sha: str = "ab" * 32) -> ScanResult:
    return ScanResult(pending=[PendingFile(k, Path(f"/landing/{k}"), sha) for k in keys])


def seen(
    known: dict[str, list[str]] | None = None, versions: dict[str, int] | None = None, idle: bool = True
) -> IntakeObservation:
    return IntakeObservation(known_partitions=known or {}, versions=versions or {}, idle=idle)


# --- blocks of neighbours ----------------------------------------------------------------------


def test_blocks_are_runs_of_neighbours_in_partition_order():
    ordered = ["a", "b", "c", "d", "e"]
    assert contiguous_blocks(ordered, {"a", "b", "d"}) == [["a", "b"], ["d"]]
    assert contiguous_blocks(ordered, {"e"}) == [["e"]]
    assert contiguous_blocks(ordered, set()) == []


# --- intake ------------------------------------------------------------------------------------


def test_a_burst_of_new_files_is_one_range_run_per_type_and_adds_its_partitions():
    plan = plan_intake(scan_of(A, B, C, F), seen())

    assert plan.new_partitions == {"participants": [A, B, C], "followup": [F]}
    by_job = {r.job_name: r for r in plan.run_requests}
    assert set(by_job) == {"ingest_participants", "ingest_followup"}
    burst = by_job["ingest_participants"]
    assert burst.partition_key is None
    assert burst.tags["dagster/asset_partition_range_start"] == A
    assert burst.tags["dagster/asset_partition_range_end"] == C
    assert burst.tags["esf/files"] == "3"
    assert json.loads(burst.tags["esf/checksums"]) == {A: "ab" * 32, B: "ab" * 32, C: "ab" * 32}
    assert burst.run_key.startswith(f"{A}..{C}@3@")
    assert by_job["ingest_followup"].partition_key == F  # one file of its type: a plain run


def test_a_lone_file_into_an_idle_system_is_the_upload_run_else_a_plain_ingest():
    lone = plan_intake(scan_of(B), seen(known={"participants": [A]}))
    busy = plan_intake(scan_of(B), seen(known={"participants": [A]}, idle=False))
    two_runs = plan_intake(scan_of(B), seen(known={"participants": [A]}), lone_upload=False)

    assert [(r.job_name, r.partition_key) for r in lone.run_requests] == [("upload_participants", B)]
    assert [(r.job_name, r.partition_key) for r in busy.run_requests] == [("ingest_participants", B)]
    assert [r.job_name for r in two_runs.run_requests] == ["ingest_participants"]
    assert lone.new_partitions == {"participants": [B]}
    assert lone.run_requests[0].run_key == busy.run_requests[0].run_key == f"{B}@{'ab' * 32}@v0"
    assert lone.run_requests[0].tags == {"esf/sha256": "ab" * 32}


def test_two_files_are_never_the_upload_run():
    plan = plan_intake(scan_of(B, F), seen())
    assert sorted(r.job_name for r in plan.run_requests) == ["ingest_followup", "ingest_participants"]


def test_a_changed_old_slot_and_a_new_slot_that_are_not_neighbours_are_two_runs():
    known = {"participants": [A, "HC-GAMMA|participants|2024-06", B]}
    plan = plan_intake(scan_of(A, C), seen(known=known, versions={A: 1}))

    assert [r.partition_key for r in plan.run_requests] == [A, C]
    assert plan.new_partitions == {"participants": [C]}  # A is known already
    assert plan.run_requests[0].run_key == f"{A}@{'ab' * 32}@v1"


def test_resending_an_older_version_gets_a_new_run_key():
    """A → B → A: the third delivery has the first one's bytes, but one more version behind it."""
    first = plan_intake(scan_of(B, sha="aa" * 32), seen(versions={B: 0})).run_requests[0]
    again = plan_intake(scan_of(B, sha="aa" * 32), seen(versions={B: 2})).run_requests[0]
    assert first.run_key != again.run_key


def test_a_range_of_more_than_a_hundred_files_keeps_its_tags_small():
    keys = [f"P{i:03d}|participants|2024-07" for i in range(101)]
    run = plan_intake(scan_of(*keys), seen()).run_requests[0]
    assert "esf/checksums" not in run.tags and run.tags["esf/files"] == "101"


def test_nothing_pending_plans_nothing():
    plan = plan_intake(ScanResult(), seen())
    assert plan.run_requests == [] and plan.new_partitions == {}


# --- settle time -------------------------------------------------------------------------------


def test_settle_wait_counts_from_the_newest_unsettled_change(tmp_path):
    young = tmp_path / "young.csv"
    young.write_text("x")
    ctime = young.lstat().st_ctime_ns
    scan = ScanResult(
        waiting=[
            (young, "unsettled", "still being copied"),
            (tmp_path / "other.csv", "ambiguous", "two files"),
        ]
    )
    assert settle_wait(scan, 10, now_ns=ctime + 4 * 10**9) == pytest.approx(6.1)
    assert settle_wait(scan, 10, now_ns=ctime + 60 * 10**9) == 0.0
    assert settle_wait(scan, 10, now_ns=ctime - 60 * 10**9) == 10  # never more than the settle time
    assert settle_wait(ScanResult(), 10) == 0.0


# --- refresh -----------------------------------------------------------------------------------


def observed(running=None, newest=("run-2", 200.0), registry=None, dashboards=None) -> RefreshObservation:
    return RefreshObservation(
        running=running, newest_ingest=newest, registry_change=registry, dashboards_at=dashboards
    )


def test_no_refresh_while_any_run_of_the_burst_runs_even_when_forced():
    decision = plan_refresh(observed(running="upload_participants"), cursor="run-1", force=True)
    assert not decision.run and "upload_participants" in decision.reason
    assert decision.cursor == "run-1"  # unchanged: the burst is answered once it is over


def test_one_refresh_per_burst():
    first = plan_refresh(observed(), cursor=None)
    assert first.run and first.cursor == "run-2" and first.run_key == "refresh@run-2@"
    assert first.run_request().job_name == "refresh_indicators"
    # the next tick, same burst (the refresh is requested, not finished): nothing new
    assert not plan_refresh(observed(), cursor=first.cursor).run
    # the next burst gets its own refresh, with its own run key
    second = plan_refresh(observed(newest=("run-3", 300.0)), cursor=first.cursor)
    assert second.run and second.run_key == "refresh@run-3@"


def test_a_changed_registry_refreshes_without_uploads():
    decision = plan_refresh(observed(newest=None, registry="f00d"), cursor="none")
    assert decision.run and decision.run_key == "refresh@none@f00d"
    assert not plan_refresh(observed(newest=None), cursor=None).run  # no uploads yet


def test_dashboards_newer_than_the_last_ingest_need_no_refresh_but_move_the_cursor():
    decision = plan_refresh(observed(dashboards=250.0), cursor=None)
    assert not decision.run and decision.cursor == "run-2"
    assert plan_refresh(observed(dashboards=150.0), cursor=None).run  # older: refresh


def test_forced_refresh_runs_when_nothing_runs():
    decision = plan_refresh(observed(newest=None), force=True)
    assert decision.run and decision.run_key == "refresh@none@"
