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


PROCESS_MARTS = ("process_items", "process_responsibility", "process_change", "process_waves")


def test_process_marts_sit_beside_the_participant_indicators():
    """docs/process-monitoring.md: the marts are dbt assets of the group marts, fed by
    raw_process_checklist and the registry, exported by indicator_exports; their dbt tests are
    asset checks."""
    graph = _repo().asset_graph
    for mart in PROCESS_MARTS:
        assert graph.get(dg.AssetKey(mart)).group_name == "marts", mart
        assert any(c.asset_key == dg.AssetKey(mart) for c in graph.asset_check_keys), mart
    assert {k.to_user_string() for k in graph.get(dg.AssetKey("stg_esf__process_checklist")).parent_keys} == {
        "raw_process_checklist"
    }
    for staging in ("stg_esf__municipalities", "stg_esf__checklist_items"):
        assert {k.to_user_string() for k in graph.get(dg.AssetKey(staging)).parent_keys} == {"registry"}
    exports_parents = {k.to_user_string() for k in graph.get(dg.AssetKey("indicator_exports")).parent_keys}
    assert set(PROCESS_MARTS) <= exports_parents
    assert "common_indicators" in exports_parents


def test_the_checklist_upload_job_builds_and_checks_the_process_marts():
    """A lone checklist into an idle system (upload_process_checklist) and every refresh build the
    marts and write the exports; the lone upload runs the marts' dbt tests as checks."""
    for name in ("upload_process_checklist", "refresh_indicators"):
        layer = defs.resolve_job_def(name).asset_layer
        selected = {k.to_user_string() for k in layer.selected_asset_keys}
        assert {*PROCESS_MARTS, "indicator_exports", "dashboards"} <= selected, name
    checks = defs.resolve_job_def("upload_process_checklist").asset_layer.asset_graph.asset_check_keys
    for mart in PROCESS_MARTS:
        assert any(c.asset_key == dg.AssetKey(mart) for c in checks), mart
