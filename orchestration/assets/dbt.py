"""The dbt project as Dagster assets: every model is an asset, every dbt test an asset check.

Sources map to the intake assets through ``meta.dagster.asset_key`` in
``dbt_project/models/staging/_esf__sources.yml``, so the lineage runs landing → raw → staging
→ intermediate → marts in the UI.
"""


import os
import shutil
import sys
from pathlib import Path
from typing import Any, Mapping

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from esf_monitor.paths import data_dir
from orchestration.assets.intake import WAREHOUSE_POOL

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
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
    (tests/test_dbt_project.py), not on every production build.
    """
    invocation = dbt.cli(["build", "--exclude-resource-type", "unit_test"], context=context)
    try:
        yield from invocation.stream()
    finally:
        # dagster-dbt leaves target/<run> per invocation; the run's events are already emitted.
        shutil.rmtree(invocation.target_path, ignore_errors=True)


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=esf_dbt_project, profiles_dir=str(DBT_PROJECT_DIR),
                          dbt_executable=str(DBT_EXECUTABLE))
