"""Intake assets: registry, one raw table asset per extract type (partitioned by upload slot), delivery log.

Every asset here writes the warehouse, so all sit in the pool ``warehouse`` (limit 1 in
dagster.yaml): DuckDB allows one writing process.
"""

import dagster as dg

from esf_monitor import store
from esf_monitor import warehouse as raw_tables
from esf_monitor.ingest import ingest_slots, reload_slot
from esf_monitor.intake import RegistryError, read_registry
from esf_monitor.intake.registry import registry_sha256
from orchestration.partitions import FILE_PARTITIONS
from orchestration.resources import DataFolder, Warehouse
from schemas.codes import EXTRACT_TYPES

WAREHOUSE_POOL = "warehouse"


@dg.asset(
    group_name="intake",
    pool=WAREHOUSE_POOL,
    kinds={"pandera", "duckdb"},
    description="Register / registries (managing authority): reference/projects.csv → raw.projects; "
    "for the process monitoring reference/municipalities.csv → raw.municipalities and "
    "reference/checklist_items.csv → raw.checklist_items. Validated with schemas.registry, "
    "schemas.municipalities, schemas.checklist_items (ids unique across the registries); an "
    "invalid registry fails the run.",
)
def registry(data_folder: DataFolder, warehouse: Warehouse) -> dg.MaterializeResult:
    dd = data_folder.dd
    try:
        frame = read_registry(dd.registry_csv)
    except RegistryError as exc:
        raise dg.Failure(description=str(exc)) from exc
    sha = registry_sha256(dd.registry_csv, dd)  # registry_changed() hashed it already
    with warehouse.connect() as con:
        raw_tables.replace_registry(con, frame, sha)
        raw_tables.replace_process_registries(con, frame.municipalities, frame.checklist_items, sha)
    return dg.MaterializeResult(
        metadata={
            "projects": frame.height,
            "municipalities": frame.municipalities.height,
            "checklist_items": frame.checklist_items.height,
            "sha256": sha,
        }
    )


def _outcome_table(outcomes) -> str:
    lines = ["| slot | status | rows | errors | warnings | incomplete |", "|---|---|---|---|---|---|"]
    for key, o in outcomes:
        r = o.record
        status = r.status + (" (unchanged)" if o.unchanged else "")
        lines.append(
            f"| {key} | {status} | {r.row_count} | {r.error_count} | {r.warning_count} "
            f"| {r.incomplete_count} |"
        )
    return "\n".join(lines)


#: Run tag of ``esf-monitor reprocess`` runs: re-load the slots from the archive.
REPROCESS_TAG = "esf/reprocess"


def is_reprocess_run(tags) -> bool:
    """A re-run from the archive: ``esf-monitor reprocess``, or a backfill launched in the UI.

    Backfills re-run slots that were already processed (e.g. after a rule fix); they must load
    what the archive says is current, never whatever happens to lie in landing/ right now.
    """
    return tags.get(REPROCESS_TAG) == "true" or "dagster/backfill" in tags


