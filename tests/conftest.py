"""Shared fixtures. Every test works in its own temp data folder (ESF_DATA_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Tests drop a file and run at once: no settle time (contract default 10 s), also for the
# processes they start. The settle rule itself is tested with an explicit `now` and settle time
# (tests/unit/test_intake_landing.py).
os.environ.setdefault("ESF_SETTLE_SECONDS", "0")

INTEGRATION = Path(__file__).resolve().parent / "integration"


def pytest_sessionstart(session):
    """dbt's manifest, which ``orchestration.definitions`` reads at import, prepared once
    (``dbt parse`` only when a dbt file changed) — by the controller before xdist starts its
    workers, so two workers never parse at once."""
    if hasattr(session.config, "workerinput"):
        return
    import tempfile

    from esf_monitor.paths import DataDir
    from orchestration.resources import prepare_dbt_project

    with tempfile.TemporaryDirectory() as root:
        prepare_dbt_project(DataDir(Path(root)))


def pytest_collection_modifyitems(config, items):
    """Everything under tests/integration/ is marked ``integration`` (real runs: Dagster, dbt,
    subprocesses, a browser): ``make test-fast`` deselects it, ``make test`` runs it."""
    for item in items:
        if INTEGRATION in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """An empty data folder, set as ESF_DATA_DIR for the test."""
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("ESF_DATA_DIR", str(root))
    monkeypatch.setenv("DAGSTER_HOME", str(root / "dagster_home"))
    return root


@pytest.fixture(scope="session")
def small_generated(tmp_path_factory) -> Path:
    """A small generated data folder (read-only template: copy before use)."""
    from esf_monitor.demo.generator import generate

    out = tmp_path_factory.mktemp("generated") / "data"
    generate(out, seed=7, scale=1.5, months=8, end_month="2025-06")
    return out
