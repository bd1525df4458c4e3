"""After a crash: runs left "started" by a dead ``esf-monitor run`` must not block the next one.

What a SIGKILL (power cut, OOM killer, Ctrl-\\) of ``esf-monitor run`` leaves behind, and why
the next ``esf-monitor run`` still gives exactly the result of an undisturbed run:

- Dagster still lists the killed run as STARTED, and its step still holds the slot of the pool
  "warehouse" (limit 1) in the instance's concurrency table. Nobody would ever free it: the
  next run's first warehouse step would wait for that slot forever. :func:`recover` marks such
  runs failed and frees their slots. A run counts as orphaned only when the process that ran
  it is gone: every run the runner starts carries the tag ``esf/runner`` =
  ``<host>:<pid>:<process start time>`` (the start time guards against a recycled pid). Slots
  still held by runs that have already ended are freed as well (whoever launched them).
- The warehouse: DuckDB rolls back a transaction that was not committed (its WAL is replayed
  on the next open), so a slot's rows are the old version or the new one, never a mix.
- The archive: a version is recorded in ``versions.jsonl`` only after its rows are committed
  (esf_monitor.ingest), so a slot whose bytes were archived but not loaded is still "new" to
  the scan and is ingested again (the archive copy is reused, by checksum).
- dbt, exports and dashboards are rebuilt by the next refresh (``planning.plan_refresh`` sees
  an ingest run newer than the last dashboards materialisation); exports and dashboard pages are written
  to a temp name and renamed, so a reader never sees half a file, and leftover temp files of a
  killed writer are removed by the next export.

Runs launched by the daemon (``make ui``) are not touched here: their worker is a child of the
daemon's code server, not of this process, and the UI can mark them failed ("Terminate").
"""

from __future__ import annotations

import socket

import psutil

RUNNER_TAG = "esf/runner"
POOL = "warehouse"


def runner_tag() -> dict[str, str]:
    """The tag that names this process as the owner of the runs it starts."""
    me = psutil.Process()
    return {RUNNER_TAG: f"{socket.gethostname()}:{me.pid}:{me.create_time():.3f}"}


def _owner_alive(tag: str) -> bool:
    host, pid, started = tag.rsplit(":", 2)
    if host != socket.gethostname():
        return True  # another machine's process: not ours to judge
    try:
        proc = psutil.Process(int(pid))
        return abs(proc.create_time() - float(started)) < 0.01 and proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, ValueError):
        return False


def recover(instance) -> list[str]:
    """Fail the runs of dead runner processes and free every slot no live run holds.

    Returns the ids of the runs marked failed.
    """
    from dagster import DagsterRunStatus, RunsFilter

    active = [
        DagsterRunStatus.NOT_STARTED,
        DagsterRunStatus.STARTING,
        DagsterRunStatus.STARTED,
        DagsterRunStatus.CANCELING,
    ]
    failed = []
    for run in instance.get_runs(RunsFilter(statuses=active)):
        owner = run.tags.get(RUNNER_TAG)
        if owner is None or _owner_alive(owner) or owner == runner_tag()[RUNNER_TAG]:
            continue
        instance.report_run_failed(
            run,
            "Abgebrochen: der Prozess von esf-monitor run lebt nicht mehr / interrupted: the "
            f"esf-monitor run process ({owner}) is gone; the next run processes its files again.",
        )
        failed.append(run.run_id)
    _free_slots_of_ended_runs(instance)
    return failed


def _free_slots_of_ended_runs(instance) -> None:
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return
    from dagster import DagsterRunStatus

    ended = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
    info = storage.get_concurrency_info(POOL)
    holders = {s.run_id for s in info.claimed_slots} | {s.run_id for s in info.pending_steps}
    for run_id in holders:
        run = instance.get_run_by_id(run_id)
        if run is None or run.status in ended:
            storage.free_concurrency_slots_for_run(run_id)


__all__ = ["RUNNER_TAG", "recover", "runner_tag"]
