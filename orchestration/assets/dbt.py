"""The dbt project as Dagster assets: every model is an asset, every dbt test an asset check.

Sources map to the intake assets through ``meta.dagster.asset_key`` in
``dbt_project/models/staging/_esf__sources.yml``, so the lineage runs landing → raw → staging
→ intermediate → marts in the UI.
"""

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration import dbt_build_plan
from orchestration.assets.intake import WAREHOUSE_POOL
from orchestration.resources import DataFolder, esf_dbt_project


class EsfDbtTranslator(DagsterDbtTranslator):
    """Groups by dbt folder (staging / intermediate / marts) so the UI reads like the project."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        # A model's key is its name (the name an analyst reads in the dashboard's source note),
        # not schema-prefixed; sources keep their meta mapping to the intake assets.
        if dbt_resource_props.get("resource_type") in ("model", "seed", "snapshot"):
            return dg.AssetKey(dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props.get("resource_type") == "model" and len(fqn) > 2:
            return fqn[1]
        return super().get_group_name(dbt_resource_props)


#: duplicate source keys: the registry asset writes three raw tables (projects, municipalities,
#: checklist_items), each a dbt source mapped to the one asset ``registry``
TRANSLATOR = EsfDbtTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_duplicate_source_asset_keys=True)
)


@dbt_assets(
    manifest=esf_dbt_project.manifest_path,
    project=esf_dbt_project,
    dagster_dbt_translator=TRANSLATOR,
    pool=WAREHOUSE_POOL,
)
def esf_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, data_folder: DataFolder):
    """`dbt build`: staging views, intermediate, marts, the data tests of every model and the
    SFC2021 rules; the incremental models from the months orchestration/dbt_build_plan.py finds
    changed since the last successful build (or a full refresh).

    dbt unit tests check the SQL, not the data: they run in the test suite
    (tests/integration/test_dbt_project.py), not on every production build.
    """
    if context.selected_asset_keys:
        # the run goes on to the great-expectations checks: import GX while dbt works
        from esf_monitor import quality

        quality.warm_up_in_background()
    dd = data_folder.dd
    target = dd.dbt_target
    state = dbt_build_plan.current_state(dd.warehouse, esf_dbt_project.manifest_path)
    plan = dbt_build_plan.plan_build(dbt_build_plan.load_state(target), state)
    os.environ.update(plan.env())  # builds never overlap (pool warehouse)
    yield from dbt.cli(
        ["build", "--exclude-resource-type", "unit_test", *plan.dbt_args()],
        context=context,
        target_path=target,
    ).stream()
    if context.selected_asset_keys == context.assets_def.keys:  # a subset leaves months undone
        dbt_build_plan.save_state(target, state)


# dbt's target/ is the data folder's ``dagster_home/dbt_target``, kept between runs, not
# dagster-dbt's default (a fresh ``target/<run>`` per build, seeded with the project's
# ``target/partial_parse.msgpack``): that file was parsed for whichever data folder prepared
# the manifest last (tests, another ``ESF_DATA_DIR``), and dbt throws it away when the profile
# differs ("profile has changed") — a full parse on every build. One folder per data folder
# keeps dbt's partial parse valid from one build to the next. Builds never overlap: every dbt
# build is in pool ``warehouse`` (limit 1).
