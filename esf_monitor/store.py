"""Archive and quarantine: the places where nothing is ever lost.

Why files instead of warehouse tables: the landing sensor, the CLI and the webserver must be
able to tell which file versions were already processed WITHOUT opening DuckDB (one writer at
a time; even a reader blocks a writer). So the archive folder is the source of truth for
"which versions exist and what became of them"; the asset ``delivery_log`` copies it into
``raw.deliveries`` for dbt.

Layout::

    archive/<provider>/<type>/<YYYY-MM>/<arrived>_<sha12>.<ext>   every version received, byte-for-byte
    archive/<provider>/<type>/<YYYY-MM>/versions.jsonl             one JSON line per processed version
    quarantine/<provider>/<type>/<YYYY-MM>/<arrived>_<sha12>_<name> rejected file, byte-for-byte
        ... .errors.csv / .summary.txt                              the report for the uploader
    quarantine/_unroutable/<stamp>_<flattened path> + .reason.txt    files at a malformed path
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from esf_monitor.paths import DataDir

VERSIONS_FILE = "versions.jsonl"


#: path -> (identity of the file's state, checksum); see :func:`sha256_of`.
_SHA_MEMO: dict[str, tuple[tuple[int, ...], str]] = {}
_SHA_MEMO_MAX = 20_000
_SETTLED_NS = 1_000_000_000


def _file_state(path: Path) -> tuple[int, ...]:
    st = os.stat(path)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


#: The checksum cache of a data folder (see :func:`sha256_of`): a cache, never a record —
#: deleting it costs one re-hash of each landing file, nothing else.
CHECKSUM_CACHE = "checksums.sqlite"
#: cache file -> {path: (file state, checksum)}, read once per process
_DISK: dict[str, dict[str, tuple[tuple[int, ...], str]]] = {}
_DISK_LOCK = threading.Lock()


def checksum_cache_path(dd: DataDir) -> Path:
    """``cache/`` of the data folder, not ``dagster_home/``: that holds Dagster's storage only
    (no SQLite file at all there when it is PostgreSQL, tests/integration/test_postgres_storage.py)."""
    return dd.root / "cache" / CHECKSUM_CACHE


def _cache_connect(db: Path) -> sqlite3.Connection:
    con = sqlite3.connect(db, timeout=5)
    # a cache: losing the last entries in a power cut only means hashing those files again;
    # a synced commit per file would cost seconds in a history load of hundreds of files
    con.execute("PRAGMA synchronous=OFF")
    con.execute(
        "CREATE TABLE IF NOT EXISTS checksum (path TEXT PRIMARY KEY, dev INTEGER, "
        "ino INTEGER, size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, sha256 TEXT)"
    )
    return con


def _disk_entries(db: Path) -> dict[str, tuple[tuple[int, ...], str]]:
    key = os.fspath(db)
    with _DISK_LOCK:
        if key not in _DISK:
            entries: dict[str, tuple[tuple[int, ...], str]] = {}
            if db.exists():
                try:
                    with contextlib.closing(_cache_connect(db)) as con:
                        for path, *state, sha in con.execute("SELECT * FROM checksum"):
                            entries[path] = (tuple(state), sha)
                except sqlite3.Error:  # unreadable cache: start afresh, never fail a run for it
                    db.unlink(missing_ok=True)
                    entries = {}
                if len(entries) > _SHA_MEMO_MAX:  # paths long gone (moved, renamed) pile up
                    db.unlink(missing_ok=True)
                    entries = {}
            _DISK[key] = entries
        return _DISK[key]


def _disk_store(db: Path, path: str, state: tuple[int, ...], digest: str) -> None:
    entries = _disk_entries(db)
    with _DISK_LOCK:
        entries[path] = (state, digest)
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(_cache_connect(db)) as con, con:
            con.execute(
                "INSERT OR REPLACE INTO checksum VALUES (?, ?, ?, ?, ?, ?, ?)", (path, *state, digest)
            )
    except sqlite3.Error:
        pass  # another process holds the lock past the timeout: this file is hashed again next time


def sha256_of(path: Path, dd: DataDir | None = None) -> str:
    """SHA-256 of the file, computed at most once per file state — within this process, and
    across processes for the data folder ``dd`` when given.

    ``esf-monitor run`` hashes every landing file in its scan and again when the slot is
    ingested (the archive copy is named by it): 2.2 GB twice in a 12M-row history load. And
    every later run's scan would hash the whole unchanged history again (~2 s for 2.2 GB) to
    find the one new file — so the scan (``dd`` given) also keeps the checksums in
    ``cache/checksums.sqlite``. Both are keyed by device, inode, size, mtime AND ctime:
    any write, truncation, rename onto the path or ``touch`` changes ctime, which nobody can
    set back (the landing scan relies on the same fact), so a changed file is always hashed
    again — in this process or any later one.
    """
    key = os.fspath(path)
    state = _file_state(path)
    hit = _SHA_MEMO.get(key)
    if hit is not None and hit[0] == state:
        return hit[1]
    db = checksum_cache_path(dd) if dd is not None else None
    if db is not None:
        hit = _disk_entries(db).get(key)
        if hit is not None and hit[0] == state:
            _remember(key, state, hit[1])
            return hit[1]
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    digest = h.hexdigest()
    # Remembered only when the file was not changed while being read and its last change
    # lies more than a second back: ctime ticks in coarse steps (milliseconds), so a rewrite
    # in the same tick as the change before it could otherwise leave ctime unchanged.
    settled = time.time_ns() - state[4] > _SETTLED_NS
    if settled and _file_state(path) == state:
        _remember(key, state, digest)
        if db is not None:
            _disk_store(db, key, state, digest)
    return digest


def _remember(key: str, state: tuple[int, ...], digest: str) -> None:
    if len(_SHA_MEMO) >= _SHA_MEMO_MAX:
        _SHA_MEMO.clear()
    _SHA_MEMO[key] = (state, digest)


def partition_key(provider_id: str, extract_type: str, month: str) -> str:
    """The Dagster dynamic partition key of one upload slot."""
    return f"{provider_id}|{extract_type}|{month}"


def split_partition_key(key: str) -> tuple[str, str, str]:
    provider_id, extract_type, month = key.split("|")
    return provider_id, extract_type, month


def _utc_iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_iso(ts: float) -> str:
    """A POSIX timestamp as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC), as versions.jsonl writes times."""
    return _utc_iso(ts)


def _now_iso() -> str:
    return datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class VersionRecord:
    """One processed file version (one line of versions.jsonl, one row of raw.deliveries)."""

    provider_id: str
    extract_type: str
    reporting_month: str
    sha256: str
    file_name: str
    arrived_at: str  # upload time = the landing file's modification time (UTC)
    processed_at: str = field(default_factory=_now_iso)
    status: str = "accepted"  # accepted | rejected
    row_count: int = 0
    error_count: int = 0
    warning_count: int = 0
    incomplete_count: int = 0
    archive_path: str = ""
    quarantine_path: str = ""
    summary_de: str = ""
    summary_en: str = ""


def partition_dir(root: Path, provider_id: str, extract_type: str, month: str) -> Path:
    return root / provider_id / extract_type / month


def warnings_report(
    dd: DataDir, provider_id: str, extract_type: str, month: str, sha256: str
) -> tuple[Path, str]:
    """(folder, stem) of the report of an ACCEPTED version with warnings:
    ``reports/<provider>/<type>/<YYYY-MM>/<sha12>.errors.csv`` and ``.summary.txt``."""
    return partition_dir(dd.reports, provider_id, extract_type, month), sha256[:12]


def summary_of(dd: DataDir, record: VersionRecord) -> Path | None:
    """The ``.summary.txt`` the uploader reads for one processed version, or None when there is
    none (accepted without warnings): beside the quarantined copy of a rejected file, under
    ``reports/`` for an accepted file with warnings (what the intake assets write)."""
    if record.status == "rejected" and record.quarantine_path:
        copy = Path(record.quarantine_path)
        return copy.with_name(f"{copy.name}.summary.txt")
    if record.status == "accepted" and record.warning_count:
        folder, stem = warnings_report(
            dd, record.provider_id, record.extract_type, record.reporting_month, record.sha256
        )
        return folder / f"{stem}.summary.txt"
    return None


def read_versions(dd: DataDir, provider_id: str, extract_type: str, month: str) -> list[VersionRecord]:
    path = partition_dir(dd.archive, provider_id, extract_type, month) / VERSIONS_FILE
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        return [VersionRecord(**json.loads(line)) for line in fh if line.strip()]


def all_versions(dd: DataDir) -> list[VersionRecord]:
    out: list[VersionRecord] = []
    for path in sorted(dd.archive.glob(f"*/*/*/{VERSIONS_FILE}")):
        with open(path, encoding="utf-8") as fh:
            out.extend(VersionRecord(**json.loads(line)) for line in fh if line.strip())
    return out


def is_processed(dd: DataDir, provider_id: str, extract_type: str, month: str, sha256: str) -> bool:
    """True when exactly these bytes were already processed for this slot (the same bytes twice change nothing)."""
    versions = read_versions(dd, provider_id, extract_type, month)
    # Only the LATEST processed version counts: re-sending an older version after a newer one
    # makes the older bytes current again, so they must be processed again.
    return bool(versions) and versions[-1].sha256 == sha256


def archive_copy(
    dd: DataDir, src: Path, provider_id: str, extract_type: str, month: str, sha256: str
) -> Path:
    """Copy the received bytes into the archive (idempotent per checksum), atomically."""
    folder = partition_dir(dd.archive, provider_id, extract_type, month)
    folder.mkdir(parents=True, exist_ok=True)
    existing = sorted(folder.glob(f"*_{sha256[:12]}{src.suffix.lower()}"))
    if existing:
        return existing[0]
    stamp = datetime.fromtimestamp(src.stat().st_mtime, tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    dest = folder / f"{stamp}_{sha256[:12]}{src.suffix.lower()}"
    _atomic_copy(src, dest)
    return dest


def append_version(dd: DataDir, record: VersionRecord) -> None:
    folder = partition_dir(dd.archive, record.provider_id, record.extract_type, record.reporting_month)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / VERSIONS_FILE, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def quarantine_copy(
    dd: DataDir,
    src: Path,
    provider_id: str,
    extract_type: str,
    month: str,
    sha256: str,
    name: str | None = None,
    arrived: float | None = None,
) -> Path:
    """Keep a rejected file untouched in quarantine; returns the copy's path (report goes beside it).
    ``name``/``arrived``: the upload's file name and mtime when ``src`` is its archived copy."""
    folder = partition_dir(dd.quarantine, provider_id, extract_type, month)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = _stamp(src.stat().st_mtime if arrived is None else arrived)
    dest = folder / f"{stamp}_{sha256[:12]}_{name or src.name}"
    if not dest.exists():
        _atomic_copy(src, dest)
    return dest


