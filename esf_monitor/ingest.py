"""Ingest ONE upload slot (provider × extract type × month): the body of the raw_* Dagster assets.

Order matters for "nothing is lost":
1. the upload is read ONCE into ``incoming/`` (no symlink followed, fstat on the opened
   descriptor, checksum from the bytes copied — ``store.receive_upload``); only that copy is
   validated, archived, quarantined or loaded, so a file changed or swapped after the scan can
   never mix with another checksum (issue #13, class 2);
2. the copy is read and validated (pandera) — never raising for bad content — and moved into
   the archive; a file rejected for PERSONAL DATA goes to the restricted quarantine instead and
   never into the archive (``store.quarantine_restricted``, retention period);
3. accepted → its rows replace the slot's rows in one DuckDB transaction;
   rejected → a byte-for-byte copy plus the report go to quarantine, the warehouse is untouched;
4. only then the version is recorded in ``versions.jsonl``. A crash before step 4 leaves the
   version unrecorded, so the next run processes the same bytes again — idempotently.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from esf_monitor import store, warehouse
from esf_monitor.intake import check_file, write_report
from esf_monitor.paths import DataDir

log = logging.getLogger(__name__)


@dataclass
class IngestOutcome:
    record: store.VersionRecord
    findings: pl.DataFrame | None
    unchanged: bool = False
    #: the upload changed or was swapped while being read: nothing recorded, the next scan
    #: sees it again
    deferred: bool = False

    @property
    def accepted(self) -> bool:
        return self.record.status == "accepted"


class NoSourceFile(Exception):
    """Neither the landing folder nor the archive holds a file for the slot."""


class AmbiguousSlot(Exception):
    """Two candidate files for one slot: none is read until one is removed."""


def landing_file(dd: DataDir, provider_id: str, extract_type: str, month: str) -> Path | None:
    """The slot's current upload (``.csv`` or ``.xlsx``, any case); raises :class:`AmbiguousSlot`
    when there are two (``2025-06.csv`` and ``2025-06.CSV`` or ``.xlsx``)."""
    folder = dd.landing / provider_id / extract_type
    if not folder.is_dir():
        return None
    from esf_monitor.intake.landing import slot_candidates

    candidates = slot_candidates(folder, month)
    if len(candidates) > 1:  # never guess (it would flip between runs): the scan reports it
        names = ", ".join(p.name for p in candidates)
        raise AmbiguousSlot(f"mehrdeutig / ambiguous: {provider_id}|{extract_type}|{month}: {names}")
    return candidates[0] if candidates else None


def source_file(dd: DataDir, provider_id: str, extract_type: str, month: str) -> Path:
    """The landing file, else (re-processing after a rule fix) the newest archived version."""
    path = landing_file(dd, provider_id, extract_type, month)
    if path is not None:
        return path
    versions = store.read_versions(dd, provider_id, extract_type, month)
    if versions and versions[-1].archive_path and Path(versions[-1].archive_path).exists():
        return Path(versions[-1].archive_path)
    raise NoSourceFile(f"no file for {provider_id}|{extract_type}|{month}")


@dataclass
class _Received:
    """A slot's upload after steps 1–2 (archived, read, validated), before it touches DuckDB."""

    provider_id: str
    extract_type: str
    month: str
    src: Path
    sha: str
    unchanged_record: store.VersionRecord | None = None
    archived: Path | None = None
    result: object = None  # esf_monitor.intake.validate.IntakeResult
    received: store.Received | None = None
    restricted: Path | None = None  # personal data: the restricted quarantine copy
    deferred: bool = False


def _receive(
    dd: DataDir, provider_id: str, extract_type: str, month: str, registry: pl.DataFrame, force: bool
) -> _Received:
    """Steps 1–2 of :func:`ingest_slot`: archive the bytes, read and validate them.

    Touches neither the warehouse nor ``versions.jsonl``, so it may run ahead of the previous
    slot's load (:func:`ingest_slots`)."""
    src = source_file(dd, provider_id, extract_type, month)
    try:
        received = store.receive_upload(dd, src)
    except store.UploadChanged as exc:
        log.warning("upload not taken this time / Datei diesmal nicht übernommen: %s", exc)
        return _Received(provider_id, extract_type, month, src, "", deferred=True)
    sha = received.sha256
    if not force and store.is_processed(dd, provider_id, extract_type, month, sha):
        received.staged.unlink(missing_ok=True)
        return _Received(
            provider_id,
            extract_type,
            month,
            src,
            sha,
            unchanged_record=store.read_versions(dd, provider_id, extract_type, month)[-1],
        )
    try:
        result = check_file(
            received.staged, provider_id, extract_type, month, registry, file_name=received.name
        )
        if not result.ok and result.personal_data:
            restricted = store.quarantine_restricted(dd, received, provider_id, extract_type, month)
            return _Received(
                provider_id,
                extract_type,
                month,
                src,
                sha,
                result=result,
                received=received,
                restricted=restricted,
            )
        archived = store.archive_received(dd, received, provider_id, extract_type, month)
    except BaseException:
        received.staged.unlink(missing_ok=True)
        raise
    return _Received(
        provider_id, extract_type, month, src, sha, archived=archived, result=result, received=received
    )


