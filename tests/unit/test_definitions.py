"""The Dagster code location loads, and its shape is what the UI and the runner rely on."""

import dagster as dg

from orchestration.definitions import defs
from schemas.codes import EXTRACT_TYPES


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


# --- issue #17: what the UI says about each asset (items 6-9) -------------------------------------


def test_the_lineage_starts_at_the_landing_folder_and_the_registry_files():
    """Item 8: external assets for landing/ and reference/*.csv; the raw assets read both,
    the registry reads the reference files, delivery_check what it reads (registries + archive
    the raw assets write) instead of hanging alone."""
    graph = _repo().asset_graph
    refs = {"reference_projects", "reference_municipalities", "reference_checklist_items"}
    for root in ("landing", *refs):
        node = graph.get(dg.AssetKey(root))
        assert not node.is_materializable, root  # external: nobody materialises a provider's file
        assert node.parent_keys == set(), root
    parents = lambda k: {p.to_user_string() for p in graph.get(dg.AssetKey(k)).parent_keys}  # noqa: E731
    assert parents("raw_participants") == {"landing", *refs}
    assert parents("registry") == refs
    assert parents("delivery_check") == refs | {f"raw_{t}" for t in EXTRACT_TYPES}
    assert parents("dashboards") == {"indicator_exports", *refs}


def test_every_asset_has_owners_by_group():
    """Item 7: owners per group (orchestration/metadata.py), dbt models included."""
    from orchestration.metadata import OWNERS_BY_GROUP

    graph = _repo().asset_graph
    seen = set()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.owners, key
        if node.group_name in OWNERS_BY_GROUP:
            assert list(node.owners) == OWNERS_BY_GROUP[node.group_name], key
            seen.add(node.group_name)
    assert seen >= {"sources", "intake", "staging", "intermediate", "marts", "publish", "monitoring"}
    assert list(graph.get(dg.AssetKey("common_indicators")).owners) == ["team:datenteam", "team:analyse"]


def test_every_check_has_a_description_and_dbt_tests_say_what_they_assert():
    """Item 7: a description on every check, for the dbt tests built from their YAML."""
    graph = _repo().asset_graph
    for key in graph.asset_check_keys:
        assert graph.get_check_spec(key).description, key.to_user_string()
    spec = graph.get_check_spec(
        dg.AssetCheckKey(
            dg.AssetKey("stg_esf__participants"), "not_null_stg_esf__participants_participant_id"
        )
    )
    # the test (not_null), its column and the column's description from the model's YAML
    assert spec.description.startswith("Spalte `participant_id` ist nie leer / column `participant_id`")
    assert "Pseudonym of the person, stable within the project." in spec.description
    singular = graph.get_check_spec(
        dg.AssetCheckKey(dg.AssetKey("common_indicators"), "sfc2021_eeco01_equals_employment_groups")
    )
    assert "EECO01 = EECO02 + EECO04 + EECO05" in singular.description


def test_the_checks_a_lone_upload_skips_say_when_they_run():
    """Item 8: upload_<type> runs test the marts only; every other dbt test check says that it
    runs nightly and with every refresh (instead of a bare "not evaluated")."""
    from orchestration.assets.dbt import NIGHTLY_NOTE, esf_dbt_models

    graph = _repo().asset_graph
    upload = defs.resolve_job_def("upload_participants")
    in_upload = {c.to_user_string() for c in upload.asset_layer.asset_graph.asset_check_keys}
    skipped = [k for k in esf_dbt_models.check_keys if k.to_user_string() not in in_upload]
    assert len(skipped) > 20
    for key in esf_dbt_models.check_keys:
        has_note = NIGHTLY_NOTE in graph.get_check_spec(key).description
        assert has_note == (key in skipped), key.to_user_string()
    assert "dbt_tests_nightly" in NIGHTLY_NOTE and "refresh_indicators" in NIGHTLY_NOTE


def test_the_contract_check_has_one_result_per_upload_slot():
    """Item 6: the contract check is partitioned like its raw asset, so a rejected upload is
    a failed check on ITS partition (tests/integration/test_ui_metadata_runs.py runs it)."""
    graph = _repo().asset_graph
    for t in EXTRACT_TYPES:
        spec = graph.get_check_spec(dg.AssetCheckKey(dg.AssetKey(f"raw_{t}"), "contract"))
        assert spec.partitions_def == graph.get(dg.AssetKey(f"raw_{t}")).partitions_def
        assert "esf/outcome=rejected" in spec.description


def test_every_asset_upstream_of_a_page_names_the_pages_it_feeds():
    """Item 9 (metadata half): definition metadata esf/dashboard_pages."""
    from orchestration.metadata import PAGES_KEY

    graph = _repo().asset_graph
    pages = lambda k: graph.get(dg.AssetKey(k)).metadata.get(PAGES_KEY)  # noqa: E731
    assert pages("sfc_table") == ["internal/sfc.html", "public/sfc.html"]
    assert "internal/sfc.html" not in pages("indicators")
    assert "public/overview.html" in pages("indicators")
    assert pages("dashboards") == [
        "internal/index.html",
        "internal/municipalities/<municipality_id>.html",
        "internal/overview.html",
        "internal/process.html",
        "internal/projects/<project_id>.html",
        "internal/sfc.html",
    ]
    # upstream of every mart: every page, both sets (raw_participants through the delivery
    # log, which also gives the process waves: 8 indicator pages + 3 process pages)
    assert len(pages("raw_participants")) == 11 and len(pages("landing")) == 11
    assert pages("process_change") == ["internal/process.html", "public/process.html"]
    assert pages("process_items") == [
        "internal/municipalities/<municipality_id>.html",
        "internal/process.html",
        "public/process.html",
    ]
    assert set(pages("process_items")) <= set(pages("raw_process_checklist"))
    assert pages("delivery_check") is None  # feeds no page
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.group_name in ("intake", "staging", "intermediate", "marts", "publish"):
            assert node.metadata.get(PAGES_KEY), key
