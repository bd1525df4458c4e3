"""The two sensors, evaluated like the daemon would (Dagster University style: build a context, call the sensor).

Why these tests matter: under ``make ui`` the sensors are the only thing that turns an upload
into an ingest run. A file missed means an indicator computed from stale data; a file
requested twice means wasted runs; a cursor that grows with the folder means ticks that
get slower every month until the daemon times out.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import dagster as dg
import pytest

from esf_monitor import store
from esf_monitor.paths import DataDir
from esf_monitor.paths import data_dir as current_data_dir
from orchestration.assets.intake import registry
from orchestration.definitions import defs
from orchestration.resources import resources_for
from orchestration.sensors import landing_sensor, refresh_after_burst

HANDCALC = Path(__file__).parents[1] / "fixtures" / "handcalc"
SLOT = "HC-ALPHA|participants|2024-07"
PARTITIONS_DEF_NAME = {
    "participants": "participants_files",
    "followup": "followup_files",
    "target_population": "target_population_files",
}


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def dd(data_dir) -> DataDir:
    """A copy of the hand-calculation folder (11 valid uploads) as ESF_DATA_DIR."""
    shutil.copytree(HANDCALC, data_dir, dirs_exist_ok=True)
    return current_data_dir()


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as inst:
        yield inst


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def slot_of(path: Path, landing: Path) -> str:
    provider, extract_type, name = path.relative_to(landing).parts
    return f"{provider}|{extract_type}|{Path(name).stem}"


def landing_files(dd: DataDir) -> dict[str, Path]:
    return {slot_of(p, dd.landing): p for p in dd.landing.rglob("*") if p.is_file()}


def tick(instance, cursor: str | None = None) -> dg.SensorResult:
    """One evaluation of the landing sensor."""
    with dg.build_sensor_context(
        instance=instance, cursor=cursor, definitions=defs, resources=resources_for(current_data_dir().root)
    ) as context:
        result = landing_sensor(context)
    assert isinstance(result, dg.SensorResult)
    return result


def requested(result: dg.SensorResult) -> dict[str, dg.RunRequest]:
    """Single-file runs by their partition key."""
    return {r.partition_key: r for r in result.run_requests if r.partition_key}


def requested_checksums(result: dg.SensorResult) -> dict[str, str]:
    """Every slot the tick asked to ingest → the checksum it was asked for (plain and range runs)."""
    out: dict[str, str] = {}
    for r in result.run_requests:
        if r.partition_key:
            out[r.partition_key] = r.tags["esf/sha256"]
        else:
            out.update(json.loads(r.tags["esf/checksums"]))
    return out


def requested_file_count(result: dg.SensorResult) -> int:
    return sum(int(r.tags.get("esf/files", "1")) for r in result.run_requests)


def mark_processed(dd: DataDir, path: Path) -> None:
    """What an ingest run leaves behind: an accepted version record with the file's checksum."""
    provider, extract_type, month = slot_of(path, dd.landing).split("|")
    store.append_version(
        dd,
        store.VersionRecord(
            provider_id=provider,
            extract_type=extract_type,
            reporting_month=month,
            sha256=sha256(path),
            file_name=path.name,
            arrived_at=store.arrived_at(path),
            status="accepted",
        ),
    )


def drop_last_row(path: Path) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]))


def launch_like_daemon(
    instance, request: dg.RunRequest, result: dg.SensorResult | None = None
) -> dg.ExecuteInProcessResult:
    """Run a landing-sensor request the way the daemon launches it: the tick's partitions added
    first, then the same job with the same partition (or range) and run-key tags."""
    extract_type = request.job_name.removeprefix("ingest_").removeprefix("upload_")
    if result is not None:
        for add in result.dynamic_partitions_requests:
            instance.add_dynamic_partitions(add.partitions_def_name, add.partition_keys)
    else:
        instance.add_dynamic_partitions(PARTITIONS_DEF_NAME[extract_type], [request.partition_key])
    run = defs.resolve_job_def(request.job_name).execute_in_process(
        instance=instance,
        partition_key=request.partition_key,
        tags={**request.tags, "dagster/run_key": request.run_key, "dagster/sensor_name": "landing_sensor"},
    )
    assert run.success
    return run


# --- landing_sensor ----------------------------------------------------------------------------


