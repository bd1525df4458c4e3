"""Archive and quarantine keep every byte; the version log decides what is new."""

from pathlib import Path

from esf_monitor import store
from esf_monitor.paths import DataDir


def _dd(tmp_path) -> DataDir:
    return DataDir(tmp_path).ensure()


def test_archive_keeps_every_version_once(tmp_path):
    dd = _dd(tmp_path)
    src = tmp_path / "2024-01.csv"
    src.write_bytes(b"a,b\n1,2\n")
    sha1 = store.sha256_of(src)
    first = store.archive_copy(dd, src, "P-1", "participants", "2024-01", sha1)
    again = store.archive_copy(dd, src, "P-1", "participants", "2024-01", sha1)
    assert first == again and first.read_bytes() == src.read_bytes()
    src.write_bytes(b"a,b\n1,3\n")
    second = store.archive_copy(dd, src, "P-1", "participants", "2024-01", store.sha256_of(src))
    assert second != first
    assert first.read_bytes() == b"a,b\n1,2\n" and second.read_bytes() == b"a,b\n1,3\n"


def test_is_processed_looks_at_the_latest_version_only(tmp_path):
    dd = _dd(tmp_path)
    rec = dict(
        provider_id="P-1",
        extract_type="participants",
        reporting_month="2024-01",
        file_name="2024-01.csv",
        arrived_at="2024-02-05T10:00:00Z",
    )
    assert not store.is_processed(dd, "P-1", "participants", "2024-01", "aaa")
    store.append_version(dd, store.VersionRecord(sha256="aaa", **rec))
    assert store.is_processed(dd, "P-1", "participants", "2024-01", "aaa")
    store.append_version(dd, store.VersionRecord(sha256="bbb", **rec))
    # re-sending the OLD bytes after a newer version makes them current again → process again
    assert not store.is_processed(dd, "P-1", "participants", "2024-01", "aaa")
    assert [v.sha256 for v in store.read_versions(dd, "P-1", "participants", "2024-01")] == ["aaa", "bbb"]
    assert len(store.all_versions(dd)) == 2


def test_unroutable_file_is_moved_untouched_with_reason(tmp_path):
    dd = _dd(tmp_path)
    bad = dd.landing / "stray.csv"
    bad.write_bytes(b"\x00\x01binary")
    dest = store.quarantine_unroutable(dd, bad, "Pfad ungültig", "invalid path")
    assert not bad.exists()
    assert dest.read_bytes() == b"\x00\x01binary"
    reason = Path(str(dest) + ".reason.txt").read_text(encoding="utf-8")
    assert "Pfad ungültig" in reason and "invalid path" in reason


def test_partition_key_round_trip():
    key = store.partition_key("JC-HH", "followup", "2025-03")
    assert key == "JC-HH|followup|2025-03"
    assert store.split_partition_key(key) == ("JC-HH", "followup", "2025-03")


def test_checksum_memo_never_serves_a_changed_file(tmp_path, monkeypatch):
    """sha256_of remembers a checksum per file state (the history load hashes each upload in
    the scan and again at ingest); a rewrite with the same size and the old mtime, or a file
    renamed onto the path, must still be hashed anew."""
    import hashlib
    import os
    import time

    original = hashlib.sha256

    def real(path: Path) -> str:
        return original(path.read_bytes()).hexdigest()

    f = tmp_path / "2024-01.csv"
    f.write_bytes(b"a,b\n1,2\n")
    # a file changed within the last second is hashed but not remembered (coarse ctime ticks)
    assert store.sha256_of(f) == real(f) and os.fspath(f) not in store._SHA_MEMO
    time.sleep(1.1)
    first = store.sha256_of(f)
    assert store._SHA_MEMO[os.fspath(f)][1] == first == real(f)
    reads = []
    monkeypatch.setattr(store.hashlib, "sha256", lambda: reads.append(1) or original())
    assert store.sha256_of(f) == first and not reads  # unchanged: served from the memo
    mtime = f.stat().st_mtime_ns
    f.write_bytes(b"a,b\n1,3\n")  # same size
    os.utime(f, ns=(mtime, mtime))  # old mtime put back (cp -p, rsync, unzip)
    assert store.sha256_of(f) == real(f) != first and reads
    other = tmp_path / "new.csv"
    other.write_bytes(b"a,b\n9,9\n")
    os.utime(other, ns=(mtime, mtime))
    os.replace(other, f)  # renamed onto the path: another inode
    assert store.sha256_of(f) == real(f) == original(b"a,b\n9,9\n").hexdigest()


