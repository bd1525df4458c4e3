"""The hostile-upload benchmark builds what it says and reads the verdicts right (tiny sizes;
memory and time are measured by ``python -m bench intake``, never asserted here)."""

from __future__ import annotations

import zipfile

import pytest

from bench import intake_limits


@pytest.fixture
def small(monkeypatch):
    monkeypatch.setattr(intake_limits, "BOMB_BYTES", 64 * 1024**2)  # still > 200 : 1 and > 10 MB
    monkeypatch.setattr(intake_limits, "HUGE_CELL_CHARS", 40_000)  # > Excel's 32,767


def test_the_files_are_the_cases_and_every_hostile_one_is_rejected(tmp_path, small, monkeypatch):
    meta = intake_limits.build_files(tmp_path, target_mb=1, source_rows=2_000)
    files = meta["files"]
    rep = files["repeated_snapshot"]
    assert rep["copies"] >= 2 and rep["rows"] == rep["keys"] * rep["copies"]
    assert files["valid_same_size"]["rows"] == rep["rows"]
    with zipfile.ZipFile(files["zip_bomb"]["path"]) as z:
        assert z.getinfo("xl/sharedStrings2.xml").file_size == 64 * 1024**2
    with zipfile.ZipFile(files["whole_grid"]["path"]) as z:
        assert b'<dimension ref="A1:XFD1048576"/>' in z.read("xl/worksheets/sheet1.xml")
    assert intake_limits.build_files(tmp_path, target_mb=1, source_rows=2_000) == meta  # reused

    monkeypatch.setattr(intake_limits, "_in_fresh_process", intake_limits.run_case)
    out = intake_limits.measure(meta, tmp_path)
    assert out["valid_same_size"]["ok"] and out["valid_same_size"]["rules"] == []
    assert out["repeated_snapshot"]["rules"] == ["key_unique"]
    # one finding per duplicated key, not one per pair of rows
    assert out["repeated_snapshot"]["errors_by_rule"] == {"key_unique": rep["keys"]}
    assert out["zip_bomb"]["rules"] == ["limit_exceeded"]
    assert out["whole_grid"]["rules"] == ["limit_exceeded"]
    assert "cell_too_long" in out["huge_cell"]["rules"]
    assert out["verdict"]["hostile_rejected"] and out["verdict"]["valid_accepted"]
    text = intake_limits.markdown(
        {
            "command": "python -m bench intake --quick",
            "date_utc": "2026-12-02 10:00",
            "machine": {
                "cpu": "x",
                "cores": 2,
                "ram_gib": 1,
                "python": "3",
                "polars": "p",
                "pandera": "q",
            },
            "load_average_before": 1,
            "load_average_after": 1,
            "files": meta,
            "cases": out,
        }
    )
    assert text.startswith("## 8. Hostile uploads") and "rejected (`key_unique`)" in text