def quarantine_unroutable(dd: DataDir, src: Path, reason_de: str, reason_en: str) -> Path:
    """Move a file whose path cannot be routed (malformed path, unknown provider, …) out of landing.

    It is moved, not copied: it has no upload slot, so leaving it would only re-trigger the same
    rejection. The bytes stay untouched; the reason is written beside it.
    """
    folder = dd.quarantine / "_unroutable"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        rel = src.resolve().relative_to(dd.landing.resolve())
    except ValueError:
        rel = Path(src.name)
    stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%S%fZ")
    dest = folder / f"{stamp}_{'__'.join(rel.parts)}"
    shutil.move(os.fspath(src), dest)
    dest.with_name(dest.name + ".reason.txt").write_text(
        f"Datei abgelehnt / File rejected: {rel}\n\n{reason_de}\n\n{reason_en}\n", encoding="utf-8"
    )
    return dest


# --- receiving an upload exactly once (issue #13, class 2) ---------------------------------------

#: Where an upload's bytes are copied to before anything else reads them (same file system as
#: archive/ and quarantine/, so the copy is then renamed into place).
INCOMING = "incoming"


class UploadChanged(Exception):
    """The upload changed, vanished or is no regular file while it was being copied; the scan
    sees it again (and waits for its settle time)."""


