"""Jobs: ingest one upload slot per run; refresh everything downstream once per burst.

Three kinds of runs carry an upload to the dashboards (docs/decisions.md, "Event latency"):

- ``ingest_<type>``: the slot(s) only — a burst of uploads, or an upload while other runs are
  on their way; ``refresh_indicators`` then follows once per burst (sensor
  ``refresh_after_burst``).
- ``upload_<type>``: ONE upload into an idle system (the usual monthly delivery) — its slot
  and everything downstream in one run. A burst of one needs no second run: every Dagster run
  process costs ~5 s to start, and the refresh sensor's tick comes on top. On this path dbt
  builds every model but runs only the tests of the marts (the published figures, the SFC2021
  rules); the tests of staging and intermediate models run with every ``refresh_indicators``
  and every night (``dbt_tests_nightly``).
- ``dbt_tests_nightly``: every dbt test as an asset check, no model rebuilt.
"""

import dagster as dg

from orchestration.assets.dbt import esf_dbt_models
from orchestration.assets.intake import delivery_log, raw_assets, registry
from orchestration.assets.publish import PUBLISH_ASSETS, public_release_candidate
from orchestration.partitions import FILE_PARTITIONS

#: dbt marts (dbt folder ``models/marts``): the published figures
MART_KEYS = [spec.key for spec in esf_dbt_models.specs if spec.group_name == "marts"]

DOWNSTREAM = dg.AssetSelection.assets(registry, delivery_log, *PUBLISH_ASSETS) | dg.AssetSelection.assets(
    esf_dbt_models
)


def _extract_type(asset: dg.AssetsDefinition) -> str:
    return asset.key.path[-1].removeprefix("raw_")


ingest_jobs = {
    _extract_type(asset): dg.define_asset_job(
        name=f"ingest_{_extract_type(asset)}",
        selection=dg.AssetSelection.assets(asset),
        partitions_def=FILE_PARTITIONS[_extract_type(asset)],
        description="Validate and load one upload slot (partition) into the warehouse.",
    )
    for asset in raw_assets
}

upload_jobs = {
    _extract_type(asset): dg.define_asset_job(
        name=f"upload_{_extract_type(asset)}",
        selection=(dg.AssetSelection.assets(asset) | DOWNSTREAM).without_checks()
        # the disclosure audit too: without it public_release would publish unaudited
        | dg.AssetSelection.checks_for_assets(asset, *MART_KEYS, public_release_candidate),
        partitions_def=FILE_PARTITIONS[_extract_type(asset)],
        description="Eine einzelne Lieferung bis ins Dashboard / one upload into an idle system, "
        "in one run: validate and load the slot → registry → delivery log → dbt build (tests of "
        "the marts) → great-expectations → exports → dashboards.",
    )
    for asset in raw_assets
}

refresh_job = dg.define_asset_job(
    name="refresh_indicators",
    selection=DOWNSTREAM,
    description="Registry → delivery log → dbt build → exports → dashboards (once per burst).",
)

dbt_tests_job = dg.define_asset_job(
    name="dbt_tests_nightly",
    selection=dg.AssetSelection.checks(*esf_dbt_models.check_keys),
    description="Alle dbt-Tests als Asset-Checks, ohne Modelle neu zu bauen / every dbt test as "
    "an asset check, no model rebuilt (also those not run on the single-upload path).",
)
