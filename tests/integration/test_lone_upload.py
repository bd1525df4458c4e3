"""``esf-monitor run`` with exactly one new file = ONE ``upload_<type>`` run, same exports.

The usual monthly delivery on top of a loaded history: the runner takes the path the landing
sensor takes for a lone file into an idle system (slot → dbt with the marts' tests → GX →
exports → dashboards in one run) instead of an ingest run plus a refresh run. Both paths must
publish byte-identical exports; only the staging/intermediate dbt tests are left to the next
refresh and the nightly run.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from esf_monitor.paths import DataDir
from orchestration.driver import run_pending

pytestmark = pytest.mark.slow

HANDCALC = Path(__file__).parents[1] / "fixtures" / "handcalc"
LONE = Path("HC-ALPHA") / "participants" / "2024-07.csv"
KEY = "HC-ALPHA|participants|2024-07"


def _exports(dd: DataDir) -> dict[str, str]:
    return {
        str(p.relative_to(dd.exports)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(dd.exports.rglob("*.csv"))
    }


def _runs_since(dd: DataDir, known: set[str]) -> list:
    from dagster import DagsterInstance

    instance = DagsterInstance.from_config(str(dd.dagster_home))
    try:
        return sorted(
            (r for r in instance.get_runs() if r.run_id not in known),
            key=lambda r: instance.get_run_record_by_id(r.run_id).create_timestamp,
        )
    finally:
        instance.dispose()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    """The hand-calculation folder fully processed, with one file held back."""
    base = tmp_path_factory.mktemp("lone") / "base"
    shutil.copytree(HANDCALC, base)
    held = base.parent / "held.csv"
    (base / "landing" / LONE).rename(held)
    assert run_pending(DataDir(base)).ok
    return base


def _with_the_new_file(loaded: Path, name: str) -> tuple[DataDir, set[str]]:
    root = loaded.parent / name
    shutil.copytree(loaded, root)
    known = {r.run_id for r in _runs_since(DataDir(root), set())}
    shutil.copy2(loaded.parent / "held.csv", root / "landing" / LONE)
    return DataDir(root), known


def test_a_lone_upload_is_one_upload_run_with_the_exports_of_the_two_run_path(loaded):
    import dagster as dg

    one, known_one = _with_the_new_file(loaded, "one-run")
    report = run_pending(one)
    assert report.ok and report.refreshed
    assert report.ingested == [(KEY, "accepted")]
    runs = _runs_since(one, known_one)
    assert [r.job_name for r in runs] == ["upload_participants"]
    assert runs[0].status == dg.DagsterRunStatus.SUCCESS
    assert runs[0].tags["dagster/partition"] == KEY

    two, known_two = _with_the_new_file(loaded, "two-runs")
    report_two = run_pending(two, lone_upload_run=False)
    assert report_two.ok and report_two.ingested == report.ingested
    assert [r.job_name for r in _runs_since(two, known_two)] == ["ingest_participants", "refresh_indicators"]

    got, expected = _exports(one), _exports(two)
    assert "2024-07/common_indicators.csv" in expected
    assert got == expected
    assert got != _exports(DataDir(loaded))  # the new file changed the published figures
    assert (one.dashboards / "index.html").stat().st_mtime > (
        DataDir(loaded).dashboards / "index.html"
    ).stat().st_mtime

    # nothing new afterwards: no run at all
    assert not run_pending(one).scan.pending
    assert len(_runs_since(one, known_one)) == 1
