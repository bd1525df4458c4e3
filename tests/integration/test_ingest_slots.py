"""A history load reads and validates the next slot while the current one is loaded
(esf_monitor.ingest.ingest_slots): the result must be exactly what one slot after the other
gives — same rows, same version log, same quarantine — and an error of one slot must leave
the slots before it complete and the slots after it untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from pipeline_harness import processed_copy

from esf_monitor import store, warehouse
from esf_monitor.ingest import NoSourceFile, ingest_slot, ingest_slots
from esf_monitor.intake import read_registry
from esf_monitor.paths import DataDir
from orchestration.planning import scan_landing

TYPES = ("participants", "followup")


def _folder(src: Path, dest: Path) -> DataDir:
    processed_copy(src, dest)
    shutil.rmtree(dest / "landing_corrections", ignore_errors=True)
    return DataDir(dest)


def _raw(dd: DataDir) -> list[tuple]:
    con = duckdb.connect(str(dd.warehouse), read_only=True)
    try:
        return [
            row
            for t in TYPES
            for row in con.execute(
                f"SELECT * EXCLUDE (_loaded_at) FROM raw.{t} "
                "ORDER BY _provider_id, _reporting_month, _source_row"
            ).fetchall()
        ]
    finally:
        con.close()


def _log(dd: DataDir) -> list[tuple]:
    return sorted(
        (
            v.provider_id,
            v.extract_type,
            v.reporting_month,
            v.sha256,
            v.status,
            v.row_count,
            v.error_count,
            v.warning_count,
            v.quarantine_path.replace(str(dd.root), ""),
        )
        for v in store.all_versions(dd)
    )


def test_read_ahead_gives_exactly_what_one_slot_after_the_other_gives(small_generated, tmp_path):
    one_by_one = _folder(small_generated, tmp_path / "a")
    ahead = _folder(small_generated, tmp_path / "b")
    for dd in (one_by_one, ahead):  # one upload that breaks the contract: the rejected path too
        bad = sorted((dd.landing).glob("*/participants/*.csv"))[7]
        bad.write_text("wer,was\nMax Mustermann,1\n", encoding="utf-8")
    pending = [f.key for f in scan_landing(one_by_one).pending]
    keys = {t: [k for k in pending if f"|{t}|" in k] for t in TYPES}
    assert len(keys["participants"]) > 20
    registry = read_registry(one_by_one.registry_csv)

    with warehouse.connect(one_by_one.warehouse) as con:
        expected = {
            k: ingest_slot(one_by_one, *store.split_partition_key(k), registry, con=con)
            for t in TYPES
            for k in keys[t]
        }
    got = {}
    with warehouse.connect(ahead.warehouse) as con:
        for t in TYPES:
            in_order = list(ingest_slots(ahead, t, keys[t], registry, con=con))
            assert [k for k, _ in in_order] == keys[t]  # in order, each once
            got.update(in_order)

    assert {k: o.record.status for k, o in got.items()} == {k: o.record.status for k, o in expected.items()}
    assert {o.record.status for o in got.values()} == {"accepted", "rejected"}  # both paths taken
    assert _raw(ahead) == _raw(one_by_one) and len(_raw(ahead)) > 1000
    assert _log(ahead) == _log(one_by_one)
    # a second pass finds every slot unchanged and loads nothing
    with warehouse.connect(ahead.warehouse) as con:
        assert all(
            o.unchanged for _, o in ingest_slots(ahead, "followup", keys["followup"], registry, con=con)
        )


def test_a_failing_slot_stops_the_load_after_the_slots_before_it(small_generated, tmp_path):
    dd = _folder(small_generated, tmp_path / "c")
    keys = [f.key for f in scan_landing(dd).pending if "|participants|" in f.key][:6]
    registry = read_registry(dd.registry_csv)
    provider, _t, month = store.split_partition_key(keys[3])
    next(p for p in (dd.landing / provider / "participants").iterdir() if p.stem == month).unlink()

    done = []
    with warehouse.connect(dd.warehouse) as con, pytest.raises(NoSourceFile):
        for key, _outcome in ingest_slots(dd, "participants", keys, registry, con=con):
            done.append(key)
    assert done == keys[:3]
    recorded = {(v.provider_id, v.reporting_month) for v in store.all_versions(dd)}
    assert recorded == {store.split_partition_key(k)[::2] for k in keys[:3]}
    with pytest.raises(ValueError):
        list(ingest_slots(dd, "followup", keys[:1], registry))
