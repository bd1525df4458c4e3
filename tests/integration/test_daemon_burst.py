"""Under the real Dagster daemon: 20 uploads dropped at once lose nothing and raise no lock error.

One module-scoped scenario (it costs one daemon, its code server, the ingest runs and one
refresh run): a data folder with only the registry (already materialised, as on a running
system), ``dagster-daemon run`` started on it as a subprocess, then 20 valid files of one
reporting month (all three extract types) copied into ``landing/`` at once. The test polls the
instance until the burst's runs are over and then checks what the issue asks: every file's
rows in the warehouse, ``versions.jsonl`` says accepted for every one, no run failed, exactly
one refresh run after the burst, no DuckDB lock error anywhere, exports and dashboards written,
and — from the event log — no two warehouse steps ever ran at the same time (pool "warehouse",
limit 1, also across the three ingest runs the burst queues at once).

Not a timing test: the deadline is generous and only guards against a hang.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from esf_monitor.paths import DataDir
from orchestration.resources import resources_for

REPO = Path(__file__).resolve().parents[2]
MONTH = "2025-06"
DEADLINE_S = 420
LOCK_ERRORS = ("Could not set lock", "Conflicting lock", "lock on file")
WAREHOUSE_STEPS_PREFIXES = (
    "raw_",
    "registry",
    "delivery_log",
    "esf_dbt_models",
    "quality_checks",
    "indicator_exports",
)


def burst_files(template: Path) -> list[Path]:
    """20 uploads of one month: every participants and followup file, 3 target-population files."""
    files = sorted((template / "landing").glob(f"*/*/{MONTH}.*"))
    by_type = {
        t: [f for f in files if f.parent.name == t] for t in ("participants", "followup", "target_population")
    }
    chosen = by_type["participants"] + by_type["followup"] + by_type["target_population"][:3]
    assert len(chosen) == 20, [f.relative_to(template) for f in files]
    return chosen


def data_rows(path: Path) -> int:
    """Rows below the header, counted without the pipeline's own reader."""
    if path.suffix.lower() == ".xlsx":
        import polars as pl

        return pl.read_excel(path).height
    lines = [line for line in path.read_bytes().splitlines() if line.strip()]
    return len(lines) - 1


def _env(dd: DataDir) -> dict[str, str]:
    env = dict(os.environ, ESF_DATA_DIR=str(dd.root), DAGSTER_HOME=str(dd.dagster_home))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM the daemon's process group (daemon, code server, run workers), SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def burst(small_generated, tmp_path_factory):
    """Run the scenario once; yields (data folder, instance, {slot: landing file}, daemon log)."""
    import dagster as dg

    from orchestration.driver import prepare_instance

    saved = {k: os.environ.get(k) for k in ("ESF_DATA_DIR", "DAGSTER_HOME")}
    root = tmp_path_factory.mktemp("burst") / "data"
    (root / "reference").mkdir(parents=True)
    shutil.copyfile(small_generated / "reference" / "projects.csv", root / "reference" / "projects.csv")
    dd = DataDir(root)
    instance = prepare_instance(dd)  # DAGSTER_HOME under the folder, with the repo's dagster.yaml
    from orchestration.assets.intake import registry

    # a running system has its registry loaded; otherwise the refresh sensor would (rightly)
    # start a refresh for the new registry before the burst and muddle the count below
    assert dg.materialize([registry], instance=instance, resources=resources_for(dd.root)).success

    log_path = root / "daemon.log"
    log = open(log_path, "w", encoding="utf-8")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", str(REPO / "workspace.yaml")],
        cwd=REPO,
        env=_env(dd),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for_sensor_daemon(instance, proc)
        dropped_at = time.time()
        slots = {}
        for src in burst_files(small_generated):
            rel = src.relative_to(small_generated)
            dest = root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
            slots[f"{rel.parts[1]}|{rel.parts[2]}|{MONTH}"] = dest
        _wait_until_settled(instance, proc, dropped_at)
        yield dd, instance, slots, log_path
    finally:
        _stop(proc)
        log.close()
        instance.dispose()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _wait_for_sensor_daemon(instance, proc: subprocess.Popen) -> None:

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "dagster-daemon exited"
        if "SENSOR" in instance.get_daemon_heartbeats():
            return
        time.sleep(0.5)
    raise AssertionError("the sensor daemon did not start")


def _wait_until_settled(instance, proc: subprocess.Popen, dropped_at: float) -> None:
    """Until a refresh run started after the burst has ended and nothing is queued or running."""
    import dagster as dg

    active = [
        dg.DagsterRunStatus.QUEUED,
        dg.DagsterRunStatus.NOT_STARTED,
        dg.DagsterRunStatus.STARTING,
        dg.DagsterRunStatus.STARTED,
    ]
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        assert proc.poll() is None, "dagster-daemon exited"
        records = instance.get_run_records()
        if any(r.dagster_run.status == dg.DagsterRunStatus.FAILURE for r in records):
            return  # the assertions below say which
        refreshed = [
            r
            for r in records
            if r.dagster_run.job_name == "refresh_indicators"
            and r.create_timestamp.timestamp() > dropped_at
            and r.dagster_run.status == dg.DagsterRunStatus.SUCCESS
        ]
        if refreshed and not any(r.dagster_run.status in active for r in records):
            time.sleep(12)  # two more sensor ticks: a second (unwanted) refresh would show now
            return
        time.sleep(1)
    raise AssertionError(f"burst not processed within {DEADLINE_S} s")


