"""Each upload is read exactly once (issue #13, class 2) and a file with personal data never
reaches the archive (class 4): no link followed, checksum of the bytes copied, only the copy
validated; the restricted quarantine keeps such files 30 days, then deletes them with a log line."""

from __future__ import annotations

import hashlib
import logging
import os
import time

import pytest
from fixtures.intake.builders import MONTH, PROJECT, rows, write_csv, write_registry

from esf_monitor import ingest, store
from esf_monitor.intake import read_registry
from esf_monitor.paths import DataDir


@pytest.fixture
def dd(tmp_path) -> DataDir:
    dd = DataDir(tmp_path / "data").ensure()
    write_registry(dd.registry_csv)
    return dd


def landing_file(dd: DataDir, data: bytes | None = None, records=None):
    path = dd.landing / PROJECT / "participants" / f"{MONTH}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    if records is not None:
        return write_csv(path, records)
    path.write_bytes(data)
    return path


def test_the_checksum_is_of_the_bytes_copied(dd):
    src = landing_file(dd, b"participant_id\nP-ALPHA-001\n")
    received = store.receive_upload(dd, src)
    assert received.staged.read_bytes() == src.read_bytes()
    assert received.sha256 == hashlib.sha256(b"participant_id\nP-ALPHA-001\n").hexdigest()
    assert received.name == f"{MONTH}.csv" and received.mtime == src.stat().st_mtime
    assert received.staged.parent == dd.root / store.INCOMING


def test_a_symlink_swapped_in_after_the_scan_is_not_followed(dd, tmp_path):
    outside = tmp_path / "secret.csv"
    outside.write_bytes(b"participant_id\nsecret\n")
    src = landing_file(dd, b"x")
    src.unlink()
    src.symlink_to(outside)
    with pytest.raises(store.UploadChanged):
        store.receive_upload(dd, src)
    incoming = dd.root / store.INCOMING
    assert not incoming.exists() or not list(incoming.iterdir())  # nothing half-copied left


def test_a_symlinked_provider_folder_is_not_followed(dd, tmp_path):
    elsewhere = tmp_path / "elsewhere" / "participants"
    elsewhere.mkdir(parents=True)
    (elsewhere / f"{MONTH}.csv").write_bytes(b"participant_id\nsecret\n")
    (dd.landing / PROJECT).symlink_to(elsewhere.parent)
    with pytest.raises(store.UploadChanged):
        store.receive_upload(dd, dd.landing / PROJECT / "participants" / f"{MONTH}.csv")


def test_a_fifo_does_not_hang_the_run(dd):
    fifo = dd.landing / PROJECT / "participants" / f"{MONTH}.csv"
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    with pytest.raises(store.UploadChanged, match="no regular file"):
        store.receive_upload(dd, fifo)


def test_a_file_changed_after_the_scan_is_validated_as_copied_not_as_scanned(dd):
    """The scan hashed version A; the file is then replaced by B. The slot records B's checksum
    and B's rows — never A's checksum with B's rows."""
    registry = read_registry(dd.registry_csv)
    src = landing_file(dd, records=rows("participants"))
    scanned = store.sha256_of(src)
    changed = rows("participants")[:2]
    write_csv(src, changed)
    outcome = ingest.ingest_slot(dd, PROJECT, "participants", MONTH, registry)
    assert outcome.record.sha256 == hashlib.sha256(src.read_bytes()).hexdigest() != scanned
    assert outcome.record.row_count == 2
    archived = store.partition_dir(dd.archive, PROJECT, "participants", MONTH)
    assert [p.read_bytes() for p in archived.glob("*.csv")] == [src.read_bytes()]


def test_a_file_with_personal_data_goes_to_the_restricted_quarantine_only(dd):
    registry = read_registry(dd.registry_csv)
    records = [{**r, "Telefon": "0171 1234567"} for r in rows("participants")]
    src = landing_file(dd, records=records)
    outcome = ingest.ingest_slot(dd, PROJECT, "participants", MONTH, registry)
    assert outcome.record.status == "rejected" and outcome.record.archive_path == ""
    kept = outcome.record.quarantine_path
    assert kept.startswith(str(dd.root / store.RESTRICTED))
    assert open(kept, "rb").read() == src.read_bytes()  # untouched
    assert os.stat(kept).st_mode & 0o777 == 0o600
    assert os.stat(dd.root / store.RESTRICTED).st_mode & 0o777 == 0o700
    assert not list(store.partition_dir(dd.archive, PROJECT, "participants", MONTH).glob("*.csv"))
    assert not list(store.partition_dir(dd.quarantine, PROJECT, "participants", MONTH).glob("*"))
    assert not list((dd.root / store.INCOMING).iterdir())
    line = (store.partition_dir(dd.archive, PROJECT, "participants", MONTH) / store.VERSIONS_FILE).read_text()
    assert "1234567" not in line and "Telefon" in line  # the column is named, never the value
    # the same bytes again change nothing
    assert ingest.ingest_slot(dd, PROJECT, "participants", MONTH, registry).unchanged


def test_the_restricted_quarantine_is_deleted_after_its_retention_period(dd, caplog, monkeypatch):
    old = store.restricted_dir(dd) / PROJECT / "participants" / MONTH / "x.csv"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"personal")
    fresh = old.with_name("y.csv")
    fresh.write_bytes(b"personal too")
    now = time.time()
    os.utime(old, (now - 31 * 86400, now - 31 * 86400))
    os.utime(fresh, (now - 29 * 86400, now - 29 * 86400))
    monkeypatch.delenv(store.RETENTION_ENV, raising=False)
    assert store.retention_days() == 30
    with caplog.at_level(logging.INFO, logger="esf_monitor.store"):
        deleted = store.purge_restricted(dd, now=now)
    assert deleted == [old] and not old.exists() and fresh.exists()
    assert (
        f"retention period over, deleted: quarantine_restricted/{PROJECT}/participants/{MONTH}/x.csv"
        in caplog.text
    )
    monkeypatch.setenv(store.RETENTION_ENV, "7")
    assert store.purge_restricted(dd, now=now) == [fresh]


def test_an_ambiguous_slot_is_never_guessed(dd):
    landing_file(dd, b"participant_id\n")
    (dd.landing / PROJECT / "participants" / f"{MONTH}.xlsx").write_bytes(b"PK")
    with pytest.raises(
        ingest.AmbiguousSlot, match=f"{PROJECT}\\|participants\\|{MONTH}: {MONTH}.csv, {MONTH}.xlsx"
    ):
        ingest.landing_file(dd, PROJECT, "participants", MONTH)


def test_copies_left_by_a_killed_receive_are_cleaned_after_an_hour(dd):
    folder = dd.root / store.INCOMING
    folder.mkdir()
    left, busy = folder / ".1-2-3.csv", folder / ".4-5-6.csv"
    left.write_bytes(b"x")
    busy.write_bytes(b"y")
    now = time.time()
    os.utime(left, (now - 3700, now - 3700))
    assert store.clean_incoming(dd, now=now) == [left]
    assert busy.exists() and not left.exists()
