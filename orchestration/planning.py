"""What runs when: the one policy of the landing sensor, the refresh sensor and ``esf-monitor run``.

Pure decisions over observations, returning Dagster ``RunRequest``s:

- :func:`scan_landing` — which files under ``landing/`` are new or changed (by checksum), which
  wait (unsettled, ambiguous, unknown provider), which are debris or go to quarantine;
- :func:`plan_intake` — one ingest run per block of NEIGHBOURING upload slots (dynamic
  partitions keep the order they were added in, so slots first seen together are neighbours):
  a plain partition run for one file, a range run for a burst; a lone file into an idle
  system becomes ``upload_<type>``, its slot and everything downstream in one run;
- :func:`plan_refresh` — one ``refresh_indicators`` run per burst, once nothing of the burst is
  queued or running; also when the registry file changed.

The sensors (orchestration/sensors.py) call these with what they observe of the instance; the
command line's driver (orchestration/driver.py) executes exactly the requests they return, so
the two can not drift apart. Observing (:func:`observe_intake`, :func:`observe_refresh`) is kept
apart from deciding, so the decisions are unit-tested without an instance.

Run keys make Dagster refuse a second run for the same bytes (e.g. a ``touch``), even across
restarts: ``<slot>@<sha256>@v<n>`` for one file (n = versions of the slot processed so far), and
``<first>..<last>@<count>@<sha256 of every slot@sha256@v<n> line>`` for a range (the per-file
checksums are in the tag ``esf/checksums`` for ranges of up to 100 files). A provider who
re-sends an OLDER version after a newer one (A → B → A) gets a fresh key, so A is processed
again (Dagster never reuses a run key a sensor has launched).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from esf_monitor import store
from esf_monitor.paths import DataDir

_log = logging.getLogger(__name__)

#: run statuses that count as "on its way" (the burst is not over, the system is not idle)
ACTIVE_STATUSES = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]

#: Up to this many files, a range run's tags list every file's checksum (tags stay readable).
CHECKSUM_TAG_LIMIT = 100

REFRESH_JOB = "refresh_indicators"


# --- scanning ----------------------------------------------------------------------------------


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


def scan_landing(dd: DataDir, since_ctime_ns: int = -1) -> ScanResult:
    """New or changed uploads (by checksum); files at an unroutable path go to quarantine.

    ``since_ctime_ns`` lets the sensor skip (without hashing) files not changed since its
    last tick; ``ScanResult.next_cursor_ns`` is the scan's start minus 2 s, so a file that
    lands while the folder is being walked is looked at again next tick (the run key makes
    the repeat harmless). ctime, not mtime: an upload tool may preserve an OLD modification
    time (``cp -p``, rsync, unzip), but the kernel sets ctime on every create, write or
    rename, and nobody can set it back.
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
        result.pending.append(
            PendingFile(store.partition_key(lp.provider_id, lp.extract_type, lp.month), path, sha)
        )
    # months in order, so that the archive's version history reads chronologically
    result.pending.sort(key=lambda f: (f.key.split("|")[2], f.key))
    return result


def settle_wait(scan: ScanResult, settle: float, now_ns: int | None = None) -> float:
    """Seconds until every unsettled file of ``scan`` has been unchanged for ``settle`` seconds
    (0 when none is unsettled); at most ``settle`` itself."""
    changed = [p.lstat().st_ctime_ns for p, kind, _ in scan.waiting if kind == "unsettled" and p.exists()]
    if not changed:
        return 0.0
    now_ns = time.time_ns() if now_ns is None else now_ns
    return min(settle, max(0.0, (max(changed) - now_ns) / 1e9 + settle + 0.1))


# --- intake runs -------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class IntakeObservation:
    """What the intake decision needs to know of the instance and the archive."""

    #: extract type → its dynamic partition keys, in the order they were added
    known_partitions: dict[str, list[str]]
    #: slot key → number of versions of the slot processed so far (archive)
    versions: dict[str, int]
    #: no run of any job is queued or running
    idle: bool


