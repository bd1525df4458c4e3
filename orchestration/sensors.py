"""The landing sensor: new or changed uploads become partitions and ingest runs; one refresh per burst.

Cursor = a file change time (ctime) high-water mark (one integer, however many files): files
not touched since the last tick are not even hashed. Changed bytes are detected by SHA-256.

Runs per tick: the files found in one tick are grouped into blocks of NEIGHBOURING partitions
(dynamic partitions keep the order they were added in, so slots first seen in the same tick
are neighbours); each block is ONE ingest run over a partition range. Why: every Dagster run
subprocess costs ~4 s before it does anything, and the runs go one at a time through the pool
"warehouse" — 20 files dropped at once as 20 runs would take minutes, as one range run seconds.
A lone file (the usual monthly upload) gets a single-partition run; when nothing else is
queued or running, that run is ``upload_<type>``: the slot AND everything downstream in one run
(a burst of one file needs no second run — see orchestration/jobs.py). Otherwise it is the
plain ``ingest_<type>`` run, and ``refresh_after_burst`` refreshes once the burst is over.

Tick interval: the sensor daemon loops every 5 s and skips a sensor whose last tick ENDED less
than ``minimum_interval_seconds`` ago — with 5 s a tick that takes any time at all is skipped
on the next loop, so "5 s" meant a tick every 10 s (BENCHMARKS.md section 4: 9.2 s median
from file to run). ``minimum_interval_seconds=1`` = every loop of the daemon, every 5 s.

Run keys make Dagster refuse a second run for the same bytes (e.g. a ``touch``), even across
restarts: ``<slot>@<sha256>@v<n>`` for one file (n = versions of the slot processed so far), and
``<first>..<last>@<count>@<sha256 of every slot@sha256@v<n> line>`` for a range (the per-file
checksums are in the tag ``esf/checksums`` for ranges of up to 100 files). A provider who
re-sends an OLDER version after a newer one (A → B → A) gets a fresh key, so A is processed
again (Dagster never reuses a run key a sensor has launched).
"""

import hashlib
import json

import dagster as dg

from esf_monitor import store
from esf_monitor.paths import data_dir
from esf_monitor.runner import contiguous_blocks, scan_landing
from orchestration.jobs import ingest_jobs, upload_jobs
from orchestration.partitions import FILE_PARTITIONS


#: every loop of the sensor daemon (5 s); see the module docstring
TICK_SECONDS = 1


@dg.sensor(
    name="landing_sensor",
    jobs=[*ingest_jobs.values(), *upload_jobs.values()],
    minimum_interval_seconds=TICK_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Neue Uploads in landing/ / new uploads in landing/ → one ingest run per "
    "tick and block of neighbouring slots (a range run for a burst, a plain run for one file; "
    "one file into an idle system: upload_<type>, its slot and everything downstream).",
)
def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    since = int(context.cursor) if context.cursor else -1
    dd = data_dir()
    scan = scan_landing(dd, since_ctime_ns=since)
    by_type: dict[str, dict[str, str]] = {}  # extract type -> {slot: "slot@sha256@v<n>"}
    for f in scan.pending:
        extract_type = f.key.split("|")[1]
        versions = len(store.read_versions(dd, *store.split_partition_key(f.key)))
        by_type.setdefault(extract_type, {})[f.key] = f"{f.key}@{f.sha256}@v{versions}"
    requests, added = [], []
    for extract_type, stamps in by_type.items():
        partitions = FILE_PARTITIONS[extract_type]
        known = context.instance.get_dynamic_partitions(partitions.name)
        known_set = set(known)
        new = [k for k in stamps if k not in known_set]
        if new:
            added.append(partitions.build_add_request(new))
        for block in contiguous_blocks(known + new, set(stamps)):
            requests.append(_ingest_request(extract_type, block, stamps))
    if len(requests) == 1 and requests[0].partition_key and _idle(context.instance):
        lone = requests[0]
        extract_type = lone.job_name.removeprefix("ingest_")
        requests = [lone.with_replaced_attrs(job_name=upload_jobs[extract_type].name)]
    for path, reason in scan.unroutable:
        context.log.warning(f"quarantined {path}: {reason}")
    for path, kind, reason in scan.waiting:  # left in landing/ (unsettled, ambiguous, unknown provider)
        context.log.info(f"waiting ({kind}) {path}: {reason}")
    return dg.SensorResult(run_requests=requests, dynamic_partitions_requests=added,
                           cursor=str(scan.next_cursor_ns))


