"""Exports and dashboards: what leaves the warehouse (docs/indicators.md "Publication", v2).

- ``indicator_exports``: exact figures (exports/), the data team and the SFC2021 transmission.
- ``dashboards``: the internal pages (dashboards/internal/, exact, marked "intern — exakte
  Werte, nicht zur Veröffentlichung"), built from the exact export files only.
- ``public_release_candidate``: the protected release, staged — exports/public/ CSV from the
  marts by the cell key method and the public pages built from those CSV only — with the
  BLOCKING asset check ``disclosure_audit``;
- ``public_release``: moves the audited candidate into dashboards/public/ and exports/public/.
  When the audit fails this step does not run and the previous release stays in place.
"""

import os
import shutil
from pathlib import Path

import dagster as dg

from esf_monitor import exports, process_exports
from esf_monitor.disclosure import audit as disclosure
from esf_monitor.disclosure.release import build_release, write_release
from esf_monitor.intake import read_registry
from esf_monitor.paths import DataDir
from orchestration.assets.intake import WAREHOUSE_POOL
from orchestration.assets.sources import REFERENCE_SPECS
from orchestration.resources import DataFolder, Warehouse

MART_KEYS = [dg.AssetKey(m) for m in exports.MARTS]
#: the process-monitoring marts and counted answers (docs/process-monitoring.md), exported here
PROCESS_MART_KEYS = [dg.AssetKey(m) for m in process_exports.PROCESS_MODELS]


@dg.asset(
    group_name="publish",
    deps=MART_KEYS + PROCESS_MART_KEYS,
    pool=WAREHOUSE_POOL,  # reads DuckDB: a reader blocks a writer, so it queues with them
    kinds={"csv"},
    description="exports/<YYYY-MM>/{common_indicators,sfc_table,indicators}.csv for every June "
    "and December cut-off and the latest month (docs/indicators.md), plus exports/all_months/ "
    "(every month, for the dashboards); the process monitoring's exports/process/waves.csv and "
    "exports/process/<wave>/{process_items,process_responsibility,process_change,process_answers}.csv "
    "(docs/process-monitoring.md). Source: dbt marts of the same names.",
)
def indicator_exports(data_folder: DataFolder) -> dg.MaterializeResult:
    summary = exports.write_exports(data_folder.dd)
    process = process_exports.write_process_exports(data_folder.dd)
    return dg.MaterializeResult(
        metadata={
            "cutoffs": ", ".join(summary.cutoffs),
            "latest": summary.latest or "-",
            "process_waves": ", ".join(process.waves) or "-",
            "folder": dg.MetadataValue.path(str(data_folder.dd.exports)),
            **folder_links(data_folder.dd.exports, summary.files, "export"),
        }
    )


def folder_links(root, paths, label: str) -> dict:
    """One ``MetadataValue.path`` per written file, keyed by its path below ``root``
    (``page projects/P001.html``, ``export 2024-06/sfc_table.csv``): the UI lists them as links
    to copy or open, one per project page."""
    root = Path(root)
    return {
        f"{label} {Path(p).relative_to(root).as_posix()}": dg.MetadataValue.path(str(p))
        for p in sorted(paths, key=lambda p: Path(p).relative_to(root).as_posix())
    }


@dg.asset(
    group_name="publish",
    deps=[indicator_exports, *REFERENCE_SPECS],  # project names and pages from the registry
    kinds={"html"},
    description="Interne Dashboards (exakte Werte) / internal dashboards (exact figures): "
    "dashboards/internal/, German first, offline, built from the export files only; "
    "dashboards/index.html points to the internal and the public pages.",
)
def dashboards(data_folder: DataFolder) -> dg.MaterializeResult:
    from esf_monitor.dashboard import build_dashboards

    dd = data_folder.dd
    paths = build_dashboards(dd.exports, read_registry(dd.registry_csv), dd.dashboards / "internal")
    write_start_page(dd.dashboards)
    return dg.MaterializeResult(
        metadata={
            "pages": len(paths),
            "overview": dg.MetadataValue.path(str(dd.dashboards / "internal" / "overview.html")),
            **folder_links(dd.dashboards / "internal", paths, "page"),
        }
    )


def write_start_page(folder) -> None:
    """dashboards/index.html: which folder is which (it shows no figure)."""
    folder.mkdir(parents=True, exist_ok=True)
    html = (
        '<!doctype html><html lang="de"><meta charset="utf-8"><title>ESF+ Monitoring</title>'
        "<h1>ESF+ Monitoring</h1><ul>"
        '<li><a href="public/index.html">Veröffentlichung (Cell-Key-Verfahren) / public release '
        "(cell key method)</a></li>"
        '<li><a href="internal/index.html">intern — exakte Werte, nicht zur Veröffentlichung / '
        "internal — exact figures, not for publication</a></li></ul></html>\n"
    )
    tmp = folder / ".index.html.tmp"
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, folder / "index.html")


