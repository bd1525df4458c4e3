"""The demo generator writes a complete, valid, realistic and reproducible data folder.

Files are read here with polars directly (not with esf_monitor.intake), so the generator is
checked against the contract itself, independently of the intake code.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
from fixtures.dialects import read_text_table

from esf_monitor.demo.generator import generate
from schemas.codes import (
    ACCESS_CHANNEL,
    CORE_FIELDS,
    EMPLOYMENT_STATUS,
    EXIT_REASON,
    FOLLOWUP_COLUMNS,
    GENDER,
    NATIONALITY,
    PARTICIPANTS_COLUMNS,
    PROVIDER_KIND_EXTRACTS,
    REGISTRY_COLUMNS,
    STATUS_6M,
    STATUS_UPON_LEAVING,
    TARGET_GROUP,
    TARGET_POPULATION_COLUMNS,
    YES_NO_UNKNOWN,
)

WINDOW = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
LANDING_PATH = re.compile(
    r"landing/([A-Z0-9-]{3,32})/(participants|followup|target_population|process_checklist)/"
    r"(\d{4}-\d{2})\.(csv|xlsx)"
)
PROCESS_WAVES = ["2020-06", "2020-12"]  # fixed, whatever the window (tests/unit/test_demo_process.py)
PSEUDONYM = re.compile(r"[A-Za-z0-9_-]{8,64}")
INTEGRATED = ("employed_sv", "self_employed", "vocational_training")
BOOLEANS = {
    "true": True,
    "false": False,
    "ja": True,
    "nein": False,
    "1": True,
    "0": False,
    "yes": True,
    "no": False,
}
CODES = {
    "gender": GENDER,
    "employment_status": EMPLOYMENT_STATUS,
    "disability": YES_NO_UNKNOWN,
    "nationality": NATIONALITY,
    "foreign_background": YES_NO_UNKNOWN,
    "minority": YES_NO_UNKNOWN,
    "homeless": YES_NO_UNKNOWN,
    "rural": YES_NO_UNKNOWN,
    "access_channel": ACCESS_CHANNEL,
    "exit_reason": EXIT_REASON,
    "status_upon_leaving": STATUS_UPON_LEAVING,
    "status_6m": STATUS_6M,
    "benefit_receipt_6m": YES_NO_UNKNOWN,
    "target_group": TARGET_GROUP,
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The default demo folder (scale 1, 2024-01 .. 2025-12) and the generator's summary."""
    out = tmp_path_factory.mktemp("demo") / "data"
    return out, generate(out, seed=42, scale=1.0)


@pytest.fixture(scope="module")
def demo(generated) -> Path:
    return generated[0]


@pytest.fixture(scope="module")
def registry(demo) -> pl.DataFrame:
    return pl.read_csv(demo / "reference" / "projects.csv", try_parse_dates=True)


def read_extract(path: Path) -> pl.DataFrame:
    """Read one file in whatever dialect it came in: lower-case headers, typed dates, ints, booleans."""
    frame = read_text_table(path)
    typed = []
    for column in frame.columns:
        value = pl.col(column).cast(pl.String).str.strip_chars()
        if column.endswith("_date"):
            value = pl.coalesce(
                value.str.to_date("%Y-%m-%d", strict=False),
                value.str.to_date("%d.%m.%Y", strict=False),
                value.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False),
            )
        elif column in ("birth_year", "isced", "children_under_18", "count"):
            value = value.cast(pl.Float64).cast(pl.Int64)
        elif column in ("single_parent", "qualification_gained"):
            value = value.str.to_lowercase().replace_strict(BOOLEANS, default=None, return_dtype=pl.Boolean)
        typed.append(value.alias(column))
    return frame.select(typed)


def landing_files(root: Path, provider: str | None = None, extract: str = "*") -> list[Path]:
    return sorted((root / "landing").glob(f"{provider or '*'}/{extract}/*.*"))


def snapshots(root: Path, project_id: str) -> dict[str, pl.DataFrame]:
    return {p.stem: read_extract(p) for p in landing_files(root, project_id, "participants")}


def latest(root: Path, project_id: str) -> pl.DataFrame:
    return read_extract(landing_files(root, project_id, "participants")[-1])


def integrated_share(frames: list[pl.DataFrame]) -> float:
    leavers = pl.concat(frames).filter(pl.col("exit_date").is_not_null())
    return leavers["status_upon_leaving"].is_in(INTEGRATED).mean()


