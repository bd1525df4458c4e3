"""The latency benchmark's report (no timing here: the figures are made up, the shape is real)."""

from bench import latency as bl


def _sample(seconds, stages):
    return {
        "seconds": seconds,
        "cpu_seconds": seconds - 1,
        "runs": sorted(stages.pop("_runs")),
        "failed": [],
        "stages": stages,
    }


def _results(samples):
    return {
        "machine": {"cpu": "x", "cores": 2, "ram_gib": 1, "python": "3", "duckdb": "1", "polars": "1"},
        "command": bl.PROG,
        "date_utc": "2026-01-01 00:00",
        "seed": 42,
        "slot": "P|participants|2025-12",
        "load_average_before": 0.1,
        "load_average_after": 0.2,
        "samples": samples,
        "median_s": sorted(s["seconds"] for s in samples)[len(samples) // 2],
        "analysis": "because",
    }


def stages(**over):
    base = {label: 1.0 for label, _ in bl.STAGES}
    return {**base, **over}


def test_a_lone_upload_run_shows_no_refresh_stages_and_the_target_verdict():
    samples = [
        _sample(
            s, stages(**{"refresh request": None, "launch refresh": None, "_runs": ["upload_participants"]})
        )
        for s in (12.0, 15.0, 19.0, 18.0, 29.0)
    ]
    results = _results(samples)
    results["p95_s"] = bl.p95(s["seconds"] for s in samples)
    text = bl.markdown_section(results)
    assert "**p50 18.0 s, p95 29.0 s over 5 samples — targets p50 ≤ 20 s, p95 ≤ 30 s met.**" in text
    median_row = next(line for line in text.splitlines() if line.startswith("| median"))
    assert median_row.split(" | ")[5:7] == ["–", "–"]  # refresh request, launch refresh
    assert "Runs per sample: upload_participants." in text


def test_an_ingest_and_refresh_pair_is_reported_with_every_stage_and_a_miss():
    samples = [
        _sample(s, stages(**{"_runs": ["ingest_participants", "refresh_indicators"]}))
        for s in (50.0, 60.0, 70.0)
    ]
    text = bl.markdown_section(_results(samples))  # no p95 recorded: the slowest sample
    assert "p50 60.0 s, p95 70.0 s over 3 samples" in text and "p95 ≤ 30 s missed" in text
    assert "What it points at: because" in text
    assert "–" not in next(line for line in text.splitlines() if line.startswith("| median"))


def test_p95_is_the_nearest_rank_never_an_interpolated_value():
    from bench.latency import p95

    assert p95([12.0, 11.0, 30.5, 13.0, 12.5]) == 30.5  # 5 samples: the slowest
    assert p95(range(1, 21)) == 19  # 20 samples: the 19th
    assert p95([7.0]) == 7.0