def _ingested_slots(run) -> dict[str, str]:
    """Slot → checksum an ingest run was asked for (plain partition run or range run)."""
    import json

    if "esf/checksums" in run.tags:
        return json.loads(run.tags["esf/checksums"])
    return {run.tags["dagster/partition"]: run.tags["esf/sha256"]}


def test_every_run_succeeded_and_one_refresh_followed_the_burst(burst):
    import dagster as dg

    from esf_monitor import store

    dd, instance, slots, _ = burst
    runs = instance.get_runs()
    assert {r.status for r in runs} == {dg.DagsterRunStatus.SUCCESS}, [(r.job_name, r.status) for r in runs]
    # (upload_<type>: a tick that happened to see exactly one file of the copy, into an idle
    # system, gives that file its own run — still an ingest of the file, by the landing sensor)
    ingest = [r for r in runs if r.job_name.startswith(("ingest_", "upload_"))]
    refresh = [r for r in runs if r.job_name == "refresh_indicators"]
    # every file asked for, with its checksum, by the landing sensor …
    asked: dict[str, str] = {}
    for run in ingest:
        assert run.tags["dagster/sensor_name"] == "landing_sensor"
        asked.update(_ingested_slots(run))
    assert asked == {key: store.sha256_of(path) for key, path in slots.items()}
    # … in few runs (one range run per extract type when one tick saw the whole burst; a tick
    # in the middle of the copy may split a type into two runs), never one run per file
    assert 3 <= len(ingest) <= 6
    # one downstream run for the whole burst
    assert len(refresh) == 1
    last_ingest_end = max(instance.get_run_record_by_id(r.run_id).end_time for r in ingest)
    assert instance.get_run_record_by_id(refresh[0].run_id).start_time >= last_ingest_end


def test_every_file_is_accepted_and_its_rows_are_in_the_warehouse(burst):
    import duckdb

    from esf_monitor import store

    dd, _, slots, _ = burst
    con = duckdb.connect(str(dd.warehouse), read_only=True)
    try:
        for key, path in slots.items():
            provider, extract_type, month = store.split_partition_key(key)
            versions = store.read_versions(dd, provider, extract_type, month)
            sha = store.sha256_of(path)
            assert [(v.sha256, v.status) for v in versions] == [(sha, "accepted")], key
            (rows,) = con.execute(
                f"select count(*) from raw.{extract_type} where _provider_id = ? and "
                f"_reporting_month = ? and _file_sha256 = ?",
                [provider, month, sha],
            ).fetchone()
            assert rows == data_rows(path) > 0, key
        for extract_type in ("participants", "followup", "target_population"):
            (total,) = con.execute(f"select count(*) from raw.{extract_type}").fetchone()
            assert total == sum(data_rows(p) for k, p in slots.items() if f"|{extract_type}|" in k)
        (delivered,) = con.execute("select count(*) from raw.deliveries where status = 'accepted'").fetchone()
        assert delivered == 20
    finally:
        con.close()


def test_exports_and_dashboards_are_written(burst):
    dd, _, _, _ = burst
    for name in ("common_indicators", "sfc_table", "indicators"):
        lines = (dd.exports / MONTH / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        assert len(lines) > 1 and all(line.startswith(f"{MONTH},") for line in lines[1:])
    assert (dd.dashboards / "index.html").stat().st_size > 0
    assert not list(dd.exports.rglob(".*.tmp"))


def test_no_lock_error_anywhere(burst):
    dd, instance, _, log_path = burst
    texts = [log_path.read_text(encoding="utf-8", errors="replace")]
    for run in instance.get_runs():
        texts.extend(str(e.user_message) + str(e.dagster_event) for e in instance.all_logs(run.run_id))
    # compute logs: what the steps (and dbt) printed to stdout/stderr
    texts.extend(
        p.read_text(encoding="utf-8", errors="replace")
        for p in (dd.dagster_home / "storage").rglob("*")
        if p.is_file() and p.suffix in (".out", ".err", ".complete", "")
    )
    texts.extend(p.read_text(encoding="utf-8", errors="replace") for p in (dd.root / "logs").rglob("*.log"))
    joined = "\n".join(texts)
    assert "STEP_SUCCESS" in joined or "Finished execution of step" in joined  # we did read the logs
    for needle in LOCK_ERRORS:
        assert needle.lower() not in joined.lower()


def test_warehouse_steps_never_overlapped(burst):
    """Pool "warehouse" (limit 1): the event log shows each warehouse step running alone."""
    import dagster as dg

    _, instance, _, _ = burst
    intervals = []
    for run in instance.get_runs():
        starts = {}
        for event in instance.all_logs(run.run_id):
            de = event.dagster_event
            if de is None or not de.step_key or not de.step_key.startswith(WAREHOUSE_STEPS_PREFIXES):
                continue
            if de.event_type == dg.DagsterEventType.STEP_START:
                starts[de.step_key] = event.timestamp
            elif de.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
                intervals.append((starts.pop(de.step_key), event.timestamp, run.job_name, de.step_key))
        assert not starts, f"unfinished steps in {run.job_name}: {starts}"
    assert {i[2] for i in intervals} >= {
        "ingest_participants",
        "ingest_followup",
        "ingest_target_population",
        "refresh_indicators",
    }
    intervals.sort()
    for before, after in zip(intervals, intervals[1:]):
        assert before[1] <= after[0], f"{before[2:]} overlaps {after[2:]}"