def test_first_tick_requests_one_range_run_per_extract_type(dd, instance):
    files = landing_files(dd)
    assert len(files) == 11

    result = tick(instance)

    # a burst: every file of a type is a new neighbouring partition → one range run per type
    by_job = {r.job_name: r for r in result.run_requests}
    assert len(result.run_requests) == 3
    assert set(by_job) == {"ingest_participants", "ingest_followup", "ingest_target_population"}
    assert requested_checksums(result) == {key: sha256(path) for key, path in files.items()}
    added = {r.partitions_def_name: r.partition_keys for r in result.dynamic_partitions_requests}
    assert set(added) == {"participants_files", "followup_files", "target_population_files"}
    for name, keys in added.items():
        expected = {k for k in files if PARTITIONS_DEF_NAME[k.split("|")[1]] == name}
        assert sorted(keys) == sorted(expected)
        request = by_job["ingest_" + name.removesuffix("_files")]
        # the range runs from the first to the last partition added, in the order they are added
        assert request.partition_key is None
        assert request.tags["dagster/asset_partition_range_start"] == keys[0]
        assert request.tags["dagster/asset_partition_range_end"] == keys[-1]
        assert request.tags["esf/files"] == str(len(keys))
        # run key: range, file count and a digest of every "slot@sha256@v0"
        lines = "\n".join(f"{k}@{sha256(files[k])}@v0" for k in keys)
        digest = hashlib.sha256(lines.encode()).hexdigest()
        assert request.run_key == f"{keys[0]}..{keys[-1]}@{len(keys)}@{digest}"
    assert result.cursor is not None and int(result.cursor) > 0
    # the same bytes give the same run keys on every tick: Dagster refuses the repeats
    assert [r.run_key for r in tick(instance).run_requests] == [r.run_key for r in result.run_requests]


def test_a_range_run_ingests_every_file_of_the_burst(dd, instance):
    result = tick(instance)
    request = next(r for r in result.run_requests if r.job_name == "ingest_participants")
    slots = json.loads(request.tags["esf/checksums"])

    launch_like_daemon(instance, request, result)

    for key, sha in slots.items():
        versions = store.read_versions(dd, *store.split_partition_key(key))
        assert [(v.sha256, v.status) for v in versions] == [(sha, "accepted")]
    # and the other types are untouched by this run
    assert not store.read_versions(
        dd, *store.split_partition_key(next(k for k in landing_files(dd) if "|followup|" in k))
    )


def test_one_key_changed_in_the_middle_of_a_range_changes_the_range_run_key(dd, instance):
    first = tick(instance)
    path = landing_files(dd)[SLOT]
    drop_last_row(path)

    second = tick(instance)

    keys_first = {r.job_name: r.run_key for r in first.run_requests}
    keys_second = {r.job_name: r.run_key for r in second.run_requests}
    assert keys_second["ingest_participants"] != keys_first["ingest_participants"]
    assert keys_second["ingest_followup"] == keys_first["ingest_followup"]
    assert requested_checksums(second)[SLOT] == sha256(path)


def test_a_changed_old_slot_and_a_new_slot_are_not_neighbours_two_runs(dd, instance):
    first = tick(instance)
    for request in first.run_requests:
        launch_like_daemon(instance, request, first)
    changed = landing_files(dd)["HC-ALPHA|participants|2024-05"]  # first partition of the type
    drop_last_row(changed)
    new = dd.landing / "HC-ALPHA" / "participants" / "2024-08.csv"
    shutil.copyfile(landing_files(dd)[SLOT], new)

    result = tick(instance)

    # in partition order: 2024-05 … (the other participants slots, unchanged) … 2024-08 (new)
    assert {r.partition_key for r in result.run_requests} == {
        "HC-ALPHA|participants|2024-05",
        "HC-ALPHA|participants|2024-08",
    }
    assert requested_checksums(result) == {
        "HC-ALPHA|participants|2024-05": sha256(changed),
        "HC-ALPHA|participants|2024-08": sha256(new),
    }


def test_processed_files_are_not_requested_again_with_or_without_cursor(dd, instance):
    first = tick(instance)
    for path in landing_files(dd).values():
        mark_processed(dd, path)

    assert tick(instance, cursor=first.cursor).run_requests == []
    # a lost cursor (restart, sensor reset) re-reads every file, but known checksums stay quiet
    lost = tick(instance, cursor=None)
    assert lost.run_requests == [] and lost.dynamic_partitions_requests == []


