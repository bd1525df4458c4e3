"""Schedules: the monthly delivery check on the 11th (the day after the delivery deadline).

The SFC cut-off exports need no schedule: every ``refresh_indicators`` run rebuilds every
cut-off from the raw tables (docs/decisions.md, "Cut-off exports are rebuilt on every refresh").
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from esf_monitor.delivery_check import previous_month
from orchestration.assets.delivery import TIMEZONE, DeliveryCheckConfig, delivery_check

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
