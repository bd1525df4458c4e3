"""Headless driver of the Dagster pipeline (``esf-monitor run``) — it does NOT re-implement it.

It does what the landing sensor and declarative automation do under the daemon, in one go:
scan the landing folder, register every new or changed upload slot as a dynamic partition,
then the same runs the sensors would start:

- exactly ONE new file and an unchanged registry (the usual monthly delivery): one
  ``upload_<type>`` run — the slot and everything downstream, dbt with the marts' tests — as the
  landing sensor starts for a lone file into an idle system (orchestration/jobs.py). A second
  run would cost its start, the planned events of ~200 assets and checks, and the
  staging/intermediate tests over the whole history (which run with every refresh and nightly);
- otherwise (a burst, a history load, a changed registry, ``--refresh``): the ingest job per
  block of neighbouring slots, then one ``refresh_indicators`` run for the whole burst.

All runs go through a real ``DagsterInstance`` under ``$ESF_DATA_DIR/dagster_home``, so they
show up in ``make ui`` afterwards.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from esf_monitor import store
from esf_monitor.paths import DataDir

_log = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parents[1]
#: The CLI shows its own progress; Dagster's console logger only adds warnings and errors.
#: (Every event is still stored in the instance and visible in `make ui`.)
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class PendingFile:
    key: str
    path: Path
    sha256: str


@dataclass
class ScanResult:
    pending: list[PendingFile] = field(default_factory=list)
    unroutable: list[tuple[Path, str]] = field(default_factory=list)
    #: left in landing/ and reported: (path, kind, reason) for unsettled, ambiguous and
    #: unknown-provider files (esf_monitor.intake.landing)
    waiting: list[tuple[Path, str, str]] = field(default_factory=list)
    #: tool debris and hidden files, ignored with a log line
    ignored: list[Path] = field(default_factory=list)
    unchanged: int = 0
    next_cursor_ns: int = -1


@dataclass
class RunReport:
    scan: ScanResult
    ingested: list[tuple[str, str]] = field(default_factory=list)  # (partition key, status)
    refreshed: bool = False
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def some_rejected(self) -> bool:
        """A file was rejected (quarantined): the run did its work, the uploader has to act."""
        return bool(self.scan.unroutable) or any(s == "rejected" for _, s in self.ingested)


#: Exit code of ``esf-monitor run`` when it worked but some files were rejected (1 = failed).
EXIT_SOME_REJECTED = 3


#: Set to a PostgreSQL URL to keep Dagster's run, event-log and schedule storage there.
PG_URL_ENV = "ESF_DAGSTER_PG_URL"


def instance_yaml() -> str:
    """The instance settings for this process: the repo's dagster.yaml, plus the PostgreSQL
    storage block of dagster-postgres.yaml when ``ESF_DAGSTER_PG_URL`` is set; otherwise
    Dagster's own SQLite storage under dagster_home/.

    One base file keeps telemetry off and the "warehouse" pool limit identical in both
    variants; the PostgreSQL block names the variable, not its value, so no password lands on
    disk.
    """
    text = (REPO_ROOT / "dagster.yaml").read_text(encoding="utf-8")
    if os.environ.get(PG_URL_ENV, "").strip():
        text += "\n" + (REPO_ROOT / "dagster-postgres.yaml").read_text(encoding="utf-8")
    return text


def _pin_pg_driver() -> None:
    """Rewrite a bare ``postgresql://`` (or ``postgres://``) ESF_DAGSTER_PG_URL to
    ``postgresql+psycopg2://`` in this process's environment (inherited by `dagster dev`).

    SQLAlchemy 2.1 maps the bare scheme to psycopg 3, which is not installed: dagster-postgres
    ships and is written for psycopg2 (dagster issue #33958). An explicit driver is left alone.
    """
    url = os.environ.get(PG_URL_ENV, "").strip()
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            os.environ[PG_URL_ENV] = "postgresql+psycopg2://" + url[len(bare):]


def prepare_instance(dd: DataDir):
    """DAGSTER_HOME under the data folder, with the project's dagster.yaml; returns the instance.

    Storage is Dagster's SQLite under dagster_home/ by default, PostgreSQL when
    ``ESF_DAGSTER_PG_URL`` is set (the yaml is rewritten whenever the choice changes; history
    is not migrated).
    """
    from dagster import DagsterInstance

    dd.ensure()
    os.environ["DAGSTER_HOME"] = str(dd.dagster_home)
    os.environ["ESF_DATA_DIR"] = str(dd.root)
    _pin_pg_driver()
    target = dd.dagster_home / "dagster.yaml"
    wanted = instance_yaml()
    if not target.exists() or target.read_text(encoding="utf-8") != wanted:
        target.write_text(wanted, encoding="utf-8")
    return DagsterInstance.get()


def scan_landing(dd: DataDir, since_ctime_ns: int = -1) -> ScanResult:
    """New or changed uploads (by checksum); files at an unroutable path go to quarantine.

    ``since_ctime_ns`` lets the sensor skip (without hashing) files not changed since its
    last tick; ``ScanResult.next_cursor_ns`` is the scan's start minus 2 s, so a file that
    lands while the folder is being walked is looked at again next tick (the run key makes
    the repeat harmless). ctime, not mtime: an
    upload tool may preserve an OLD modification time (``cp -p``, rsync, unzip), but the
    kernel sets ctime on every create, write or rename, and nobody can set it back.
    """
    from esf_monitor.intake import read_registry
    from esf_monitor.intake.landing import classify_landing_path

    registry = read_registry(dd.registry_csv)
    store.purge_restricted(dd)  # personal-data rejections past their retention period
    store.clean_incoming(dd)  # copies left by a killed receive
    now_ns = time.time_ns()
    result = ScanResult(next_cursor_ns=max(since_ctime_ns, now_ns - 2_000_000_000))
    if not dd.landing.is_dir():
        return result
    for path in sorted(p for p in dd.landing.rglob("*") if p.is_file() or p.is_symlink()):
        ctime = path.lstat().st_ctime_ns
        if ctime <= since_ctime_ns:
            continue
        # debris / unsettled / ambiguous / unknown provider / rejected path: intake's verdict
        status = classify_landing_path(path, dd.landing, registry, now_ns=now_ns)
        if status.kind == "debris":
            _log.info("landing: %s", status.reason_en)
            result.ignored.append(path)
            continue
        if status.kind == "rejected":
            store.quarantine_unroutable(dd, path, status.reason_de, status.reason_en)
            result.unroutable.append((path, status.reason_en))
            continue
        if status.kind != "ok":  # stays in landing/, reported every run
            result.waiting.append((path, status.kind, status.reason_en))
            # the sensor looks at it again next tick (settled, resolved, provider registered)
            result.next_cursor_ns = min(result.next_cursor_ns, ctime - 1)
            continue
        lp = status.slot
        sha = store.sha256_of(path, dd)
        if store.is_processed(dd, lp.provider_id, lp.extract_type, lp.month, sha):
            result.unchanged += 1
            continue
        result.pending.append(PendingFile(
            store.partition_key(lp.provider_id, lp.extract_type, lp.month), path, sha))
    # months in order, so that the archive's version history reads chronologically
    result.pending.sort(key=lambda f: (f.key.split("|")[2], f.key))
    return result


def settle_wait(scan: ScanResult, now_ns: int | None = None) -> float:
    """Seconds until every unsettled file of ``scan`` has been unchanged for the settle time
    (0 when none is unsettled); at most the settle time itself."""
    from esf_monitor.intake.landing import settle_seconds

    settle = settle_seconds()
    changed = [p.lstat().st_ctime_ns for p, kind, _ in scan.waiting if kind == "unsettled" and p.exists()]
    if not changed:
        return 0.0
    now_ns = time.time_ns() if now_ns is None else now_ns
    return min(settle, max(0.0, (max(changed) - now_ns) / 1e9 + settle + 0.1))


def registry_changed(instance, dd: DataDir) -> str | None:
    """The registry file's checksum if it differs from the last materialised registry, else None."""
    from dagster import AssetKey

    from esf_monitor.intake.registry import registry_sha256

    if not dd.registry_csv.exists():
        return None
    current = registry_sha256(dd.registry_csv, dd)  # with municipalities.csv, checklist_items.csv
    reg = instance.get_latest_materialization_event(AssetKey("registry"))
    if reg is None:
        return current
    meta = reg.asset_materialization.metadata
    return None if ("sha256" in meta and meta["sha256"].value == current) else current


def _needs_refresh(instance, dd: DataDir) -> bool:
    """True unless the dashboards are materialised after the registry, and the registry is unchanged."""
    from dagster import AssetKey

    dash = instance.get_latest_materialization_event(AssetKey("dashboards"))
    reg = instance.get_latest_materialization_event(AssetKey("registry"))
    if dash is None or reg is None or not (dd.dashboards / "index.html").exists():
        return True
    return registry_changed(instance, dd) is not None or dash.timestamp < reg.timestamp


def contiguous_blocks(ordered: list[str], wanted: set[str]) -> list[list[str]]:
    """Split ``wanted`` keys into runs of neighbours in the partitions' order (one Dagster run each)."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for key in ordered:
        if key in wanted:
            current.append(key)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _refresh_log(dd: DataDir):
    """dagster-dbt echoes every dbt log line to sys.stdout: keep them in a log file instead."""
    log_dir = dd.root / "logs"
    log_dir.mkdir(exist_ok=True)
    return open(log_dir / "refresh_indicators.log", "a", encoding="utf-8")


def _status(dd: DataDir, key: str) -> str:
    """The slot's newest recorded status; 'deferred' when nothing was recorded (the upload
    changed while being read and waits for the next scan)."""
    versions = store.read_versions(dd, *store.split_partition_key(key))
    return versions[-1].status if versions else "deferred"


def _run_lone_upload(instance, dd: DataDir, pending: PendingFile, owner: dict, report: RunReport,
                     progress: Callable[[str, int, int], None] | None) -> bool:
    """One ``upload_<type>`` run for the one pending slot (slot → … → dashboards).

    Returns False when the slot's own step failed: the caller then falls back to the plain
    refresh, exactly as after a failed ingest run on the two-run path (the earlier data are
    still published). A failure further down is reported under the job's name.
    """
    from orchestration.definitions import defs

    extract_type = pending.key.split("|")[1]
    job = defs.resolve_job_def(f"upload_{extract_type}")
    if progress:
        progress(f"Prüfe / validating {pending.key} → dbt build → Exporte / exports → Dashboards", 0, 2)
    with _refresh_log(dd) as log, contextlib.redirect_stdout(log):
        result = job.execute_in_process(
            instance=instance, partition_key=pending.key, run_config=QUIET, raise_on_error=False,
            tags={"esf/sha256": pending.sha256, **owner})
    if not result.is_node_success(f"raw_{extract_type}"):
        report.failed.append(pending.key)
        return False
    report.ingested.append((pending.key, _status(dd, pending.key)))
    report.refreshed = True
    if not result.success:
        report.failed.append(job.name)
    return True


def run_pending(dd: DataDir, progress: Callable[[str, int, int], None] | None = None,
                force_refresh: bool = False, lone_upload_run: bool = True) -> RunReport:
    """Process every new or changed file under landing/ (see the module docstring).

    ``lone_upload_run=False`` forces the two-run path (ingest + refresh) for one file too; the
    tests compare both paths' exports.
    """
    instance = prepare_instance(dd)
    scan = scan_landing(dd)
    wait_s = settle_wait(scan)
    if wait_s > 0:  # a file changed moments ago (still being copied?): wait once, look again
        if progress:
            progress(f"Warte {wait_s:.0f} s auf noch kopierte Dateien / waiting {wait_s:.0f} s for "
                     "files still being copied", 0, 1)
        time.sleep(wait_s)
        scan = scan_landing(dd)
    lone_upload = (lone_upload_run and len(scan.pending) == 1 and not force_refresh
                   and registry_changed(instance, dd) is None)
    return _run_pending(dd, instance, scan, lone_upload, progress, force_refresh)


def _run_pending(dd: DataDir, instance, scan: ScanResult, lone_upload: bool,
                 progress: Callable[[str, int, int], None] | None, force_refresh: bool) -> RunReport:
    from esf_monitor.recovery import recover, runner_tag
    from orchestration.definitions import defs
    from orchestration.partitions import FILE_PARTITIONS

    recover(instance)  # runs left "started" by a killed earlier run would hold the pool slot
    owner = runner_tag()
    report = RunReport(scan)
    by_type: dict[str, list[str]] = {}
    for f in scan.pending:
        by_type.setdefault(f.key.split("|")[1], []).append(f.key)
    for extract_type, keys in by_type.items():
        instance.add_dynamic_partitions(FILE_PARTITIONS[extract_type].name, keys)

    if lone_upload:
        if _run_lone_upload(instance, dd, scan.pending[0], owner, report, progress):
            if progress:
                progress("fertig / done", 2, 2)
            return report
        by_type = {}  # its slot failed: publish the earlier data as the two-run path does

    total = len(scan.pending) + 1
    done = 0
    for extract_type, keys in by_type.items():
        job = defs.resolve_job_def(f"ingest_{extract_type}")
        ordered = instance.get_dynamic_partitions(FILE_PARTITIONS[extract_type].name)
        for block in contiguous_blocks(ordered, set(keys)):
            if progress:
                label = block[0] if len(block) == 1 else f"{block[0]} … {block[-1]} ({len(block)})"
                progress(f"Prüfe / validating {label}", done, total)
            tags = {"dagster/asset_partition_range_start": block[0],
                    "dagster/asset_partition_range_end": block[-1], **owner}
            result = job.execute_in_process(instance=instance, tags=tags, run_config=QUIET,
                                            raise_on_error=False)
            done += len(block)
            if not result.success:
                report.failed.extend(block)
                continue
            report.ingested.extend((k, _status(dd, k)) for k in block)

    if scan.pending or force_refresh or _needs_refresh(instance, dd):
        if progress:
            progress("dbt build → Exporte / exports → Dashboards", len(scan.pending), total)
        with _refresh_log(dd) as log, contextlib.redirect_stdout(log):
            result = defs.resolve_job_def("refresh_indicators").execute_in_process(
                instance=instance, run_config=QUIET, raise_on_error=False, tags=owner)
        report.refreshed = True
        if not result.success:
            report.failed.append("refresh_indicators")
    if progress:
        progress("fertig / done", total, total)
    return report


# --- re-processing from the archive: ``esf-monitor reprocess`` ---------------------------------


@dataclass
class ReprocessReport:
    slots: list[str] = field(default_factory=list)  # selected slots (partition keys)
    outcomes: dict[str, str] = field(default_factory=dict)  # slot → accepted | rejected | skipped
    refreshed: bool = False
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def archived_slots(dd: DataDir, month_from: str | None = None, month_to: str | None = None,
                   provider: str | None = None, extract_type: str | None = None) -> list[str]:
    """Every upload slot the archive knows (has a ``versions.jsonl``), filtered; month order.

    The archive, not landing/ nor Dagster's partition list, decides what exists: it survives a
    wiped Dagster instance and holds slots whose landing file is gone.
    """
    keys = []
    for path in dd.archive.glob(f"*/*/*/{store.VERSIONS_FILE}"):
        month_dir = path.parent
        p, t, m = month_dir.parent.parent.name, month_dir.parent.name, month_dir.name
        if provider and p != provider or extract_type and t != extract_type:
            continue
        if month_from and m < month_from or month_to and m > month_to:
            continue
        keys.append(store.partition_key(p, t, m))
    return sorted(keys, key=lambda k: (k.split("|")[2], k))


def _slot_status(result) -> dict[str, str]:
    out: dict[str, str] = {}
    for event in result.get_asset_materialization_events():
        meta = event.event_specific_data.materialization.metadata
        if "slot_status" in meta:
            out.update(meta["slot_status"].value)
    return out


def reprocess(dd: DataDir, month_from: str | None = None, month_to: str | None = None,
              provider: str | None = None, extract_type: str | None = None, refresh: bool = True,
              progress: Callable[[str, int, int], None] | None = None) -> ReprocessReport:
    """Re-run the intake of archived slots through the same ``ingest_<type>`` jobs, then one refresh.

    Each selected slot's newest ACCEPTED archived version is validated and loaded again (run tag
    ``esf/reprocess=true``, see orchestration.assets.intake) — exactly what a backfill of the
    ``raw_<type>`` partitions does in the UI. Ranges of neighbouring partitions run as one
    Dagster run (range tags), like history loads. Idempotent: nothing is appended to the
    delivery log, so running it twice leaves raw tables and exports byte-identical.
    """
    instance = prepare_instance(dd)
    from orchestration.assets.intake import REPROCESS_TAG
    from orchestration.definitions import defs
    from orchestration.partitions import FILE_PARTITIONS

    report = ReprocessReport(archived_slots(dd, month_from, month_to, provider, extract_type))
    by_type: dict[str, list[str]] = {}
    for key in report.slots:
        by_type.setdefault(key.split("|")[1], []).append(key)
    total = len(report.slots) + (1 if refresh else 0)
    done = 0
    for t, keys in by_type.items():
        name = FILE_PARTITIONS[t].name
        known = set(instance.get_dynamic_partitions(name))
        missing = [k for k in keys if k not in known]  # e.g. after a fresh Dagster instance
        if missing:
            instance.add_dynamic_partitions(name, missing)
        job = defs.resolve_job_def(f"ingest_{t}")
        for block in contiguous_blocks(instance.get_dynamic_partitions(name), set(keys)):
            if progress:
                label = block[0] if len(block) == 1 else f"{block[0]} … {block[-1]} ({len(block)})"
                progress(f"Neu verarbeiten / reprocessing {label}", done, total)
            tags = {"dagster/asset_partition_range_start": block[0],
                    "dagster/asset_partition_range_end": block[-1], REPROCESS_TAG: "true"}
            result = job.execute_in_process(instance=instance, tags=tags, run_config=QUIET,
                                            raise_on_error=False)
            done += len(block)
            if not result.success:
                report.failed.extend(block)
                continue
            report.outcomes.update(_slot_status(result))

    if refresh and report.slots:
        if progress:
            progress("dbt build → Exporte / exports → Dashboards", done, total)
        with _refresh_log(dd) as log, contextlib.redirect_stdout(log):
            result = defs.resolve_job_def("refresh_indicators").execute_in_process(
                instance=instance, run_config=QUIET, raise_on_error=False)
        report.refreshed = True
        if not result.success:
            report.failed.append("refresh_indicators")
    if progress:
        progress("fertig / done", total, total)
    return report