def assert_codes(frame: pl.DataFrame, where: str) -> None:
    for column, codes in CODES.items():
        if column in frame.columns:
            bad = frame.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(codes))
            assert bad.is_empty(), (where, column, bad[column].unique().to_list())


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path):
    def folder(name: str, seed: int) -> dict[str, bytes]:
        out = tmp_path / name
        generate(out, seed=seed, scale=0.3, months=3, end_month="2025-06")
        return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    first, again, other = folder("a", 7), folder("b", 7), folder("c", 8)
    assert any(name.endswith(".xlsx") for name in first)
    assert first == again
    changed = [n for n in first if n in other and first[n] != other[n] and "/participants/" in n]
    assert len(changed) >= len([n for n in first if "/participants/" in n]) - 1


def test_paths_providers_and_registry(demo, registry):
    assert tuple(registry.columns) == REGISTRY_COLUMNS
    assert registry["project_id"].is_unique().all()
    assert registry["project_id"].str.contains(r"^[A-Z0-9-]{3,32}$").all()
    assert set(registry["category_of_region"]) >= {"more_developed", "transition"}
    municipalities = pl.read_csv(demo / "reference" / "municipalities.csv")["municipality_id"]
    kinds = (
        {p: "project" for p in registry["project_id"]}
        | {j: "jobcenter" for j in registry["jobcenter_id"]}
        | {m: "municipality" for m in municipalities}
    )
    assert len(kinds) == 10 + 8 + 47  # ids unique across the registries
    files = [p for p in (demo / "landing").rglob("*") if p.is_file()]
    assert len(files) > 300
    for path in files:
        match = LANDING_PATH.fullmatch(path.relative_to(demo).as_posix())
        assert match, path
        provider, extract, month, _ = match.groups()
        assert extract in PROVIDER_KIND_EXTRACTS[kinds[provider]], path
        assert month in (PROCESS_WAVES if extract == "process_checklist" else WINDOW)
    checklists = [p for p in files if p.parent.name == "process_checklist"]
    assert len(checklists) == 47 + 44


def test_every_export_dialect_is_present(demo):
    csv = {p: p.read_bytes() for p in landing_files(demo, extract="participants") if p.suffix == ".csv"}
    cp1252 = [p for p, b in csv.items() if b"M\xfcmmelmannsberg" in b]  # ü as one Windows-1252 byte
    assert cp1252, "no Windows-1252 participants file with an umlaut"
    german = csv[cp1252[0]]
    with pytest.raises(UnicodeDecodeError):
        german.decode("utf-8")
    assert german.startswith(b"Participant_ID;") and b"\r\n" in german
    assert re.search(rb";\d{2}\.\d{2}\.\d{4};", german) and b";ja;" in german and b";nein;" in german
    assert any(
        b.startswith(b"\xef\xbb\xbfparticipant_id;") and b";1;" in b and b";0;" in b for b in csv.values()
    )
    assert any(
        b.startswith(b"participant_id,") and b",true," in b and re.search(rb",\d{4}-\d{2}-\d{2},", b)
        for b in csv.values()
    )
    xlsx = [p for p in landing_files(demo, extract="participants") if p.suffix == ".xlsx"]
    assert xlsx and xlsx[0].read_bytes()[:2] == b"PK"
    assert pl.read_excel(xlsx[-1]).schema["entry_date"] in (pl.Date, pl.Datetime)  # real date cells
    jobcenter_csv = [p.read_bytes() for p in landing_files(demo, extract="target_population")]
    assert any("Mümmelmannsberg".encode("cp1252") in b for b in jobcenter_csv)


def test_participant_files_follow_the_contract(demo, registry):
    runs = {r["project_id"]: (r["start_date"], r["end_date"]) for r in registry.iter_rows(named=True)}
    incomplete = 0
    for path in landing_files(demo, extract="participants"):
        project_id, month = path.parts[-3], path.stem
        frame = read_extract(path)
        month_end = pl.Series([f"{month}-01"]).str.to_date().dt.month_end()[0]
        start, end = runs[project_id]
        where = str(path)
        assert tuple(frame.columns) == PARTICIPANTS_COLUMNS, where
        assert (frame["project_id"] == project_id).all(), where
        assert frame["participant_id"].str.contains(PSEUDONYM.pattern).all(), where
        assert frame.select("participant_id", "entry_date").is_unique().all(), where
        assert frame["entry_date"].is_between(start, min(end, month_end)).all(), where
        exits = frame.filter(pl.col("exit_date").is_not_null())
        assert (exits["exit_date"] >= exits["entry_date"]).all() and (
            exits["exit_date"] <= min(end, month_end)
        ).all()
        assert (frame["exit_date"].is_null() == frame["exit_reason"].is_null()).all(), where
        age = frame["entry_date"].dt.year() - frame["birth_year"]
        assert age.drop_nulls().is_between(14, 70).all(), where
        assert frame["isced"].drop_nulls().is_between(0, 8).all(), where
        assert frame["children_under_18"].drop_nulls().is_between(0, 15).all(), where
        assert_codes(frame, where)
        ordered = frame.sort("participant_id", "entry_date").with_columns(
            pl.col("exit_date").shift().over("participant_id").alias("previous_exit"),
            pl.col("entry_date").cum_count().over("participant_id").alias("spell"),
        )
        later = ordered.filter(pl.col("spell") > 1)
        assert (
            later["previous_exit"].is_not_null() & (later["entry_date"] > later["previous_exit"])
        ).all(), where
        incomplete += frame.select(pl.any_horizontal(pl.col(CORE_FIELDS).is_null())).to_series().sum()
    assert incomplete > 0  # the deliberate warning "core data missing"


