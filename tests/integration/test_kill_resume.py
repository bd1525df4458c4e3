"""SIGKILL ``esf-monitor run`` mid-way, run it again: exactly the exports of an undisturbed run.

One scenario per module (the pipeline processes are the expensive part), on two copies of
the hand-calculation folder:

- A: one undisturbed run (the session's processed fixture, tests/integration/conftest.py);
- copy B: ``esf-monitor run`` killed twice with SIGKILL to its whole process group, then run
  to the end:

  1. during the first ingest run, while its step holds the pool slot "warehouse" (the test
     holds DuckDB's file lock, like an analyst's session, so the step is reliably caught
     waiting inside the run);
  2. during ``dbt build`` of the refresh run (dbt is a child process: it dies too);
  3. an undisturbed ``esf-monitor run``.

Then A and B must have byte-identical export CSVs and equal raw tables (except load
timestamps), every slot one accepted version, the two killed runs marked failed, and no
temp file of a killed writer left in exports/.
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

HANDCALC = Path(__file__).parents[1] / "fixtures" / "handcalc"
CLI = Path(sys.executable).parent / "esf-monitor"
TIMEOUT_S = 600
#: columns that hold the time of loading/processing, not data
TIME_COLUMNS = {"_loaded_at", "processed_at"}


def _env(root: Path) -> dict[str, str]:
    return dict(os.environ, ESF_DATA_DIR=str(root), DAGSTER_HOME=str(root / "dagster_home"))


def run_to_end(root: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(CLI), "run"], env=_env(root), capture_output=True, text=True, timeout=TIMEOUT_S
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def start(root: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(CLI), "run"],
        env=_env(root),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def kill_group(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def instance_of(root: Path):
    import dagster as dg

    return dg.DagsterInstance.from_config(str(root / "dagster_home"))


def wait_for(proc: subprocess.Popen, what: str, condition) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if condition():
            return
        assert proc.poll() is None, f"esf-monitor run ended before {what} (exit {proc.returncode})"
        time.sleep(0.2)
    raise AssertionError(f"no {what} within {TIMEOUT_S} s")


def create_instance(root: Path) -> None:
    """Create the folder's Dagster instance (every SQLite database) before any run starts.

    The test reads the instance while ``esf-monitor run`` works in it; had the run process
    still been creating the databases, both processes could stamp the schema version at once
    ("alembic_version has more than one head") — a race of the test's reading, not of the
    product. A child process does it so this process's environment stays untouched.
    """
    code = (
        "from esf_monitor.paths import data_dir; from orchestration.driver import prepare_instance; "
        "prepare_instance(data_dir()).dispose()"
    )
    subprocess.run([sys.executable, "-c", code], env=_env(root), check=True, timeout=TIMEOUT_S)
    assert (root / "dagster_home" / "schedules" / "schedules.db").exists()


def instance_ready(root: Path) -> bool:
    """The instance's storage exists (created by :func:`create_instance` before the runs)."""
    return (root / "dagster_home" / "history" / "runs.db").exists()


def slot_holders(root: Path) -> set[str]:
    """Run ids that hold the pool "warehouse" in the folder's instance."""
    if not instance_ready(root):
        return set()
    inst = instance_of(root)
    try:
        info = inst.event_log_storage.get_concurrency_info("warehouse")
        return {s.run_id for s in info.claimed_slots}
    finally:
        inst.dispose()


def step_started(root: Path, job_name: str, step_key: str) -> str | None:
    """The run id of a run of ``job_name`` that has started ``step_key``, if any."""
    import dagster as dg

    if not instance_ready(root):
        return None
    inst = instance_of(root)
    try:
        for run in inst.get_runs(dg.RunsFilter(job_name=job_name, statuses=[dg.DagsterRunStatus.STARTED])):
            records = inst.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.STEP_START).records
            if any(r.event_log_entry.step_key == step_key for r in records):
                return run.run_id
        return None
    finally:
        inst.dispose()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, handcalc_processed):
    import duckdb

    # A, only read here: the session's fixture after one undisturbed run (its warehouse and
    # versions name its own folder, so it is compared where it lies, not as a copy)
    a, b = handcalc_processed, tmp_path_factory.mktemp("kill") / "killed"
    shutil.copytree(HANDCALC, b)

    create_instance(b)
    killed = {}
    # 1. killed while the first ingest run holds the warehouse slot and waits for DuckDB's lock
    (b / "warehouse").mkdir(exist_ok=True)  # prepare_instance made the folders
    analyst = duckdb.connect(str(b / "warehouse" / "esf.duckdb"))
    try:
        proc = start(b)
        wait_for(proc, "an ingest step holding the pool slot", lambda: slot_holders(b))
        time.sleep(1.0)  # inside the step now: waiting in warehouse.connect
        kill_group(proc)
    finally:
        analyst.close()
    killed["ingest"] = slot_holders(b)
    # 2. killed during dbt build of the refresh run
    proc = start(b)
    wait_for(proc, "dbt build", lambda: step_started(b, "refresh_indicators", "esf_dbt_models"))
    time.sleep(3.0)  # dbt is parsing/building now
    killed["dbt"] = {step_started(b, "refresh_indicators", "esf_dbt_models")}
    kill_group(proc)
    # 3. undisturbed to the end
    resumed = run_to_end(b)
    yield DataDir(a), DataDir(b), killed, resumed


