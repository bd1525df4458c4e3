"""Dagster's SQLite event log with kept engines (esf_monitor/dagster_storage.py, issue #7).

The instance of ``prepare_instance`` must use the class with SQLite (and not with
``ESF_DAGSTER_PG_URL``), keep Dagster's file layout (an existing history stays readable), be
safe from several threads, stay bounded, and still delete, wipe and wake ``watch()`` — the
paths where a kept connection differs from the stock class's connection per access.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
import yaml

from esf_monitor.paths import DataDir

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def sqlite_instance(data_dir, monkeypatch):
    from esf_monitor.runner import prepare_instance

    monkeypatch.delenv("ESF_DAGSTER_PG_URL", raising=False)
    instance = prepare_instance(DataDir(data_dir))
    try:
        yield instance
    finally:
        instance.dispose()


def _materialization(run_id: str, asset: str, n: int):
    """An ASSET_MATERIALIZATION event log entry of ``run_id`` (what a step stores)."""
    from dagster import AssetMaterialization, DagsterEvent, DagsterEventType
    from dagster._core.events import StepMaterializationData
    from dagster._core.events.log import EventLogEntry

    event = DagsterEvent(
        DagsterEventType.ASSET_MATERIALIZATION.value, job_name="j",
        event_specific_data=StepMaterializationData(
            AssetMaterialization(asset, metadata={"n": n})))
    return EventLogEntry(error_info=None, level="debug", user_message="", run_id=run_id,
                         timestamp=time.time(), dagster_event=event)


def _asset(name: str):
    from dagster import AssetKey

    return AssetKey(name)


def test_prepare_instance_uses_the_class_for_sqlite_under_dagsters_default_path(
        sqlite_instance, data_dir):
    from dagster._core.storage.runs import SqliteRunStorage
    from dagster._core.storage.schedules import SqliteScheduleStorage

    from esf_monitor.dagster_storage import PooledSqliteEventLogStorage

    dd = DataDir(data_dir)
    storage = sqlite_instance.event_log_storage
    assert isinstance(storage, PooledSqliteEventLogStorage)
    # runs and schedules stay Dagster's defaults, in the default places
    assert isinstance(sqlite_instance.run_storage, SqliteRunStorage)
    assert isinstance(sqlite_instance.schedule_storage, SqliteScheduleStorage)
    assert (dd.dagster_home / "history" / "runs.db").is_file()
    assert Path(storage._base_dir) == dd.dagster_home / "history" / "runs"
    assert (dd.dagster_home / "history" / "runs" / "index.db").is_file()
    written = (dd.dagster_home / "dagster.yaml").read_text()
    assert written == ((REPO / "dagster.yaml").read_text() + "\n"
                       + (REPO / "dagster-sqlite.yaml").read_text())
    assert str(data_dir) not in written  # no absolute path: the data folder can be moved


def test_postgresql_variant_does_not_use_the_class(tmp_path, monkeypatch):
    """With the variable set the yaml has Dagster's postgres ``storage:`` block and no
    event-log block (Dagster refuses both together). The instance itself is checked against a
    real server in test_postgres_storage.py (PostgresEventLogStorage)."""
    from dagster._core.instance.ref import InstanceRef

    from esf_monitor.runner import instance_yaml

    monkeypatch.setenv("ESF_DAGSTER_PG_URL", "postgresql+psycopg2://u:p@127.0.0.1:1/x")
    text = instance_yaml()
    config = yaml.safe_load(text)
    assert "event_log_storage" not in config and "PooledSqlite" not in text
    assert config["storage"] == {"postgres": {"postgres_url": {"env": "ESF_DAGSTER_PG_URL"}}}
    (tmp_path / "dagster.yaml").write_text(text)
    ref = InstanceRef.from_dir(str(tmp_path))  # resolves the classes, connects to nothing
    assert ref.storage_data.class_name == "DagsterPostgresStorage"

    monkeypatch.delenv("ESF_DAGSTER_PG_URL")
    (tmp_path / "dagster.yaml").write_text(instance_yaml())
    ref = InstanceRef.from_dir(str(tmp_path))
    assert ref.event_storage_data.class_name == "PooledSqliteEventLogStorage"


def test_events_from_two_threads_are_all_stored_and_read_back(sqlite_instance):
    from dagster import AssetMaterialization

    storage = sqlite_instance.event_log_storage
    errors: list[BaseException] = []
    count = 40

    def runless():  # runless shard + index, as report_runless_asset_event does
        try:
            for n in range(count):
                sqlite_instance.report_runless_asset_event(
                    AssetMaterialization("thread_a", metadata={"n": n}))
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assert below
            errors.append(exc)

    def in_run():  # a run shard + index, reading in between
        try:
            for n in range(count):
                storage.store_event(_materialization("run-b", "thread_b", n))
                storage.get_records_for_run("run-b")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=runless), threading.Thread(target=in_run)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)

    for asset in ("thread_a", "thread_b"):
        records = sqlite_instance.fetch_materializations(_asset(asset), limit=1000).records
        assert sorted(r.asset_materialization.metadata["n"].value for r in records) == list(range(count))
    assert len(storage.get_records_for_run("run-b").records) == count
    # engines are kept (index, runless shard, run-b), not created per access
    assert storage.engine_count() == 3
    engine = storage._index_engine
    storage.store_event(_materialization("run-b", "thread_b", count))
    assert storage._index_engine is engine


def test_run_shard_engines_are_bounded_and_evicted_shards_stay_readable(sqlite_instance):
    from esf_monitor.dagster_storage import RUN_SHARD_ENGINES

    storage = sqlite_instance.event_log_storage
    runs = [f"run-{i}" for i in range(RUN_SHARD_ENGINES + 4)]
    for i, run_id in enumerate(runs):
        storage.store_event(_materialization(run_id, "lru", i))
    assert storage.engine_count() == 1 + RUN_SHARD_ENGINES  # index + the most recent run shards
    assert [len(storage.get_records_for_run(r).records) for r in runs] == [1] * len(runs)
    records = sqlite_instance.fetch_materializations(_asset("lru"), limit=100).records
    assert len(records) == len(runs)


def test_delete_run_and_wipe(sqlite_instance):
    from dagster import asset, materialize

    @asset
    def kept_asset():
        return 1

    result = materialize([kept_asset], instance=sqlite_instance)
    assert result.success
    run_id = result.run_id
    storage = sqlite_instance.event_log_storage
    assert sqlite_instance.all_logs(run_id)
    assert sqlite_instance.get_latest_materialization_event(_asset("kept_asset")) is not None

    sqlite_instance.delete_run(run_id)
    assert sqlite_instance.all_logs(run_id) == []
    assert sqlite_instance.get_run_by_id(run_id) is None

    storage.store_event(_materialization("run-w", "wiped", 0))
    shard = Path(storage.path_for_shard("run-w"))
    assert shard.is_file() and storage.engine_count() >= 2
    storage.wipe()
    assert not shard.exists()
    assert storage.engine_count() == 1  # only the index engine, opened again by the index wipe
    assert storage.get_records_for_run("run-w").records == []
    assert sqlite_instance.get_latest_materialization_event(_asset("wiped")) is None
    # usable after the wipe: the deleted shard is created again
    storage.store_event(_materialization("run-w", "wiped", 1))
    assert len(storage.get_records_for_run("run-w").records) == 1
    assert sqlite_instance.get_latest_materialization_event(_asset("wiped")) is not None


def test_watch_is_woken_by_every_write(sqlite_instance):
    """The webserver's live run view: watchdog on <run_id>.db. A kept connection commits into
    the -wal file; the class bumps the shard file so each event is still delivered."""
    storage = sqlite_instance.event_log_storage
    run_id = "run-watched"
    storage.store_event(_materialization(run_id, "watched", 0))  # the shard exists
    seen: list[int] = []

    def callback(entry, cursor):
        seen.append(entry.asset_materialization.metadata["n"].value)

    storage.watch(run_id, None, callback)
    try:
        for n in range(1, 6):
            storage.store_event(_materialization(run_id, "watched", n))
            deadline = time.monotonic() + 10
            while n not in seen and time.monotonic() < deadline:
                time.sleep(0.02)
            assert n in seen, f"event {n} not delivered to watch(); seen {seen}"
    finally:
        storage.end_watch(run_id, callback)


def test_existing_history_of_the_default_storage_is_read(data_dir, monkeypatch):
    """A data folder written by Dagster's stock storage (before this class): its runs,
    events and materializations are read, and new ones are added to the same files."""
    from dagster import DagsterInstance, asset, materialize

    from esf_monitor.dagster_storage import PooledSqliteEventLogStorage
    from esf_monitor.runner import prepare_instance

    @asset
    def old_asset():
        return 1

    monkeypatch.delenv("ESF_DAGSTER_PG_URL", raising=False)
    dd = DataDir(data_dir).ensure()
    (dd.dagster_home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    monkeypatch.setenv("DAGSTER_HOME", str(dd.dagster_home))
    stock = DagsterInstance.get()
    assert type(stock.event_log_storage).__name__ == "SqliteEventLogStorage"
    old_run = materialize([old_asset], instance=stock).run_id
    old_logs = len(stock.all_logs(old_run))
    stock.dispose()

    instance = prepare_instance(dd)
    try:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        assert [r.run_id for r in instance.get_runs()] == [old_run]
        assert len(instance.all_logs(old_run)) == old_logs
        latest = instance.get_latest_materialization_event(_asset("old_asset"))
        assert latest is not None and latest.run_id == old_run
        new_run = materialize([old_asset], instance=instance).run_id
        assert instance.get_latest_materialization_event(_asset("old_asset")).run_id == new_run
        assert len(instance.fetch_materializations(_asset("old_asset"), limit=10).records) == 2
    finally:
        instance.dispose()
    assert sorted(p.name for p in (dd.dagster_home / "history" / "runs").glob("*.db")) == sorted(
        [f"{old_run}.db", f"{new_run}.db", "index.db"])
    assert os.path.isfile(dd.dagster_home / "history" / "runs.db")


def test_a_copied_folder_uses_its_own_history_also_without_dagster_home(
        sqlite_instance, data_dir, tmp_path, monkeypatch):
    """The yaml names no path: the storage takes the folder of the instance that loads it, so a
    copy reads and writes its own files (never the original's), and
    ``DagsterInstance.from_config(<folder>)`` works without DAGSTER_HOME."""
    import shutil

    from dagster import AssetMaterialization, DagsterInstance

    sqlite_instance.report_runless_asset_event(AssetMaterialization("copied", metadata={"n": 0}))
    sqlite_instance.dispose()
    copy = tmp_path / "elsewhere" / "dagster_home"
    shutil.copytree(DataDir(data_dir).dagster_home, copy)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)

    moved = DagsterInstance.from_config(str(copy))
    try:
        storage = moved.event_log_storage
        assert Path(storage._base_dir) == copy / "history" / "runs"
        moved.report_runless_asset_event(AssetMaterialization("copied", metadata={"n": 1}))
        assert len(moved.fetch_materializations(_asset("copied"), limit=10).records) == 2
    finally:
        moved.dispose()
    original = DagsterInstance.from_config(str(DataDir(data_dir).dagster_home))
    try:
        assert len(original.fetch_materializations(_asset("copied"), limit=10).records) == 1
    finally:
        original.dispose()


def test_direct_construction_with_and_without_a_folder(tmp_path):
    from dagster._core.errors import DagsterInvariantViolationError

    from esf_monitor.dagster_storage import PooledSqliteEventLogStorage

    storage = PooledSqliteEventLogStorage(base_dir=str(tmp_path / "runs"))
    try:
        storage.store_event(_materialization("run-d", "direct", 0))
        assert len(storage.get_records_for_run("run-d").records) == 1
    finally:
        storage.dispose()
    unplaced = PooledSqliteEventLogStorage()
    with pytest.raises(DagsterInvariantViolationError, match="without base_dir"):
        unplaced.get_records_for_run("run-d")
    unplaced.dispose()  # nothing opened, nothing to close