def test_jobcenter_files_follow_the_contract(demo, registry):
    projects_of = registry.group_by("jobcenter_id").agg("project_id", "district")
    for jobcenter_id, project_ids, districts in projects_of.iter_rows():
        for path in landing_files(demo, jobcenter_id, "followup"):
            frame = read_extract(path)
            assert tuple(frame.columns) == FOLLOWUP_COLUMNS and frame.height > 0
            assert frame["project_id"].is_in(project_ids).all()
            assert frame.select("participant_id", "project_id").is_unique().all()
            assert frame["exit_date"].null_count() == 0 and frame["status_6m"].null_count() == 0
            assert_codes(frame, str(path))
        population = landing_files(demo, jobcenter_id, "target_population")
        assert population
        for path in population:
            frame = read_extract(path)
            assert tuple(frame.columns) == TARGET_POPULATION_COLUMNS
            assert (frame["month"] == path.stem).all()
            assert frame.height == len(set(districts)) * len(TARGET_GROUP)
            assert set(frame["district"]) == set(districts)
            assert frame.select("district", "target_group").is_unique().all()
            assert (frame["count"] >= 0).all()
            assert_codes(frame, str(path))


def test_followup_names_the_last_exit_with_a_few_deliberate_mismatches(demo, registry):
    matched = mismatched = 0
    for jobcenter_id, project_ids in registry.group_by("jobcenter_id").agg("project_id").iter_rows():
        last_exit = (
            pl.concat(latest(demo, p) for p in project_ids)
            .group_by("project_id", "participant_id")
            .agg(pl.col("exit_date").max().alias("last_exit"))
        )
        for path in landing_files(demo, jobcenter_id, "followup"):
            rows = read_extract(path).join(last_exit, on=["project_id", "participant_id"], how="left")
            assert rows["last_exit"].null_count() == 0, path  # every row is about a real leaver
            same = rows["exit_date"] == rows["last_exit"]
            matched += same.sum()
            mismatched += (~same).sum()
            month_start = pl.Series([f"{path.stem}-01"]).str.to_date()[0]
            six_months = rows["last_exit"].dt.offset_by("6mo").dt.month_start()
            assert (six_months <= month_start).all(), path  # 6-month point in this month or earlier
            # ...and for the exit date as delivered too: a deliberate mismatch is an earlier date,
            # never one whose six-month point lies after the month (the intake rejects that file)
            year, month = map(int, path.stem.split("-"))
            month_end = dt.date(year, month, calendar.monthrange(year, month)[1])
            assert (rows["exit_date"].dt.offset_by("6mo") <= month_end).all(), path
    assert matched > 500
    assert 0 < mismatched < 0.05 * matched


def test_stark_im_beruf_reaches_mothers_with_a_migration_background(demo, registry):
    sib = registry.filter(pl.col("programme") == "Stark im Beruf")["project_id"].to_list()
    assert len(sib) >= 4
    frames = []
    for project_id in sib:
        frame = latest(demo, project_id)
        assert (frame["gender"] == "f").sum() >= 0.9 * frame.height, project_id
        assert (frame["foreign_background"] == "yes").mean() > 0.8, project_id
        frames.append(frame)
    assert 0.25 <= integrated_share(frames) <= 0.42
    assert (
        registry.filter(pl.col("project_id").is_in(sib))["target_group"] == "women_foreign_background"
    ).all()


