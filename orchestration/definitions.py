"""The one ``Definitions`` of esf-monitor (loaded by workspace.yaml and by the CLI)."""

import dagster as dg

from orchestration.assets.dbt import esf_dbt_models
from orchestration.assets.delivery import delivery_check
from orchestration.assets.intake import delivery_log, raw_assets, registry
from orchestration.assets.publish import PUBLISH_ASSETS, disclosure_audit
from orchestration.assets.sources import SOURCE_SPECS
from orchestration.checks import quality_checks
from orchestration.jobs import dbt_tests_job, ingest_jobs, refresh_job, upload_jobs
from orchestration.metadata import describe_assets
from orchestration.resources import resources_for
from orchestration.schedules import (
    dbt_tests_schedule,
    delivery_check_job,
    delivery_check_schedule,
    refresh_after_backfill,
)
from orchestration.sensors import landing_sensor, refresh_after_burst

defs = dg.Definitions(
    # owners per group and the dashboard pages each asset feeds (orchestration/metadata.py)
    assets=describe_assets(
        [*SOURCE_SPECS, registry, *raw_assets, delivery_log, esf_dbt_models, *PUBLISH_ASSETS, delivery_check]
    ),
    asset_checks=[quality_checks, disclosure_audit],
    jobs=[*ingest_jobs.values(), *upload_jobs.values(), refresh_job, dbt_tests_job, delivery_check_job],
    schedules=[delivery_check_schedule, dbt_tests_schedule],
    sensors=[landing_sensor, refresh_after_burst, refresh_after_backfill],
    resources=resources_for(dg.EnvVar("ESF_DATA_DIR")),
    # One process per run: a step subprocess per asset would pay Python's and Dagster's start
    # for every step (BENCHMARKS.md, event latency).
    executor=dg.in_process_executor,
)
