"""The peer comparison's two rule sets are the SAME rules: on a broken frame pandera and
great-expectations name exactly the rows broken per rule, and both pass the clean frame
(no timings asserted — those are measured by ``make bench``)."""

from __future__ import annotations

import polars as pl
import pytest

from bench import validation as bv


@pytest.fixture(scope="module")
def frame_path(tmp_path_factory):
    work = tmp_path_factory.mktemp("validation")
    big = bv.build_frame(work, 3_000)
    small = work / "small.parquet"
    pl.read_parquet(big).head(bv.MART_ROWS).write_parquet(small)
    return small


def test_broken_rows_are_spread_disjoint_and_really_broken(frame_path):
    clean = pl.read_parquet(frame_path)
    broken, rows = bv.break_rows(clean)
    assert broken.height == clean.height == bv.MART_ROWS
    assert set(rows) == set(bv.RULES)
    # key_unique: each broken row copies the key of the row before it, so both rows fail
    copies = {i for i in rows["key_unique"] if i - 1 in rows["key_unique"]}
    assert len(copies) == bv.BROKEN_PER_RULE and len(rows["key_unique"]) == 2 * bv.BROKEN_PER_RULE
    changed_by_rule = {r: (copies if r == "key_unique" else v) for r, v in rows.items()}
    assert all(len(v) == bv.BROKEN_PER_RULE for v in changed_by_rule.values())
    every = [i for v in changed_by_rule.values() for i in v]
    assert len(every) == len(set(every))  # disjoint
    assert max(every) > bv.MART_ROWS // 2  # spread over the frame, not just its head
    # exactly those rows differ from the clean frame
    joined = broken.with_row_index("i").join(clean.with_row_index("i"), on="i", suffix="_c")
    changed = set(
        joined.filter(pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}_c")) for c in clean.columns]))["i"]
    )
    assert changed == set(every)


@pytest.mark.parametrize("runner", [bv.run_pandera, bv.run_gx], ids=["pandera", "great_expectations"])
def test_each_tool_passes_the_clean_frame_and_finds_exactly_the_broken_rows(frame_path, runner):
    clean = runner(frame_path, False)
    assert clean["success"] and clean["rows"] == bv.MART_ROWS
    assert all(rows == [] for rows in clean["failures"].values())
    broken = runner(frame_path, True)
    _, expected = bv.break_rows(pl.read_parquet(frame_path))
    assert not broken["success"]
    assert {rule: set(rows) for rule, rows in broken["failures"].items()} == expected
    assert broken["peak_rss_mb"] >= broken["rss_before_mb"] > 0