def build_raw_asset(extract_type: str) -> dg.AssetsDefinition:
    name = f"raw_{extract_type}"

    @dg.asset(
        name=name,
        group_name="intake",
        partitions_def=FILE_PARTITIONS[extract_type],
        # One run may ingest a whole range of slots (history, backfill): Dagster run overhead
        # is paid once, not per file. The landing sensor, too, asks for one range run per burst.
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        kinds={"polars", "pandera", "duckdb"},
        check_specs=[
            dg.AssetCheckSpec(
                "contract",
                asset=name,
                description="Datei erfüllt den Datenliefervertrag / file meets the extract contract "
                "(pandera). Failure = file rejected and quarantined with a report.",
            )
        ],
        description=f"`{extract_type}` uploads → raw.{extract_type}. One partition per upload slot "
        f"`<provider>|{extract_type}|<YYYY-MM>`; a newer accepted version replaces the slot's rows.",
    )
    def _raw_asset(context: dg.AssetExecutionContext, data_folder: DataFolder, warehouse: Warehouse):
        dd = data_folder.dd
        registry_frame = read_registry(dd.registry_csv)
        force = context.run.tags.get("esf/force") == "true"
        reprocess = is_reprocess_run(context.run.tags)
        outcomes, skipped = [], []
        keys = list(context.partition_keys)
        for key in keys:
            if store.split_partition_key(key)[1] != extract_type:
                raise dg.Failure(f"partition {key} is not a {extract_type} slot")
        with warehouse.connect() as con:
            if reprocess:
                steps = (
                    (key, reload_slot(dd, *store.split_partition_key(key), registry_frame, con=con))
                    for key in keys
                )
            else:
                # the next slot is read and validated while this one is loaded (history loads)
                steps = ingest_slots(dd, extract_type, keys, registry_frame, force=force, con=con)
            for key, outcome in steps:
                if outcome is not None and outcome.deferred:  # changed while being read: next scan
                    context.log.warning(
                        f"{key}: Datei änderte sich beim Lesen, nicht übernommen / "
                        "file changed while being read, not taken this time"
                    )
                    skipped.append(key)
                    continue
                if not reprocess and outcome.unchanged:
                    # the current file was processed already: a materialisation asked for
                    # by hand (UI) re-loads the slot's accepted version from the archive
                    outcome = (
                        reload_slot(dd, *store.split_partition_key(key), registry_frame, con=con) or outcome
                    )
                if outcome is None:  # nothing accepted yet: nothing to re-load
                    skipped.append(key)
                    continue
                if not outcome.accepted:  # (one log line per slot would cost an event-log write each)
                    context.log.warning(f"{key}: abgelehnt / rejected — {outcome.record.quarantine_path}")
                outcomes.append((key, outcome))
        rejected = [(k, o) for k, o in outcomes if not o.accepted]
        metadata = {
            "slots": len(outcomes),
            "accepted": len(outcomes) - len(rejected),
            "rejected": len(rejected),
            "rows": sum(o.record.row_count for _, o in outcomes),
            "incomplete_core_data": sum(o.record.incomplete_count for _, o in outcomes),
            "outcomes": dg.MetadataValue.md(_outcome_table(outcomes[:200])),
            "mode": "reprocess (archive)" if reprocess else "intake (landing)",
        }
        if reprocess or len(outcomes) + len(skipped) <= 500:
            # per-slot result, read by esf-monitor reprocess for its summary (a history load of
            # thousands of slots keeps its event small: the archive has the same facts)
            metadata["slot_status"] = dg.MetadataValue.json(
                {k: o.record.status for k, o in outcomes} | {k: "skipped" for k in skipped}
            )
        if skipped:
            metadata["skipped_no_accepted_version"] = ", ".join(skipped[:200])
        if len(outcomes) == 1:
            rec = outcomes[0][1].record
            metadata.update(
                {
                    "status": rec.status,
                    "sha256": rec.sha256,
                    "file": rec.file_name,
                    "arrived_at": rec.arrived_at,
                    "versions": len(
                        store.read_versions(dd, rec.provider_id, extract_type, rec.reporting_month)
                    ),
                }
            )
            if rec.quarantine_path:
                metadata["quarantine"] = dg.MetadataValue.path(rec.quarantine_path)
        check_meta = {
            "rejected_slots": ", ".join(k for k, _ in rejected) or "-",
            "summary_de": dg.MetadataValue.md(
                "\n\n".join(f"**{k}**\n\n{o.record.summary_de}" for k, o in rejected[:20]) or "-"
            ),
            "summary_en": dg.MetadataValue.md(
                "\n\n".join(f"**{k}**\n\n{o.record.summary_en}" for k, o in rejected[:20]) or "-"
            ),
        }
        yield dg.MaterializeResult(
            metadata=metadata,
            check_results=[
                dg.AssetCheckResult(
                    check_name="contract",
                    passed=not rejected,
                    severity=dg.AssetCheckSeverity.ERROR,
                    metadata=check_meta,
                )
            ],
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
def delivery_log(data_folder: DataFolder, warehouse: Warehouse) -> dg.MaterializeResult:
    dd = data_folder.dd
    records = [vars(v) for v in store.all_versions(dd)]
    with warehouse.connect() as con:
        raw_tables.replace_deliveries(con, records)
    rejected = sum(r["status"] == "rejected" for r in records)
    return dg.MaterializeResult(metadata={"versions": len(records), "rejected": rejected})
