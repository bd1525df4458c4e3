"""End to end through Dagster: landing → raw → dbt → exports → dashboards, as `esf-monitor run`.

Two data folders: a generated one (all export dialects, several thousand rows, two SFC
cut-offs) cross-checked figure by figure against the independent Python re-computation of the
spec (tests/reference_model.py), and the small hand-computed fixture for the dbt docs.
Re-submission, rejection and malformed paths: tests/integration/test_resubmission_e2e.py (own module, so
the two long scenarios run on different test workers).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from fixtures.process.seed_figures import assert_seed_figures
from pipeline_harness import csv_digests, processed_copy, run_pipeline
from reference_model import compare_exports, compute, load_raw_from_data_folder, reporting_months

from esf_monitor.exports import CUTOFF_EXPORTS, export_cutoffs
from esf_monitor.paths import DataDir
from orchestration.driver import run_pending

pytestmark = pytest.mark.slow

EECO_EECR = 22  # EECO01–EECO17 + EECR01–EECR05
GENDERS = 4  # f, m, d, total


def test_generated_folder_end_to_end_matches_the_independent_recomputation(small_generated, data_dir):
    shutil.copytree(small_generated, data_dir, dirs_exist_ok=True)
    exports = run_pipeline(data_dir)

    participants, followup, target_population, projects = load_raw_from_data_folder(data_dir)
    cutoffs = export_cutoffs(reporting_months(participants, followup, target_population))
    assert len([c for c in cutoffs if c[5:] in ("06", "12")]) >= 2
    assert sorted(p.name for p in exports.iterdir() if p.name[:4].isdigit()) == cutoffs
    assert participants.select("participant_id", "project_id").unique().height > 2000

    for cutoff in cutoffs:
        for name, columns in CUTOFF_EXPORTS.items():
            header = (exports / cutoff / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
            assert header.split(",") == columns
        started = projects.filter(pl.col("start_date") <= pl.lit(cutoff + "-28").str.to_date())
        common = pl.read_csv(exports / cutoff / "common_indicators.csv")
        assert common.height == (started.height + 1) * EECO_EECR * GENDERS
        # figure by figure, every row of all three exports
        differences = compare_exports(
            compute(participants, followup, target_population, projects, cutoff), exports / cutoff
        )
        assert differences == [], "\n".join(differences[:20])

    # the demo reproduces the seeds' magnitudes (docs: calibration in esf_monitor/demo/generator_data.py)
    latest = pl.read_csv(exports / cutoffs[-1] / "indicators.csv", infer_schema_length=0)
    total = latest.filter(pl.col("gender") == "total")
    sib = total.filter(
        pl.col("project_id").str.starts_with("SIB-") & (pl.col("indicator") == "integration_rate_cumulative")
    )
    integrated = sib["numerator"].cast(pl.Float64).sum() / sib["denominator"].cast(pl.Float64).sum()
    assert 0.25 <= integrated <= 0.42, integrated  # "about one third" of Stark im Beruf leavers
    wup = total.filter((pl.col("project_id") == "AEN-WUP") & (pl.col("indicator") == "reach_rate_12m"))
    # Wuppertal: reach against ~4,600 single parents in SGB II (× the generator's scale 1.5)
    assert 4_000 * 1.5 <= float(wup["denominator"][0]) <= 5_200 * 1.5
    assert 0 < float(wup["value"][0]) < 1
    # process monitoring: the seed's published shares of the 47 checklists (esf_monitor/demo/process.py)
    assert_seed_figures(exports)

    for audience in ("internal", "public"):  # exact pages and the audited public release
        assert (data_dir / "dashboards" / audience / "overview.html").exists()
        assert len(list((data_dir / "dashboards" / audience / "projects").glob("*.html"))) == projects.height
    assert (data_dir / "exports" / "public" / "all_months" / "indicators.csv").exists()

    # running again with nothing new changes nothing
    before = csv_digests(exports)
    report = run_pending(DataDir(data_dir))
    assert report.ok and not report.scan.pending and not report.refreshed
    assert csv_digests(exports) == before


def test_dbt_docs_generate_offline_into_the_data_folder(data_dir, handcalc_processed):
    """`esf-monitor dbt-docs`: a static, self-contained dbt docs page of every model and column."""
    from typer.testing import CliRunner

    from orchestration.cli import app

    processed_copy(handcalc_processed, data_dir)  # the fixture after one `esf-monitor run`
    result = CliRunner().invoke(app, ["dbt-docs"])
    assert result.exit_code == 0, result.output
    page = (data_dir / "docs" / "dbt" / "static_index.html").read_text(encoding="utf-8")
    assert "integration_rate_12m" in page and "EECO01" in page
    assert 'src="http' not in page and '<link href="http' not in page  # nothing fetched
    # in Debian's chromium, from disk: the model tree drawn with its icons, no broken image, and
    # no request but the page itself (its images are data: URLs inside it)
    seen = _dbt_docs_in_chromium(data_dir / "docs" / "dbt" / "static_index.html")
    assert seen["requests"] == [], seen["requests"]
    assert seen["broken_images"] == [] and seen["images"], seen
    assert seen["icons"] and all(found and drawn for _, found, drawn in seen["icons"]), seen["icons"]
    assert {href for href, _, _ in seen["icons"]} >= {"#icn-dir", "#icn-doc"}  # folders and models


def _dbt_docs_in_chromium(path: Path) -> dict:
    """Open the static dbt docs page in chromium (every request other than the page itself
    recorded and aborted) and the project's tree down to the marts: each shown tree icon (its
    target, whether the page holds it, whether it is drawn) and the images that did not load."""
    from playwright.sync_api import sync_playwright

    from esf_monitor.dashboard.browser import CHROMIUM, open_browser

    assert CHROMIUM.exists(), f"{CHROMIUM} missing: `make test-deps` installs Debian's chromium"
    url, requests = path.resolve().as_uri(), []

    def own(address: str) -> bool:
        return address.split("#")[0] == url or address.startswith(("data:", "blob:"))

    def route(r):  # whatever would leave the machine is stopped
        if own(r.request.url):
            r.continue_()
        else:
            r.abort()

    with sync_playwright() as pw:
        browser = open_browser(pw)
        try:
            context = browser.new_context(service_workers="block")
            context.route("**/*", route)
            # every request, the file:// ones too (a file that exists nowhere is a broken icon)
            context.on("request", lambda r: None if own(r.url) else requests.append(r.url))
            page = context.new_page()
            page.goto(url, wait_until="load")
            for folder in ("esf_monitor", "models", "marts"):
                page.locator("a:visible", has_text=folder).first.click()
            page.locator("a:visible", has_text="indicators").first.wait_for()
            return {
                "requests": requests,
                "icons": page.evaluate(
                    """() => Array.from(document.querySelectorAll('.menu-icon-on use, .menu-icon-off use'))
                    .filter(u => u.closest('svg').getClientRects().length > 0)
                    .map(u => [u.href.baseVal, u.href.baseVal.startsWith('#')
                               && document.getElementById(u.href.baseVal.slice(1)) !== null,
                               u.getBBox().width > 0])"""
                ),
                "images": page.evaluate("() => document.images.length"),
                "broken_images": page.evaluate(
                    "() => Array.from(document.images).filter(i => !i.complete || !i.naturalWidth).map(i => i.src)"
                ),
            }
        finally:
            browser.close()
