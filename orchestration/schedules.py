"""Time- and backfill-driven automation of issue #5: the monthly delivery check on the 11th
(the day after the delivery deadline), every dbt test each night, and one refresh after a
re-processing backfill.

The SFC cut-off exports need no schedule: every ``refresh_indicators`` run rewrites every
cut-off from the marts (docs/decisions.md, "Cut-off exports are rebuilt on every refresh").
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from esf_monitor.delivery_check import previous_month
from orchestration import planning
from orchestration.assets.delivery import TIMEZONE, DeliveryCheckConfig, delivery_check
from orchestration.assets.intake import raw_assets
from orchestration.jobs import dbt_tests_job

delivery_check_job = dg.define_asset_job(
    name="monthly_delivery_check",
    selection=dg.AssetSelection.assets(delivery_check),
    description="Lieferprüfung / delivery check of one reporting month (report + failing check).",
)


@dg.schedule(
    name="delivery_check_on_the_11th",
    job=delivery_check_job,
    cron_schedule="0 6 11 * *",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Am 11. jedes Monats, 06:00 (Berlin): Lieferprüfung des Vormonats / on the 11th "
    "at 06:00 Berlin time: which provider has not delivered the previous month (deadline: the "
    "10th).",
)
def delivery_check_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    # the tick's own time, not "now": a tick the daemon catches up on late still checks the
    # month it was meant for
    tick = context.scheduled_execution_time
    if tick is None:  # evaluated by hand (UI "test schedule" without a time)
        tick = datetime.now(ZoneInfo(TIMEZONE))
    month = previous_month(tick.astimezone(ZoneInfo(TIMEZONE)) if tick.tzinfo else tick)
    return dg.RunRequest(
        run_key=f"delivery_check@{month}",
        run_config=dg.RunConfig(ops={"delivery_check": DeliveryCheckConfig(month=month)}),
        tags={"esf/reporting_month": month},
    )


@dg.schedule(
    name="dbt_tests_nightly",
    job=dbt_tests_job,
    cron_schedule="30 2 * * *",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Jede Nacht 02:30 (Berlin): alle dbt-Tests / every night at 02:30 Berlin time: "
    "every dbt test as an asset check. A single upload's run (upload_<type>) tests only the "
    "marts, to keep the upload → dashboard latency short; this run covers staging and "
    'intermediate too (docs/decisions.md, "Event latency").',
)
def dbt_tests_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    tick = context.scheduled_execution_time
    return dg.RunRequest(run_key=f"dbt_tests@{tick.date().isoformat()}" if tick else None)


RAW_KEYS = {asset.key for asset in raw_assets}
#: the tag Dagster puts on every run a backfill launches (its value: the backfill's id)
BACKFILL_TAG = "dagster/backfill"
_ENDED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]
_ACTIVE = planning.ACTIVE_STATUSES


@dg.sensor(
    name="refresh_after_backfill",
    job_name="refresh_indicators",
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Nach einer Nachverarbeitung (Backfill von raw_*) einmal neu rechnen / one "
    "refresh after a backfill of raw_* partitions has finished (the UI's way to re-process).",
)
def refresh_after_backfill(context: dg.SensorEvaluationContext):
    """Why a sensor of its own: UI backfills run as Dagster's implicit asset job, not as the
    ``ingest_<type>`` jobs that ``refresh_after_burst`` watches — without it the re-loaded rows
    would reach the exports only with the next upload.

    Looks at the newest ended runs (public run records): the newest one that a backfill
    launched (tag ``dagster/backfill``) and that materialised raw data names the backfill. Its
    refresh is requested once no run of that backfill is queued or running and the backfill
    itself is no longer requested (it may still launch runs). A backfill whose runs partly
    failed gets its refresh too (the rows that did load must reach the exports)."""
    instance = context.instance
    newest = next(
        (
            record.dagster_run
            for record in instance.get_run_records(dg.RunsFilter(statuses=_ENDED), limit=100)
            if BACKFILL_TAG in record.dagster_run.tags
            and RAW_KEYS & set(record.dagster_run.asset_selection or ())
        ),
        None,
    )
    if newest is None:
        return dg.SkipReason("kein Backfill der Rohdaten / no backfill of raw data yet")
    backfill_id = newest.tags[BACKFILL_TAG]
    if context.cursor == backfill_id:
        return dg.SkipReason("nichts Neues / nothing new")
    backfill = instance.get_backfill(backfill_id)
    if instance.get_runs(dg.RunsFilter(tags={BACKFILL_TAG: backfill_id}, statuses=_ACTIVE), limit=1) or (
        backfill is not None and backfill.status.value == "REQUESTED"
    ):
        return dg.SkipReason("Backfill läuft noch / backfill still running")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"refresh@backfill:{backfill_id}")], cursor=backfill_id
    )