@dataclass
class Received:
    """One upload's bytes, copied once from landing/ (``staged``), checksum of exactly them."""

    staged: Path
    sha256: str
    size: int
    mtime: float  # the landing file's mtime = arrival (fstat of the opened descriptor)
    name: str
    suffix: str


def _open_below(root: Path, relative: Path) -> int:
    """Open ``root/relative`` for reading without following ANY symlink below ``root``:
    each folder with ``O_DIRECTORY | O_NOFOLLOW`` relative to the previous one, the file with
    ``O_NOFOLLOW`` (and ``O_NONBLOCK``: a FIFO put there must not hang the run)."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in relative.parts[:-1]:
            nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = nxt
        return os.open(relative.parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)
    finally:
        os.close(fd)


def receive_upload(dd: DataDir, src: Path) -> Received:
    """Copy the upload at ``src`` (below ``landing/``, or an archived file) ONCE into
    ``incoming/``, hashing the bytes as they are copied; everything after (validation, archive,
    quarantine, load) uses only this copy.

    The file is opened without following links (a symlink swapped in after the scan is refused
    with ``ELOOP``), checked with ``fstat`` on the opened descriptor (a regular file), and its
    size and mtime are compared before and after the copy (a file still being written is not
    taken). Raises :class:`UploadChanged`."""
    src = Path(src)
    try:
        relative = src.relative_to(dd.landing)
        fd = _open_below(dd.landing, relative)
    except ValueError:  # not below landing/ (re-processing an archived version)
        try:
            fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as exc:
            raise UploadChanged(f"{src}: {exc.strerror}") from exc
    except OSError as exc:  # ELOOP: a symlink; ENOENT: gone
        raise UploadChanged(f"{src}: {exc.strerror}") from exc
    folder = dd.root / INCOMING
    folder.mkdir(parents=True, exist_ok=True)
    staged = folder / f".{os.getpid()}-{threading.get_ident()}-{time.time_ns()}{src.suffix.lower()}"
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise UploadChanged(f"{src}: no regular file")
        h = hashlib.sha256()
        with os.fdopen(fd, "rb", closefd=False) as fh, open(staged, "xb") as out:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
                out.write(chunk)
        after = os.fstat(fd)
        if (after.st_size, after.st_mtime_ns) != (
            before.st_size,
            before.st_mtime_ns,
        ) or staged.stat().st_size != before.st_size:
            raise UploadChanged(f"{src}: changed while being read")
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    return Received(staged, h.hexdigest(), before.st_size, before.st_mtime, src.name, src.suffix.lower())


def _stamp(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y%m%dT%H%M%SZ")


def archive_received(
    dd: DataDir, received: Received, provider_id: str, extract_type: str, month: str
) -> Path:
    """Move the received copy into the archive (idempotent per checksum)."""
    folder = partition_dir(dd.archive, provider_id, extract_type, month)
    folder.mkdir(parents=True, exist_ok=True)
    existing = sorted(folder.glob(f"*_{received.sha256[:12]}{received.suffix}"))
    if existing:
        received.staged.unlink(missing_ok=True)
        return existing[0]
    dest = folder / f"{_stamp(received.mtime)}_{received.sha256[:12]}{received.suffix}"
    os.replace(received.staged, dest)
    return dest


#: Restricted quarantine: files rejected for personal data (docs/data-folder.md).
RESTRICTED = "quarantine_restricted"
RETENTION_ENV = "ESF_RESTRICTED_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30


def retention_days() -> float:
    raw = os.environ.get(RETENTION_ENV, "").strip()
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_RETENTION_DAYS
    except ValueError:
        return DEFAULT_RETENTION_DAYS


def restricted_dir(dd: DataDir) -> Path:
    return dd.root / RESTRICTED


def quarantine_restricted(
    dd: DataDir, received: Received, provider_id: str, extract_type: str, month: str
) -> Path:
    """Move a file rejected for PERSONAL DATA into the restricted quarantine — never into the
    archive: folders 0700, file 0600, deleted after the retention period (:func:`purge_restricted`).
    The file's mtime is set to now: the retention counts from the rejection."""
    root = restricted_dir(dd)
    folder = partition_dir(root, provider_id, extract_type, month)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for path in (folder, *folder.relative_to(root).parents):  # the folder and each one up to root
        os.chmod(root / path if path != folder else folder, 0o700)
    dest = folder / f"{_stamp(received.mtime)}_{received.sha256[:12]}_{received.name}"
    os.chmod(received.staged, 0o600)
    os.replace(received.staged, dest)
    os.utime(dest)
    return dest


