"""``esf-monitor run`` with exactly one new file = ONE ``upload_<type>`` run, same exports.

The usual monthly delivery on top of a loaded history: the runner takes the path the landing
sensor takes for a lone file into an idle system (slot → dbt with the marts' tests → GX →
exports → dashboards in one run) instead of an ingest run plus a refresh run. Both paths must
publish byte-identical exports (the two-run path: the session's processed fixture, the same
files ingested first and refreshed once); only the staging/intermediate dbt tests are left to the next
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


def test_a_lone_upload_is_one_upload_run_with_the_exports_of_the_two_run_path(loaded, handcalc_processed):
    import dagster as dg

    one, known_one = _with_the_new_file(loaded, "one-run")
    report = run_pending(one)
    assert report.ok and report.refreshed
    assert report.ingested == [(KEY, "accepted")]
    runs = _runs_since(one, known_one)
    assert [r.job_name for r in runs] == ["upload_participants"]
    assert runs[0].status == dg.DagsterRunStatus.SUCCESS
    assert runs[0].tags["dagster/partition"] == KEY
    assert runs[0].tags["esf/outcome"] == "accepted"  # issue #17: the outcome on the run

    # the two-run path: the same files, all ingested first, then one refresh — the session's
    # processed fixture (tests/integration/conftest.py); same secret, so the public release too
    two = DataDir(handcalc_processed)
    assert {r.job_name for r in _runs_since(two, set())} == {
        "ingest_participants",
        "ingest_followup",
        "ingest_target_population",
        "refresh_indicators",
    }
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


def test_the_loaded_folder_shows_table_metadata_and_page_links_in_dagster(loaded):
    """Issue #17 item 7 on the fixture's real run (no run of its own): every dbt model has its
    row count and the warehouse's column types, the raw partitions their own rows, the
    dashboards asset one link per project page, the lone run its outcome tag."""
    import dagster as dg
    import duckdb

    from esf_monitor.intake import read_registry
    from orchestration.assets.dbt import esf_dbt_models

    dd = DataDir(loaded)
    instance = dg.DagsterInstance.from_config(str(dd.dagster_home))
    con = duckdb.connect(str(dd.warehouse), read_only=True)
    try:
        for spec in esf_dbt_models.specs:
            event = instance.get_latest_materialization_event(spec.key)
            assert event is not None, spec.key
            meta = event.asset_materialization.metadata
            schema, table = meta["dagster/table_name"].value.split(".")[1:]
            (rows,) = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
            assert meta["dagster/row_count"].value == rows, spec.key
            types = dict(
                con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = ? and table_name = ?",
                    [schema, table],
                ).fetchall()
            )
            assert {c.name: c.type for c in meta["dagster/column_schema"].value.columns} == types
        (rows,) = con.execute(
            "select count(*) from raw.participants where _provider_id = 'HC-BETA' and _reporting_month = '2024-06'"
        ).fetchone()
    finally:
        con.close()
    [slot] = instance.fetch_materializations(
        dg.AssetRecordsFilter(
            asset_key=dg.AssetKey("raw_participants"), asset_partitions=["HC-BETA|participants|2024-06"]
        ),
        limit=1,
    ).records
    assert slot.asset_materialization.metadata["dagster/partition_row_count"].value == rows > 0

    pages = instance.get_latest_materialization_event(
        dg.AssetKey("dashboards")
    ).asset_materialization.metadata
    for project_id in read_registry(dd.registry_csv)["project_id"].to_list():
        link = pages[f"page projects/{project_id}.html"]
        assert link.value == str(dd.dashboards / "internal" / "projects" / f"{project_id}.html")
    # column lineage: a staging column comes from its raw table's column
    stg = instance.get_latest_materialization_event(
        dg.AssetKey("stg_esf__participants")
    ).asset_materialization
    deps = stg.metadata["dagster/column_lineage"].value.deps_by_column["participant_id"]
    assert [(d.asset_key.to_user_string(), d.column_name) for d in deps] == [
        ("raw_participants", "participant_id")
    ]
    exports = instance.get_latest_materialization_event(dg.AssetKey("indicator_exports"))
    assert "export 2024-06/common_indicators.csv" in exports.asset_materialization.metadata
    instance.dispose()
