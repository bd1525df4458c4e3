"""Intake assets: registry, one raw table asset per extract type (partitioned by upload slot), delivery log.

Every asset here writes the warehouse, so all sit in the pool ``warehouse`` (limit 1 in
dagster.yaml): DuckDB allows one writing process.
"""

from __future__ import annotations

import dagster as dg
import polars as pl

from esf_monitor import store, warehouse
from esf_monitor.ingest import ingest_slot
from esf_monitor.intake import RegistryError, read_registry
from esf_monitor.paths import data_dir
from orchestration.partitions import FILE_PARTITIONS
from schemas.codes import EXTRACT_TYPES

WAREHOUSE_POOL = "warehouse"


@dg.asset(
    group_name="intake",
    pool=WAREHOUSE_POOL,
    kinds={"pandera", "duckdb"},
    description="Projektregister reference/projects.csv → raw.projects / project registry "
    "(managing authority). Validated with schemas.registry; an invalid registry fails the run.",
)
def registry(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    dd = data_dir()
    try:
        frame = read_registry(dd.registry_csv)
    except RegistryError as exc:
        raise dg.Failure(description=str(exc)) from exc
    sha = store.sha256_of(dd.registry_csv)
    with warehouse.connect(dd.warehouse) as con:
        warehouse.replace_registry(con, frame, sha)
    return dg.MaterializeResult(metadata={"projects": frame.height, "sha256": sha})


def build_raw_asset(extract_type: str) -> dg.AssetsDefinition:
    name = f"raw_{extract_type}"

    @dg.asset(
        name=name,
        group_name="intake",
        partitions_def=FILE_PARTITIONS[extract_type],
        pool=WAREHOUSE_POOL,
        kinds={"polars", "pandera", "duckdb"},
        check_specs=[dg.AssetCheckSpec(
            "contract", asset=name,
            description="Datei erfüllt den Datenliefervertrag / file meets the extract contract "
            "(pandera). Failure = file rejected and quarantined with a report.")],
        description=f"`{extract_type}` uploads → raw.{extract_type}. One partition per upload slot "
        f"`<provider>|{extract_type}|<YYYY-MM>`; a newer accepted version replaces the slot's rows.",
    )
    def _raw_asset(context: dg.AssetExecutionContext):
        provider_id, key_type, month = store.split_partition_key(context.partition_key)
        if key_type != extract_type:
            raise dg.Failure(f"partition {context.partition_key} is not a {extract_type} slot")
        dd = data_dir()
        outcome = ingest_slot(dd, provider_id, extract_type, month, read_registry(dd.registry_csv),
                              force=context.run.tags.get("esf/force") == "true")
        rec = outcome.record
        metadata = {
            "status": rec.status + (" (unchanged)" if outcome.unchanged else ""),
            "sha256": rec.sha256, "file": rec.file_name, "arrived_at": rec.arrived_at,
            "rows": rec.row_count, "errors": rec.error_count, "warnings": rec.warning_count,
            "incomplete_core_data": rec.incomplete_count,
            "versions": len(store.read_versions(dd, provider_id, extract_type, month)),
        }
        if rec.quarantine_path:
            metadata["quarantine"] = dg.MetadataValue.path(rec.quarantine_path)
        check_meta = {"summary_de": dg.MetadataValue.md(rec.summary_de or "-"),
                      "summary_en": dg.MetadataValue.md(rec.summary_en or "-"),
                      "errors": rec.error_count, "warnings": rec.warning_count}
        yield dg.MaterializeResult(
            metadata=metadata,
            check_results=[dg.AssetCheckResult(
                check_name="contract", passed=rec.status == "accepted",
                severity=dg.AssetCheckSeverity.ERROR, metadata=check_meta)],
        )

    return _raw_asset


raw_assets = [build_raw_asset(t) for t in EXTRACT_TYPES]


@dg.asset(
    group_name="intake",
    pool=WAREHOUSE_POOL,
    deps=raw_assets,
    kinds={"duckdb"},
    description="Lieferprotokoll / delivery log: every file version received (accepted or "
    "rejected) from archive/**/versions.jsonl → raw.deliveries.",
)
def delivery_log(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    dd = data_dir()
    records = [vars(v) for v in store.all_versions(dd)]
    with warehouse.connect(dd.warehouse) as con:
        warehouse.replace_deliveries(con, records)
    rejected = sum(r["status"] == "rejected" for r in records)
    return dg.MaterializeResult(metadata={"versions": len(records), "rejected": rejected})