def purge_restricted(
    dd: DataDir, now: float | None = None, days: float | None = None, log=None
) -> list[Path]:
    """Delete every file of the restricted quarantine older than the retention period (default
    30 days, ``ESF_RESTRICTED_RETENTION_DAYS``), with a log line each; returns what was deleted.
    Age = the file's mtime (set when it was quarantined); its report goes with it."""
    import logging

    log = log or logging.getLogger(__name__)
    now = time.time() if now is None else now
    limit = now - (retention_days() if days is None else days) * 86400
    deleted = []
    root = restricted_dir(dd)
    if not root.is_dir():
        return deleted
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        if path.stat().st_mtime < limit:
            path.unlink()
            deleted.append(path)
            log.info(
                "Aufbewahrungsfrist abgelaufen, gelöscht / retention period over, deleted: %s",
                path.relative_to(dd.root),
            )
    return deleted


def clean_incoming(dd: DataDir, now: float | None = None, older_than_s: float = 3600) -> list[Path]:
    """Delete copies left in ``incoming/`` by a receive that was killed (older than an hour:
    a receive in progress in another process is never touched)."""
    folder = dd.root / INCOMING
    if not folder.is_dir():
        return []
    now = time.time() if now is None else now
    stale = [p for p in folder.iterdir() if p.is_file() and p.stat().st_mtime < now - older_than_s]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def _atomic_copy(src: Path, dest: Path) -> None:
    tmp = dest.with_name(f".{dest.name}.tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dest)


def arrived_at(path: Path) -> str:
    return _utc_iso(path.stat().st_mtime)