def _settle(dd: DataDir, received: _Received, con=None) -> IngestOutcome:
    """Steps 3–4 of :func:`ingest_slot`: load (or quarantine), then record the version."""
    if received.deferred:
        return IngestOutcome(
            store.VersionRecord(
                received.provider_id,
                received.extract_type,
                received.month,
                "",
                received.src.name,
                "",
                status="deferred",
            ),
            None,
            deferred=True,
        )
    if received.unchanged_record is not None:
        return IngestOutcome(received.unchanged_record, None, unchanged=True)
    provider_id, extract_type, month = received.provider_id, received.extract_type, received.month
    sha, result, upload = received.sha, received.result, received.received
    errors = result.findings.filter(pl.col("severity") == "error").height
    warnings = result.findings.filter(pl.col("severity") == "warning").height
    record = store.VersionRecord(
        provider_id=provider_id,
        extract_type=extract_type,
        reporting_month=month,
        sha256=sha,
        file_name=upload.name,
        arrived_at=store.utc_iso(upload.mtime),
        error_count=errors,
        warning_count=warnings,
        incomplete_count=int(result.incomplete_count or 0),
        archive_path=str(received.archived) if received.archived else "",
        summary_de=result.summary_de,
        summary_en=result.summary_en,
    )

    if result.ok:
        if con is None:
            with warehouse.connect(dd.warehouse) as own:
                record.row_count = warehouse.replace_partition(
                    own, extract_type, result.data, provider_id, month, sha
                )
        else:
            record.row_count = warehouse.replace_partition(
                con, extract_type, result.data, provider_id, month, sha
            )
        record.status = "accepted"
        if warnings:  # the uploader should still see the warnings (e.g. incomplete core data)
            write_report(result, *store.warnings_report(dd, provider_id, extract_type, month, sha))
    elif received.restricted is not None:  # personal data: restricted quarantine, never the archive
        write_report(result, received.restricted.parent, received.restricted.name)
        for report in received.restricted.parent.glob(f"{received.restricted.name}.*"):
            os.chmod(report, 0o600)
        record.status = "rejected"
        record.quarantine_path = str(received.restricted)
    else:
        copy = store.quarantine_copy(
            dd,
            received.archived,
            provider_id,
            extract_type,
            month,
            sha,
            name=upload.name,
            arrived=upload.mtime,
        )
        write_report(result, copy.parent, copy.name)
        record.status = "rejected"
        record.quarantine_path = str(copy)
    store.append_version(dd, record)
    return IngestOutcome(record, result.findings)


def ingest_slot(
    dd: DataDir,
    provider_id: str,
    extract_type: str,
    month: str,
    registry: pl.DataFrame,
    force: bool = False,
    con=None,
) -> IngestOutcome:
    """Ingest one slot; ``con`` = an open warehouse connection to reuse (a range run opens one
    for all its slots: connecting costs ~40 ms, more than validating a small file)."""
    return _settle(dd, _receive(dd, provider_id, extract_type, month, registry, force), con)


def ingest_slots(
    dd: DataDir, extract_type: str, keys: list[str], registry: pl.DataFrame, force: bool = False, con=None
) -> Iterator[tuple[str, IngestOutcome]]:
    """:func:`ingest_slot` for each key in order, reading and validating the NEXT slot in a
    worker thread while this one is loaded into DuckDB.

    Why: in a history load (hundreds of slots, millions of rows) the two halves take about
    the same time and use different resources — polars/pandera parse and check (CPU), DuckDB
    writes and commits the previous slot (its WAL, a checkpoint, fsync) — and both release the
    GIL, so on two cores the overlap saves most of the shorter half (BENCHMARKS.md section 2).
    The order that makes "nothing is lost" hold is kept per slot: archive → validate → load →
    record; a slot only ever runs ahead up to "validated", which touches neither the
    warehouse nor ``versions.jsonl`` (a crash there = the slot is processed again next time).
    At most two slots' frames are held at once. Yields ``(key, outcome)``; an error of a slot
    is raised when that slot's turn comes, after the slots before it are done.
    """
    parsed = [store.split_partition_key(k) for k in keys]
    for _p, key_type, _m in parsed:
        if key_type != extract_type:
            raise ValueError(f"partition {_p}|{key_type}|{_m} is not a {extract_type} slot")
    if not keys:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="esf-intake") as pool:
        ahead = pool.submit(_receive, dd, *parsed[0], registry, force)
        for i, key in enumerate(keys):
            received = ahead.result()
            if i + 1 < len(keys):
                ahead = pool.submit(_receive, dd, *parsed[i + 1], registry, force)
            yield key, _settle(dd, received, con)