def test_snapshots_are_cumulative_and_statuses_arrive_a_month_late(demo, registry):
    late_statuses = 0
    for project_id in registry["project_id"]:
        frames = snapshots(demo, project_id)
        months = sorted(frames)
        for month, following in zip(months, months[1:]):
            now, then = frames[month], frames[following]
            joined = now.join(then, on=["participant_id", "entry_date"], how="left", suffix="_next")
            assert joined["project_id_next"].null_count() == 0, (project_id, month)
            left = joined.filter(pl.col("exit_date").is_not_null())
            assert (left["exit_date"] == left["exit_date_next"]).all(), (project_id, month)
            late_statuses += left.filter(
                pl.col("status_upon_leaving").is_null() & pl.col("status_upon_leaving_next").is_not_null()
            ).height
    assert late_statuses > 10


def test_project_runs_and_realistic_imperfections(demo, registry):
    months = {p: [f.stem for f in landing_files(demo, p, "participants")] for p in registry["project_id"]}
    assert months["SIB-LG"][0] == "2024-09" and months["JCS-MUEMMELMANNSBERG"][-1] == "2025-06"
    assert months["SIB-MYK"] == WINDOW
    history = read_extract(landing_files(demo, "JCH-BILLSTEDT", "participants")[0])
    assert (history["entry_date"].dt.year() < 2024).sum() > 100  # earlier spells in the first file
    everyone = pl.concat(latest(demo, p) for p in registry["project_id"])
    ages = set((everyone["entry_date"].dt.year() - everyone["birth_year"]).drop_nulls().to_list())
    assert {17, 18, 29, 30, 54, 55} <= ages
    spells = everyone.group_by("project_id", "participant_id").len()
    assert spells.filter(pl.col("len") == 2).height >= 20  # re-entries
    assert (everyone["status_upon_leaving"] == "unknown").sum() > 20
    assert (everyone["gender"] == "m").sum() > 50  # Gemeinsam klappt's: young men too
    hamburg = everyone.filter(pl.col("project_id").str.starts_with("JC"))
    assert {"Mümmelmannsberg", "Billstedt", "Horn"} <= set(hamburg["district"])
    assert (hamburg["isced"] <= 2).mean() > 0.5


def test_wuppertal_population_of_single_parents(demo):
    files = landing_files(demo, "JC-WUP", "target_population")
    assert [p.stem for p in files] == WINDOW
    counts = pl.concat(read_extract(p) for p in files).filter(
        (pl.col("district") == "Wuppertal") & (pl.col("target_group") == "single_parents")
    )["count"]
    assert counts.len() == 24
    assert counts.is_between(4_000, 5_200).all()
    assert counts.n_unique() > 12  # it moves a little from month to month


def test_correction_fills_the_missing_core_data(demo):
    corrections = sorted((demo / "landing_corrections").rglob("*.*"))
    assert len(corrections) == 1
    corrected = read_extract(corrections[0])
    provider, extract = corrections[0].parts[-3:-1]
    original = read_extract(demo / "landing" / provider / extract / corrections[0].name)
    keys = ["participant_id", "entry_date"]
    assert corrected.select(keys).equals(original.select(keys))
    core_missing = [
        f.select(pl.any_horizontal(pl.col(CORE_FIELDS).is_null())).to_series().sum()
        for f in (original, corrected)
    ]
    assert core_missing[0] > 0 and core_missing[1] == 0
    others = [c for c in PARTICIPANTS_COLUMNS if c not in CORE_FIELDS]
    assert corrected.select(others).equals(original.select(others))


def test_summary_counts_what_was_written_and_scale_multiplies(generated, registry, tmp_path):
    demo, summary = generated
    files = landing_files(demo)
    # 10 projects + 8 jobcenters + 47 municipalities; files include the 47 + 44 checklists
    assert summary.files == len(files) and summary.projects == 10 and summary.providers == 65
    assert summary.municipalities == 47
    spells = sum(latest(demo, p).height for p in registry["project_id"])
    assert summary.spells_latest == spells and 2_000 <= spells <= 6_000
    assert summary.rows_total == sum(read_extract(p).height for p in files)
    single = generate(tmp_path / "single", seed=3, scale=1.0, months=1, end_month="2025-06")
    double = generate(tmp_path / "double", seed=3, scale=2.0, months=1, end_month="2025-06")
    assert 1.8 * single.spells_latest <= double.spells_latest <= 2.2 * single.spells_latest


def test_refuses_to_mix_with_existing_data_unless_asked(tmp_path):
    generate(tmp_path, seed=1, scale=0.2, months=2)
    with pytest.raises(FileExistsError, match="bereits Daten"):
        generate(tmp_path, seed=1, scale=0.2, months=2)
    generate(tmp_path, seed=1, scale=0.2, months=1, overwrite=True)
    assert {p.stem for p in landing_files(tmp_path)} == {"2025-12", *PROCESS_WAVES}
