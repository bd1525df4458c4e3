"""Ingest ONE upload slot (provider × extract type × month): the body of the raw_* Dagster assets.

Order matters for "nothing is lost":
1. the received bytes are archived first (before anything can fail);
2. the file is read and validated (pandera) — never raising for bad content;
3. accepted → its rows replace the slot's rows in one DuckDB transaction;
   rejected → a byte-for-byte copy plus the report go to quarantine, the warehouse is untouched;
4. only then the version is recorded in ``versions.jsonl``. A crash before step 4 leaves the
   version unrecorded, so the next run processes the same bytes again — idempotently.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from esf_monitor import store, warehouse
from esf_monitor.intake import check_file, write_report
from esf_monitor.paths import DataDir


@dataclass
class IngestOutcome:
    record: store.VersionRecord
    findings: pl.DataFrame | None
    unchanged: bool = False

    @property
    def accepted(self) -> bool:
        return self.record.status == "accepted"


class NoSourceFile(Exception):
    """Neither the landing folder nor the archive holds a file for the slot."""


def landing_file(dd: DataDir, provider_id: str, extract_type: str, month: str) -> Path | None:
    """The slot's current upload (``.csv`` or ``.xlsx``, any case); the newest if both exist."""
    folder = dd.landing / provider_id / extract_type
    if not folder.is_dir():
        return None
    candidates = [p for p in folder.iterdir()
                  if p.is_file() and p.stem == month and p.suffix.lower() in (".csv", ".xlsx")]
    return max(candidates, key=lambda p: p.stat().st_mtime_ns) if candidates else None


def source_file(dd: DataDir, provider_id: str, extract_type: str, month: str) -> Path:
    """The landing file, else (re-processing after a rule fix) the newest archived version."""
    path = landing_file(dd, provider_id, extract_type, month)
    if path is not None:
        return path
    versions = store.read_versions(dd, provider_id, extract_type, month)
    if versions and versions[-1].archive_path and Path(versions[-1].archive_path).exists():
        return Path(versions[-1].archive_path)
    raise NoSourceFile(f"no file for {provider_id}|{extract_type}|{month}")


def ingest_slot(dd: DataDir, provider_id: str, extract_type: str, month: str,
                registry: pl.DataFrame, force: bool = False, con=None) -> IngestOutcome:
    """Ingest one slot; ``con`` = an open warehouse connection to reuse (a range run opens one
    for all its slots: connecting costs ~40 ms, more than validating a small file)."""
    src = source_file(dd, provider_id, extract_type, month)
    sha = store.sha256_of(src)
    if not force and store.is_processed(dd, provider_id, extract_type, month, sha):
        return IngestOutcome(store.read_versions(dd, provider_id, extract_type, month)[-1],
                             None, unchanged=True)

    archived = store.archive_copy(dd, src, provider_id, extract_type, month, sha)
    result = check_file(src, provider_id, extract_type, month, registry)
    errors = result.findings.filter(pl.col("severity") == "error").height
    warnings = result.findings.filter(pl.col("severity") == "warning").height
    record = store.VersionRecord(
        provider_id=provider_id, extract_type=extract_type, reporting_month=month, sha256=sha,
        file_name=src.name, arrived_at=store.arrived_at(src), error_count=errors,
        warning_count=warnings, incomplete_count=int(result.incomplete_count or 0),
        archive_path=str(archived), summary_de=result.summary_de, summary_en=result.summary_en)

    if result.ok:
        if con is None:
            with warehouse.connect(dd.warehouse) as own:
                record.row_count = warehouse.replace_partition(
                    own, extract_type, result.data, provider_id, month, sha)
        else:
            record.row_count = warehouse.replace_partition(
                con, extract_type, result.data, provider_id, month, sha)
        record.status = "accepted"
        if warnings:  # the uploader should still see the warnings (e.g. incomplete core data)
            report_dir = store.partition_dir(dd.reports, provider_id, extract_type, month)
            write_report(result, report_dir, f"{sha[:12]}")
    else:
        copy = store.quarantine_copy(dd, src, provider_id, extract_type, month, sha)
        write_report(result, copy.parent, copy.name)
        record.status = "rejected"
        record.quarantine_path = str(copy)
    store.append_version(dd, record)
    return IngestOutcome(record, result.findings)