def test_changed_bytes_request_exactly_one_run_with_the_new_checksum(dd, instance):
    first = tick(instance)
    for path in landing_files(dd).values():
        mark_processed(dd, path)
    path = landing_files(dd)[SLOT]
    old_sha = sha256(path)
    drop_last_row(path)

    result = tick(instance, cursor=first.cursor)

    assert [r.partition_key for r in result.run_requests] == [SLOT]
    assert result.run_requests[0].run_key == f"{SLOT}@{sha256(path)}@v1" != f"{SLOT}@{old_sha}@v0"
    # nothing else queued or running: the one upload carries its own refresh (one run, not two)
    assert result.run_requests[0].job_name == "upload_participants"


@pytest.mark.parametrize("status", [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTED])
def test_a_lone_file_while_another_run_is_active_is_a_plain_ingest_run(dd, instance, status):
    """A second upload during a running (or waiting) run belongs to that burst: ingest only,
    and refresh_after_burst rebuilds once after both."""
    first = tick(instance)
    for path in landing_files(dd).values():
        mark_processed(dd, path)
    instance.add_run(dg.DagsterRun(job_name="upload_followup", status=status))
    drop_last_row(landing_files(dd)[SLOT])

    result = tick(instance, cursor=first.cursor)

    assert [(r.job_name, r.partition_key) for r in result.run_requests] == [("ingest_participants", SLOT)]


def test_the_upload_job_is_the_slot_and_everything_downstream_with_the_marts_tests():
    from orchestration.jobs import dbt_tests_job, refresh_job, upload_jobs

    graph = defs.get_repository_def().asset_graph

    def selected(job):
        return set(job.selection.resolve(graph)), set(job.selection.resolve_checks(graph))

    upload_assets, upload_checks = selected(upload_jobs["participants"])
    refresh_assets, refresh_checks = selected(refresh_job)
    assert upload_assets == refresh_assets | {dg.AssetKey("raw_participants")}
    assert {c.asset_key.to_user_string() for c in upload_checks} == {
        "common_indicators",
        "sfc_table",
        "indicators",
        "delivery_status",
        "participant_breakdowns",
        "raw_participants",
        "public_release_candidate",  # the disclosure audit: no release goes out unaudited
        # every refresh rebuilds the process-monitoring marts too (docs/process-monitoring.md)
        "process_items",
        "process_responsibility",
        "process_change",
        "process_waves",
    }
    names = {c.name for c in upload_checks}
    # the SFC2021 rules (singular dbt tests), great-expectations and the file contract are in it
    assert {
        "sfc2021_eecr_not_above_eeco01",
        "sfc2021_eeco01_equals_employment_groups",
        "gx_results_le_eeco01",
        "contract",
    } <= names, names
    # every dbt test still runs somewhere: with each refresh, and each night
    layers = {c for c in graph.asset_check_keys if c.asset_key.to_user_string().startswith(("stg_", "int_"))}
    assert len(layers) > 50 and layers <= refresh_checks
    nightly_assets, nightly_checks = selected(dbt_tests_job)
    assert not nightly_assets and layers <= nightly_checks
    assert not layers & upload_checks


def test_touch_without_new_bytes_requests_nothing(dd, instance):
    first = tick(instance)
    for path in landing_files(dd).values():
        mark_processed(dd, path)
    path = landing_files(dd)[SLOT]
    os.utime(path, (time.time() + 60, time.time() + 60))

    assert tick(instance, cursor=first.cursor).run_requests == []


def test_new_file_with_a_preserved_old_mtime_is_detected(dd, instance, tmp_path):
    first = tick(instance)
    for path in landing_files(dd).values():
        mark_processed(dd, path)
    upload = tmp_path / "upload" / "2024-08.csv"
    upload.parent.mkdir()
    shutil.copyfile(landing_files(dd)[SLOT], upload)
    old = time.mktime((2020, 1, 15, 12, 0, 0, 0, 0, -1))
    os.utime(upload, (old, old))
    target = dd.landing / "HC-ALPHA" / "participants" / "2024-08.csv"
    shutil.copy2(upload, target)  # like cp -p / rsync -t / unzip
    assert target.stat().st_mtime == pytest.approx(old)

    result = tick(instance, cursor=first.cursor)

    assert [r.partition_key for r in result.run_requests] == ["HC-ALPHA|participants|2024-08"]


def test_cursor_skips_files_not_touched_since_the_last_tick(dd, instance):
    # the cursor lags the tick by 2 s (files landing mid-scan); wait so the fixture's files are older
    time.sleep(2.1)
    first = tick(instance)
    assert requested_file_count(first) == 11

    # nothing processed yet (runs still queued), but nothing touched either → not even looked at
    second = tick(instance, cursor=first.cursor)
    assert second.run_requests == []
    assert int(second.cursor) >= int(first.cursor)
    # proof that it was the cursor: without it every unprocessed file is requested again
    assert requested_file_count(tick(instance, cursor=None)) == 11


