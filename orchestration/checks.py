"""great-expectations checks on the dbt marts as Dagster asset checks (one op, one GX run).

One ``multi_asset_check`` reads the three marts and the registry once from DuckDB (read-only,
connection closed before GX starts), runs ``esf_monitor.quality.validate_marts`` and writes the
offline Data Docs to ``$ESF_DATA_DIR/quality/data_docs/``. A breach that means wrong figures is
a *blocking* ERROR, so ``indicator_exports`` does not run on them; the complete-record share
and the reach-rate plausibility are WARN and never block. In pool ``warehouse``: a DuckDB
reader blocks a writer.

No ``from __future__ import annotations`` here: Dagster checks the ``context`` annotation when
the decorator runs and rejects it as a string.
"""

from pathlib import Path

import dagster as dg

from esf_monitor import quality
from esf_monitor.exports import relation
from esf_monitor.paths import DataDir
from orchestration.assets.intake import WAREHOUSE_POOL
from orchestration.resources import DataFolder, Warehouse


def _spec(check: quality.QualityCheck) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        check.name,
        asset=dg.AssetKey(check.asset),
        description=check.description,
        blocking=check.blocking,
        additional_deps=[dg.AssetKey(k) for k in check.also_reads],
    )


def data_docs_dir(dd: DataDir) -> Path:
    return dd.root / "quality" / "data_docs"


def read_marts(warehouse: Warehouse):
    """The marts and the registry as pandas frames; the DuckDB connection is held briefly."""
    with warehouse.connect(read_only=True) as con:
        frames = {m: con.execute(f"select * from {relation(con, m)}").df() for m in quality.MARTS}
        registry = con.execute("select project_id, start_date from raw.projects").df()
    return frames, registry


@dg.multi_asset_check(
    specs=[_spec(c) for c in quality.CHECKS],
    name="quality_checks",
    description="great-expectations: Quoten, Ergebnisse ≤ EECO01, Geschlechtersummen, keine "
    "negativen Zahlen, vollständige Projekte, Vollständigkeitsquote / rates, results ≤ EECO01, "
    "gender sums, no negative counts, no project missing, complete-record share.",
    compute_kind="great_expectations",
    pool=WAREHOUSE_POOL,
)
def quality_checks(data_folder: DataFolder, warehouse: Warehouse):
    frames, registry = read_marts(warehouse)
    outcomes = quality.validate_marts(frames, registry)
    index = quality.build_data_docs(outcomes, data_docs_dir(data_folder.dd))
    for outcome in outcomes:
        yield dg.AssetCheckResult(
            asset_key=dg.AssetKey(outcome.asset),
            check_name=outcome.name,
            passed=outcome.passed,
            severity=dg.AssetCheckSeverity.ERROR if outcome.blocking else dg.AssetCheckSeverity.WARN,
            description=outcome.description,
            metadata={
                "failing_rows": outcome.failing_count,
                "first_failing_rows": dg.MetadataValue.md(outcome.failing_rows_markdown()),
                "data_docs": dg.MetadataValue.path(str(index)),
            },
        )
