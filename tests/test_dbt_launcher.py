"""``esf-dbt`` (esf_monitor/dbt_launcher.py) is what dagster-dbt starts, and it is dbt's CLI:
same exit codes, same output, no interpreter noise at exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestration.assets.dbt import DBT_PROJECT_DIR, dbt_resource

BIN = Path(sys.executable).parent


def _run(exe: str, *args: str, data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / exe), *args], cwd=DBT_PROJECT_DIR, capture_output=True, text=True,
                          env=os.environ | {"ESF_DATA_DIR": str(data_dir)}, timeout=300)


def test_dagster_dbt_starts_the_launcher():
    assert Path(dbt_resource().dbt_executable) == BIN / "esf-dbt"


def test_the_launcher_answers_like_dbt(tmp_path):
    for args in (["--version"], ["no-such-command"], ["ls", "--select", "no_such_model_xyz"]):
        ours, theirs = _run("esf-dbt", *args, data_dir=tmp_path), _run("dbt", *args, data_dir=tmp_path)
        assert ours.returncode == theirs.returncode, args
        assert "nanobind" not in ours.stderr + ours.stdout
    assert _run("esf-dbt", "no-such-command", data_dir=tmp_path).returncode == 2


def test_a_failing_query_fails_through_the_launcher(tmp_path):
    """A dbt error must reach dagster-dbt as a non-zero exit code (it fails the step)."""
    (tmp_path / "warehouse").mkdir()
    args = ["show", "--inline", "select * from no_such_table_xyz"]
    ours, theirs = _run("esf-dbt", *args, data_dir=tmp_path), _run("dbt", *args, data_dir=tmp_path)
    assert ours.returncode == theirs.returncode != 0
    assert "no_such_table_xyz" in ours.stdout
    assert "nanobind" not in ours.stderr + ours.stdout