#: Up to this many files, a range run's tags list every file's checksum (tags stay readable).
CHECKSUM_TAG_LIMIT = 100


def _ingest_request(extract_type: str, block: list[str], stamps: dict[str, str]) -> dg.RunRequest:
    """One run for neighbouring slots: a plain partition run for one file, a range run otherwise."""
    job_name = f"ingest_{extract_type}"
    if len(block) == 1:
        key = block[0]
        return dg.RunRequest(job_name=job_name, partition_key=key, run_key=stamps[key],
                             tags={"esf/sha256": stamps[key].split("@")[1]})
    digest = hashlib.sha256("\n".join(stamps[k] for k in block).encode()).hexdigest()
    tags = {"dagster/asset_partition_range_start": block[0],
            "dagster/asset_partition_range_end": block[-1],
            "esf/files": str(len(block)), "esf/manifest_sha256": digest}
    if len(block) <= CHECKSUM_TAG_LIMIT:
        tags["esf/checksums"] = json.dumps({k: stamps[k].split("@")[1] for k in block})
    return dg.RunRequest(job_name=job_name, run_key=f"{block[0]}..{block[-1]}@{len(block)}@{digest}",
                         tags=tags)


_ACTIVE = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED,
           dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


def _idle(instance) -> bool:
    """No run of any job queued or running: a lone upload may carry its own refresh."""
    return not instance.get_runs(dg.RunsFilter(statuses=_ACTIVE), limit=1)


@dg.sensor(
    name="refresh_after_burst",
    job_name="refresh_indicators",
    minimum_interval_seconds=TICK_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Ein Neuberechnungslauf pro Upload-Welle / one downstream run per burst: once no "
    "ingest run is queued or running, and some finished since the last refresh, run "
    "registry → dbt → exports → dashboards. Also when the registry file changed.",
)
def refresh_after_burst(context: dg.SensorEvaluationContext):
    """Only plain ``ingest_<type>`` runs ask for a refresh: an ``upload_<type>`` run refreshed
    in itself. It still counts as running (its burst may grow: a second file arriving while it
    runs is a plain ingest run, refreshed after both)."""
    instance = context.instance
    ingest_names = [job.name for job in ingest_jobs.values()]
    upload_names = [job.name for job in upload_jobs.values()]
    for name in ingest_names + upload_names + ["refresh_indicators"]:
        if instance.get_runs(dg.RunsFilter(job_name=name, statuses=_ACTIVE), limit=1):
            return dg.SkipReason(f"{name} läuft noch / still running — waiting for the burst to end")
    finished = [r for name in ingest_names for r in instance.get_run_records(
        dg.RunsFilter(job_name=name, statuses=[dg.DagsterRunStatus.SUCCESS]), limit=1)]
    newest = max(finished, key=lambda r: r.end_time or 0, default=None)
    from esf_monitor.runner import registry_changed

    marker = newest.dagster_run.run_id if newest else "none"
    registry_marker = registry_changed(instance, data_dir())
    if context.cursor == marker and not registry_marker:
        return dg.SkipReason("nichts Neues / nothing new")
    if newest is None and not registry_marker:
        return dg.SkipReason("noch keine Uploads / no uploads yet")
    if not registry_marker and _dashboards_newer_than(instance, newest):
        # e.g. `esf-monitor run` processed the burst before `make ui` started (fresh cursor)
        return dg.SensorResult(skip_reason="Dashboards schon aktuell / dashboards already up to "
                               "date", cursor=marker)
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"refresh@{marker}@{registry_marker or ''}")],
        cursor=marker)


def _dashboards_newer_than(instance, run_record) -> bool:
    """True when the dashboards were materialised after ``run_record`` ended (nothing to refresh)."""
    if run_record is None or not run_record.end_time:
        return False
    dash = instance.get_latest_materialization_event(dg.AssetKey("dashboards"))
    return dash is not None and dash.timestamp >= run_record.end_time
