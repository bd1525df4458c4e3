"""The blocking asset check ``disclosure_audit`` keeps the previous public release (issue #12, 3).

The real pipeline (``esf-monitor run``'s refresh job, in process) publishes a release of the
hand-calculated fixture. Then the release candidate is made unsafe — it publishes the exact
counts instead of their perturbed values, as a forgotten perturbation would — and the refresh
job runs again: the audit fails, ``public_release`` does not run, and dashboards/public/ and
exports/public/ are byte-identical to before. A clean candidate afterwards is published again
(the same refresh, so the failing case is not a release that never runs).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest
from pipeline_harness import processed_copy, run_pipeline

from esf_monitor.disclosure.release import COUNT_INDICATORS
from esf_monitor.paths import DataDir


def _digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` by relative path (equal dicts = equal bytes)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _exact_counts(release, marts):
    """The candidate with the TRUE count of every count indicator (no perturbation)."""
    keys = ["cutoff", "project_id", "indicator", "gender"]
    true = (
        marts["indicators"]
        .filter(pl.col("indicator").is_in(COUNT_INDICATORS))
        .select(*keys, pl.col("numerator").cast(pl.Int64).alias("_true"))
    )
    ind = release.indicators.join(true, on=keys, how="left", nulls_equal=True)
    ind = ind.with_columns(
        pl.coalesce("_true", "numerator").alias("numerator"),
        pl.when(pl.col("_true").is_not_null())
        .then(pl.col("_true"))
        .otherwise(pl.col("value"))
        .alias("value"),
    ).drop("_true")
    release.indicators = ind.select(release.indicators.columns)
    return release


@pytest.fixture
def published(data_dir, handcalc_processed):
    processed_copy(handcalc_processed, data_dir)  # the fixture after one `esf-monitor run`
    dd = DataDir(data_dir)
    assert (dd.dashboards / "public" / "index.html").is_file()
    assert (dd.exports / "public" / "all_months" / "indicators.csv").is_file()
    return dd


def test_a_failed_disclosure_audit_keeps_the_previous_public_release(published, monkeypatch):
    import dagster as dg

    from esf_monitor.disclosure import release as release_module
    from orchestration.assets import publish

    dd = published
    before = {name: _digests(dd.root / name / "public") for name in ("dashboards", "exports")}
    assert before["dashboards"] and before["exports"]
    real = release_module.build_release
    leaked = []

    def unsafe_candidate(marts):
        candidate = _exact_counts(real(marts), marts)
        leaked.append(candidate.indicators.equals(real(marts).indicators))
        return candidate

    monkeypatch.setattr(publish, "build_release", unsafe_candidate)
    with pytest.raises(RuntimeError, match=r"\['refresh_indicators'\]"):
        run_pipeline(dd.root, refresh=True)  # = esf-monitor run --refresh

    assert leaked == [False]  # the candidate really differs from the safe release
    staged = (publish.staging_dir(dd) / "exports" / "all_months" / "indicators.csv").read_bytes()
    assert staged != (dd.exports / "public" / "all_months" / "indicators.csv").read_bytes()
    after = {name: _digests(dd.root / name / "public") for name in ("dashboards", "exports")}
    assert after == before

    instance = dg.DagsterInstance.from_config(str(dd.root / "dagster_home"))
    try:
        run = instance.get_runs(dg.RunsFilter(job_name="refresh_indicators"), limit=1)[0]
        checks = [
            e
            for e in instance.all_logs(run.run_id)
            if e.dagster_event and e.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"
        ]
        audit = [
            e.dagster_event.event_specific_data
            for e in checks
            if e.dagster_event.event_specific_data.check_name == "disclosure_audit"
        ]
        assert len(audit) == 1 and not audit[0].passed
        assert audit[0].metadata["findings"].value > 0
        public_release = instance.get_latest_materialization_event(dg.AssetKey("public_release"))
        assert public_release is not None and public_release.run_id != run.run_id
        candidate = instance.get_latest_materialization_event(dg.AssetKey("public_release_candidate"))
        # the candidate was staged, its release withheld
        assert candidate.run_id == run.run_id
    finally:
        instance.dispose()

    # the same refresh with a safe candidate publishes again
    monkeypatch.setattr(publish, "build_release", real)
    public_index = dd.dashboards / "public" / "index.html"
    inode = public_index.stat().st_ino
    run_pipeline(dd.root, refresh=True)
    assert public_index.stat().st_ino != inode  # a new release was swapped in
    assert {name: _digests(dd.root / name / "public") for name in ("dashboards", "exports")} == before
