"""Dagster resources: the data folder, the warehouse and dbt, injected into assets, checks and sensors.

Nothing here runs at import: no environment variable is set and dbt is not started. The
dbt manifest the ``@dbt_assets`` definition reads is prepared by :func:`prepare_dbt_project`,
which the command line (``esf-monitor run | ui | …``) and the test session call before they
load the code location.

Why resources rather than one global ``data_dir()``: a test can hand an asset, a check or a
sensor a temporary data folder (``DataFolder(root=tmp)``) and call it as a function; the code
location names the folder once (``DataFolder(root=EnvVar("ESF_DATA_DIR"))``).
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject

from esf_monitor import warehouse
from esf_monitor.paths import DataDir

#: the dbt project: ``dbt_project/`` of the checkout, or the copy installed with the wheel
DBT_PROJECT_DIR = Path(str(files("dbt_project")))
#: the dbt CLI of this environment (dbt-core's console script next to this Python)
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"

esf_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class DataFolder(dg.ConfigurableResource):
    """The data folder (docs/data-folder.md): landing, archive, warehouse, exports, dashboards."""

    root: str

    @property
    def dd(self) -> DataDir:
        return DataDir(Path(self.root).expanduser().resolve())

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # dbt's profile (dbt_project/profiles.yml) and every dbt subprocess read the warehouse
        # path from ESF_DATA_DIR: name this folder there for the run that uses the resource.
        os.environ["ESF_DATA_DIR"] = str(self.dd.root)


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse of a data folder. One writer at a time: every writer is in pool
    ``warehouse`` (limit 1, orchestration/instance/dagster.yaml); readers open it read-only."""

    data_folder: DataFolder

    @contextmanager
    def connect(self, read_only: bool = False):
        with warehouse.connect(self.data_folder.dd.warehouse, read_only=read_only) as con:
            yield con


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=esf_dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=str(DBT_EXECUTABLE)
    )


def resources_for(root: str | Path | dg.EnvVar) -> dict:
    """The resources of the code location for one data folder (tests pass a temporary one)."""
    folder = DataFolder(root=root if isinstance(root, dg.EnvVar) else str(root))
    return {"data_folder": folder, "warehouse": Warehouse(data_folder=folder), "dbt": dbt_resource()}


def manifest_is_stale() -> bool:
    """True when dbt's manifest is missing or older than any file of the dbt project."""
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


def prepare_dbt_project(dd: DataDir) -> None:
    """``dbt parse`` when the manifest is stale, so that ``orchestration.definitions`` can load.

    What dagster-dbt's ``DbtProject.prepare_if_dev()`` does under ``dagster dev``, for every
    entry point (CLI, UI, tests); with this environment's dbt executable, not whatever ``dbt``
    is first on PATH. The profile needs a data folder to name the warehouse: ``dd``.
    """
    if not manifest_is_stale():
        return
    before = os.environ.get("ESF_DATA_DIR")
    os.environ["ESF_DATA_DIR"] = before or str(dd.root)
    try:
        dbt_resource().cli(
            ["parse", "--quiet"], target_path=esf_dbt_project.target_path, raise_on_error=True
        ).wait()
    finally:
        if before is None:
            del os.environ["ESF_DATA_DIR"]
