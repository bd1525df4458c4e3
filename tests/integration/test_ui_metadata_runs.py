"""What the Dagster UI shows about an upload (issue #17, items 6 and 7): a rejected file looks
rejected — failed ``contract`` check on ITS partition, run tag ``esf/outcome`` — while the run
still succeeds (``esf-monitor run`` exits 3, not 1); each partition of a range run carries its
own rows, not the batch total; the slots of a run are a table (slot keys contain ``|``).

Small real Dagster runs of the intake job only (no dbt): the hand-calculation folder, an
instance in the test's temporary folder, read back through the instance's public API.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from esf_monitor.paths import DataDir

HANDCALC = Path(__file__).parents[1] / "fixtures" / "handcalc"
MAY, JUNE, JULY = (f"HC-ALPHA|participants|2024-0{m}" for m in (5, 6, 7))


def _rows(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines()) - 1


@pytest.fixture
def alpha(tmp_path, monkeypatch):
    """The hand-calculation folder with HC-ALPHA's June file broken, and a fresh instance."""
    from orchestration.driver import prepare_instance

    root = tmp_path / "data"
    shutil.copytree(HANDCALC, root)
    monkeypatch.setenv("ESF_DATA_DIR", str(root))
    dd = DataDir(root)
    june = dd.landing / "HC-ALPHA" / "participants" / "2024-06.csv"
    june.write_text("wer,was\nMax Mustermann,1\n", encoding="utf-8")
    instance = prepare_instance(dd)
    instance.add_dynamic_partitions("participants_files", [MAY, JUNE, JULY])
    yield dd, instance
    instance.dispose()


def _run(instance, tags=None, partition_key=None):
    from orchestration.definitions import defs
    from orchestration.driver import QUIET

    return defs.resolve_job_def("ingest_participants").execute_in_process(
        instance=instance, partition_key=partition_key, run_config=QUIET, tags=tags or {}
    )


def _latest_checks(instance, key):
    records = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey("raw_participants"), "contract"), limit=20
    )
    return [r for r in records if r.event and r.event.dagster_event.partition == key]


def test_a_range_run_shows_each_slot_its_own_rows_and_the_rejected_one_as_rejected(alpha):
    dd, instance = alpha
    result = _run(
        instance,
        tags={
            "dagster/asset_partition_range_start": MAY,
            "dagster/asset_partition_range_end": JULY,
        },
    )
    assert result.success  # a rejected file is no failed run

    run = instance.get_run_by_id(result.run_id)
    assert run.tags["esf/outcome"] == "partly_rejected"
    assert run.tags["esf/rejected_slots"] == "1"

    mats = {
        e.event_specific_data.materialization.partition: e.event_specific_data.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    assert set(mats) == {MAY, JUNE, JULY}
    may_rows = _rows(dd.landing / "HC-ALPHA" / "participants" / "2024-05.csv")
    july_rows = _rows(dd.landing / "HC-ALPHA" / "participants" / "2024-07.csv")
    assert may_rows != july_rows  # else "own rows" and "someone else's rows" look the same
    assert mats[MAY]["status"].value == "accepted"
    assert mats[MAY]["dagster/partition_row_count"].value == may_rows
    assert mats[MAY]["file_rows"].value == may_rows
    assert mats[JULY]["dagster/partition_row_count"].value == july_rows
    assert mats[JUNE]["status"].value == "rejected"
    assert mats[JUNE]["dagster/partition_row_count"].value == 0  # nothing of June in raw
    assert mats[JUNE]["errors"].value > 0
    assert Path(mats[JUNE]["report"].value).name.endswith(".errors.csv")
    # the whole raw table, the same on every partition, with the warehouse's column types
    assert mats[MAY]["dagster/row_count"].value == may_rows + july_rows
    types = {c.name: c.type for c in mats[MAY]["dagster/column_schema"].schema.columns}
    assert types["entry_date"] == "DATE" and types["_provider_id"] == "VARCHAR"

    checks = {
        e.partition: e.passed
        for e in (
            ev.event_specific_data
            for ev in result.all_events
            if ev.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
        )
    }
    assert checks == {MAY: True, JUNE: False, JULY: True}

    [obs] = [
        e.event_specific_data.asset_observation
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_OBSERVATION
    ]
    table = obs.metadata["outcomes"]
    assert isinstance(table, dg.TableMetadataValue)
    assert [(r.data["slot"], r.data["status"], r.data["rows"]) for r in table.records] == [
        (MAY, "accepted", may_rows),
        (JUNE, "rejected", 0),  # wrong header: rejected before any row is read
        (JULY, "accepted", july_rows),
    ]


def test_a_lone_rejected_upload_fails_the_check_of_its_partition_and_tags_its_run(alpha):
    dd, instance = alpha
    result = _run(instance, partition_key=JUNE)
    assert result.success
    assert instance.get_run_by_id(result.run_id).tags["esf/outcome"] == "rejected"
    [mat] = result.get_asset_materialization_events()
    meta = mat.event_specific_data.materialization.metadata
    assert mat.event_specific_data.materialization.partition == JUNE
    assert meta["status"].value == "rejected"
    assert "unchanged" in meta["raw_table"].value
    # the check's history, as the UI reads it: failed on June
    [evaluation] = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ]
    assert (evaluation.partition, evaluation.passed) == (JUNE, False)
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert JUNE in evaluation.description
