"""Test harness: run the real pipeline (Dagster, dbt, exports, dashboards) on a data folder."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from esf_monitor.paths import DataDir


def run_pipeline(data_dir: Path, refresh: bool = False) -> Path:
    """Process every waiting file of ``data_dir`` exactly as ``esf-monitor run`` does.

    Sets ``ESF_DATA_DIR`` for the process (the one variable that decides paths) and raises
    if any asset failed. Returns the exports folder.
    """
    from orchestration.driver import run_pending

    os.environ["ESF_DATA_DIR"] = str(Path(data_dir).resolve())
    dd = DataDir(Path(data_dir).resolve())
    report = run_pending(dd, force_refresh=refresh)
    if not report.ok:
        raise RuntimeError(f"pipeline failed for: {report.failed}")
    return dd.exports


def csv_digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every CSV under ``folder``, by relative path: equal dicts = equal bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*.csv"))
    }


def cutoff_export_digests(exports: Path) -> dict[str, str]:
    """:func:`csv_digests` of the per-cut-off exports only (folders named by their month)."""
    return {k: v for k, v in csv_digests(exports).items() if k[:4].isdigit()}


def processed_copy(template: Path, dest: Path) -> Path:
    """A private copy of a data folder — a processed template of tests/integration/conftest.py
    (warehouse, Dagster's storage, archive and all) or a generated one — to change without
    touching what other tests read."""
    shutil.copytree(template, dest, symlinks=True, dirs_exist_ok=True)
    return dest
