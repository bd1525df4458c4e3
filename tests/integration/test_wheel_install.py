"""The package installs and runs non-editable (issue #14, item 5): ``pip install .`` then
``esf-monitor run`` from any folder — the wheel carries the dbt project and the Dagster
instance settings, and nothing reads the checkout.

The wheel is installed with ``--target`` into a folder put first on ``PYTHONPATH`` (the
dependencies come from this venv): the modules of the run are the wheel's, which the test
checks, and the working directory is a folder that is neither the checkout nor the wheel.
The run is the wheel's console script, and it must leave everything on disk (the one
full console-script run of the suite; tests/integration/test_cli.py tests its exit codes).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[2]
HANDCALC = Path(__file__).parents[1] / "fixtures" / "handcalc"


def test_the_wheel_runs_the_pipeline_from_any_folder(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(REPO)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    [wheel] = wheels.glob("esf_monitor-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "dbt_project/dbt_project.yml" in names and "dbt_project/profiles.yml" in names
    assert "dbt_project/models/marts/indicators.sql" in names
    assert "orchestration/instance/dagster.yaml" in names
    assert "esf_monitor/disclosure/ptable.csv" in names
    assert not [n for n in names if n.startswith(("bench/", "tests/", "dbt_project/target/"))]
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "esf-monitor = orchestration.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()

    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    data = tmp_path / "data"
    shutil.copytree(HANDCALC, data)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ESF_DAGSTER", "DAGSTER_"))}
    env.update(PYTHONPATH=str(site), ESF_DATA_DIR=str(data), ESF_SETTLE_SECONDS="0")

    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import orchestration.cli, orchestration.resources as r; "
            "print(orchestration.cli.__file__); print(r.DBT_PROJECT_DIR)",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(Path(p).is_relative_to(site) for p in where), where

    # the wheel's own console script (pip put it into site/bin), as an operator types it
    script = site / "bin" / "esf-monitor"
    assert script.read_text(encoding="utf-8").startswith(f"#!{sys.executable}")
    run = subprocess.run(
        [str(script), "run"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stdout + run.stderr
    _everything_on_disk(data, run.stdout)
    reach = pl.read_csv(data / "exports" / "2024-06" / "indicators.csv", infer_schema=False)
    assert reach.height > 0
    assert (data / "dashboards" / "internal" / "overview.html").exists()
    assert (data / "dashboards" / "public" / "index.html").exists()
    assert (site / "dbt_project" / "target" / "manifest.json").exists()  # parsed where it is installed
    assert not list(elsewhere.iterdir())  # nothing written into the working directory


def _everything_on_disk(data: Path, stdout: str) -> None:
    """The installed script did the whole work: DuckDB checkpointed (no WAL left), every
    Dagster run finished and recorded, the dbt log and the dashboards written."""
    import dagster as dg

    assert "fertig / done" in stdout
    assert (data / "warehouse" / "esf.duckdb").is_file()
    assert not (data / "warehouse" / "esf.duckdb.wal").exists()
    assert (data / "dashboards" / "index.html").is_file()
    assert (data / "logs" / "refresh_indicators.log").stat().st_size > 0
    instance = dg.DagsterInstance.from_config(str(data / "dagster_home"))
    try:
        runs = instance.get_runs()
        assert runs and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        assert instance.get_latest_materialization_event(dg.AssetKey("dashboards")) is not None
    finally:
        instance.dispose()