# --- re-processing from the archive (``esf-monitor reprocess``, UI backfills) -------------------


def newest_accepted(
    dd: DataDir, provider_id: str, extract_type: str, month: str
) -> store.VersionRecord | None:
    """The version whose rows the warehouse holds for the slot (None if nothing was accepted)."""
    accepted = [
        v for v in store.read_versions(dd, provider_id, extract_type, month) if v.status == "accepted"
    ]
    return accepted[-1] if accepted else None


def archived_file(dd: DataDir, record: store.VersionRecord) -> Path:
    """The archived bytes of ``record``, found by checksum in the slot's archive folder.

    Looked up by checksum rather than by the stored ``archive_path``: that path is absolute and
    goes stale when the data folder is moved (``/srv/esf`` → a new disk). The bytes are checked
    against the recorded SHA-256, so a damaged archive fails loudly instead of loading garbage.
    """
    folder = store.partition_dir(dd.archive, record.provider_id, record.extract_type, record.reporting_month)
    candidates = sorted(
        p for p in folder.glob(f"*_{record.sha256[:12]}.*") if p.suffix.lower() in (".csv", ".xlsx")
    )
    if not candidates and record.archive_path and Path(record.archive_path).exists():
        candidates = [Path(record.archive_path)]
    for path in candidates:
        if store.sha256_of(path) == record.sha256:
            return path
    raise NoSourceFile(
        f"Archivdatei fehlt oder ist beschädigt / archived file missing or damaged: "
        f"{record.provider_id}|{record.extract_type}|{record.reporting_month} {record.sha256[:12]}"
    )


def reload_slot(
    dd: DataDir, provider_id: str, extract_type: str, month: str, registry: pl.DataFrame, con=None
) -> IngestOutcome | None:
    """Validate and load the slot's newest ACCEPTED archived version again (after a rule fix).

    Never reads the landing folder: a re-run must reproduce the slot's current state, not pick
    up a file that is waiting (that is ``esf-monitor run``'s job) or that was moved away.
    Nothing is appended to ``versions.jsonl``: that file (and ``raw.deliveries``) lists what
    providers DELIVERED; a re-run is no delivery, so the delivery status (accepted / corrected)
    and hence the exports stay the same when the data did not change — the re-run is idempotent.
    If the fixed rules now reject the file, its rows stay (as for a rejected re-send), the
    report goes to quarantine and the outcome says ``rejected`` (the asset check fails).
    Returns None when the slot has no accepted version (nothing to reload).
    """
    record = newest_accepted(dd, provider_id, extract_type, month)
    if record is None:
        return None
    src = archived_file(dd, record)
    result = check_file(src, provider_id, extract_type, month, registry)
    errors = result.findings.filter(pl.col("severity") == "error").height
    warnings = result.findings.filter(pl.col("severity") == "warning").height
    outcome = store.VersionRecord(
        **{
            **vars(record),
            "error_count": errors,
            "warning_count": warnings,
            "incomplete_count": int(result.incomplete_count or 0),
            "summary_de": result.summary_de,
            "summary_en": result.summary_en,
        }
    )
    if result.ok:
        if con is None:
            with warehouse.connect(dd.warehouse) as own:
                outcome.row_count = warehouse.replace_partition(
                    own, extract_type, result.data, provider_id, month, record.sha256
                )
        else:
            outcome.row_count = warehouse.replace_partition(
                con, extract_type, result.data, provider_id, month, record.sha256
            )
        if warnings:
            write_report(result, *store.warnings_report(dd, provider_id, extract_type, month, record.sha256))
    else:
        copy = store.quarantine_copy(dd, src, provider_id, extract_type, month, record.sha256)
        write_report(result, copy.parent, copy.name)
        outcome.status = "rejected"
        outcome.quarantine_path = str(copy)
    return IngestOutcome(outcome, result.findings)
