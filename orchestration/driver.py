"""Headless driver of the Dagster pipeline (``esf-monitor run``) — it does NOT re-implement it.

It executes what orchestration/planning.py decides, exactly as the sensors hand it to the
daemon under ``make ui``: scan the landing folder, register every new or changed upload slot
as a dynamic partition, run the planned ingest (or ``upload_<type>``) runs, then the refresh
that ``plan_refresh`` asks for. All runs go through a real ``DagsterInstance`` under
``$ESF_DATA_DIR/dagster_home``, so they show up in ``make ui`` afterwards.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files

from dagster import AssetCheckSeverity, DagsterEventType, EventLogEntry, RunRequest

from esf_monitor import store
from esf_monitor.paths import DataDir
from orchestration import planning
from orchestration.planning import ScanResult

#: The CLI shows its own progress; Dagster's console logger only adds warnings and errors.
#: (Every event is still stored in the instance and visible in `make ui`.)
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
#: the instance settings shipped with the package (orchestration/instance/)
INSTANCE_DIR = files("orchestration") / "instance"


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
    """The instance settings for this process: orchestration/instance/dagster.yaml, plus the
    PostgreSQL storage block of dagster-postgres.yaml when ``ESF_DAGSTER_PG_URL`` is set;
    otherwise Dagster's own SQLite storage under dagster_home/.

    One base file keeps telemetry off and the "warehouse" pool limit identical in both
    variants; the PostgreSQL block names the variable, not its value, so no password lands on
    disk.
    """
    text = (INSTANCE_DIR / "dagster.yaml").read_text(encoding="utf-8")
    if os.environ.get(PG_URL_ENV, "").strip():
        text += "\n" + (INSTANCE_DIR / "dagster-postgres.yaml").read_text(encoding="utf-8")
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
            os.environ[PG_URL_ENV] = "postgresql+psycopg2://" + url[len(bare) :]


def prepare_instance(dd: DataDir):
    """DAGSTER_HOME under the data folder, with the project's dagster.yaml; returns the instance.

    Storage is Dagster's SQLite under dagster_home/ by default, PostgreSQL when
    ``ESF_DAGSTER_PG_URL`` is set (the yaml is rewritten whenever the choice changes; history
    is not migrated). The dbt manifest is prepared here too: the code location reads it.
    """
    from dagster import DagsterInstance

    from orchestration.resources import prepare_dbt_project

    dd.ensure()
    os.environ["DAGSTER_HOME"] = str(dd.dagster_home)
    os.environ["ESF_DATA_DIR"] = str(dd.root)
    _pin_pg_driver()
    target = dd.dagster_home / "dagster.yaml"
    wanted = instance_yaml()
    if not target.exists() or target.read_text(encoding="utf-8") != wanted:
        target.write_text(wanted, encoding="utf-8")
    prepare_dbt_project(dd)
    return DagsterInstance.get()


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


def _slots_of(request, instance, partitions) -> list[str]:
    """The slots a planned run covers: its partition, or its partition range."""
    if request.partition_key:
        return [request.partition_key]
    start = request.tags["dagster/asset_partition_range_start"]
    end = request.tags["dagster/asset_partition_range_end"]
    ordered = instance.get_dynamic_partitions(partitions.name)
    return ordered[ordered.index(start) : ordered.index(end) + 1]


#: receives one line per step of a run while it happens (``esf-monitor run`` prints them)
StepLog = Callable[[str], None]


class StepReporter:
    """Turns the Dagster events of one run into lines for the person at the console: a line
    when a step starts, and one when it ends with its duration, how many assets it
    materialised and which asset checks failed. Dagster hands each event to
    :meth:`__call__` as it is stored (``DagsterInstance.add_event_listener``), so the lines
    come while the run works — the same events ``make ui`` shows."""

    def __init__(self, emit: StepLog):
        self.emit = emit
        self.materialized: dict[str, int] = {}
        self.failed_checks: dict[str, list[str]] = {}

    def __call__(self, entry: EventLogEntry) -> None:
        event = entry.dagster_event
        if event is None:
            return
        step = event.step_key or ""
        kind = event.event_type
        if kind == DagsterEventType.STEP_START:
            self.emit(f"  ▶ {step}")
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            self.materialized[step] = self.materialized.get(step, 0) + 1
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed:
                warn = evaluation.severity == AssetCheckSeverity.WARN
                self.failed_checks.setdefault(step, []).append(
                    f"{evaluation.check_name} ({'Warnung / warning' if warn else 'Fehler / error'})"
                )
        elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            seconds = getattr(event.event_specific_data, "duration_ms", None)
            parts = []
            if count := self.materialized.get(step):
                parts.append(f"{count} Asset" + ("s" if count > 1 else ""))
            failed = self.failed_checks.get(step, [])
            if failed:
                shown = ", ".join(failed[:3]) + (f" … (+{len(failed) - 3})" if len(failed) > 3 else "")
                parts.append(f"Prüfung nicht bestanden / check failed: {shown}")
            if seconds is not None:
                parts.append(f"{seconds / 1000:.1f} s")
            mark = "✓" if kind == DagsterEventType.STEP_SUCCESS else "✗ FEHLER / FAILED"
            self.emit(f"  {mark} {step}" + (f" ({'; '.join(parts)})" if parts else ""))


def _execute(defs, instance, dd: DataDir, request, tags: dict, step_log: StepLog | None = None):
    """Run one planned request in this process, as the daemon would launch it; with
    ``step_log``, each step is reported as it starts and ends (:class:`StepReporter`)."""
    job = defs.resolve_job_def(request.job_name)
    run_id = str(uuid.uuid4())  # known before the run starts, so its events can be followed
    if step_log is not None:
        instance.add_event_listener(run_id, StepReporter(step_log))
    with _refresh_log(dd) as log, contextlib.redirect_stdout(log):
        return job.execute_in_process(
            instance=instance,
            partition_key=request.partition_key,
            run_config=QUIET,
            raise_on_error=False,
            run_id=run_id,
            tags={**request.tags, **tags},
        )


def run_pending(
    dd: DataDir,
    progress: Callable[[str, int, int], None] | None = None,
    force_refresh: bool = False,
    step_log: StepLog | None = None,
) -> RunReport:
    """Process every new or changed file under landing/: the runs planning.plan_intake asks
    for, then the refresh planning.plan_refresh asks for (always with ``force_refresh``).

    ``step_log`` gets a line per step as it starts and ends.
    """
    from esf_monitor.intake.landing import settle_seconds

    instance = prepare_instance(dd)  # first: it prepares the dbt manifest the code location reads
    from orchestration.definitions import defs
    from orchestration.jobs import ingest_jobs, upload_jobs
    from orchestration.partitions import FILE_PARTITIONS
    from orchestration.recovery import recover, runner_tag

    scan = planning.scan_landing(dd)
    wait_s = planning.settle_wait(scan, settle_seconds())
    if wait_s > 0:  # a file changed moments ago (still being copied?): wait once, look again
        if progress:
            progress(
                f"Warte {wait_s:.0f} s auf noch kopierte Dateien / waiting {wait_s:.0f} s for "
                "files still being copied",
                0,
                1,
            )
        time.sleep(wait_s)
        scan = planning.scan_landing(dd)
    recover(instance)  # runs left "started" by a killed earlier run would hold the pool slot
    owner = runner_tag()
    report = RunReport(scan)
    plan = planning.plan_intake(
        scan,
        planning.observe_intake(instance, dd, scan, FILE_PARTITIONS),
        lone_upload=not force_refresh,
    )
    for extract_type, keys in plan.new_partitions.items():
        instance.add_dynamic_partitions(FILE_PARTITIONS[extract_type].name, keys)

    total = len(scan.pending) + 1
    done = 0
    for request in plan.run_requests:
        extract_type = request.job_name.split("_", 1)[1]
        block = _slots_of(request, instance, FILE_PARTITIONS[extract_type])
        if progress:
            label = block[0] if len(block) == 1 else f"{block[0]} … {block[-1]} ({len(block)})"
            downstream = (
                " → dbt build → Exporte / exports → Dashboards"
                if request.job_name.startswith("upload_")
                else ""
            )
            progress(f"Prüfe / validating {label}{downstream}", done, total)
        result = _execute(defs, instance, dd, request, owner, step_log)
        done += len(block)
        if not result.is_node_success(f"raw_{extract_type}"):
            report.failed.extend(block)
            continue
        report.ingested.extend((k, _status(dd, k)) for k in block)
        if request.job_name.startswith("upload_"):
            report.refreshed = True
            if not result.success:
                report.failed.append(request.job_name)

    decision = planning.plan_refresh(
        planning.observe_refresh(
            instance, dd, [j.name for j in ingest_jobs.values()], [j.name for j in upload_jobs.values()]
        ),
        force=force_refresh,
    )
    if decision.run:
        if progress:
            progress("dbt build → Exporte / exports → Dashboards", done, total)
        result = _execute(defs, instance, dd, decision.run_request(), owner, step_log)
        report.refreshed = True
        if not result.success:
            report.failed.append(planning.REFRESH_JOB)
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


def archived_slots(
    dd: DataDir,
    month_from: str | None = None,
    month_to: str | None = None,
    provider: str | None = None,
    extract_type: str | None = None,
) -> list[str]:
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
    """Slot → accepted | rejected | skipped, from each partition's own materialisation."""
    out: dict[str, str] = {}
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        if mat.partition and "status" in mat.metadata:
            out[mat.partition] = mat.metadata["status"].value
    return out


