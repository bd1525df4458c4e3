"""Exports and dashboards: what leaves the warehouse.

Exports are exact (internal figures, basis of the SFC2021 transmission). Dashboards read ONLY
the exported files, never DuckDB — so an analyst's browser never holds a warehouse lock — and
apply small-cell suppression (esf_monitor.dashboard.suppression).
"""


import dagster as dg

from esf_monitor import exports
from esf_monitor.intake import read_registry
from esf_monitor.paths import data_dir
from orchestration.assets.intake import WAREHOUSE_POOL

MART_KEYS = [dg.AssetKey(m) for m in exports.MARTS]


@dg.asset(
    group_name="publish",
    deps=MART_KEYS,
    pool=WAREHOUSE_POOL,  # reads DuckDB: a reader blocks a writer, so it queues with them
    kinds={"csv"},
    description="exports/<YYYY-MM>/{common_indicators,sfc_table,indicators}.csv for every June "
    "and December cut-off and the latest month (docs/indicators.md), plus exports/all_months/ "
    "(every month, for the dashboards). Source: dbt marts of the same names.",
)
def indicator_exports(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    summary = exports.write_exports(data_dir())
    return dg.MaterializeResult(metadata={
        "cutoffs": ", ".join(summary.cutoffs),
        "latest": summary.latest or "-",
        "folder": dg.MetadataValue.path(str(data_dir().exports)),
    })


@dg.asset(
    group_name="publish",
    deps=[indicator_exports],
    kinds={"html"},
    description="Dashboards/HTML (German first, offline, small cells suppressed) built from the "
    "export files only.",
)
def dashboards(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    from esf_monitor.dashboard import build_dashboards

    dd = data_dir()
    paths = build_dashboards(dd.exports, read_registry(dd.registry_csv), dd.dashboards)
    return dg.MaterializeResult(metadata={
        "pages": len(paths),
        "overview": dg.MetadataValue.path(str(dd.dashboards / "overview.html")),
    })
