"""Check an upload with the pipeline's own intake code and keep its report for the result page.

``check_file`` + ``read_registry`` are exactly what ``esf-monitor validate`` and the intake
assets run, so the portal never accepts a file the pipeline would reject. The findings are kept
as Parquet (paged on the result page without reading them all) and as the pipeline's own report
(``write_report``: ``report.errors.csv`` ; + BOM for German Excel, ``report.summary.txt``).
"""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl

from esf_monitor.intake import check_file, write_report
from esf_monitor.intake.validate import IntakeResult
from esf_monitor.paths import DataDir
from esf_monitor.safe_cells import neutralise_formulas
from portal.web.providers import portal_dir, registry

REPORT_STEM = "report"


def check_dir(dd: DataDir, check_id) -> Path:
    return portal_dir(dd) / "checks" / str(check_id)


def run_check(
    dd: DataDir,
    path: Path,
    file_name: str,
    provider_id: str,
    extract_type: str,
    month: str,
) -> tuple[IntakeResult, float]:
    started = time.perf_counter()
    result = check_file(path, provider_id, extract_type, month, registry(dd), file_name=file_name)
    return result, time.perf_counter() - started


def keep_report(dd: DataDir, check_id, result: IntakeResult) -> Path:
    folder = check_dir(dd, check_id)
    folder.mkdir(parents=True, exist_ok=True)
    result.findings.write_parquet(folder / "findings.parquet")
    write_report(result, folder, REPORT_STEM)
    return folder


def detected_format(result: IntakeResult) -> str | None:
    if result.dialect == "XLSX":
        return "xlsx"
    if result.dialect and result.dialect.startswith("CSV"):
        return "csv"
    return None


def findings_page(
    dd: DataDir, check_id, page: int, per_page: int = 200, severity: str | None = None
) -> tuple[list[dict], int]:
    """One page of findings (errors first, in the intake's order) and their total count."""
    path = check_dir(dd, check_id) / "findings.parquet"
    if not path.exists():
        return [], 0
    lazy = pl.scan_parquet(path)
    if severity:
        lazy = lazy.filter(pl.col("severity") == severity)
    lazy = lazy.with_columns((pl.col("severity") != "error").alias("_order")).sort(
        "_order", maintain_order=True
    )
    total = lazy.select(pl.len()).collect().item()
    rows = lazy.slice(max(page - 1, 0) * per_page, per_page).drop("_order").collect().to_dicts()
    return rows, total


def report_xlsx(dd: DataDir, check_id) -> Path:
    """The report as an Excel workbook (written on first download; formulas neutralised)."""
    folder = check_dir(dd, check_id)
    dest = folder / f"{REPORT_STEM}.errors.xlsx"
    if not dest.exists():
        frame = neutralise_formulas(
            pl.read_parquet(folder / "findings.parquet").head(1_048_575)
        )  # Excel rows
        tmp = dest.with_name(f".{dest.name}.tmp")
        frame.write_excel(tmp, worksheet="Befunde - findings", autofit=True)
        tmp.replace(dest)
    return dest
