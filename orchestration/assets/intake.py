"""Intake assets: registry, one raw table asset per extract type (partitioned by upload slot), delivery log.

Every asset here writes the warehouse, so all sit in the pool ``warehouse`` (limit 1 in
dagster.yaml): DuckDB allows one writing process.
"""

import warnings

import dagster as dg

from esf_monitor import store
from esf_monitor import warehouse as raw_tables
from esf_monitor.ingest import ingest_slots, reload_slot
from esf_monitor.intake import RegistryError, read_registry
from esf_monitor.intake.registry import registry_sha256
from orchestration.assets.sources import REFERENCE_SPECS, landing
from orchestration.metadata import (
    OUTCOME_TAG,
    outcome_table,
    run_outcome,
    slot_metadata,
    slot_status,
    table_metadata,
)
from orchestration.partitions import FILE_PARTITIONS
from orchestration.resources import DataFolder, Warehouse
from schemas.codes import EXTRACT_TYPES

WAREHOUSE_POOL = "warehouse"


@dg.asset(
    group_name="intake",
    pool=WAREHOUSE_POOL,
    deps=REFERENCE_SPECS,
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
        table_meta = table_metadata(con, "raw", "projects")
    return dg.MaterializeResult(
        metadata={
            **table_meta,  # raw.projects; the process registries' counts below
            "projects": frame.height,
            "municipalities": frame.municipalities.height,
            "checklist_items": frame.checklist_items.height,
            "sha256": sha,
        }
    )


#: Run tag of ``esf-monitor reprocess`` runs: re-load the slots from the archive.
REPROCESS_TAG = "esf/reprocess"


def is_reprocess_run(tags) -> bool:
    """A re-run from the archive: ``esf-monitor reprocess``, or a backfill launched in the UI.

    Backfills re-run slots that were already processed (e.g. after a rule fix); they must load
    what the archive says is current, never whatever happens to lie in landing/ right now.
    """
    return tags.get(REPROCESS_TAG) == "true" or "dagster/backfill" in tags


def contract_spec(name: str, extract_type: str) -> dg.AssetCheckSpec:
    """The ``contract`` check of a raw asset, one result per upload slot (partitioned).

    Partitioned asset checks are a Dagster preview feature: its warning is silenced here, in
    the one place that uses it, instead of on every import of the code location.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.AssetCheckSpec(
            "contract",
            asset=name,
            # one result per slot: the check's partitions show which upload was rejected
            partitions_def=FILE_PARTITIONS[extract_type],
            description="Datei erfüllt den Datenliefervertrag / file meets the extract contract "
            "(pandera). Fehlgeschlagen = Datei abgelehnt, in Quarantäne mit Bericht; die "
            "Rohtabelle behält die zuletzt angenommene Version / failed = file rejected and "
            "quarantined with a report; the raw table keeps the last accepted version. Ein "
            "Lauf mit abgelehnter Datei endet trotzdem erfolgreich, mit dem Tag "
            "esf/outcome=rejected / a run with a rejected file still succeeds, tagged "
            "esf/outcome=rejected.",
        )


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
        # the upload in landing/, checked against the registry (which provider may send what)
        deps=[landing, *REFERENCE_SPECS],
        kinds={"polars", "pandera", "duckdb"},
        check_specs=[contract_spec(name, extract_type)],
        description=f"`{extract_type}` uploads → raw.{extract_type}. One partition per upload slot "
        f"`<provider>|{extract_type}|<YYYY-MM>`; a newer accepted version replaces the slot's rows.",
    )
    def _raw_asset(context: dg.AssetExecutionContext, data_folder: DataFolder, warehouse: Warehouse):
        dd = data_folder.dd
        registry_frame = read_registry(dd.registry_csv)
        force = context.run.tags.get("esf/force") == "true"
        reprocess = is_reprocess_run(context.run.tags)
        results: dict = {}  # slot → outcome (None: nothing accepted to re-load)
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
                elif not reprocess and outcome.unchanged:
                    # the current file was processed already: a materialisation asked for
                    # by hand (UI) re-loads the slot's accepted version from the archive
                    outcome = (
                        reload_slot(dd, *store.split_partition_key(key), registry_frame, con=con) or outcome
                    )
                if outcome is not None and not outcome.deferred and not outcome.accepted:
                    # (one log line per slot would cost an event-log write each)
                    context.log.warning(f"{key}: abgelehnt / rejected — {outcome.record.quarantine_path}")
                results[key] = outcome
            table_meta = table_metadata(con, "raw", extract_type)
            slot_rows = rows_per_slot(con, extract_type)
        yield from slot_events(
            context, name, extract_type, dd, keys, results, table_meta, slot_rows, reprocess
        )

    return _raw_asset


def rows_per_slot(con, extract_type: str) -> dict[tuple[str, str], int]:
    """Rows of every slot now in raw.<type> (one grouped query for the whole run)."""
    return {
        (p, m): n
        for p, m, n in con.execute(
            f"select _provider_id, _reporting_month, count(*) from raw.{extract_type} group by all"
        ).fetchall()
    }


def slot_events(context, name, extract_type, dd, keys, results, table_meta, slot_rows, reprocess):
    """Everything a raw asset reports, per slot: the partition's own metadata (its file, its
    rows — a range run used to show the batch total on every partition), a ``contract`` check
    evaluation per partition (failed = that upload was rejected), one table of the run's slots,
    and the run tag ``esf/outcome`` (accepted | rejected | partly_rejected | nothing_loaded).

    The step itself succeeds when a file is rejected: the run did its job (quarantine, report,
    delivery log, dashboards), ``esf-monitor run`` exits 3, not 1, and a lone upload's run goes
    on to the delivery log and dashboards that show the rejection.
    """
    asset_key = dg.AssetKey(name)
    statuses = {k: slot_status(results.get(k)) for k in keys}
    many = len(keys) > 1
    for key in keys:
        outcome = results.get(key)
        provider, _t, month = store.split_partition_key(key)
        versions = (
            len(store.read_versions(dd, provider, extract_type, month))
            if statuses[key] in ("accepted", "rejected") and len(keys) <= 500
            else None
        )
        context.add_asset_metadata(
            slot_metadata(key, outcome, slot_rows.get((provider, month), 0), versions),
            asset_key=asset_key,
            partition_key=key,
        )
    rejected = [k for k, s in statuses.items() if s == "rejected"]
    outcome_word = run_outcome(statuses.values())
    context.instance.add_run_tags(
        context.run_id, {OUTCOME_TAG: outcome_word, "esf/rejected_slots": str(len(rejected))}
    )
    yield dg.MaterializeResult(
        asset_key=asset_key,
        metadata={**table_meta, "mode": "reprocess (archive)" if reprocess else "intake (landing)"},
    )
    if many:
        # the run's slots in one place (the run's event log, the asset's observations)
        yield dg.AssetObservation(
            asset_key=asset_key,
            metadata={
                "outcome": outcome_word,
                "slots": len(keys),
                "accepted": sum(s == "accepted" for s in statuses.values()),
                "rejected": len(rejected),
                "outcomes": outcome_table([(k, results.get(k)) for k in keys[:500]]),
            },
        )
    check_key = dg.AssetCheckKey(asset_key, "contract")
    if check_key not in context.selected_asset_check_keys:
        return
    # the check's output, then one evaluation per slot (AssetCheckResult has no partition: in a
    # range run it would be one result for all slots)
    yield dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_check_key(check_key))
    for key in keys:
        outcome = results.get(key)
        if statuses[key] not in ("accepted", "rejected"):
            continue  # nothing was checked: the check stays "not evaluated" for this slot
        rec = outcome.record
        passed = statuses[key] == "accepted"
        yield dg.AssetCheckEvaluation(
            asset_key=asset_key,
            check_name="contract",
            passed=passed,
            partition=key,
            severity=dg.AssetCheckSeverity.ERROR,
            blocking=False,
            description=None if passed else f"{key}: {rec.summary_de[:300]} / {rec.summary_en[:300]}",
            metadata={
                "slot": key,
                "status": statuses[key],
                "errors": rec.error_count,
                "warnings": rec.warning_count,
                **({"quarantine": dg.MetadataValue.path(rec.quarantine_path)} if rec.quarantine_path else {}),
            },
        )


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
        table_meta = table_metadata(con, "raw", "deliveries")
    rejected = sum(r["status"] == "rejected" for r in records)
    return dg.MaterializeResult(metadata={**table_meta, "versions": len(records), "rejected": rejected})
