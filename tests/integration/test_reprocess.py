"""Cut-off exports follow corrections; ``esf-monitor reprocess`` / UI backfills re-load the archive.

One story on the hand-calculation fixture (tests/fixtures/handcalc), sharing its two refreshes
(each a full dbt build, the expensive part):

1. the original run;
2. a corrected JC-HC target_population file for 2024-05 arrives and is ingested (Nordstadt,
   women_foreign_background: 101 → 105). 2024-05 ≤ the SFC cut-off 2024-06, so the next
   refresh must rewrite the 2024-06 exports with the new figures (and 2024-07: 12-month window);
3. the warehouse is then damaged (as a loading bug fixed later would leave it), the landing
   folder stops matching the archive, and ``reprocess`` must restore exactly the archive's
   state — twice in a row the same, limited to the selected months / provider / type.

Hand-computed reach (docs/indicators.md: participants of the target group with first entry in
the 12-month window ÷ mean monthly target-population stock over the window's delivered months):
HC-ALPHA at 2024-06: 2 ÷ mean(101, 104) = 2/102.5 before, 2 ÷ mean(105, 104) = 2/104.5 after;
at 2024-05 (all_months only) the denominator goes from 101 to 105;
at 2024-07: 2 ÷ mean(105, 104, 108) = 2/(317/3). Programme (ALL): 2024-06 (2 + 2) ÷ (104.5 +
50.5) = 4/155; 2024-07 (2 + 1) ÷ (317/3 + 155/3) = 9/472 (HC-BETA's figures are unchanged:
tests/integration/test_handcalc.py).
"""

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from pipeline_harness import processed_copy
from typer.testing import CliRunner

from esf_monitor import store
from esf_monitor.paths import DataDir
from orchestration.cli import app
from orchestration.driver import archived_slots, reprocess
from orchestration.planning import scan_landing

HANDCALC = Path(__file__).parents[1] / "fixtures" / "handcalc"
TP_0524 = Path("landing") / "JC-HC" / "target_population" / "2024-05.csv"
TABLES = ("participants", "followup", "target_population")


def export_files(exports: Path) -> dict[str, bytes]:
    return {str(p.relative_to(exports)): p.read_bytes() for p in sorted(exports.rglob("*.csv"))}


def raw_state(dd: DataDir) -> dict[str, list[tuple]]:
    """Every raw table's rows, sorted, without ``_loaded_at`` (the one column that says when)."""
    out = {}
    with duckdb.connect(str(dd.warehouse), read_only=True) as con:
        for table in TABLES:
            cols = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = 'raw' "
                    "and table_name = ? and column_name <> '_loaded_at' order by ordinal_position",
                    [table],
                ).fetchall()
            ]
            out[table] = sorted(
                con.execute(f"select {', '.join(cols)} from raw.{table}").fetchall(), key=repr
            )
    return out


def versions_files(dd: DataDir) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(dd.archive.rglob(store.VERSIONS_FILE))}


def tamper(dd: DataDir, *statements: str) -> None:
    with duckdb.connect(str(dd.warehouse)) as con:
        for sql in statements:
            con.execute(sql)


def count_rows(dd: DataDir, table: str, provider: str, month: str) -> int:
    with duckdb.connect(str(dd.warehouse), read_only=True) as con:
        return con.execute(
            f"select count(*) from raw.{table} where _provider_id = ? and _reporting_month = ?",
            [provider, month],
        ).fetchone()[0]


def tp_count(dd: DataDir, month: str) -> int:
    with duckdb.connect(str(dd.warehouse), read_only=True) as con:
        return con.execute(
            "select count from raw.target_population where _provider_id = 'JC-HC' and "
            "_reporting_month = ? and district = 'Nordstadt' and "
            "target_group = 'women_foreign_background'",
            [month],
        ).fetchone()[0]


def reach_rows(exports: Path, cutoff: str) -> dict[str, tuple[str, float]]:
    frame = pl.read_csv(exports / cutoff / "indicators.csv", infer_schema=False).filter(
        pl.col("indicator") == "reach_rate_12m"
    )
    return {r["project_id"]: (r["numerator"], float(r["denominator"])) for r in frame.iter_rows(named=True)}