@dataclass
class IntakePlan:
    run_requests: list[dg.RunRequest]
    #: extract type → slot keys to add as dynamic partitions (before the runs start)
    new_partitions: dict[str, list[str]]


def plan_intake(scan: ScanResult, seen: IntakeObservation, lone_upload: bool = True) -> IntakePlan:
    """The ingest runs for the pending files of ``scan``.

    ``lone_upload=False`` keeps a single file on the two-run path (ingest, then refresh): the
    tests compare both paths' exports, and ``esf-monitor run --refresh`` asks for it.
    """
    by_type: dict[str, dict[str, str]] = {}  # extract type -> {slot: "slot@sha256@v<n>"}
    for f in scan.pending:
        by_type.setdefault(f.key.split("|")[1], {})[f.key] = (
            f"{f.key}@{f.sha256}@v{seen.versions.get(f.key, 0)}"
        )
    requests: list[dg.RunRequest] = []
    new_partitions: dict[str, list[str]] = {}
    for extract_type, stamps in by_type.items():
        known = seen.known_partitions.get(extract_type, [])
        known_set = set(known)
        new = [k for k in stamps if k not in known_set]
        if new:
            new_partitions[extract_type] = new
        for block in contiguous_blocks(known + new, set(stamps)):
            requests.append(ingest_request(extract_type, block, stamps))
    if lone_upload and len(requests) == 1 and requests[0].partition_key and seen.idle:
        lone = requests[0]
        requests = [lone.with_replaced_attrs(job_name=lone.job_name.replace("ingest_", "upload_", 1))]
    return IntakePlan(requests, new_partitions)


def ingest_request(extract_type: str, block: list[str], stamps: dict[str, str]) -> dg.RunRequest:
    """One run for neighbouring slots: a plain partition run for one file, a range run otherwise."""
    job_name = f"ingest_{extract_type}"
    if len(block) == 1:
        key = block[0]
        return dg.RunRequest(
            job_name=job_name,
            partition_key=key,
            run_key=stamps[key],
            tags={"esf/sha256": stamps[key].split("@")[1]},
        )
    digest = hashlib.sha256("\n".join(stamps[k] for k in block).encode()).hexdigest()
    tags = {
        "dagster/asset_partition_range_start": block[0],
        "dagster/asset_partition_range_end": block[-1],
        "esf/files": str(len(block)),
        "esf/manifest_sha256": digest,
    }
    if len(block) <= CHECKSUM_TAG_LIMIT:
        tags["esf/checksums"] = json.dumps({k: stamps[k].split("@")[1] for k in block})
    return dg.RunRequest(
        job_name=job_name, run_key=f"{block[0]}..{block[-1]}@{len(block)}@{digest}", tags=tags
    )


def instance_idle(instance) -> bool:
    """No run of any job queued or running: a lone upload may carry its own refresh."""
    return not instance.get_runs(dg.RunsFilter(statuses=ACTIVE_STATUSES), limit=1)


def observe_intake(instance, dd: DataDir, scan: ScanResult, partitions: dict) -> IntakeObservation:
    """``partitions``: extract type → its ``DynamicPartitionsDefinition``."""
    types = {f.key.split("|")[1] for f in scan.pending}
    return IntakeObservation(
        known_partitions={t: list(instance.get_dynamic_partitions(partitions[t].name)) for t in types},
        versions={
            f.key: len(store.read_versions(dd, *store.split_partition_key(f.key))) for f in scan.pending
        },
        idle=instance_idle(instance),
    )


# --- the refresh after a burst -----------------------------------------------------------------


