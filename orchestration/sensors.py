"""The landing sensor: each new or changed upload becomes a partition and one ingest run.

Cursor = a file change time (ctime) high-water mark (one integer, however many files): files
not touched since the last tick are not even hashed. Changed bytes are detected by SHA-256.
The run key ``<slot>@<sha256>@v<n>`` (n = versions of the slot processed so far) makes Dagster
refuse a second run for the same bytes (e.g. a ``touch``), even across restarts — while a
provider who re-sends an OLDER version after a newer one (A → B → A) gets a fresh key, so
A is processed again (Dagster never reuses a run key a sensor has launched).
"""


import dagster as dg

from esf_monitor import store
from esf_monitor.paths import data_dir
from esf_monitor.runner import scan_landing
from orchestration.jobs import ingest_jobs
from orchestration.partitions import FILE_PARTITIONS


@dg.sensor(
    name="landing_sensor",
    jobs=list(ingest_jobs.values()),
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Neue Uploads in landing/ / new uploads in landing/ → one ingest run per file.",
)
def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    since = int(context.cursor) if context.cursor else -1
    dd = data_dir()
    scan = scan_landing(dd, since_ctime_ns=since)
    requests, new_keys = [], {}
    for f in scan.pending:
        extract_type = f.key.split("|")[1]
        new_keys.setdefault(extract_type, []).append(f.key)
        versions = len(store.read_versions(dd, *store.split_partition_key(f.key)))
        requests.append(dg.RunRequest(job_name=f"ingest_{extract_type}", partition_key=f.key,
                                      run_key=f"{f.key}@{f.sha256}@v{versions}",
                                      tags={"esf/sha256": f.sha256}))
    for path, reason in scan.unroutable:
        context.log.warning(f"quarantined {path}: {reason}")
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[FILE_PARTITIONS[t].build_add_request(keys)
                                     for t, keys in new_keys.items()],
        cursor=str(scan.next_cursor_ns),
    )


_ACTIVE = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED,
           dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


@dg.sensor(
    name="refresh_after_burst",
    job_name="refresh_indicators",
    minimum_interval_seconds=10,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Ein Neuberechnungslauf pro Upload-Welle / one downstream run per burst: once no "
    "ingest run is queued or running, and some finished since the last refresh, run "
    "registry → dbt → exports → dashboards. Also when the registry file changed.",
)
def refresh_after_burst(context: dg.SensorEvaluationContext):
    instance = context.instance
    ingest_names = [job.name for job in ingest_jobs.values()]
    for name in ingest_names + ["refresh_indicators"]:
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
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"refresh@{marker}@{registry_marker or ''}")],
        cursor=marker)
