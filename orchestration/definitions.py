"""The one ``Definitions`` of esf-monitor (loaded by workspace.yaml and by the CLI).

Loading it imports Dagster, dagster-dbt (with much of dbt-core) and pandera: ~3 s in every run
process (`esf-monitor run`, and each run the daemon launches). Python's cyclic garbage
collector runs again and again during such imports, walking the ever-growing heap of module
objects that will live as long as the process; with it paused and the result frozen
(``gc.freeze``: later collections skip these objects), loading takes ~0.5–1 s less on this
2-core machine (BENCHMARKS.md, section 3). Nothing changes but when collections happen.
"""

import atexit
import gc

_GC_WAS_ENABLED = gc.isenabled()
gc.disable()
try:
    import dagster as dg

    from orchestration.assets.dbt import dbt_resource, esf_dbt_models
    from orchestration.assets.delivery import delivery_check
    from orchestration.assets.intake import delivery_log, raw_assets, registry
    from orchestration.assets.publish import dashboards, indicator_exports
    from orchestration.checks import quality_checks
    from orchestration.jobs import dbt_tests_job, ingest_jobs, refresh_job, upload_jobs
    from orchestration.schedules import (dbt_tests_schedule, delivery_check_job,
                                         delivery_check_schedule, refresh_after_backfill)
    from orchestration.sensors import landing_sensor, refresh_after_burst
finally:
    # everything imported so far lives as long as the process: keep it out of later
    # collections, and hand it back at exit (left frozen it is never freed, and DuckDB's
    # binding then reports "leaked instances" on stderr); the collector runs again even if an
    # import failed
    gc.freeze()
    atexit.register(gc.unfreeze)
    if _GC_WAS_ENABLED:
        gc.enable()

defs = dg.Definitions(
    assets=[registry, *raw_assets, delivery_log, esf_dbt_models, indicator_exports, dashboards,
            delivery_check],
    asset_checks=[quality_checks],
    jobs=[*ingest_jobs.values(), *upload_jobs.values(), refresh_job, dbt_tests_job,
          delivery_check_job],
    schedules=[delivery_check_schedule, dbt_tests_schedule],
    sensors=[landing_sensor, refresh_after_burst, refresh_after_backfill],
    resources={"dbt": dbt_resource()},
    # One process per run: each step subprocess would cost ~4 s to start (latency matters).
    executor=dg.in_process_executor,
)