def test_unroutable_files_are_quarantined_with_a_bilingual_reason(dd, instance):
    """A path that names no slot is quarantined; a valid path of a provider the registry does
    not know (yet) stays in landing/ and is looked at again every tick (issue #13, class 9)."""
    good = landing_files(dd)
    content = good[SLOT].read_bytes()
    bad_name = dd.landing / "HC-ALPHA" / "participants" / "juli.csv"
    unknown = dd.landing / "NOBODY" / "participants" / "2024-07.csv"
    unknown.parent.mkdir(parents=True)
    for path in (bad_name, unknown):
        path.write_bytes(content)

    result = tick(instance)

    assert requested_checksums(result).keys() == good.keys()
    assert not bad_name.exists() and unknown.read_bytes() == content
    unroutable = dd.quarantine / "_unroutable"
    moved_bad = list(unroutable.glob("*HC-ALPHA__participants__juli.csv"))
    assert len(moved_bad) == 1 and not list(unroutable.glob("*NOBODY*"))
    assert moved_bad[0].read_bytes() == content  # untouched bytes
    reason = moved_bad[0].with_name(moved_bad[0].name + ".reason.txt").read_text(encoding="utf-8")
    german, english = "Pfad passt nicht zum Schema", "path does not match"
    assert german in reason and english in reason
    assert reason.index(german) < reason.index(english)  # German first
    assert len(list(unroutable.iterdir())) == 2
    # the cursor stays below the waiting file: the next tick sees it again, rejects nothing twice
    assert int(result.cursor) < unknown.lstat().st_ctime_ns
    tick(instance, cursor=result.cursor)
    assert len(list(unroutable.iterdir())) == 2 and unknown.exists()


def test_upload_in_progress_is_neither_requested_nor_quarantined(dd, instance):
    """Upload tools write ``.name.part`` and rename when done; the half file must be left alone."""
    partial = dd.landing / "HC-ALPHA" / "participants" / ".2024-08.csv.part"
    partial.write_bytes(landing_files(dd)[SLOT].read_bytes()[:100])

    result = tick(instance)

    assert requested_file_count(result) == 11
    assert partial.exists()
    assert not (dd.quarantine / "_unroutable").exists()


def test_cursor_is_one_small_integer_however_many_files(dd, instance):
    small = tick(instance).cursor
    template = landing_files(dd)[SLOT]
    folder = dd.landing / "HC-BETA" / "participants"
    months = [f"{year}-{month:02d}" for year in range(1850, 2024) for month in range(1, 13)][:2000]
    for month in months:
        shutil.copyfile(template, folder / f"{month}.csv")

    result = tick(instance)

    assert requested_file_count(result) == 2000 + 11
    assert len(result.run_requests) == 3  # one range run per extract type, whatever the count
    assert all(
        "esf/checksums" not in r.tags for r in result.run_requests if int(r.tags["esf/files"]) > 100
    )  # tags stay small; the run key holds the digest
    assert result.cursor.isdigit() and len(result.cursor) < 32
    assert len(result.cursor) == len(small)


def test_resending_an_older_version_gets_a_run_key_dagster_has_not_used(dd, instance):
    path = landing_files(dd)[SLOT]
    version_a = path.read_bytes()
    first = tick(instance)
    for request in first.run_requests:  # the first burst, version A of SLOT among them
        launch_like_daemon(instance, request, first)
    drop_last_row(path)  # version B
    launch_like_daemon(instance, requested(tick(instance))[SLOT])
    path.write_bytes(version_a)  # the provider re-sends A: A is current again

    request = requested(tick(instance)).get(SLOT)

    assert request is not None  # the sensor does notice …
    used_before = instance.get_runs(
        dg.RunsFilter(tags={"dagster/run_key": request.run_key, "dagster/sensor_name": "landing_sensor"})
    )
    assert used_before == []  # … but the daemon would drop a run key it has already launched


# --- refresh_after_burst -----------------------------------------------------------------------


def refresh_tick(instance, cursor: str | None = None):
    with dg.build_sensor_context(
        instance=instance, cursor=cursor, definitions=defs, resources=resources_for(current_data_dir().root)
    ) as context:
        return refresh_after_burst(context)