def csv_files(dd: DataDir) -> dict[str, bytes]:
    """Every export, the public release included: both folders carry the fixture's fixed secret
    (tests/fixtures/handcalc/README.md), so their perturbed figures must be equal too."""
    return {str(p.relative_to(dd.exports)): p.read_bytes() for p in sorted(dd.exports.rglob("*.csv"))}


def test_the_kills_hit_runs_in_the_middle(scenario):
    import dagster as dg

    _, b, killed, _ = scenario
    assert len(killed["ingest"]) == 1 and len(killed["dbt"]) == 1
    inst = instance_of(b.root)
    try:
        first = inst.get_run_by_id(next(iter(killed["ingest"])))
        second = inst.get_run_by_id(next(iter(killed["dbt"])))
        assert first.job_name.startswith("ingest_") and second.job_name == "refresh_indicators"
        # the next run found them orphaned and marked them failed (they would hold the slot forever)
        for run in (first, second):
            assert run.status == dg.DagsterRunStatus.FAILURE
            messages = [
                e.dagster_event.message or "" if e.dagster_event else e.user_message
                for e in inst.all_logs(run.run_id)
            ]
            assert any("interrupted" in m and "Abgebrochen" in m for m in messages)
        others = [r for r in inst.get_runs() if r.run_id not in killed["ingest"] | killed["dbt"]]
        assert {r.status for r in others} == {dg.DagsterRunStatus.SUCCESS}
        assert not inst.event_log_storage.get_concurrency_info("warehouse").claimed_slots
    finally:
        inst.dispose()


def test_exports_are_byte_identical_to_the_undisturbed_run(scenario):
    a, b, _, _ = scenario
    expected, got = csv_files(a), csv_files(b)
    assert len(expected) > 10 and "2024-07/common_indicators.csv" in expected
    assert got.keys() == expected.keys()
    for name in expected:
        assert got[name] == expected[name], name
    # nothing half-written of a killed writer survives (exports and dashboards: temp + rename)
    assert not [p for p in b.root.rglob(".*.tmp")]


def test_raw_tables_are_equal_to_the_undisturbed_run(scenario):
    import duckdb

    a, b, _, _ = scenario
    tables = {}
    for dd in (a, b):
        con = duckdb.connect(str(dd.warehouse), read_only=True)
        try:
            for table in ("participants", "followup", "target_population", "projects", "deliveries"):
                cols = [
                    c
                    for (c,) in con.execute(
                        "select column_name from information_schema.columns where table_schema = 'raw' "
                        "and table_name = ? order by ordinal_position",
                        [table],
                    ).fetchall()
                    if c not in TIME_COLUMNS
                ]
                col_list = ", ".join(f'"{c}"' for c in cols)
                rows = con.execute(f"select {col_list} from raw.{table} order by all").fetchall()
                # archive/quarantine paths name the folder itself: compare them relative to it
                tables.setdefault(table, []).append(
                    [
                        tuple(v.replace(str(dd.root), "<data>") if isinstance(v, str) else v for v in row)
                        for row in rows
                    ]
                )
        finally:
            con.close()
    for table, (expected, got) in tables.items():
        assert len(expected) > 0, table
        assert got == expected, table


def test_every_slot_has_one_accepted_version(scenario):
    from esf_monitor import store

    a, b, _, _ = scenario
    expected = [
        (v.provider_id, v.extract_type, v.reporting_month, v.sha256, v.status) for v in store.all_versions(a)
    ]
    got = [
        (v.provider_id, v.extract_type, v.reporting_month, v.sha256, v.status) for v in store.all_versions(b)
    ]
    assert len(expected) == 11 and {v[-1] for v in expected} == {"accepted"}
    assert got == expected
