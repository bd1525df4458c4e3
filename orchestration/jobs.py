"""Jobs: ingest one upload slot per run; refresh everything downstream once per burst."""

import dagster as dg

from orchestration.assets.dbt import esf_dbt_models
from orchestration.assets.intake import delivery_log, raw_assets, registry
from orchestration.assets.publish import dashboards, indicator_exports
from orchestration.partitions import FILE_PARTITIONS

ingest_jobs = {
    asset.key.path[-1].removeprefix("raw_"): dg.define_asset_job(
        name=f"ingest_{asset.key.path[-1].removeprefix('raw_')}",
        selection=dg.AssetSelection.assets(asset),
        partitions_def=FILE_PARTITIONS[asset.key.path[-1].removeprefix("raw_")],
        description="Validate and load one upload slot (partition) into the warehouse.",
    )
    for asset in raw_assets
}

refresh_job = dg.define_asset_job(
    name="refresh_indicators",
    selection=dg.AssetSelection.assets(registry, delivery_log, indicator_exports, dashboards)
    | dg.AssetSelection.assets(esf_dbt_models),
    description="Registry → delivery log → dbt build → exports → dashboards (once per burst).",
)
