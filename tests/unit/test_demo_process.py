"""The demo generator's process-monitoring data (esf_monitor/demo/process.py): the checklists
of 47 municipalities reproduce the seed's published shares in 2020-06 and move forward in
2020-12.

The files are read with polars directly (not with the intake), so the counts are checked
against the contract itself; the intake is asked only whether it accepts one file of every
dialect. Every expected number below is counted by hand from the calibration table in
esf_monitor/demo/process_data.py (2020-12 = 2020-06 minus the three municipalities that send
nothing, then the table's steps forward).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from fixtures.dialects import read_text_table

from esf_monitor.demo.generator import generate
from esf_monitor.demo.process import write_process
from esf_monitor.intake import check_file, read_registry
from schemas.codes import MUNICIPALITY_COLUMNS, PROCESS_STATUS, PROCESS_STATUS_DE

STATUS = {**{w.lower(): c for c, w in PROCESS_STATUS_DE.items()}, **{c: c for c in PROCESS_STATUS}}

# item → (implemented, in_planning, not_planned_useful, no), answering = their sum
COUNTS_2020_06 = {
    "1.1_bkg_meetings": (40, 6, 1, 0),  # "in 40 von 47 Fällen"
    "1.1_abh_cooperation": (27, 10, 6, 4),  # 57 % / 21 %
    "1.2_cooperation_agreement": (5, 14, 20, 8),
    "1.3_thm_flyers": (29, 9, 6, 3),
    "1.4_thm_network": (31, 7, 7, 2),
    "1.5_referral_agreements": (18, 15, 10, 4),
    "1.6_overall_concept": (21, 12, 9, 5),
    "1.6_measure_links": (22, 9, 9, 5),  # 45 answering: 49 % / 20 %
    "1.6_quality_assurance": (7, 11, 18, 9),  # 45 answering: 16 % / 24 %
    "1.6_offer_needs_analyses": (41, 6, 0, 0),
    "1.7_needs_survey": (39, 8, 0, 0),
    "1.7_lifeworld_concepts": (18, 4, 16, 8),  # 46 answering: 39 % / 9 %
    "1.7_empowerment_events": (15, 5, 14, 12),  # 46 answering: 33 %
    "1.7_participation": (14, 5, 18, 10),  # 30 % / 11 %
}
COUNTS_2020_12 = {  # 44 municipalities, every item answered
    "1.1_bkg_meetings": (42, 2, 0, 0),
    "1.1_abh_cooperation": (31, 6, 4, 3),
    "1.2_cooperation_agreement": (9, 15, 13, 7),
    "1.3_thm_flyers": (33, 5, 3, 3),
    "1.4_thm_network": (34, 6, 3, 1),
    "1.5_referral_agreements": (24, 11, 6, 3),
    "1.6_overall_concept": (25, 9, 6, 4),
    "1.6_measure_links": (27, 7, 6, 4),
    "1.6_quality_assurance": (11, 13, 12, 8),
    "1.6_offer_needs_analyses": (42, 2, 0, 0),
    "1.7_needs_survey": (41, 3, 0, 0),
    "1.7_lifeworld_concepts": (20, 6, 12, 6),
    "1.7_empowerment_events": (18, 5, 10, 11),
    "1.7_participation": (17, 5, 14, 8),
}
# item → thm_alone, thm_shared, partners, not said (over implemented + in planning)
RESPONSIBILITY = {
    "2020-06": {"1.6_offer_needs_analyses": (19, 20, 7, 1), "1.7_needs_survey": (33, 8, 5, 1)},
    "2020-12": {"1.6_offer_needs_analyses": (15, 22, 6, 1), "1.7_needs_survey": (29, 10, 4, 1)},
}
# the published percentages: (item, status) → percent of the municipalities answering the item
PUBLISHED = {
    ("1.1_abh_cooperation", "implemented"): 57,
    ("1.1_abh_cooperation", "in_planning"): 21,
    ("1.6_measure_links", "implemented"): 49,
    ("1.6_measure_links", "in_planning"): 20,
    ("1.6_quality_assurance", "implemented"): 16,
    ("1.6_quality_assurance", "in_planning"): 24,
    ("1.7_lifeworld_concepts", "implemented"): 39,
    ("1.7_lifeworld_concepts", "in_planning"): 9,
    ("1.7_empowerment_events", "implemented"): 33,
    ("1.7_participation", "implemented"): 30,
    ("1.7_participation", "in_planning"): 11,
}
ORDER = ["no", "not_planned_useful", "in_planning", "implemented"]


def read_checklist(path: Path) -> pl.DataFrame:
    """One checklist in whatever dialect: lower-case headers, status as its code."""
    frame = read_text_table(path)
    return frame.with_columns(
        pl.col("status").str.strip_chars().str.to_lowercase().replace_strict(STATUS),
        pl.col("responsibility").cast(pl.String),
    )


def answers(root: Path, wave: str) -> pl.DataFrame:
    files = sorted((root / "landing").glob(f"*/process_checklist/{wave}.*"))
    return pl.concat(
        [read_checklist(p).with_columns(pl.lit(p.parts[-3]).alias("municipality_id")) for p in files],
        how="diagonal_relaxed",
    )


def status_counts(frame: pl.DataFrame) -> dict[str, tuple[int, ...]]:
    out = {}
    for item in COUNTS_2020_06:
        rows = frame.filter(pl.col("item_id") == item)["status"].to_list()
        out[item] = tuple(rows.count(s) for s in ("implemented", "in_planning", "not_planned_useful", "no"))
    return out


def responsibility_counts(frame: pl.DataFrame, item: str) -> tuple[int, ...]:
    rows = frame.filter((pl.col("item_id") == item) & pl.col("status").is_in(["implemented", "in_planning"]))
    said = rows["responsibility"].to_list()
    return (*(said.count(c) for c in ("thm_alone", "thm_shared", "partners")), said.count(None))


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo_process") / "data"
    generate(out, seed=5, scale=0.1, months=1, end_month="2025-06")
    return out


def test_registries_name_47_municipalities_and_the_seeds_checklist(demo):
    towns = pl.read_csv(demo / "reference" / "municipalities.csv", try_parse_dates=True)
    projects = pl.read_csv(demo / "reference" / "projects.csv")
    assert tuple(towns.columns) == MUNICIPALITY_COLUMNS and towns.height == 47
    assert towns["municipality_id"].is_unique().all()
    assert towns["municipality_id"].str.contains(r"^[A-Z0-9-]{3,32}$").all()
    taken = set(projects["project_id"]) | set(projects["jobcenter_id"])
    assert not taken & set(towns["municipality_id"])
    assert set(towns["kind"]) == {"city", "district"} and towns["region"].n_unique() == 5
    assert towns["joined_on"].max() <= date(2020, 6, 30)
    catalogue = pl.read_csv(demo / "reference" / "checklist_items.csv", infer_schema_length=0)
    assert catalogue["item_id"].to_list() == list(COUNTS_2020_06)  # the seed's order
    assert catalogue["section"].unique(maintain_order=True).to_list() == [f"1.{i}" for i in range(1, 8)]
    assert catalogue.filter(pl.col("asks_responsibility") == "true")["item_id"].to_list() == [
        "1.6_offer_needs_analyses",
        "1.7_needs_survey",
    ]
    registry = read_registry(demo / "reference" / "projects.csv")  # the intake's own rules
    assert registry.municipalities.height == 47 and registry.checklist_items.height == 14


def test_the_2020_06_wave_reproduces_the_seeds_figures(demo):
    wave = answers(demo, "2020-06")
    assert wave["municipality_id"].n_unique() == 47  # "47 Arbeitshilfen"
    counts = status_counts(wave)
    assert counts == COUNTS_2020_06
    for (item, status), percent in PUBLISHED.items():
        answering = sum(counts[item])
        share = counts[item][("implemented", "in_planning").index(status)] / answering
        assert round(share * 100) == percent, (item, status, share)
    assert counts["1.1_bkg_meetings"][0] == 40 and sum(counts["1.1_bkg_meetings"]) == 47
    for item, expected in RESPONSIBILITY["2020-06"].items():
        assert responsibility_counts(wave, item) == expected
    alone, shared, _, _ = RESPONSIBILITY["2020-06"]["1.6_offer_needs_analyses"]
    assert round((alone + shared) / 47 * 100) == 83 and 0.45 < alone / (alone + shared) < 0.5
    alone, shared, _, _ = RESPONSIBILITY["2020-06"]["1.7_needs_survey"]
    assert round((alone + shared) / 47 * 100) == 87 and alone / (alone + shared) > 0.75
    # no responsibility where the item does not ask it; notes are short, never on every row
    asks = ["1.6_offer_needs_analyses", "1.7_needs_survey"]
    assert wave.filter(~pl.col("item_id").is_in(asks))["responsibility"].null_count() == wave.height - 94
    assert 0 < wave["note"].drop_nulls().len() < wave.height // 5


def test_the_2020_12_wave_moves_forward_without_three_municipalities(demo):
    first, second = answers(demo, "2020-06"), answers(demo, "2020-12")
    silent = set(first["municipality_id"]) - set(second["municipality_id"])
    assert len(silent) == 3 and second["municipality_id"].n_unique() == 44
    assert status_counts(second) == COUNTS_2020_12
    for item, expected in RESPONSIBILITY["2020-12"].items():
        assert responsibility_counts(second, item) == expected
    both = first.join(second, on=["municipality_id", "item_id"], suffix="_12")
    rank = {s: i for i, s in enumerate(ORDER)}
    # no one falls back
    assert all(rank[b] >= rank[a] for a, b in both.select("status", "status_12").iter_rows())
    moved = both.filter(pl.col("status") != pl.col("status_12"))
    # hand count: sum of the table's to_implemented + to_planning over the 14 items
    assert moved.height == (4 + 5 + 4 + 5 + 4 + 6 + 5 + 5 + 4 + 3 + 4 + 2 + 3 + 3) + (
        1 + 2 + 5 + 2 + 3 + 3 + 2 + 2 + 4 + 0 + 0 + 4 + 3 + 3
    )


def test_one_file_of_every_dialect_passes_the_intake(demo):
    registry = read_registry(demo / "reference" / "projects.csv")
    files = sorted((demo / "landing").glob("*/process_checklist/*.*"))
    assert {p.suffix for p in files} == {".csv", ".xlsx"}
    heads = {p.read_bytes()[:12] for p in files if p.suffix == ".csv"}
    assert heads == {b"item_id,stat", b"Item_ID;Stat", b"\xef\xbb\xbfitem_id;s"}
    samples = {}
    for path in files:
        key = (path.stem, path.suffix, path.read_bytes()[:12])
        samples.setdefault(key, path)
    short = next(p for p in files if p.stem == "2020-06" and read_checklist(p).height < 14)
    for path in [*samples.values(), short]:
        result = check_file(path, path.parts[-3], "process_checklist", path.stem, registry)
        assert result.ok, (path, result.summary_en)
    warned = check_file(short, short.parts[-3], "process_checklist", "2020-06", registry)
    assert "items_not_answered" in warned.findings["rule"].to_list()


def test_same_seed_same_bytes_another_seed_other_municipalities_same_counts(tmp_path):
    def folder(name: str, seed: int) -> dict[str, bytes]:
        write_process(tmp_path / name, seed)
        root = tmp_path / name
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    first, again, other = folder("a", 3), folder("b", 3), folder("c", 4)
    assert first == again and first != other
    for name in ("a", "c"):
        assert status_counts(answers(tmp_path / name, "2020-06")) == COUNTS_2020_06
        assert status_counts(answers(tmp_path / name, "2020-12")) == COUNTS_2020_12


def test_process_false_writes_no_process_monitoring(tmp_path):
    summary = generate(tmp_path, seed=1, scale=0.1, months=1, process=False)
    assert not (tmp_path / "reference" / "municipalities.csv").exists()
    assert not list((tmp_path / "landing").glob("*/process_checklist"))
    assert summary.municipalities == 0 and summary.providers == 18
    again = generate(tmp_path, seed=1, scale=0.1, months=1, overwrite=True)  # now with process
    assert again.municipalities == 47 and again.providers == 65
    assert again.files == summary.files + 47 + 44
