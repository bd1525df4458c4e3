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

The decisions (scan, blocks, lone upload, refresh rule, run keys) are orchestration/planning.py's;
the sensors observe the instance and hand its answer to Dagster.
"""

import dagster as dg

from orchestration import planning
from orchestration.jobs import ingest_jobs, upload_jobs
from orchestration.partitions import FILE_PARTITIONS
from orchestration.resources import DataFolder

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
def landing_sensor(context: dg.SensorEvaluationContext, data_folder: DataFolder) -> dg.SensorResult:
    dd = data_folder.dd
    scan = planning.scan_landing(dd, since_ctime_ns=int(context.cursor) if context.cursor else -1)
    plan = planning.plan_intake(scan, planning.observe_intake(context.instance, dd, scan, FILE_PARTITIONS))
    for path, reason in scan.unroutable:
        context.log.warning(f"quarantined {path}: {reason}")
    for path, kind, reason in scan.waiting:  # left in landing/ (unsettled, ambiguous, unknown provider)
        context.log.info(f"waiting ({kind}) {path}: {reason}")
    return dg.SensorResult(
        run_requests=plan.run_requests,
        dynamic_partitions_requests=[
            FILE_PARTITIONS[t].build_add_request(keys) for t, keys in plan.new_partitions.items()
        ],
        cursor=str(scan.next_cursor_ns),
    )


@dg.sensor(
    name="refresh_after_burst",
    job_name="refresh_indicators",
    minimum_interval_seconds=TICK_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Ein Neuberechnungslauf pro Upload-Welle / one downstream run per burst: once no "
    "ingest run is queued or running, and some finished since the last refresh, run "
    "registry → dbt → exports → dashboards. Also when the registry file changed.",
)
def refresh_after_burst(context: dg.SensorEvaluationContext, data_folder: DataFolder):
    """Only plain ``ingest_<type>`` runs ask for a refresh: an ``upload_<type>`` run refreshed
    in itself (planning.plan_refresh)."""
    seen = planning.observe_refresh(
        context.instance,
        data_folder.dd,
        [job.name for job in ingest_jobs.values()],
        [job.name for job in upload_jobs.values()],
    )
    decision = planning.plan_refresh(seen, context.cursor)
    if decision.run:
        return dg.SensorResult(run_requests=[decision.run_request()], cursor=decision.cursor)
    if decision.cursor != context.cursor:
        return dg.SensorResult(skip_reason=decision.reason, cursor=decision.cursor)
    return dg.SkipReason(decision.reason)
