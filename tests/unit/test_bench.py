"""The benchmark script builds valid files and runs end to end (tiny size; timings are never
asserted here — speed is measured by ``make bench``, see BENCHMARKS.md)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest

from bench import ingest as bench
from esf_monitor.intake import check_file, read_registry
from schemas import PARTICIPANT_ID_PATTERN
from schemas.participants import KEY

REPO = Path(__file__).resolve().parents[2]
ROWS = 2_000


def test_built_files_are_valid_unique_and_of_the_requested_size(tmp_path):
    files = bench.build_files(tmp_path, ROWS, list(bench.VARIANTS))
    assert [f.variant for f in files] == list(bench.VARIANTS)
    registry = read_registry(files[0].registry_path)
    typed = {}
    for file in files:
        result = check_file(file.path, file.provider_id, "participants", file.month, registry)
        assert result.ok, result.summary_en
        assert result.row_count == file.rows == result.data.height == ROWS
        assert result.data.select(KEY).is_duplicated().sum() == 0
        assert result.data["participant_id"].str.contains(PARTICIPANT_ID_PATTERN).all()
        typed[file.variant] = result
    assert typed["utf8_comma"].dialect == "CSV UTF-8, ','"
    assert typed["cp1252_semicolon"].dialect == "CSV Windows-1252, ';'"
    # both dialects carry the same rows, and far more people than the generated source snapshot
    assert (
        typed["utf8_comma"]
        .data.drop("_source_row")
        .equals(typed["cp1252_semicolon"].data.drop("_source_row"))
    )
    source_rows = check_file(*_source_of(files[0]), registry).row_count
    assert typed["utf8_comma"].data["participant_id"].n_unique() > source_rows


def _source_of(file: bench.BenchFile) -> tuple:
    path = next(
        (file.registry_path.parents[1] / "landing" / file.provider_id / "participants").glob(
            f"{file.month}.*"
        )
    )
    return path, file.provider_id, "participants", file.month


def test_replicas_keep_each_persons_spells_apart():
    spells = pl.DataFrame(
        {
            "participant_id": ["aa2bb3cc4dd5", "aa2bb3cc4dd5", "ee6ff7gg8hh9"],
            "entry_date": pl.Series(["2024-01-02", "2024-06-03", "2024-02-05"]).str.to_date(),
            "exit_date": pl.Series(["2024-03-01", None, "2024-04-30"]).str.to_date(),
        }
    )
    rows = bench.replicate(spells, 8)
    assert rows.height == 8
    assert rows.select(KEY).is_duplicated().sum() == 0
    assert rows["entry_date"].is_sorted()
    # each copy keeps both spells of the re-entered person under ONE new pseudonym
    per_person = rows.group_by("participant_id").agg(pl.col("entry_date").sort())
    re_entered = per_person.filter(pl.col("entry_date").list.len() == 2)["entry_date"].to_list()
    assert re_entered == [spells["entry_date"].head(2).to_list()] * 3
    assert rows["participant_id"].str.contains(r"^aa2bb3cc4dd5[a-z]{2}\d$|^ee6ff7gg8hh9[a-z]{2}\d$").all()


def test_quick_runs_are_small_and_not_recorded():
    args = bench._arguments(["--quick"])
    assert (args.rows, args.runs, args.record) == (bench.QUICK_ROWS, 1, False)
    full = bench._arguments([])
    assert (full.rows, full.runs, full.record) == (bench.FULL_ROWS, 3, True)
    with pytest.raises(SystemExit):
        bench._arguments(["--variants", "utf16_tab"])


@pytest.mark.integration  # runs the benchmark program itself (a few seconds)
def test_main_runs_end_to_end_and_records_its_section(tmp_path):
    md = tmp_path / "BENCHMARKS.md"
    shutil.copy(REPO / "BENCHMARKS.md", md)
    original = md.read_text(encoding="utf-8")
    out = tmp_path / "results.json"
    results = bench.ingest_main(
        [
            "--rows",
            str(ROWS),
            "--runs",
            "1",
            "--profile",
            "--work-dir",
            str(tmp_path / "work"),
            "--benchmarks-md",
            str(md),
            "--json",
            str(out),
        ]
    )

    assert json.loads(out.read_text(encoding="utf-8"))["variants"][0]["file"]["rows"] == ROWS
    assert [v["variant"] for v in results["variants"]] == list(bench.VARIANTS)
    assert set(results["machine"]) >= {"cpu", "cores", "ram_gib", "python", "duckdb", "polars", "pandera"}
    for v in results["variants"]:
        assert v["intake"]["rows"] == v["duckdb"]["rows"] == ROWS
        assert v["intake"]["seconds"] == pytest.approx(
            v["intake"]["check_seconds"] + v["intake"]["load_seconds"]
        )
        assert v["ratio"] == pytest.approx(v["intake"]["seconds"] / v["duckdb"]["seconds"])
        assert v["target_met"] == (v["ratio"] <= bench.TARGET_RATIO)
        assert v["intake"]["peak_rss_mb"] >= v["intake"]["rss_before_mb"] > 0
        phases = v["profile"]["phases"]
        assert [p["phase"] for p in phases][: len(bench.PHASES)] == [label for *_, label in bench.PHASES]
        timed = {p["function"].rsplit(":", 1)[-1]: p["seconds"] for p in phases}
        assert timed["read_table"] > 0 and timed["replace_partition"] > 0
        assert sum(p["share"] for p in phases) == pytest.approx(1.0, abs=0.01)

    # only the ingest block changed: it now holds this run; the placeholders stay
    text = md.read_text(encoding="utf-8")
    block = re.compile(r"<!-- bench:ingest:start -->.*?<!-- bench:ingest:end -->", re.DOTALL)
    assert block.sub("", text) == block.sub("", original)
    assert block.search(text).group(0) == (
        f"<!-- bench:ingest:start -->\n{bench.markdown_section(results)}\n<!-- bench:ingest:end -->"
    )
    assert f"{ROWS:,} rows" in text
    assert text.count("**Not yet measured.**") == original.count("**Not yet measured.**")


def test_recording_twice_replaces_the_block_and_a_missing_block_is_appended(tmp_path):
    md = tmp_path / "B.md"
    md.write_text("# Benchmarks\n\nintro\n", encoding="utf-8")
    bench.record_section(md, "ingest", "first")
    bench.record_section(md, "ingest", "second")
    text = md.read_text(encoding="utf-8")
    assert text == "# Benchmarks\n\nintro\n\n<!-- bench:ingest:start -->\nsecond\n<!-- bench:ingest:end -->\n"


def test_sections_dispatch_and_unknown_options_are_refused(monkeypatch):
    seen = []
    monkeypatch.setattr(bench, "_section_main", lambda name: lambda argv: seen.append((name, argv)) or name)
    assert bench.main(["e2e", "--scale", "3"]) == {"e2e": "e2e"}
    assert bench.main(["--quick"]) == {s: s for s in bench.SECTIONS}
    assert seen == [("e2e", ["--scale", "3"])] + [(s, ["--quick"]) for s in bench.SECTIONS]
    with pytest.raises(SystemExit):
        bench.main(["--rows", "5"])