def reprocess(
    dd: DataDir,
    month_from: str | None = None,
    month_to: str | None = None,
    provider: str | None = None,
    extract_type: str | None = None,
    refresh: bool = True,
    progress: Callable[[str, int, int], None] | None = None,
    step_log: StepLog | None = None,
) -> ReprocessReport:
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
        for block in planning.contiguous_blocks(instance.get_dynamic_partitions(name), set(keys)):
            if progress:
                label = block[0] if len(block) == 1 else f"{block[0]} … {block[-1]} ({len(block)})"
                progress(f"Neu verarbeiten / reprocessing {label}", done, total)
            tags = {
                "dagster/asset_partition_range_start": block[0],
                "dagster/asset_partition_range_end": block[-1],
                REPROCESS_TAG: "true",
            }
            request = RunRequest(job_name=f"ingest_{t}", tags=tags)
            result = _execute(defs, instance, dd, request, {}, step_log)
            done += len(block)
            if not result.success:
                report.failed.extend(block)
                continue
            report.outcomes.update(_slot_status(result))

    if refresh and report.slots:
        if progress:
            progress("dbt build → Exporte / exports → Dashboards", done, total)
        result = _execute(defs, instance, dd, RunRequest(job_name=planning.REFRESH_JOB), {}, step_log)
        report.refreshed = True
        if not result.success:
            report.failed.append(planning.REFRESH_JOB)
    if progress:
        progress("fertig / done", total, total)
    return report
