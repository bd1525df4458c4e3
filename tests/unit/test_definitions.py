"""The Dagster code location loads, and its shape is what the UI and the runner rely on."""

import dagster as dg

from orchestration.definitions import defs


def _repo():
    return defs.get_repository_def()


def test_definitions_load_with_every_layer():
    keys = {k.to_user_string() for k in _repo().asset_graph.get_all_asset_keys()}
    for expected in (
        "registry",
        "raw_participants",
        "raw_followup",
        "raw_target_population",
        "delivery_log",
        "stg_esf__participants",
        "common_indicators",
        "sfc_table",
        "indicators",
        "delivery_status",
        "indicator_exports",
        "dashboards",
        "public_release_candidate",
        "public_release",
        "int_record_keys",
    ):
        assert expected in keys, expected


def test_dbt_sources_are_mapped_to_intake_assets():
    graph = _repo().asset_graph
    parents = {k.to_user_string() for k in graph.get(dg.AssetKey("stg_esf__participants")).parent_keys}
    assert parents == {"raw_participants"}
    parents = {k.to_user_string() for k in graph.get(dg.AssetKey("stg_esf__projects")).parent_keys}
    assert parents == {"registry"}


def test_dbt_tests_are_asset_checks():
    checks = _repo().asset_graph.asset_check_keys
    assert any(c.asset_key == dg.AssetKey("common_indicators") for c in checks)
    assert dg.AssetCheckKey(dg.AssetKey("raw_participants"), "contract") in checks


def test_every_warehouse_writer_is_in_the_single_writer_pool():
    graph = _repo().asset_graph
    writers = [
        "registry",
        "raw_participants",
        "raw_followup",
        "raw_target_population",
        "delivery_log",
        "common_indicators",
        "indicator_exports",
    ]
    for name in writers:
        node = graph.get(dg.AssetKey(name))
        assert node.pools == {"warehouse"}, (name, node.pools)


def test_jobs_exist():
    for name in ("ingest_participants", "ingest_followup", "ingest_target_population", "refresh_indicators"):
        assert defs.resolve_job_def(name) is not None


def test_every_job_that_publishes_runs_the_disclosure_audit_first():
    """public_release only after the blocking check disclosure_audit, in every job (issue #12):
    the lone-upload jobs ``upload_<type>`` once selected the marts' checks only, so the usual
    monthly delivery published its release unaudited."""
    publishing = [
        job for job in _repo().get_all_jobs() if "public_release" in {n.name for n in job.graph.nodes}
    ]
    assert {j.name for j in publishing} >= {
        "refresh_indicators",
        "upload_participants",
        "upload_followup",
        "upload_target_population",
    }
    for job in publishing:
        assert "public_release_candidate_disclosure_audit" in {n.name for n in job.graph.nodes}, job.name