def ingest_like_the_sensor(dd: DataDir, key: str) -> None:
    """One ingest run for one slot, as the landing sensor requests it under the daemon."""
    from orchestration.definitions import defs
    from orchestration.driver import QUIET, prepare_instance

    result = defs.resolve_job_def(f"ingest_{key.split('|')[1]}").execute_in_process(
        instance=prepare_instance(dd), partition_key=key, run_config=QUIET
    )
    assert result.success


def changed_lines(before: bytes, after: bytes) -> set[str]:
    return set(before.decode().splitlines()) ^ set(after.decode().splitlines())


@pytest.fixture(scope="module")
def story(tmp_path_factory, handcalc_processed):
    """Original run → correction ingested → warehouse damaged → ``reprocess`` of 2024-05…06.

    The original run is the session's processed fixture (tests/integration/conftest.py), so one
    refresh here, the reprocess's: a dbt build is the expensive step. Under the daemon the correction's ingest run is followed by a refresh of its own; here
    the reprocess's refresh is that refresh, and its exports must show the correction AND
    nothing of the damage.
    """
    root = tmp_path_factory.mktemp("reprocess") / "data"
    processed_copy(handcalc_processed, root)  # the fixture after one `esf-monitor run`
    dd = DataDir(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ESF_DATA_DIR", str(root))
        mp.setenv("DAGSTER_HOME", str(dd.dagster_home))
        exports = dd.exports
        original = export_files(exports)
        # the correction for 2024-05 arrives and is ingested
        path = root / TP_0524
        path.write_text(
            path.read_text(encoding="utf-8").replace(
                "Nordstadt,women_foreign_background,101", "Nordstadt,women_foreign_background,105"
            ),
            encoding="utf-8",
        )
        ingest_like_the_sensor(dd, "JC-HC|target_population|2024-05")
        corrected_raw, versions = raw_state(dd), versions_files(dd)
        # The landing folder stops mirroring the archive: the corrected file is moved away, and
        # a new, not yet processed file waits for 2024-06. Reprocessing must use neither.
        path.unlink()
        waiting = dd.landing / "HC-ALPHA" / "participants" / "2024-06.csv"
        lines = waiting.read_text(encoding="utf-8").splitlines()
        waiting.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
        # A loading bug, fixed since, left rows missing and an old value in the range
        tamper(
            dd,
            "delete from raw.participants where _provider_id = 'HC-BETA' and _reporting_month = '2024-06'",
            "update raw.target_population set count = 101 where _provider_id = 'JC-HC' and "
            "_reporting_month = '2024-05' and district = 'Nordstadt' and "
            "target_group = 'women_foreign_background'",
        )
        report = reprocess(dd, month_from="2024-05", month_to="2024-06")
        yield {
            "dd": dd,
            "original": original,
            "after": export_files(exports),
            "report": report,
            "corrected_raw": corrected_raw,
            "raw_after": raw_state(dd),
            "versions": versions,
            "waiting": waiting,
        }


def test_a_correction_for_a_month_before_the_cutoff_rewrites_that_cutoffs_exports(story):
    dd, before, after = story["dd"], story["original"], story["after"]
    assert reach_rows(dd.exports, "2024-06") == {
        "HC-ALPHA": ("2", 104.5),
        "HC-BETA": ("2", 50.5),
        "ALL": ("4", 155.0),
    }
    assert reach_rows(dd.exports, "2024-07")["HC-ALPHA"] == ("2", pytest.approx(317 / 3))
    rows = pl.read_csv(dd.exports / "2024-07" / "indicators.csv", infer_schema=False).filter(
        (pl.col("indicator") == "reach_rate_12m") & (pl.col("project_id") == "ALL")
    )
    assert float(rows["value"][0]) == pytest.approx(9 / 472)
    # exactly the figures that depend on the corrected cell changed, nothing else: the damage
    # (HC-BETA's lost June rows) left no trace after the reprocess
    assert set(after) == set(before)
    for name in before:
        changed = changed_lines(before[name], after[name])
        if name.endswith("indicators.csv") and not name.endswith("common_indicators.csv"):
            # per cut-off (2024-06, 2024-07) and all months (2024-05 … 2024-07)
            assert {tuple(line.split(",")[1:3]) for line in changed} == {
                ("HC-ALPHA", "reach_rate_12m"),
                ("ALL", "reach_rate_12m"),
            }, name
        elif name.endswith("all_months/delivery_status.csv"):  # exact and public release alike
            # the slot now has two accepted versions: "corrected"
            assert {tuple(line.split(",")[:4]) for line in changed} == {
                ("JC-HC", "jobcenter", "target_population", "2024-05")
            }
            assert any(",corrected," in line for line in changed)
        else:
            assert not changed, name


def test_reprocess_reloads_the_archive_idempotently_within_its_selection(story):
    dd, report = story["dd"], story["report"]
    assert report.ok and report.refreshed
    slots = [
        f"{p}|{t}|{m}"
        for m in ("2024-05", "2024-06")
        for p, t in (
            ("HC-ALPHA", "participants"),
            ("HC-BETA", "participants"),
            ("JC-HC", "followup"),
            ("JC-HC", "target_population"),
        )
    ]
    assert sorted(report.slots) == sorted(slots)
    assert report.outcomes == {key: "accepted" for key in slots}
    # the warehouse is back where the archive says, byte for byte (the correction included)
    assert story["raw_after"] == story["corrected_raw"]
    assert tp_count(dd, "2024-05") == 105  # the newest ACCEPTED version: the correction
    with duckdb.connect(str(dd.warehouse), read_only=True) as con:
        [(sha,)] = con.execute(
            "select distinct _file_sha256 from raw.participants where "
            "_provider_id = 'HC-ALPHA' and _reporting_month = '2024-06'"
        ).fetchall()
    assert sha == store.read_versions(dd, "HC-ALPHA", "participants", "2024-06")[-1].sha256
    assert sha != store.sha256_of(story["waiting"])  # the waiting landing file was not read…
    assert [f.key for f in scan_landing(dd).pending] == ["HC-ALPHA|participants|2024-06"]  # …nor consumed
    assert versions_files(dd) == story["versions"]  # a re-run is no delivery

    # twice in a row: nothing changes
    again = reprocess(dd, month_from="2024-05", month_to="2024-06", refresh=False)
    assert again.outcomes == report.outcomes and not again.refreshed
    assert raw_state(dd) == story["corrected_raw"]
    assert versions_files(dd) == story["versions"]

    # one provider only (CLI): HC-ALPHA's July comes back, the jobcenter's July does not
    tamper(
        dd,
        "delete from raw.participants where _provider_id = 'HC-ALPHA' and _reporting_month = '2024-07'",
        "delete from raw.followup where _reporting_month = '2024-07'",
    )
    result = CliRunner().invoke(
        app, ["reprocess", "--provider", "HC-ALPHA", "--no-refresh"], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    assert "neu geladen / reloaded: 3" in result.output  # 2024-05, -06, -07
    assert count_rows(dd, "participants", "HC-ALPHA", "2024-07") == 9
    assert count_rows(dd, "followup", "JC-HC", "2024-07") == 0
    # one extract type from a month on
    result = CliRunner().invoke(
        app, ["reprocess", "--type", "followup", "--from", "2024-07", "--no-refresh"], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    assert "JC-HC|followup|2024-07" in result.output and "reloaded: 1" in result.output
    assert raw_state(dd) == story["corrected_raw"]
    assert export_files(dd.exports) == story["after"]  # --no-refresh: exports untouched


def test_a_ui_backfill_reloads_from_the_archive_and_a_manual_materialisation_too(story):
    from orchestration.definitions import defs
    from orchestration.driver import QUIET, prepare_instance

    dd = story["dd"]
    instance = prepare_instance(dd)
    job = defs.resolve_job_def("ingest_participants")
    slot = "HC-BETA|participants|2024-05"
    landing = dd.landing / "HC-BETA" / "participants" / "2024-05.csv"
    archived = store.read_versions(dd, *store.split_partition_key(slot))[-1]

    # a backfill (tag set by Dagster) while a different, unprocessed file waits in landing/
    tamper(dd, "delete from raw.participants where _provider_id = 'HC-BETA' and _reporting_month = '2024-05'")
    lines = landing.read_text(encoding="utf-8").splitlines()
    landing.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    result = job.execute_in_process(
        instance=instance, partition_key=slot, run_config=QUIET, tags={"dagster/backfill": "test"}
    )
    assert result.success
    assert count_rows(dd, "participants", "HC-BETA", "2024-05") == len(lines) - 1  # all rows
    assert store.read_versions(dd, *store.split_partition_key(slot))[-1] == archived
    landing.write_text("\n".join(lines) + "\n", encoding="utf-8")  # back to the archived bytes

    # "Materialize" of one already processed slot in the UI (no backfill tag) re-loads it too
    tamper(dd, "delete from raw.participants where _provider_id = 'HC-BETA' and _reporting_month = '2024-05'")
    result = job.execute_in_process(instance=instance, partition_key=slot, run_config=QUIET)
    assert result.success
    assert count_rows(dd, "participants", "HC-BETA", "2024-05") == len(lines) - 1
    [mat] = result.get_asset_materialization_events()
    assert mat.event_specific_data.materialization.partition == slot
    assert mat.event_specific_data.materialization.metadata["status"].value == "accepted"


def test_reprocess_selects_from_the_archive_and_rejects_bad_options(story):
    dd = story["dd"]
    assert archived_slots(dd, provider="JC-HC", extract_type="followup", month_from="2024-06") == [
        "JC-HC|followup|2024-06",
        "JC-HC|followup|2024-07",
    ]
    result = CliRunner().invoke(app, ["reprocess", "--from", "2024-13"])
    assert result.exit_code == 2 and "JJJJ-MM" in result.output
    result = CliRunner().invoke(app, ["reprocess", "--type", "payments"])
    assert result.exit_code == 2
    result = CliRunner().invoke(app, ["reprocess", "--provider", "NOBODY", "--no-refresh"])
    assert result.exit_code == 1 and "no archived deliveries" in result.output


def test_reload_slot_keeps_the_delivery_log_and_the_rows_whatever_the_rules_now_say(data_dir):
    """The body of a re-run, without Dagster: what happens to one slot."""
    from esf_monitor.ingest import NoSourceFile, ingest_slot, reload_slot
    from esf_monitor.intake import read_registry

    dd = DataDir(data_dir)
    (data_dir / "reference").mkdir()
    shutil.copyfile(HANDCALC / "reference" / "projects.csv", dd.registry_csv)
    registry = read_registry(dd.registry_csv)
    landing = dd.landing / "HC-BETA" / "participants" / "2024-06.csv"
    landing.parent.mkdir(parents=True)
    shutil.copyfile(HANDCALC / "landing" / "HC-BETA" / "participants" / "2024-06.csv", landing)
    first = ingest_slot(dd, "HC-BETA", "participants", "2024-06", registry)
    assert first.accepted and first.record.row_count == 4
    landing.unlink()  # moved away: the archive still has it
    log = versions_files(dd)

    again = reload_slot(dd, "HC-BETA", "participants", "2024-06", registry)
    assert again.accepted and again.record.row_count == 4
    assert again.record.sha256 == first.record.sha256
    assert versions_files(dd) == log  # no new "delivery"

    # rules that now reject the file (here: the project left the registry): rows stay, the
    # outcome says rejected and the report lands in quarantine
    now_unknown = registry.filter(pl.col("project_id") != "HC-BETA")
    rejected = reload_slot(dd, "HC-BETA", "participants", "2024-06", now_unknown)
    assert rejected.record.status == "rejected"
    report = Path(rejected.record.quarantine_path)
    assert "unknown_provider" in report.with_name(report.name + ".errors.csv").read_text(encoding="utf-8-sig")
    assert count_rows(dd, "participants", "HC-BETA", "2024-06") == 4
    assert versions_files(dd) == log

    # nothing accepted → nothing to re-load
    store.append_version(
        dd,
        store.VersionRecord(
            provider_id="HC-ALPHA",
            extract_type="participants",
            reporting_month="2024-06",
            sha256="0" * 64,
            file_name="2024-06.csv",
            arrived_at="2024-07-05T08:00:00Z",
            status="rejected",
        ),
    )
    assert reload_slot(dd, "HC-ALPHA", "participants", "2024-06", registry) is None

    # a damaged archive fails loudly instead of loading other bytes
    archived = next((dd.archive / "HC-BETA" / "participants" / "2024-06").glob("*.csv"))
    archived.write_bytes(archived.read_bytes().replace(b"HC-BETA", b"HC-BETX", 1))
    with pytest.raises(NoSourceFile, match="beschädigt / archived file missing or damaged"):
        reload_slot(dd, "HC-BETA", "participants", "2024-06", registry)
