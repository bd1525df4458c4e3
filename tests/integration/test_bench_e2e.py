"""The end-to-end / incremental benchmark's parts (tiny sizes; no timings asserted — speed is
measured by ``make bench`` and recorded in BENCHMARKS.md)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from bench import e2e as bench_e2e


def test_source_holds_back_the_next_month_and_a_data_dir_gets_only_the_history(tmp_path, monkeypatch):
    monkeypatch.setattr(bench_e2e, "MONTHS", 2)
    source = bench_e2e.build_source(tmp_path, scale=0.2)
    folder = tmp_path / "source-0.2-42"
    landing_months = {p.stem for p in (folder / "landing").glob("*/*/*.*")}
    assert landing_months == {"2025-11", "2025-12"}
    held = list((folder / "held_back").glob("*/*/*.*"))
    assert held and {p.stem for p in held} == {bench_e2e.NEXT_MONTH}
    new_file = folder / "held_back" / source["new_file"]
    assert new_file.parent.name == "participants"
    assert new_file.stat().st_size == max(p.stat().st_size for p in held if p.parent.name == "participants")
    assert source["landing_files"] == len(list((folder / "landing").glob("*/*/*.*")))
    # a second call reuses the generated folder (generation of the full size takes minutes)
    stamp = new_file.stat().st_mtime_ns
    assert bench_e2e.build_source(tmp_path, scale=0.2)["new_file"] == source["new_file"]
    assert new_file.stat().st_mtime_ns == stamp

    data = bench_e2e.fresh_data_dir(source, tmp_path / "run")
    assert sorted(p.name for p in data.iterdir()) == ["landing", "reference"]
    upload = next((data / "landing").glob("*/*/*.*"))
    original = folder / "landing" / upload.relative_to(data / "landing")
    assert os.path.samefile(upload, original)  # uploads are linked, never copied
    # the short history of the growth comparison: the same uploads, only the latest months
    short = bench_e2e.fresh_data_dir(source, tmp_path / "short", last_months=1)
    assert {p.stem for p in (short / "landing").glob("*/*/*.*")} == {"2025-12"}
    assert (short / "reference" / "projects.csv").exists()

    # a clone links uploads but copies everything the pipeline writes
    (data / "warehouse").mkdir()
    (data / "warehouse" / "esf.duckdb").write_text("db")
    (data / "archive" / "P" / "participants" / "2025-12").mkdir(parents=True)
    (data / "archive" / "P" / "participants" / "2025-12" / "versions.jsonl").write_text("{}\n")
    bench_e2e._clone(data, tmp_path / "clone")
    clone = tmp_path / "clone"
    assert os.path.samefile(clone / upload.relative_to(data), upload)
    assert not os.path.samefile(clone / "warehouse" / "esf.duckdb", data / "warehouse" / "esf.duckdb")
    assert not os.path.samefile(
        clone / "archive" / "P" / "participants" / "2025-12" / "versions.jsonl",
        data / "archive" / "P" / "participants" / "2025-12" / "versions.jsonl",
    )


def test_tree_rss_counts_the_children():
    child = subprocess.Popen([sys.executable, "-c", "import time; b = bytearray(60 * 2**20); time.sleep(3)"])
    try:
        time.sleep(1.0)
        me = psutil.Process()
        assert bench_e2e._tree_rss(me) >= me.memory_info().rss + 50 * 2**20
    finally:
        child.kill()
        child.wait()


def test_profile_parts_add_up_and_name_the_outermost_part(tmp_path):
    script = tmp_path / "work.py"
    script.write_text(
        "import time\n"
        "def check_file():\n    time.sleep(0.3)\n"
        "def store_event():\n    time.sleep(0.2)\n"
        "check_file(); store_event()\n",
        encoding="utf-8",
    )
    session = tmp_path / "s.pyisession"
    subprocess.run(
        [sys.executable, "-m", "pyinstrument", "-r", "pyisession", "-o", str(session), str(script)],
        check=True,
        capture_output=True,
    )
    # match this script's functions as if they were the pipeline's
    buckets = (("events", "store_event", "work.py"), ("intake", "check_file", "work.py"))
    parts = {p["part"]: p["seconds"] for p in bench_e2e.profile_buckets(session, buckets=buckets)}
    # a sleep is never shorter than asked, only longer on a busy machine: lower bounds only
    # (with upper bounds this test flaked on a loaded 2-core machine: 0.2 s slept read 0.32 s)
    assert parts["intake"] >= 0.25 and parts["events"] >= 0.15
    assert set(parts) >= {"intake", "events"}
    shares = bench_e2e.profile_buckets(session, buckets=buckets)
    assert sum(p["share"] for p in shares) == pytest.approx(1.0, abs=0.01)


def _run(seconds: float, rss: float, ingest: float, steps: dict) -> dict:
    return {
        "seconds": seconds,
        "cpu_seconds": seconds * 1.5,
        "peak_rss_mb": rss,
        "peak_rss_process_mb": rss / 2,
        "breakdown": {
            "ingest_runs": 3,
            "ingest_seconds": ingest,
            "refresh_seconds": sum(steps.values()) + 1,
            "steps": steps,
        },
        "dbt_slowest": [("int_participants_at_cutoff", 9.5)],
    }


def _results() -> dict:
    steps = {"esf_dbt_models": 50.0, "dashboards": 10.0}
    full = [_run(200.0, 3000.0, 120.0, steps), _run(220.0, 3500.0, 130.0, steps)]
    inc = [_run(30.0, 1500.0, 5.0, {"esf_dbt_models": 10.0})]
    results = {
        "command": bench_e2e.PROG,
        "date_utc": "2026-11-22 09:00",
        "load_average_before": 1.0,
        "load_average_after": 2.0,
        "first_month": "2024-01",
        "machine": {
            "cpu": "X",
            "cores": 2,
            "ram_gib": 8,
            "python": "3.11",
            "duckdb": "2",
            "polars": "2",
            "pandera": "0",
        },
        "parameters": {"scale": 420.0, "seed": 42},
        "source": {
            "landing_files": 573,
            "landing_bytes": 2.1e9,
            "new_file": "P/participants/2026-01.csv",
            "new_file_bytes": 1.4e8,
        },
        "e2e": {
            "counts": {
                "raw_rows": 16_500_000,
                "participants": 16_000_000,
                "followup": 400_000,
                "target_population": 100_000,
                "spells_latest": 1_000_000,
                "participant_cutoff_rows": 15_000_000,
            },
            "full": {
                "runs": full,
                "seconds": 210.0,
                "cpu_seconds": 300.0,
                "peak_rss_mb": 3500.0,
                "target_time_met": False,
                "target_memory_met": True,
            },
            "incremental": {
                "runs": inc,
                "seconds": 30.0,
                "cpu_seconds": 45.0,
                "peak_rss_mb": 1500.0,
                "ratio": 30.0 / 210.0,
                "short_history": {
                    "months": 6,
                    "runs": [_run(25.0, 1200.0, 5.0, {"esf_dbt_models": 8.0})],
                    "seconds": 25.0,
                    "cpu_seconds": 40.0,
                    "peak_rss_mb": 1200.0,
                },
                "growth": 30.0 / 25.0,
                "target_met": True,
            },
            "profile": None,
        },
    }
    return results


def test_markdown_states_targets_ratios_and_breakdown():
    results = _results()
    e2e = bench_e2e.markdown_e2e(results)
    assert "| wall time | **210 s (3.5 min)** (1.40× the target) | ≤ 150 s | **missed** |" in e2e
    assert "| peak RSS, process tree | **3,500 MB** (0.85× the target) | ≤ 4,096 MB | met |" in e2e
    assert "| ingest runs (3) | 120.0 | 60% |" in e2e  # first run: 120 of 200 s
    assert "| process start, imports, scan of landing/, glue | 19.0 | 10% |" in e2e  # 200 − 120 − 61
    assert "16,500,000 raw rows" in e2e and "### Profile (target missed)" in e2e
    inc_md = bench_e2e.markdown_incremental(results)
    assert "| growth: 24 months ÷ 6 months | **1.20×** | ≤ 1.25× | met |" in inc_md  # 30 s ÷ 25 s
    assert "| for comparison: share of the full run (210 s (3.5 min)) | 14.3% | | |" in inc_md


def test_recorded_results_are_rendered_again_with_their_reading(tmp_path):
    """--from-json re-renders a measured run (no measuring) with the reading of --notes-*,
    and records both blocks; the figures stay those of the JSON."""
    import json

    results = _results()
    (tmp_path / "r.json").write_text(json.dumps(results), encoding="utf-8")
    (tmp_path / "e2e.md").write_text("Reading: ingest is the largest part.\n", encoding="utf-8")
    (tmp_path / "inc.md").write_text("Reading: dbt's fixed cost.\n", encoding="utf-8")
    md = tmp_path / "BENCHMARKS.md"
    md.write_text("# Benchmarks\n\nkept\n", encoding="utf-8")
    bench_e2e.main(
        [
            "--from-json",
            str(tmp_path / "r.json"),
            "--notes-e2e",
            str(tmp_path / "e2e.md"),
            "--notes-incremental",
            str(tmp_path / "inc.md"),
            "--benchmarks-md",
            str(md),
        ]
    )
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nkept\n")
    e2e = text[text.index("<!-- bench:e2e:start -->") : text.index("<!-- bench:e2e:end -->")]
    inc = text[text.index("<!-- bench:incremental:start -->") : text.index("<!-- bench:incremental:end -->")]
    assert "**210 s (3.5 min)**" in e2e and e2e.rstrip().endswith("Reading: ingest is the largest part.")
    assert "**1.20×**" in inc and inc.rstrip().endswith("Reading: dbt's fixed cost.")


def test_a_lone_upload_run_is_listed_by_its_steps():
    run = _run(20.0, 1000.0, 0.0, {"raw_participants": 1.0, "esf_dbt_models": 10.0})
    run["breakdown"] |= {"ingest_runs": 0, "refresh_job": "upload_participants"}
    table = "\n".join(bench_e2e._steps_table(run))
    assert "| `upload_participants` step `raw_participants` | 1.0 | 5% |" in table
    assert "| `upload_participants` run: rest (run start/end bookkeeping) | 1.0 | 5% |" in table
    assert "| process start, imports, scan of landing/, glue | 8.0 | 40% |" in table  # 20 − 0 − 12


def test_the_incremental_copy_has_one_run_with_nothing_new_before_the_file_arrives(tmp_path, monkeypatch):
    """Steady state: the untimed run sees the loaded folder without the new file (it warms the
    checksum cache the linked copy invalidated), dbt parses for the copy's path; the file is
    dropped only after both."""
    loaded = tmp_path / "full-0"
    (loaded / "landing" / "P" / "participants").mkdir(parents=True)
    (loaded / "landing" / "P" / "participants" / "2025-12.csv").write_text("old\n", encoding="utf-8")
    held = tmp_path / "source" / "held_back" / "P" / "participants"
    held.mkdir(parents=True)
    (held / "2026-01.csv").write_text("new\n", encoding="utf-8")
    source = {"folder": str(tmp_path / "source"), "new_file": "P/participants/2026-01.csv"}
    seen = []
    monkeypatch.setattr(
        bench_e2e,
        "timed_run",
        lambda data_dir, log, **kw: seen.append(
            sorted(p.name for p in (data_dir / "landing").rglob("*.csv"))
        ),
    )
    monkeypatch.setattr(bench_e2e, "dbt_parse_for", lambda data_dir: seen.append(("parse", data_dir)))
    copy = bench_e2e.incremental_copy(loaded, tmp_path / "incremental", source, tmp_path / "warm.log")
    assert seen == [["2025-12.csv"], ("parse", tmp_path / "incremental")]
    assert (copy / "landing" / "P" / "participants" / "2026-01.csv").read_text() == "new\n"


def test_the_incremental_section_says_the_copy_was_warmed_first():
    text = bench_e2e.markdown_incremental(_results())
    assert "first had one untimed `esf-monitor run` with nothing new" in text
    assert "`cache/checksums.sqlite` is warm" in text


def test_dbt_parse_for_leaves_a_partial_parse_that_the_next_build_keeps(tmp_path):
    """The copy's parse must be one dbt accepts for that folder's profile: a later
    ``dbt parse`` with the same ESF_DATA_DIR reuses it (no "profile has changed")."""
    bench_e2e.dbt_parse_for(tmp_path)
    target = tmp_path / "dagster_home" / "dbt_target"
    assert (target / "partial_parse.msgpack").is_file()
    dbt_project = bench_e2e.REPO / "dbt_project"
    out = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "parse",
            "--log-level",
            "debug",
            "--project-dir",
            str(dbt_project),
            "--profiles-dir",
            str(dbt_project),
            "--target-path",
            str(target),
        ],
        env=os.environ | {"ESF_DATA_DIR": str(tmp_path)},
        cwd=dbt_project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Unable to do partial parsing" not in out
    assert "Partial parsing enabled" in out


@pytest.mark.parametrize("code, ran", [(0, True), (3, True), (1, False), (2, False)])
def test_a_run_that_rejected_some_files_counts_as_ran(tmp_path, monkeypatch, code, ran):
    """``esf-monitor run`` exits 3 when some files were rejected (the demo data holds bad
    uploads on purpose): the benchmark measures it; 1 (failed) and 2 (usage) stop it."""
    fake = tmp_path / "esf-monitor"
    fake.write_text(f'#!/bin/sh\necho "settle=$ESF_SETTLE_SECONDS"\nexit {code}\n', encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(bench_e2e, "ESF_MONITOR", fake)
    log = tmp_path / "run.log"
    if ran:
        run = bench_e2e.timed_run(tmp_path, log)
        assert run["exit_code"] == code
        assert log.read_text(encoding="utf-8").strip() == "settle=0"  # linked uploads: no settle wait
    else:
        with pytest.raises(RuntimeError, match=f"exit {code}"):
            bench_e2e.timed_run(tmp_path, log)