def staging_dir(dd: DataDir):
    return dd.root / "staging" / "public_release"


def read_release_marts(warehouse: Warehouse) -> dict:
    """The marts with their cell keys (true counts: only the audit and the release read them)."""
    with warehouse.connect(read_only=True) as con:
        return exports.read_marts(con, exports.MARTS)


@dg.asset(
    group_name="publish",
    deps=[indicator_exports],
    pool=WAREHOUSE_POOL,  # reads the marts' cell keys from DuckDB
    kinds={"csv", "html"},
    description="Öffentliche Veröffentlichung, vorbereitet / public release, staged: "
    "staging/public_release/{exports,dashboards}/ — every count perturbed by the cell key "
    'method (docs/indicators.md "Publication"), rates in whole percent and durations in '
    "whole days only from 10 on; audited by the blocking check disclosure_audit.",
)
def public_release_candidate(data_folder: DataFolder, warehouse: Warehouse) -> dg.MaterializeResult:
    from esf_monitor.dashboard import build_dashboards
    from esf_monitor.dashboard.process import stage_public_process

    dd = data_folder.dd
    stage = staging_dir(dd)
    shutil.rmtree(stage, ignore_errors=True)
    marts = read_release_marts(warehouse)
    months = sorted(marts["indicators"]["cutoff"].unique().to_list())
    files = write_release(
        build_release(marts),
        stage / "exports",
        exports.export_cutoffs(months),
        months[-1] if months else None,
    )
    # process monitoring: the same exact figures (institutions), without single answers
    files += stage_public_process(dd.exports / "process", stage / "exports" / "process")
    pages = build_dashboards(
        stage / "exports", read_registry(dd.registry_csv), stage / "dashboards", public=True
    )
    return dg.MaterializeResult(
        metadata={"csv_files": len(files), "pages": len(pages), "folder": dg.MetadataValue.path(str(stage))}
    )


@dg.asset_check(
    asset=public_release_candidate,
    blocking=True,
    pool=WAREHOUSE_POOL,
    description="Offenlegungsprüfung / disclosure audit: every published count is the perturbed "
    "value of its cell and the same on every page, none is 1 or 2, rates and durations follow "
    "the rules, the method note is on every page, and a differencing attack on the written "
    "release recovers no true count of 1 or 2. Fails → the previous release stays.",
)
def disclosure_audit(data_folder: DataFolder, warehouse: Warehouse) -> dg.AssetCheckResult:
    stage = staging_dir(data_folder.dd)
    report = disclosure.audit_release(
        stage / "exports",
        stage / "dashboards",
        read_release_marts(warehouse),
        read_registry(data_folder.dd.registry_csv),
    )
    return dg.AssetCheckResult(
        passed=report.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=report.summary()[:2000],
        metadata={
            "cells": report.cells,
            "page_figures": report.page_figures,
            "pages": report.pages,
            "findings": len(report.problems),
            "recovered_small_counts": len(report.recovered),
        },
    )


@dg.asset(
    group_name="publish",
    deps=[public_release_candidate],
    kinds={"html", "csv"},
    description="Öffentliche Veröffentlichung / public release: dashboards/public/ and "
    "exports/public/, the audited candidate moved into place (runs only when disclosure_audit "
    "passed; otherwise the previous release stays).",
)
def public_release(data_folder: DataFolder) -> dg.MaterializeResult:
    dd = data_folder.dd
    stage = staging_dir(dd)
    publish_folder(stage / "exports", dd.exports / "public")
    publish_folder(stage / "dashboards", dd.dashboards / "public")
    write_start_page(dd.dashboards)
    public = dd.dashboards / "public"
    return dg.MaterializeResult(
        metadata={
            "index": dg.MetadataValue.path(str(public / "index.html")),
            **folder_links(public, public.rglob("*.html"), "page"),
            **folder_links(dd.exports / "public", (dd.exports / "public").rglob("*.csv"), "export"),
        }
    )


def publish_folder(new, target) -> None:
    """Replace ``target`` by ``new``: two renames, the old folder removed afterwards."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


#: every asset of the publish group, in order (definitions and jobs take them from here)
PUBLISH_ASSETS = [indicator_exports, dashboards, public_release_candidate, public_release]