@dataclass(frozen=True)
class RefreshObservation:
    """What the refresh decision needs to know of the instance and the data folder."""

    #: an ingest, upload or refresh run is queued or running (its name), else None
    running: str | None
    #: run id and end time of the newest successful plain ingest run (None: none yet)
    newest_ingest: tuple[str, float] | None
    #: checksum of the registry file when it differs from the last materialised registry
    registry_change: str | None
    #: when the internal dashboards were last materialised, None if never or not on disk
    dashboards_at: float | None


@dataclass(frozen=True)
class RefreshDecision:
    run: bool
    reason: str
    #: the refresh sensor's cursor after this decision (the newest ingest run it answered)
    cursor: str | None = None
    run_key: str | None = None

    def run_request(self) -> dg.RunRequest:
        return dg.RunRequest(job_name=REFRESH_JOB, run_key=self.run_key)


def plan_refresh(seen: RefreshObservation, cursor: str | None = None, force: bool = False) -> RefreshDecision:
    """One refresh per burst: when nothing of it runs any more, and an ingest run finished that
    no refresh has answered yet (``cursor`` = the newest ingest run answered), or the registry
    changed. ``upload_<type>`` runs refreshed in themselves; they only hold a refresh back while
    they run (a second file arriving meanwhile is a plain ingest run, refreshed after both).
    """
    if seen.running:
        return RefreshDecision(
            False, f"{seen.running} läuft noch / still running — waiting for the burst to end", cursor
        )
    marker = seen.newest_ingest[0] if seen.newest_ingest else "none"
    run_key = f"refresh@{marker}@{seen.registry_change or ''}"
    if force:
        return RefreshDecision(True, "erzwungen / forced", marker, run_key)
    if seen.registry_change:
        return RefreshDecision(True, "Register geändert / registry changed", marker, run_key)
    if seen.newest_ingest is None:
        return RefreshDecision(False, "noch keine Uploads / no uploads yet", cursor)
    if cursor == marker:
        return RefreshDecision(False, "nichts Neues / nothing new", cursor)
    if seen.dashboards_at is not None and seen.dashboards_at >= seen.newest_ingest[1]:
        # e.g. `esf-monitor run` processed the burst before `make ui` started (fresh cursor)
        return RefreshDecision(False, "Dashboards schon aktuell / dashboards already up to date", marker)
    return RefreshDecision(True, "neue Lieferungen / new deliveries", marker, run_key)


def registry_changed(instance, dd: DataDir) -> str | None:
    """The registry file's checksum if it differs from the last materialised registry, else None."""
    from esf_monitor.intake.registry import registry_sha256

    if not dd.registry_csv.exists():
        return None
    current = registry_sha256(dd.registry_csv, dd)  # with municipalities.csv, checklist_items.csv
    reg = instance.get_latest_materialization_event(dg.AssetKey("registry"))
    if reg is None:
        return current
    meta = reg.asset_materialization.metadata
    return None if ("sha256" in meta and meta["sha256"].value == current) else current


def observe_refresh(
    instance, dd: DataDir, ingest_jobs: list[str], upload_jobs: list[str]
) -> RefreshObservation:
    running = next(
        (
            name
            for name in [*ingest_jobs, *upload_jobs, REFRESH_JOB]
            if instance.get_runs(dg.RunsFilter(job_name=name, statuses=ACTIVE_STATUSES), limit=1)
        ),
        None,
    )
    finished = [
        r
        for name in ingest_jobs
        for r in instance.get_run_records(
            dg.RunsFilter(job_name=name, statuses=[dg.DagsterRunStatus.SUCCESS]), limit=1
        )
    ]
    newest = max(finished, key=lambda r: r.end_time or 0, default=None)
    dash = instance.get_latest_materialization_event(dg.AssetKey("dashboards"))
    on_disk = (dd.dashboards / "index.html").exists()
    return RefreshObservation(
        running=running,
        newest_ingest=(newest.dagster_run.run_id, newest.end_time or 0.0) if newest else None,
        registry_change=registry_changed(instance, dd),
        dashboards_at=dash.timestamp if dash is not None and on_disk else None,
    )