def load_registry(instance) -> None:
    """A system that was set up before: the registry is materialised with its current checksum."""
    assert dg.materialize(
        [registry], instance=instance, resources=resources_for(current_data_dir().root)
    ).success


def ingest_one(instance, key: str = SLOT) -> dg.ExecuteInProcessResult:
    instance.add_dynamic_partitions("participants_files", [key])
    result = defs.resolve_job_def("ingest_participants").execute_in_process(
        instance=instance, partition_key=key
    )
    assert result.success
    return result


def test_refresh_skips_without_uploads(data_dir, instance):
    assert isinstance(refresh_tick(instance), dg.SkipReason)  # empty data folder


def test_refresh_skips_when_nothing_was_ingested_yet(dd, instance):
    load_registry(instance)
    assert isinstance(refresh_tick(instance), dg.SkipReason)


def test_refresh_once_per_burst(dd, instance):
    load_registry(instance)
    ingest_one(instance)

    first = refresh_tick(instance)

    assert isinstance(first, dg.SensorResult) and len(first.run_requests) == 1
    assert first.cursor
    # next tick, same burst: nothing new → no second refresh
    assert isinstance(refresh_tick(instance, cursor=first.cursor), dg.SkipReason)
    # the next burst gets its own refresh
    ingest_one(instance, "HC-ALPHA|participants|2024-06")
    second = refresh_tick(instance, cursor=first.cursor)
    assert isinstance(second, dg.SensorResult) and len(second.run_requests) == 1
    assert second.run_requests[0].run_key != first.run_requests[0].run_key


def test_refresh_waits_while_an_ingest_run_is_still_running(dd, instance):
    load_registry(instance)
    ingest_one(instance)
    running = instance.add_run(dg.DagsterRun(job_name="ingest_followup", status=dg.DagsterRunStatus.STARTED))

    assert isinstance(refresh_tick(instance), dg.SkipReason)  # the burst is not over yet
    instance.delete_run(running.run_id)  # proof that it was that run: without it, refresh
    assert isinstance(refresh_tick(instance), dg.SensorResult)


def test_an_upload_run_needs_no_refresh_but_holds_one_back_while_it_runs(dd, instance):
    """upload_<type> refreshed in itself: after it, no refresh; while it runs, a plain ingest
    that finished (a second file of the same burst) waits for it, then gets one refresh."""
    load_registry(instance)
    ingest_one(instance)
    first = refresh_tick(instance)
    instance.add_run(dg.DagsterRun(job_name="upload_participants", status=dg.DagsterRunStatus.SUCCESS))
    assert isinstance(refresh_tick(instance, cursor=first.cursor), dg.SkipReason)

    upload = instance.add_run(
        dg.DagsterRun(job_name="upload_participants", status=dg.DagsterRunStatus.STARTED)
    )
    ingest_one(instance, "HC-ALPHA|participants|2024-06")
    assert isinstance(refresh_tick(instance, cursor=first.cursor), dg.SkipReason)  # still running
    instance.delete_run(upload.run_id)
    after = refresh_tick(instance, cursor=first.cursor)
    assert isinstance(after, dg.SensorResult) and len(after.run_requests) == 1


def test_refresh_after_registry_change_without_uploads(dd, instance):
    load_registry(instance)
    ingest_one(instance)
    cursor = refresh_tick(instance).cursor
    assert isinstance(refresh_tick(instance, cursor=cursor), dg.SkipReason)
    text = dd.registry_csv.read_text(encoding="utf-8")
    dd.registry_csv.write_text(text.replace(",40\n", ",41\n"), encoding="utf-8")

    result = refresh_tick(instance, cursor=cursor)

    assert isinstance(result, dg.SensorResult) and len(result.run_requests) == 1


def test_no_refresh_when_the_dashboards_are_newer_than_the_last_ingest(dd, instance):
    """A daemon started after `esf-monitor run` (fresh cursor) must not rebuild everything again."""
    load_registry(instance)
    ingest_one(instance)
    dd.dashboards.mkdir(parents=True, exist_ok=True)
    (dd.dashboards / "index.html").write_text("<!doctype html>", encoding="utf-8")
    instance.report_runless_asset_event(dg.AssetMaterialization("dashboards"))

    skipped = refresh_tick(instance)

    assert isinstance(skipped, dg.SensorResult) and skipped.run_requests == []
    # the next upload does get its refresh
    ingest_one(instance, "HC-ALPHA|participants|2024-06")
    result = refresh_tick(instance, cursor=skipped.cursor)
    assert isinstance(result, dg.SensorResult) and len(result.run_requests) == 1
