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

import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
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


def sha256_of(path: Path) -> str:
    """SHA-256 of the file, computed at most once per file state within this process.

    ``esf-monitor run`` hashes every landing file in its scan and again when the slot is
    ingested (the archive copy is named by it): 2.2 GB twice in a 12M-row history load. The
    memo is keyed by device, inode, size, mtime AND ctime: any write, truncation, rename onto
    the path or ``touch`` changes ctime, which nobody can set back (the landing scan relies on
    the same fact), so a changed file is always hashed again. Per process only: nothing is
    trusted across runs.
    """
    key = os.fspath(path)
    state = _file_state(path)
    hit = _SHA_MEMO.get(key)
    if hit is not None and hit[0] == state:
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
        if len(_SHA_MEMO) >= _SHA_MEMO_MAX:
            _SHA_MEMO.clear()
        _SHA_MEMO[key] = (state, digest)
    return digest


def partition_key(provider_id: str, extract_type: str, month: str) -> str:
    """The Dagster dynamic partition key of one upload slot."""
    return f"{provider_id}|{extract_type}|{month}"


def split_partition_key(key: str) -> tuple[str, str, str]:
    provider_id, extract_type, month = key.split("|")
    return provider_id, extract_type, month


def _utc_iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _now_iso() -> str:
    return datetime.now(tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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


def archive_copy(dd: DataDir, src: Path, provider_id: str, extract_type: str, month: str,
                 sha256: str) -> Path:
    """Copy the received bytes into the archive (idempotent per checksum), atomically."""
    folder = partition_dir(dd.archive, provider_id, extract_type, month)
    folder.mkdir(parents=True, exist_ok=True)
    existing = sorted(folder.glob(f"*_{sha256[:12]}{src.suffix.lower()}"))
    if existing:
        return existing[0]
    stamp = datetime.fromtimestamp(src.stat().st_mtime, tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")
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


def quarantine_copy(dd: DataDir, src: Path, provider_id: str, extract_type: str, month: str,
                    sha256: str) -> Path:
    """Keep a rejected file untouched in quarantine; returns the copy's path (report goes beside it)."""
    folder = partition_dir(dd.quarantine, provider_id, extract_type, month)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromtimestamp(src.stat().st_mtime, tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    dest = folder / f"{stamp}_{sha256[:12]}_{src.name}"
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
    stamp = datetime.now(tz=timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    dest = folder / f"{stamp}_{'__'.join(rel.parts)}"
    shutil.move(os.fspath(src), dest)
    dest.with_name(dest.name + ".reason.txt").write_text(
        f"Datei abgelehnt / File rejected: {rel}\n\n{reason_de}\n\n{reason_en}\n", encoding="utf-8")
    return dest


def _atomic_copy(src: Path, dest: Path) -> None:
    tmp = dest.with_name(f".{dest.name}.tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dest)


def arrived_at(path: Path) -> str:
    return _utc_iso(path.stat().st_mtime)
