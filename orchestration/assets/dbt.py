"""The dbt project as Dagster assets: every model is an asset, every dbt test an asset check.

Sources map to the intake assets through ``meta.dagster.asset_key`` in
``dbt_project/models/staging/_esf__sources.yml``, so the lineage runs landing → raw → staging
→ intermediate → marts in the UI.
"""


import os
import sys
from pathlib import Path
from typing import Any, Mapping

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from esf_monitor.paths import DBT_PROJECT_DIR, data_dir
from orchestration.assets.intake import WAREHOUSE_POOL

#: the dbt CLI of this environment (dbt-core's console script next to this Python)
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"

# dbt's profile reads ESF_DATA_DIR; make it absolute and explicit for every dbt subprocess.
os.environ["ESF_DATA_DIR"] = str(data_dir().root)
# DagsterDbtProjectPreparer calls plain `dbt`: the venv's bin must be on PATH.
if str(DBT_EXECUTABLE.parent) not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = f"{DBT_EXECUTABLE.parent}{os.pathsep}{os.environ.get('PATH', '')}"

esf_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _manifest_is_stale() -> bool:
    manifest = esf_dbt_project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for sub in ("models", "macros", "tests", "seeds", "snapshots"):
        folder = DBT_PROJECT_DIR / sub
        if folder.is_dir():
            sources.extend(p for p in folder.rglob("*") if p.is_file())
    return any(p.stat().st_mtime > built for p in sources if p.exists())


if _manifest_is_stale():
    esf_dbt_project.preparer.prepare(esf_dbt_project)


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


TRANSLATOR = EsfDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(manifest=esf_dbt_project.manifest_path, project=esf_dbt_project,
            dagster_dbt_translator=TRANSLATOR, pool=WAREHOUSE_POOL)
def esf_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """`dbt build`: staging views, intermediate, marts, data tests and the SFC2021 rules.

    dbt unit tests check the SQL, not the data: they run in the test suite
    (tests/integration/test_dbt_project.py), not on every production build.
    """
    if context.selected_asset_keys:
        # the run goes on to the great-expectations checks: import GX while dbt works
        from esf_monitor import quality

        quality.warm_up_in_background()
    yield from dbt.cli(["build", "--exclude-resource-type", "unit_test"], context=context,
                       target_path=dbt_target_dir()).stream()


def dbt_target_dir() -> Path:
    """dbt's target/ of this data folder: ``$ESF_DATA_DIR/dagster_home/dbt_target``, kept between runs.

    Why not dagster-dbt's default (a fresh ``target/<run>`` per build, seeded with the repo's
    ``dbt_project/target/partial_parse.msgpack``): that file was parsed for whichever data folder
    prepared the manifest last (tests, another ``ESF_DATA_DIR``), and dbt throws it away when
    the profile differs ("profile has changed") — a full parse on every build, ~3 s CPU. One
    folder per data folder keeps dbt's partial parse valid from one build to the next. Builds
    never overlap: every dbt build is in pool ``warehouse`` (limit 1).
    """
    return data_dir().dbt_target


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=esf_dbt_project, profiles_dir=str(DBT_PROJECT_DIR),
                          dbt_executable=str(DBT_EXECUTABLE))
