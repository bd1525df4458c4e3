"""Processed data folders shared by the integration tests.

A pipeline run (Dagster, dbt build with its tests, great-expectations, exports, dashboards,
disclosure audit) is the expensive part of an integration test. Many tests start from the same
state — a folder whose uploads have all been processed once — so that state is built ONCE per
test session and handed out as a read-only template: a test that changes anything works on its
own copy (``pipeline_harness.processed_copy``), exactly as ``python -m bench e2e`` copies its
loaded folder. One thing travels with a copy: the delivery log and ``versions.jsonl`` name the
archived files by absolute path, so a copy's earlier versions point into the template's archive
(read, never written: the archive is write-once). A test that compares such paths reads the
template itself (tests/integration/test_kill_resume.py).

Under pytest-xdist each worker is its own process; the first worker that asks builds the
template under a file lock in the session's shared temp folder, the other waits for it and
reuses it (the pattern of pytest-xdist's docs, "Making session-scoped fixtures execute only
once").
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock
from pipeline_harness import run_pipeline

HANDCALC = Path(__file__).parents[1] / "fixtures" / "handcalc"
DONE = ".template-complete"


def _built_once(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """``build(root)`` once per session (across xdist workers); returns the finished folder."""
    shared = tmp_path_factory.getbasetemp()
    if shared.name.startswith("popen-gw"):  # an xdist worker: the base of all workers
        shared = shared.parent
    root = shared / "templates" / name / "data"
    root.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root.parent) + ".lock"):
        if not (root.parent / DONE).exists():
            if root.exists():  # an earlier attempt failed half-way: start again
                shutil.rmtree(root)
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("ESF_DATA_DIR", str(root))
                mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
                build(root)
            (root.parent / DONE).touch()
    return root


def _process_handcalc(root: Path) -> None:
    shutil.copytree(HANDCALC, root)
    run_pipeline(root)


@pytest.fixture(scope="session")
def handcalc_processed(tmp_path_factory) -> Path:
    """tests/fixtures/handcalc after one ``esf-monitor run`` (read-only: copy before changing)."""
    return _built_once(tmp_path_factory, "handcalc", _process_handcalc)


def _process_browser_demo(root: Path) -> None:
    from esf_monitor.demo.generator import generate

    # without process monitoring: its pages have their own browser test on hand-made exports,
    # and 47 municipalities would be 49 more pages to open and 47 more portal accounts to hash
    generate(root, seed=11, scale=0.3, months=7, end_month="2025-06", process=False)
    run_pipeline(root)


@pytest.fixture(scope="session")
def demo_processed(tmp_path_factory) -> Path:
    """A small generated folder (10 projects, 7 months: SFC cut-offs 2024-12 and 2025-06),
    processed once; the dashboards' and the portal's browser tests look at it (read-only: copy
    before changing)."""
    return _built_once(tmp_path_factory, "demo", _process_browser_demo)
