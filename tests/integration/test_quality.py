"""great-expectations checks on the marts: each rule catches its own breach and nothing else.

Hand-made marts, internally consistent: three registry projects (P3 starts in June), two
cut-offs, a few indicators per mart. Each broken variant changes the figures so that exactly
one rule is breached (gender totals adjusted along, where a change would break them too).
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from esf_monitor import quality, warehouse
from esf_monitor.quality import MIN_COMPLETE_SHARE, build_data_docs, validate_marts
from orchestration.resources import resources_for

REGISTRY = pd.DataFrame(
    {
        "project_id": ["P1", "P2", "P3"],
        "start_date": [date(2024, 1, 15), date(2024, 3, 1), date(2024, 6, 10)],
        "specific_objective": ["ESO4.1", "ESO4.1", "ESO4.1"],
        "category_of_region": ["transition"] * 3,
    }
)
#: projects that had started by each cut-off (P3 starts 2024-06-10)
STARTED = {"2024-05": ["P1", "P2"], "2024-06": ["P1", "P2", "P3"]}
#: f, m, d per project (complete participants); total = f + m + d
COMMON = {
    "EECO01": (10, 8, 1),
    "EECO02": (6, 4, 1),
    "EECO03": (2, 1, 0),
    "EECR01": (1, 1, 0),
    "EECR04": (3, 2, 0),
}
GENDERS = ("f", "m", "d", "total")


def _with_total(f, m, d, total=None):
    return zip(GENDERS, (f, m, d, f + m + d if total is None else total))


def common_indicators() -> pd.DataFrame:
    rows = []
    for cutoff, projects in STARTED.items():
        for project in [*projects, "ALL"]:
            n = len(projects) if project == "ALL" else 1
            for indicator, fmd in COMMON.items():
                rows += [(cutoff, project, indicator, g, v * n) for g, v in _with_total(*fmd)]
    return pd.DataFrame(rows, columns=["cutoff", "project_id", "indicator", "gender", "value"])


def sfc_table() -> pd.DataFrame:
    ci = common_indicators()
    programme = ci[ci["project_id"] == "ALL"].drop(columns="project_id")
    return programme.assign(specific_objective="ESO4.1", category_of_region="transition")[
        ["cutoff", "specific_objective", "category_of_region", "indicator", "gender", "value"]
    ]


def indicators() -> pd.DataFrame:
    rows = []
    for cutoff, projects in STARTED.items():
        for project in [*projects, "ALL"]:
            n = len(projects) if project == "ALL" else 1
            # one participant per project without gender: counted in total only (incomplete)
            for g, v in _with_total(10 * n, 8 * n, 1 * n, total=20 * n):
                rows.append((cutoff, project, "participants_cumulative", g, v, None, v))
            for g, v in _with_total(4 * n, 3 * n, 0, total=8 * n):
                rows.append((cutoff, project, "participants_active", g, v, None, v))
            for g, (num, den) in zip(GENDERS, [(2, 4), (1, 4), (0, 0), (3, 8)]):
                rows.append(
                    (cutoff, project, "integration_rate_12m", g, num * n, den * n, num / den if den else None)
                )
            rows.append((cutoff, project, "reach_rate_12m", "total", 3 * n, 10 * n, 0.3))
            rows.append((cutoff, project, "duration_median_days", "total", None, 5 * n, 120.0))
    return pd.DataFrame(
        rows, columns=["cutoff", "project_id", "indicator", "gender", "numerator", "denominator", "value"]
    )


def marts() -> dict[str, pd.DataFrame]:
    return {"common_indicators": common_indicators(), "sfc_table": sfc_table(), "indicators": indicators()}


def _row(frame, **match) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in match.items():
        mask &= frame[column] == value
    assert mask.sum() == 1, match
    return mask


def _failed(outcomes) -> set[tuple[str, str]]:
    return {(o.name, o.asset) for o in outcomes if not o.passed}


def _outcome(outcomes, name, asset):
    return next(o for o in outcomes if (o.name, o.asset) == (name, asset))


def test_correct_marts_pass_every_check():
    outcomes = validate_marts(marts(), REGISTRY)
    assert _failed(outcomes) == set()
    assert {(o.name, o.asset) for o in outcomes} == {(c.name, c.asset) for c in quality.CHECKS}
    assert all(o.failing_count == 0 and o.failing_rows.empty for o in outcomes)


def test_rate_above_one_fails_only_the_rate_check():
    frames = marts()
    ind = frames["indicators"]
    ind.loc[
        _row(ind, cutoff="2024-06", project_id="P1", indicator="integration_rate_12m", gender="total"),
        "value",
    ] = 1.2
    outcomes = validate_marts(frames, REGISTRY)
    assert _failed(outcomes) == {("gx_rates_within_0_1", "indicators")}
    rate = _outcome(outcomes, "gx_rates_within_0_1", "indicators")
    assert rate.blocking and rate.severity == "ERROR" and rate.failing_count == 1
    assert rate.failing_rows.iloc[0][["project_id", "value"]].tolist() == ["P1", 1.2]
    assert "1.2" in rate.failing_rows_markdown()


def test_result_above_eeco01_fails_only_results_check():
    frames = marts()
    ci = frames["common_indicators"]
    where = dict(cutoff="2024-06", project_id="P1", indicator="EECR04")
    ci.loc[_row(ci, **where, gender="f"), "value"] = 11  # EECO01 f = 10
    ci.loc[_row(ci, **where, gender="total"), "value"] += 8  # keep f + m + d = total
    outcomes = validate_marts(frames, REGISTRY)
    assert _failed(outcomes) == {("gx_results_le_eeco01", "common_indicators")}
    failing = _outcome(outcomes, "gx_results_le_eeco01", "common_indicators").failing_rows
    assert failing[["project_id", "indicator", "gender", "value", "eeco01"]].values.tolist() == [
        ["P1", "EECR04", "f", 11.0, 10.0]
    ]


def test_gender_rows_not_summing_to_total_fail_only_gender_check():
    frames = marts()
    ci = frames["common_indicators"]
    ci.loc[_row(ci, cutoff="2024-05", project_id="P2", indicator="EECO03", gender="total"), "value"] += 1
    outcomes = validate_marts(frames, REGISTRY)
    assert _failed(outcomes) == {("gx_gender_rows_sum_to_total", "common_indicators")}
    failing = _outcome(outcomes, "gx_gender_rows_sum_to_total", "common_indicators").failing_rows
    assert failing[["project_id", "indicator", "sum_f_m_d", "total"]].values.tolist() == [
        ["P2", "EECO03", 3.0, 4.0]
    ]


def test_count_indicator_genders_above_total_fail_gender_check():
    """In `indicators` participants without gender count only in total: f+m+d ≤ total."""
    frames = marts()
    ind = frames["indicators"]
    ind.loc[
        _row(ind, cutoff="2024-05", project_id="P1", indicator="participants_active", gender="m"),
        ["numerator", "value"],
    ] = 9  # 4 + 9 + 0 > 8
    outcomes = validate_marts(frames, REGISTRY)
    assert _failed(outcomes) == {("gx_gender_rows_sum_to_total", "indicators")}


def test_negative_count_fails_only_negative_check():
    frames = marts()
    sfc = frames["sfc_table"]
    where = dict(cutoff="2024-06", indicator="EECO03")
    sfc.loc[_row(sfc, **where, gender="d"), "value"] = -1
    sfc.loc[_row(sfc, **where, gender="total"), "value"] -= 1
    outcomes = validate_marts(frames, REGISTRY)
    assert _failed(outcomes) == {("gx_no_negative_counts", "sfc_table")}


def test_negative_denominator_fails_negative_check_of_indicators():
    frames = marts()
    ind = frames["indicators"]
    ind.loc[
        _row(ind, cutoff="2024-05", project_id="P2", indicator="duration_median_days", gender="total"),
        "denominator",
    ] = -5
    outcomes = validate_marts(frames, REGISTRY)
    assert _failed(outcomes) == {("gx_no_negative_counts", "indicators")}


def test_missing_project_fails_only_project_check_of_that_mart():
    frames = marts()
    ind = frames["indicators"]
    frames["indicators"] = ind[~((ind["cutoff"] == "2024-06") & (ind["project_id"] == "P3"))]
    outcomes = validate_marts(frames, REGISTRY)
    assert _failed(outcomes) == {("gx_no_project_missing", "indicators")}
    failing = _outcome(outcomes, "gx_no_project_missing", "indicators").failing_rows
    assert failing[["cutoff", "project_id"]].values.tolist() == [["2024-06", "P3"]]


def test_project_not_started_yet_is_not_required():
    """P3 starts 2024-06-10: absent from 2024-05 is right (the fixture already relies on it)."""
    late = REGISTRY.assign(start_date=[date(2024, 1, 15), date(2024, 3, 1), date(2024, 5, 31)])
    outcomes = validate_marts(marts(), late)
    assert _failed(outcomes) == {
        ("gx_no_project_missing", "common_indicators"),
        ("gx_no_project_missing", "indicators"),
    }


def test_low_complete_share_is_only_a_warning():
    frames = marts()
    ind = frames["indicators"]
    ind.loc[
        _row(ind, cutoff="2024-06", project_id="ALL", indicator="participants_cumulative", gender="total"),
        ["numerator", "value"],
    ] = 100  # EECO01 57 / 100
    outcomes = validate_marts(frames, REGISTRY)
    assert _failed(outcomes) == {("gx_complete_share_min", "common_indicators")}
    warning = _outcome(outcomes, "gx_complete_share_min", "common_indicators")
    assert not warning.blocking and warning.severity == "WARN"
    assert warning.failing_rows["complete_share"].iloc[0] == pytest.approx(0.57)
    assert warning.failing_rows["complete_share"].iloc[0] < MIN_COMPLETE_SHARE


def test_reach_rate_above_one_is_only_a_warning():
    frames = marts()
    ind = frames["indicators"]
    ind.loc[_row(ind, cutoff="2024-05", project_id="P2", indicator="reach_rate_12m"), "value"] = 1.4
    outcomes = validate_marts(frames, REGISTRY)
    assert _failed(outcomes) == {("gx_reach_rate_at_most_1", "indicators")}
    assert not _outcome(outcomes, "gx_reach_rate_at_most_1", "indicators").blocking


def _assert_offline(index_html: str) -> None:
    remote = re.findall(r"<(?:script|link)\b[^>]*(?:src|href)=[\"']https?://", index_html, re.I)
    assert remote == []


def test_data_docs_are_offline_and_link_the_gx_pages(tmp_path):
    frames = marts()
    ind = frames["indicators"]
    ind.loc[
        _row(ind, cutoff="2024-06", project_id="P1", indicator="integration_rate_12m", gender="total"),
        "value",
    ] = 1.2
    outcomes = validate_marts(frames, REGISTRY)
    index = build_data_docs(outcomes, tmp_path / "quality" / "data_docs")
    assert index == tmp_path / "quality" / "data_docs" / "index.html"
    text = index.read_text(encoding="utf-8")
    _assert_offline(text)
    assert "Datenqualität" in text and "gx_rates_within_0_1" in text
    pages = list(index.parent.rglob("*.html"))
    assert len(pages) > len(outcomes)  # index + one validation page and one suite page each
    for page in pages:
        _assert_offline(page.read_text(encoding="utf-8"))
    links = re.findall(r'href="(validations/[^"]+)"', text)
    assert len(links) == len(outcomes)
    assert all((index.parent / link).is_file() for link in links)
    assert (index.parent / "static" / "styles" / "esf_offline.css").is_file()

    # a second build replaces the first: no stale validation pages pile up
    build_data_docs(validate_marts(marts(), REGISTRY), index.parent)
    assert len(list((index.parent / "validations").rglob("*.html"))) == len(outcomes)


def test_data_docs_work_offline_in_a_real_browser(tmp_path):
    """Debian's chromium opens the index and a validation page from disk: every request stays
    in the docs folder (file://, each file there), no console error (GX's inline scripts find
    jQuery and Bootstrap), and "Show more info..." opens its section and closes it again."""
    from playwright.sync_api import sync_playwright

    from esf_monitor.dashboard.browser import CHROMIUM, open_browser

    assert CHROMIUM.exists(), f"{CHROMIUM} missing: `make test-deps` installs Debian's chromium"
    index = build_data_docs(validate_marts(marts(), REGISTRY), tmp_path / "data_docs")
    page_file = next(index.parent.glob("validations/**/*.html"))
    requests: list[str] = []
    console: list[str] = []
    with sync_playwright() as pw:
        browser = open_browser(pw)
        try:
            context = browser.new_context()
            context.on("request", lambda r: requests.append(r.url))
            page = context.new_page()
            page.on("console", lambda m: console.append(f"{m.type}: {m.text} {m.location}"))
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.goto(index.as_uri(), wait_until="load")
            page.goto(page_file.as_uri(), wait_until="load")
            link = page.get_by_text("Show more info...").first
            section = page.locator(link.get_attribute("href"))
            assert not section.is_visible()
            link.click()
            page.wait_for_selector(f"{link.get_attribute('href')}.show", state="visible")
            link.click()
            section.wait_for(state="hidden")
        finally:
            browser.close()
    assert [m for m in console if m.startswith(("error", "pageerror"))] == []
    root = index.parent.resolve().as_uri() + "/"
    assert requests and all(u.startswith(root) for u in requests), requests
    assert all(Path(u.removeprefix("file://")).is_file() for u in requests)
    assert f"{root}static/vendor/jquery.min.js" in requests
    assert f"{root}static/vendor/bootstrap.bundle.min.js" in requests


# --------------------------------------------------------------------------------------------
# the Dagster asset checks over a tiny warehouse


def _warehouse(data_dir, frames, registry=REGISTRY):
    path = data_dir / "warehouse" / "esf.duckdb"
    with warehouse.connect(path) as con:  # creates raw.* including raw.projects
        con.execute("CREATE SCHEMA main_marts")
        for name, frame in frames.items():
            con.register("frame", frame)
            con.execute(f"CREATE TABLE main_marts.{name} AS SELECT * FROM frame")
            con.unregister("frame")
        con.register("reg", registry)
        con.execute(
            "INSERT INTO raw.projects (project_id, start_date, specific_objective, "
            "category_of_region) SELECT project_id, start_date, specific_objective, "
            "category_of_region FROM reg"
        )
    return path


@dg.asset(deps=[dg.AssetKey(m) for m in quality.MARTS])
def exports_stand_in() -> None:
    """Downstream of the marts like `indicator_exports`: blocked by a failing blocking check."""


def _run_checks():
    from orchestration.checks import quality_checks

    marts_specs = [dg.AssetSpec(m) for m in quality.MARTS] + [dg.AssetSpec("registry")]
    return dg.materialize(
        marts_specs + [quality_checks, exports_stand_in],
        raise_on_error=False,
        resources=resources_for(os.environ["ESF_DATA_DIR"]),
        selection=dg.AssetSelection.checks(quality_checks) | dg.AssetSelection.assets(exports_stand_in),
    )


def _exported(result) -> bool:
    return bool(result.asset_materializations_for_node("exports_stand_in"))


def test_dagster_checks_pass_on_correct_marts_and_link_data_docs(data_dir):
    _warehouse(data_dir, marts())
    result = _run_checks()
    assert result.success and _exported(result)
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == len(quality.CHECKS)
    assert all(e.passed for e in evaluations)
    index = data_dir / "quality" / "data_docs" / "index.html"
    assert index.is_file()
    docs = evaluations[0].metadata["data_docs"]
    assert docs.value == str(index)
    _assert_offline(index.read_text(encoding="utf-8"))


def test_dagster_blocking_check_fails_with_failing_rows(data_dir):
    frames = marts()
    ci = frames["common_indicators"]
    frames["common_indicators"] = ci[~((ci["project_id"] == "P2") & (ci["cutoff"] == "2024-05"))]
    _warehouse(data_dir, frames)
    result = _run_checks()
    assert not _exported(result)  # the blocking failure stops what is downstream of the marts
    evaluations = {
        (e.check_name, e.asset_key.to_user_string()): e for e in result.get_asset_check_evaluations()
    }
    missing = evaluations[("gx_no_project_missing", "common_indicators")]
    assert not missing.passed
    assert missing.severity == dg.AssetCheckSeverity.ERROR
    assert missing.metadata["failing_rows"].value == 1
    assert "P2" in missing.metadata["first_failing_rows"].value
    assert [k for k, e in evaluations.items() if not e.passed] == [
        ("gx_no_project_missing", "common_indicators")
    ]


def test_dagster_warning_does_not_block_the_exports(data_dir):
    frames = marts()
    ind = frames["indicators"]
    ind.loc[
        _row(ind, cutoff="2024-06", project_id="ALL", indicator="participants_cumulative", gender="total"),
        ["numerator", "value"],
    ] = 100
    _warehouse(data_dir, frames)
    result = _run_checks()
    assert _exported(result)
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [(e.check_name, e.severity) for e in failed] == [
        ("gx_complete_share_min", dg.AssetCheckSeverity.WARN)
    ]


def test_blocking_flags_and_pool_of_the_dagster_checks():
    from orchestration.checks import quality_checks

    specs = {(s.name, s.asset_key.to_user_string()): s for s in quality_checks.check_specs}
    assert specs[("gx_rates_within_0_1", "indicators")].blocking
    assert specs[("gx_results_le_eeco01", "common_indicators")].blocking
    assert not specs[("gx_complete_share_min", "common_indicators")].blocking
    assert not specs[("gx_reach_rate_at_most_1", "indicators")].blocking
    assert quality_checks.node_def.pool == "warehouse"