def test_checksum_cache_survives_the_process_but_never_serves_a_changed_file(tmp_path, monkeypatch):
    """The scan's checksums persist in cache/checksums.sqlite: a later process (here: a
    real child process writes the cache, this one reads it with its memo emptied) does not
    re-read an unchanged file, and a rewrite with the same size and old mtime, a file renamed
    onto the path and a ``touch`` are hashed anew."""
    import hashlib
    import os
    import subprocess
    import sys
    import time

    from esf_monitor.paths import DataDir

    original = hashlib.sha256
    dd = DataDir(tmp_path / "data").ensure()
    f = dd.landing / "2024-01.csv"
    f.write_bytes(b"a,b\n1,2\n")
    time.sleep(1.1)  # settled: a file changed within the last second is never remembered
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from esf_monitor import store; "
            "from esf_monitor.paths import DataDir; "
            "print(store.sha256_of(Path(sys.argv[1]), DataDir(Path(sys.argv[2]))))",
            str(f),
            str(dd.root),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    first = child.stdout.strip()
    assert first == original(f.read_bytes()).hexdigest()
    assert store.checksum_cache_path(dd).exists()

    def fresh_process():
        store._SHA_MEMO.clear()
        store._DISK.clear()

    reads = []
    monkeypatch.setattr(store.hashlib, "sha256", lambda: reads.append(1) or original())
    fresh_process()
    assert store.sha256_of(f, dd) == first and not reads  # unchanged: from the cache file

    mtime = f.stat().st_mtime_ns
    f.write_bytes(b"a,b\n1,3\n")  # same size, old mtime put back (cp -p, rsync, unzip)
    os.utime(f, ns=(mtime, mtime))
    fresh_process()
    second = store.sha256_of(f, dd)
    assert second == original(b"a,b\n1,3\n").hexdigest() != first and len(reads) == 1

    time.sleep(1.1)
    other = dd.landing / "new.csv"
    other.write_bytes(b"a,b\n9,9\n")
    os.utime(other, ns=(mtime, mtime))
    os.replace(other, f)  # renamed onto the path: another inode
    fresh_process()
    assert store.sha256_of(f, dd) == original(b"a,b\n9,9\n").hexdigest() and len(reads) == 2

    time.sleep(1.1)
    fresh_process()
    third = store.sha256_of(f, dd)  # settled now: remembered on disk
    os.utime(f)  # touch: same bytes, new ctime
    fresh_process()
    assert store.sha256_of(f, dd) == third and len(reads) == 4  # read again, not trusted


def test_a_damaged_checksum_cache_is_dropped_not_fatal(tmp_path):
    import time

    from esf_monitor.paths import DataDir

    dd = DataDir(tmp_path / "data").ensure()
    store.checksum_cache_path(dd).parent.mkdir(parents=True)
    store.checksum_cache_path(dd).write_bytes(b"this is not a database" * 100)
    f = dd.landing / "2024-01.csv"
    f.write_bytes(b"a,b\n1,2\n")
    time.sleep(1.1)
    store._SHA_MEMO.clear()
    store._DISK.clear()
    import hashlib

    assert store.sha256_of(f, dd) == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    store._SHA_MEMO.clear()
    store._DISK.clear()
    assert store._disk_entries(store.checksum_cache_path(dd))[str(f)][1] == store.sha256_of(f, dd)
