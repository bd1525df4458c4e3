"""Dashboards: offline, internal pages exact and marked, public pages from the perturbed release
only, project pages isolated, figures faithful to the exports.

Built once per module from small synthetic export files (3 projects, 3 months) that hold
counts of 1 and 2 and totals that would give a hidden cell back. The HTML is parsed with the
standard library's HTMLParser; figures carry data-* attributes, charts are JSON specs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import zlib
from pathlib import Path

import altair as alt
import jinja2
import polars as pl
import pytest
from fixtures.html import parse

from esf_monitor.dashboard import build_dashboards, charts, schedule
from esf_monitor.dashboard.labels import LABELLED_CODE_LISTS, category, fmt_value
from esf_monitor.dashboard.render import Cell, cells, csv_text, script_json, table_rows, vega_bundle
from esf_monitor.disclosure.attack import View, attack, v1_bounds
from esf_monitor.disclosure.audit import audit_release, lines, true_cells
from esf_monitor.disclosure.release import build_release, write_release
from schemas.codes import REGISTRY_COLUMNS

MONTHS = ["2024-11", "2024-12", "2025-01"]
LATEST = MONTHS[-1]
PROJECTS = {"PRJ-ALPHA": "Kompass Nord", "PRJ-BRAVO": "Brücke Süd", "PRJ-CHARLIE": "Weitblick Ost"}
#: participants_cumulative per gender at the latest month. ALPHA f=2 must hide; its m (9) is the
#: smallest other non-zero cell of a row whose total is shown, so it must hide too.
CUMULATIVE = {
    "PRJ-ALPHA": {"f": 2, "m": 9, "d": 0},
    "PRJ-BRAVO": {"f": 30, "m": 25, "d": 1},
    "PRJ-CHARLIE": {"f": 14, "m": 20, "d": 0},
}
COUNT_INDICATORS = ("participants_cumulative", "participants_active", "entries_month", "leavers_month")
#: the Dagster UI the internal pages of these tests link to
DAGSTER = "http://dagster.test:3000"


# ---------------------------------------------------------------- synthetic exports


def _registry() -> pl.DataFrame:
    rows = [
        (
            pid,
            name,
            "Stark im Beruf",
            "JC-HH",
            f"D{i}",
            "single_parents",
            "more_developed",
            "ESO4.8" if i < 2 else "ESO4.1",
            dt.date(2024, 1, 1),
            dt.date(2026, 12, 31),
            40 + 10 * i,
        )
        for i, (pid, name) in enumerate(PROJECTS.items())
    ]
    return pl.DataFrame(rows, schema=list(REGISTRY_COLUMNS), orient="row")


def _counts(pid: str, month_index: int, indicator: str) -> dict[str, int]:
    """Deterministic counts per gender; the latest month of cumulative is CUMULATIVE."""
    back = len(MONTHS) - 1 - month_index
    base = CUMULATIVE[pid]
    if indicator == "participants_cumulative":
        return {g: max(v - (3 * back if v > 5 else 0), 0) for g, v in base.items()}
    if indicator == "participants_active":
        return {g: v // 2 if v > 5 else v for g, v in base.items()}
    if indicator == "entries_month":
        return {g: (3 if v > 5 else 0) for g, v in base.items()}
    return {g: (month_index + 1 if v > 5 else 0) for g, v in base.items()}  # leavers 1, 2, 3


def _indicator_rows() -> list[dict]:
    rows = []
    for mi, month in enumerate(MONTHS):
        programme: dict[tuple[str, str], list[float]] = {}
        for pid in PROJECTS:
            for ind in COUNT_INDICATORS:
                values = _counts(pid, mi, ind)
                values["total"] = sum(values.values())
                for g, v in values.items():
                    rows.append(
                        dict(
                            cutoff=month,
                            project_id=pid,
                            indicator=ind,
                            gender=g,
                            numerator=v,
                            denominator=None,
                            value=v,
                        )
                    )
                    programme.setdefault((ind, g), [0, None])[0] += v
            # rates: ALPHA's women 1 of 2 leavers (must hide); BRAVO/CHARLIE large enough
            leavers = {"f": 2, "m": 6, "d": 0} if pid == "PRJ-ALPHA" else {"f": 20, "m": 10, "d": 0}
            integrated = {"f": 1, "m": 3, "d": 0} if pid == "PRJ-ALPHA" else {"f": 12, "m": 5, "d": 0}
            for ind in (
                "integration_rate_12m",
                "integration_rate_cumulative",
                "integration_rate_6m",
                "followup_coverage",
                "status_unknown_share",
            ):
                for g in ("f", "m", "d", "total"):
                    num = sum(integrated.values()) if g == "total" else integrated[g]
                    den = sum(leavers.values()) if g == "total" else leavers[g]
                    rows.append(
                        dict(
                            cutoff=month,
                            project_id=pid,
                            indicator=ind,
                            gender=g,
                            numerator=num,
                            denominator=den,
                            value=num / den if den else None,
                        )
                    )
                    acc = programme.setdefault((ind, g), [0, 0])
                    acc[0] += num
                    acc[1] += den
            for ind, value in (("duration_median_days", 120.5), ("duration_mean_days", 131.25)):
                for g in ("f", "m", "d", "total"):
                    den = sum(leavers.values()) if g == "total" else leavers[g]
                    rows.append(
                        dict(
                            cutoff=month,
                            project_id=pid,
                            indicator=ind,
                            gender=g,
                            numerator=None,
                            denominator=den,
                            value=value if den else None,
                        )
                    )
            total = sum(_counts(pid, mi, "participants_cumulative").values())
            planned = 40 + 10 * list(PROJECTS).index(pid)
            rows.append(
                dict(
                    cutoff=month,
                    project_id=pid,
                    indicator="target_achievement",
                    gender="total",
                    numerator=total,
                    denominator=planned,
                    value=total / planned,
                )
            )
            rows.append(
                dict(
                    cutoff=month,
                    project_id=pid,
                    indicator="reach_rate_12m",
                    gender="total",
                    numerator=6,
                    denominator=60,
                    value=0.1,
                )
            )
        for (ind, g), (num, den) in programme.items():
            value = num if den is None else (num / den if den else None)
            rows.append(
                dict(
                    cutoff=month,
                    project_id="ALL",
                    indicator=ind,
                    gender=g,
                    numerator=num,
                    denominator=den,
                    value=value,
                )
            )
        for ind, num, den in (
            ("target_achievement", 0, 150),
            ("reach_rate_12m", 18, 180),
            ("duration_median_days", None, 70),
            ("duration_mean_days", None, 70),
        ):
            value = {"duration_median_days": 119.0, "duration_mean_days": 130.5}.get(ind)
            if ind == "target_achievement":
                num = sum(sum(_counts(p, mi, "participants_cumulative").values()) for p in PROJECTS)
            rows.append(
                dict(
                    cutoff=month,
                    project_id="ALL",
                    indicator=ind,
                    gender="total",
                    numerator=num,
                    denominator=den,
                    value=value if value is not None else num / den,
                )
            )
    return rows


def _common_rows() -> tuple[list[dict], list[dict]]:
    common, sfc = [], {}
    groups = {pid: ("ESO4.8" if i < 2 else "ESO4.1") for i, pid in enumerate(PROJECTS)}
    for month in MONTHS:
        for pid in PROJECTS:
            total_f, total_m = (2, 9) if pid == "PRJ-ALPHA" else (30, 25)
            values = {
                "EECO01": (total_f, total_m, 0),
                "EECO02": (1, 5, 0),
                "EECO04": (1, 2, 0),
                "EECO05": (total_f - 2, total_m - 7, 0),
                "EECO07": (0, 4, 0),
                "EECR01": (1, 3, 0),
                "EECR04": (0, 2, 0),
            }
            for code, (f, m, d) in values.items():
                for g, v in (("f", f), ("m", m), ("d", d), ("total", f + m + d)):
                    common.append(dict(cutoff=month, project_id=pid, indicator=code, gender=g, value=v))
                    key = (month, groups[pid], "more_developed", code, g)
                    sfc[key] = sfc.get(key, 0) + v
    sfc_rows = [
        dict(cutoff=c, specific_objective=so, category_of_region=r, indicator=i, gender=g, value=v)
        for (c, so, r, i, g), v in sfc.items()
    ]
    return common, sfc_rows


def _split(v: int) -> dict[str, dict[str, int]]:
    """Categories of each dimension for v participants: partitions add up to v; target groups overlap."""
    young = 1 if v >= 10 else 0
    network = 2 if v >= 10 else 0
    return {
        "age_group": {"<18": young, "18-29": v // 3, "30-54": v - young - v // 3},
        "access_channel": {"jobcenter": v - network - v // 4, "network": network, "other": v // 4},
        "target_group": {"elb_total": v, "single_parents": v // 2},
    }


def _breakdown_rows() -> list[dict]:
    """Consistent with indicators.csv: every partition adds up to participants_cumulative."""
    cells: dict[tuple, int] = {}
    for mi, month in enumerate(MONTHS):
        for pid in PROJECTS:
            for g, v in _counts(pid, mi, "participants_cumulative").items():
                for dim, cats in _split(v).items():
                    for cat, n in cats.items():
                        for unit, gender in ((pid, g), (pid, "total"), ("ALL", g), ("ALL", "total")):
                            key = (month, unit, dim, cat, gender)
                            cells[key] = cells.get(key, 0) + n
    return [
        dict(
            cutoff=c,
            project_id=p,
            dimension=d,
            category=cat,
            gender=g,
            participants=n,
            leavers=n // 2,
            integrated_leavers=n // 4,
        )
        for (c, p, d, cat, g), n in cells.items()
    ]


def _delivery_rows() -> list[dict]:
    rows = []
    statuses = ["accepted", "corrected", "rejected"]
    for i, month in enumerate(MONTHS):
        for j, pid in enumerate(PROJECTS):
            status = statuses[(i + j) % 3]
            rows.append(
                dict(
                    provider_id=pid,
                    provider_kind="project",
                    extract_type="participants",
                    reporting_month=month,
                    status=status,
                    versions=1 + (status == "corrected"),
                    first_arrived_at=f"{month}-28T08:00:00",
                    last_arrived_at=f"{month}-28T09:00:00",
                    is_late=(i == 1),
                    row_count=40 + j,
                    incomplete_count=[0, 2, 5][j],
                )
            )
        rows.append(
            dict(
                provider_id="JC-HH",
                provider_kind="jobcenter",
                extract_type="followup",
                reporting_month=month,
                status="missing" if i == 2 else "accepted",
                versions=0 if i == 2 else 1,
                first_arrived_at=None,
                last_arrived_at=None,
                is_late=False,
                row_count=None,
                incomplete_count=None,
            )
        )
    return rows


def write_exports(root: Path) -> Path:
    folder = root / "all_months"
    folder.mkdir(parents=True)
    pl.DataFrame(_indicator_rows()).write_csv(folder / "indicators.csv")
    common, sfc = _common_rows()
    pl.DataFrame(common).write_csv(folder / "common_indicators.csv")
    pl.DataFrame(sfc).write_csv(folder / "sfc_table.csv")
    pl.DataFrame(_breakdown_rows()).write_csv(folder / "participant_breakdowns.csv")
    pl.DataFrame(_delivery_rows()).write_csv(folder / "delivery_status.csv")
    pl.DataFrame(
        {"cutoff": ["2024-12", "2025-01"], "is_sfc_cutoff": [True, False], "is_latest": [False, True]}
    ).write_csv(root / "cutoffs.csv")
    return root


# ---------------------------------------------------------------- HTML parsing


def chart_specs(elements: list[dict]) -> list[dict]:
    return [
        json.loads(e["text"])
        for e in elements
        if e["tag"] == "script" and "vega-spec" in e["attrs"].get("class", "")
    ]


def chart_rows(spec: dict) -> list[dict]:
    return spec["data"]["values"]


def figure_cells(elements: list[dict], **match: str) -> list[dict]:
    return [
        e
        for e in elements
        if "data-value" in e["attrs"] and all(e["attrs"].get(f"data-{k}") == v for k, v in match.items())
    ]


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("dash")
    exports = write_exports(root / "exports")
    out = root / "dashboards"
    paths = build_dashboards(exports, _registry(), out, dagster_url=DAGSTER)
    return {"out": out, "paths": paths, "exports": exports}


@pytest.fixture(scope="module")
def overview(built) -> list[dict]:
    return parse(built["out"] / "overview.html")


def test_german_number_format():
    assert fmt_value(1234, "count") == "1.234"
    assert fmt_value(1 / 3, "rate") == "33,3\u00a0%"
    assert fmt_value(120.5, "days") == "120,5"
    assert fmt_value(0.45, "rate", public=True) == "45\u00a0%"  # public: whole percent
    assert fmt_value(None, "rate") == "–"  # nothing to show
    assert fmt_value(0, "count") == "0"


def test_every_code_has_a_bilingual_label():
    for code_list in LABELLED_CODE_LISTS:
        for code in code_list:
            assert category(code) != code, code  # a label, not the raw code


# ---------------------------------------------------------------- pages


def test_all_pages_are_written(built):
    out = built["out"]
    expected = {out / "overview.html", out / "sfc.html", out / "index.html"} | {
        out / "projects" / f"{pid}.html" for pid in PROJECTS
    }
    assert set(built["paths"]) == expected
    assert all(p.stat().st_size > 1000 for p in expected)
    index = parse(out / "index.html")
    hrefs = {e["attrs"]["href"] for e in index if e["tag"] == "a"}
    assert {"overview.html", "sfc.html"} | {f"projects/{pid}.html" for pid in PROJECTS} <= hrefs


def test_pages_reference_nothing_on_the_network(built):
    """No script/link/img by URL, no CSS import; the only URL strings are inert literals of the Vega library."""
    library_urls = set(re.findall(r"https?://[^\s\"'`)\\]+", vega_bundle()))
    for path in built["paths"]:
        html = path.read_text(encoding="utf-8")
        elements = parse(path)
        for e in elements:
            for attr in ("src", "href", "action", "data"):
                value = e["attrs"].get(attr) or ""
                if e["tag"] == "a" and attr == "href" and value.startswith(f"{DAGSTER}/assets/"):
                    continue  # a link the reader may follow to the Dagster UI (internal pages), never loaded
                assert not re.match(r"\s*(https?:)?//", value), (path, e)
            assert not (e["tag"] == "script" and "src" in e["attrs"]), path
            assert e["tag"] != "link", path
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", html, re.I), path
        for spec in chart_specs(elements):
            assert "http" not in json.dumps(spec), path
        page_urls = set(re.findall(r"https?://[^\s\"'`)\\]+", html))
        page_urls = {u for u in page_urls if not u.startswith(f"{DAGSTER}/assets/")}
        assert page_urls <= library_urls, (path, page_urls - library_urls)
    overview_html = (built["out"] / "overview.html").read_text(encoding="utf-8")
    assert overview_html.count(vega_bundle()[:200]) == 1


def test_chart_specs_are_valid_vega_lite(overview):
    specs = chart_specs(overview)
    assert len(specs) >= 10
    for spec in specs:
        alt.Chart.from_dict(spec, validate=True)  # raises on a spec Vega-Lite would reject


def test_project_pages_hold_only_their_own_project(built):
    for pid, name in PROJECTS.items():
        html = (built["out"] / "projects" / f"{pid}.html").read_text(encoding="utf-8")
        assert pid in html and name in html
        for other, other_name in PROJECTS.items():
            if other != pid:
                assert other not in html, (pid, other)
                assert other_name not in html, (pid, other_name)
        elements = parse(built["out"] / "projects" / f"{pid}.html")
        assert "Programm gesamt" not in html
        assert not [e for e in elements if e["attrs"].get("data-project") not in (None, pid)]
        assert "JC-HH" not in html  # the jobcenter's deliveries concern other projects too
        for spec in chart_specs(elements):
            assert "ALL" not in json.dumps(spec) and "PRJ-" not in json.dumps(spec).replace(pid, "")


def test_project_page_shows_project_figures_not_programme(built):
    exports = pl.read_csv(built["exports"] / "all_months" / "indicators.csv")
    elements = parse(built["out"] / "projects" / "PRJ-BRAVO.html")
    kpi = figure_cells(elements, indicator="participants_cumulative", cutoff=LATEST, gender="total")[0]
    expected = exports.filter(
        (pl.col("cutoff") == LATEST)
        & (pl.col("project_id") == "PRJ-BRAVO")
        & (pl.col("indicator") == "participants_cumulative")
        & (pl.col("gender") == "total")
    )
    assert float(kpi["attrs"]["data-value"]) == expected["value"][0] == 56


def test_internal_pages_show_exact_small_figures_and_say_so(built, overview):
    """No `*` any more: the internal pages show what the exports hold, marked as internal."""
    alpha = parse(built["out"] / "projects" / "PRJ-ALPHA.html")
    men = figure_cells(alpha, indicator="integration_rate_12m", cutoff=LATEST, gender="m")
    assert men[0]["attrs"]["data-value"] == "0.5" and men[0]["text"] == "50,0\u00a0%"
    assert all(e["attrs"].get("data-value") != "*" and e["text"].strip() != "*" for e in overview)
    for path in built["paths"]:
        assert "intern — exakte Werte, nicht zur Veröffentlichung" in path.read_text(encoding="utf-8")
    quality = figure_cells(overview, measure="incomplete_count", project="PRJ-BRAVO", month=LATEST)
    assert quality and quality[0]["attrs"]["data-value"] == "2"  # 2 incomplete rows, exact


def test_headline_figures_equal_the_export_for_the_latest_month(built, overview):
    exports = pl.read_csv(built["exports"] / "all_months" / "indicators.csv")
    expected = exports.filter(
        (pl.col("cutoff") == LATEST) & (pl.col("project_id") == "ALL") & (pl.col("gender") == "total")
    )
    kpis = [
        e
        for e in overview
        if "kpi" in e["attrs"].get("class", "").split() and e["attrs"].get("data-cutoff") == LATEST
    ]
    assert len(kpis) >= 9
    for kpi in kpis:
        code = kpi["attrs"]["data-indicator"]
        value = expected.filter(pl.col("indicator") == code)["value"][0]
        assert float(kpi["attrs"]["data-value"]) == pytest.approx(value, rel=1e-12), code
    participants = next(k for k in kpis if k["attrs"]["data-indicator"] == "participants_cumulative")
    assert "101" in participants["text"]


def test_labels_german_first_with_english_and_sources(overview, built):
    html = (built["out"] / "overview.html").read_text(encoding="utf-8")
    for label in (
        "Teilnehmende (kumuliert) / Participants (cumulative)",
        "Frauen / Women",
        "Integrationsquote (12 Monate) / Integration rate (12 months)",
        "Lieferstatus / Delivery status",
        "Datenqualität / Data quality",
        "Projektvergleich / Project comparison",
        "Zugangsweg / Access channel",
        "Altersgruppe / Age group",
    ):
        assert label in html, label
    kpi = figure_cells(overview, indicator="integration_rate_12m", cutoff=LATEST)[0]
    assert "dbt_project/models/marts/indicators.sql — integration_rate_12m" in html
    assert kpi["attrs"]["data-value"]
    assert '<html lang="de">' in html and "@media print" in html


def test_overview_has_a_section_per_shown_cutoff_and_delivery_heatmap(overview):
    ids = {e["attrs"].get("id") for e in overview if e["tag"] == "section"}
    assert {"cutoff-2025-01", "cutoff-2024-12", "trend", "deliveries"} <= ids
    statuses = {
        (e["attrs"]["data-provider"], e["attrs"]["data-month"]): e["attrs"]["data-status"]
        for e in overview
        if "data-status" in e["attrs"]
    }
    assert statuses[("PRJ-ALPHA", "2024-11")] == "accepted"
    assert statuses[("PRJ-BRAVO", "2024-11")] == "corrected"
    assert statuses[("JC-HH", "2025-01")] == "missing"
    late = {e["attrs"]["data-month"] for e in overview if e["attrs"].get("data-late") == "true"}
    assert late == {"2024-12"}


def test_sfc_page_tables_and_validation_marks(built):
    elements = parse(built["out"] / "sfc.html")
    html = (built["out"] / "sfc.html").read_text(encoding="utf-8")
    assert "Tabelle 6 – Outputs / Table 6 – outputs" in html and "Tabelle 10" in html
    marks = [e for e in elements if e["attrs"].get("data-ok") in ("true", "false")]
    assert marks and all(e["attrs"]["data-ok"] == "true" and e["text"] == "✓" for e in marks)
    # ESO4.1 holds CHARLIE alone: its EECO02 f = 1, exact on the internal page
    cells = figure_cells(
        elements, indicator="EECO02", gender="f", cutoff="2024-12", **{"specific-objective": "ESO4.1"}
    )
    assert {c["attrs"]["data-value"] for c in cells} == {"1"}
    assert {"cutoff-2024-12", "cutoff-2025-01"} <= {
        e["attrs"].get("id") for e in elements if e["tag"] == "section"
    }


def test_sfc_rule_breach_is_shown_as_a_cross(tmp_path):
    folder = tmp_path / "exports" / "all_months"
    folder.mkdir(parents=True)
    rows = [
        ("2024-12", "ESO4.8", "more_developed", code, g, v)
        for code, v in (("EECO01", 10), ("EECO02", 4), ("EECO04", 3), ("EECO05", 3), ("EECR01", 11))
        for g in ("total",)
    ]
    pl.DataFrame(
        rows,
        schema=["cutoff", "specific_objective", "category_of_region", "indicator", "gender", "value"],
        orient="row",
    ).write_csv(folder / "sfc_table.csv")
    build_dashboards(tmp_path / "exports", _registry(), tmp_path / "out")
    elements = parse(tmp_path / "out" / "sfc.html")
    results = {
        e["attrs"]["data-rule"]: e["attrs"]["data-ok"]
        for e in elements
        if e["attrs"].get("data-gender") == "total" and "data-rule" in e["attrs"]
    }
    assert results["EECO01 = EECO02 + EECO04 + EECO05"] == "true"
    assert results["EECR01 ≤ EECO01"] == "false"


@pytest.mark.parametrize("state", ["missing", "empty", "header_only"])
def test_no_data_yet_degrades_gracefully(tmp_path, state):
    exports = tmp_path / "exports"
    folder = exports / "all_months"
    folder.mkdir(parents=True)
    if state != "missing":
        for name, header in (
            ("indicators", "cutoff,project_id,indicator,gender,numerator,denominator,value"),
            ("delivery_status", "provider_id,provider_kind,extract_type,reporting_month,status"),
            ("participant_breakdowns", "cutoff,project_id,dimension,category,gender,participants"),
            ("sfc_table", "cutoff,specific_objective,category_of_region,indicator,gender,value"),
        ):
            (folder / f"{name}.csv").write_text("" if state == "empty" else header + "\n", encoding="utf-8")
    paths = build_dashboards(exports, _registry(), tmp_path / "out")
    assert len(paths) == 3 + len(PROJECTS)
    for path in paths:
        html = path.read_text(encoding="utf-8")
        if path.name != "index.html":
            assert "noch keine Daten / no data yet" in html, path.name


# ---------------------------------------------------------------- fast paths equal the slow ones


def test_chart_specs_built_without_altair_values_equal_altair_inline_specs():
    """The values skip altair (cached skeleton + rows put in): same spec, same JSON, as altair
    with `alt.Data(values=…)`; a caller changing its spec does not change the next one."""
    trend_rows = pl.DataFrame(
        {
            "cutoff": ["2025-01", "2025-02", "2025-03", "2025-01", "2025-02"],
            "indicator": ["integration_rate_12m"] * 3 + ["reach_rate_12m"] * 2,
            "series": [
                "Integrationsquote (12 Monate) / integration rate",
                "Integrationsquote (12 Monate) / integration rate",
                "Integrationsquote (12 Monate) / integration rate",
                'Reichweite <Ü&"> / reach',
                'Reichweite <Ü&"> / reach',
            ],
            "value": [0.25, None, 0.375, float("nan"), 1 / 3],
        }
    )
    bar_rows = pl.DataFrame(
        {
            "code": ["f", "m", "d"],
            "indicator": ["participants_cumulative"] * 3,
            "cutoff": ["2025-03"] * 3,
            "label": ["Frauen / women", "Männer / men", "divers"],
            "value": [120, None, 0],
        },
        schema_overrides={"value": pl.Int64},
    )
    cases = [
        (charts.trend, (trend_rows, "rate", "Quoten / Rates", "Quelle / Source: indicators.csv")),
        (charts.trend, (trend_rows.head(2), "count", "Teilnehmende / Participants", "Quelle")),
        (charts.bars, (bar_rows, "count", "Nach Geschlecht / by gender", "Quelle", "Teilnehmende")),
        (
            charts.bars,
            (bar_rows.drop("indicator"), "count", "Nach Geschlecht / by gender", "Quelle", "Teilnehmende"),
        ),
    ]
    for build, args in cases:
        reference = build(*args, via_altair=True)
        fast = build(*args)
        assert fast == reference
        assert script_json(fast) == script_json(reference)  # key order too: the page bytes
        assert [r["value"] for r in fast["data"]["values"]] == [
            r["value"] for r in reference["data"]["values"]
        ]
        fast["data"]["values"].clear()
        fast["title"] = "changed"
        encoding = fast["encoding"] if "encoding" in fast else fast["layer"][0]["encoding"]  # trend: layered
        encoding["x"]["title"] = "changed"
        assert script_json(build(*args)) == script_json(reference)  # the cache was not changed
    assert (
        len(charts.bars(bar_rows, "count", "t", "s", "v")["data"]["values"]) == 2
    )  # the hidden row is dropped
    with pytest.raises(TypeError):  # a date would need altair's conversion: refused, not passed on silently
        charts.bars(
            bar_rows.with_columns(pl.lit(dt.date(2025, 3, 31)).alias("cutoff")), "count", "t", "s", "v"
        )


#: the Jinja macro the table cells were drawn with before `render.cells` (reference for the test below)
CELL_MACRO = """{%- macro cell(c, tag) -%}
<{{ tag }}{% if c.cls %} class="{{ c.cls }}"{% endif %}{% if c.title %} title="{{ c.title }}"{% endif %}
{%- for k, v in c.attrs.items() %} data-{{ k }}="{{ v }}"{% endfor %}>
{%- if c.href %}<a href="{{ c.href }}">{{ c.text }}</a>{% else %}{{ c.text }}{% endif %}</{{ tag }}>
{%- endmacro %}
{%- for row in rows %}
<tr{% if row[0].cls == "total" %} class="total"{% endif %}>{{ cell(row[0], "th") }}{% for c in row[1:] %}{{ cell(c, "td") }}{% endfor %}</tr>
{%- endfor %}|{% for h in rows[0] %}{{ cell(h, "span") }}{% endfor %}"""


def test_table_cells_render_as_the_jinja_macro_did():
    """Cells are drawn in Python now: the same bytes as the macro, escaping included."""
    rows = [
        [
            Cell('Programm gesamt <alle> & "Summe"', cls="total"),
            Cell("1.234", {"value": "1234", "kind": "count"}, "num", "Quelle / Source: a < b & 'c'"),
        ],
        [
            Cell("PRJ-A — Kompass"),
            Cell("*", {"value": "*", "n": 3, "none": None}, "num"),
            Cell("Seite", href="projects/a.html?x=1&y=<2>", title="t"),
        ],
        [Cell("")],
    ]
    env = jinja2.Environment(
        autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined
    )
    expected = env.from_string(CELL_MACRO).render(rows=rows)
    assert f"{table_rows(rows)}|{cells(rows[0], 'span')}" == expected
    assert "&lt;alle&gt; &amp; &#34;Summe&#34;" in expected  # the reference does escape


# ---------------------------------------------------------------- public release (v2)


def _cell_key(*parts) -> int:
    """A fixed cell key per cell for these page tests (the real ones are sums of record keys,
    tested in tests/test_disclosure.py and tests/test_dbt_project.py)."""
    return zlib.crc32("|".join(map(str, parts)).encode()) % 256


def _marts_with_keys(exports: Path) -> dict[str, pl.DataFrame]:
    folder = exports / "all_months"
    ind = pl.read_csv(
        folder / "indicators.csv",
        schema_overrides={"numerator": pl.Float64, "denominator": pl.Float64, "value": pl.Float64},
    )
    key = pl.concat_str(pl.all().exclude("numerator", "denominator", "value"), separator="|")
    ind = ind.with_columns(
        pl.when(pl.col("numerator").is_not_null())
        .then(key.map_elements(lambda k: _cell_key(k, "n"), pl.Int32))
        .alias("numerator_ckey"),
        pl.when(
            pl.col("denominator").is_not_null()
            & ~pl.col("indicator").is_in(["target_achievement", "reach_rate_12m"])
        )
        .then(key.map_elements(lambda k: _cell_key(k, "d"), pl.Int32))
        .alias("denominator_ckey"),
    )
    common = pl.read_csv(folder / "common_indicators.csv")
    sfc = pl.read_csv(folder / "sfc_table.csv")
    bd = pl.read_csv(folder / "participant_breakdowns.csv")
    keyed = lambda f, *cols: f.with_columns(  # noqa: E731
        pl.concat_str(pl.exclude(*cols), separator="|").map_elements(_cell_key, pl.Int32).alias("ckey")
    )
    bd_key = pl.concat_str(pl.exclude("participants", "leavers", "integrated_leavers"), separator="|")
    bd = bd.with_columns(
        *(
            bd_key.map_elements(lambda k, m=m: _cell_key(k, m), pl.Int32).alias(f"{m}_ckey")
            for m in ("participants", "leavers", "integrated_leavers")
        )
    )
    return {
        "indicators": ind,
        "common_indicators": keyed(common, "value"),
        "sfc_table": keyed(sfc, "value"),
        "participant_breakdowns": bd,
        "delivery_status": pl.read_csv(folder / "delivery_status.csv"),
    }


@pytest.fixture(scope="module")
def public(built, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("public")
    marts = _marts_with_keys(built["exports"])
    write_release(build_release(marts), root / "exports", ["2024-12", "2025-01"], LATEST)
    out = root / "dashboards"
    paths = build_dashboards(root / "exports", _registry(), out, public=True)
    return {"out": out, "paths": paths, "exports": root / "exports", "marts": marts}


def test_disclosure_audit_on_the_public_pages(public):
    """Every page figure is its cell's published value, nothing breaks a rule — and the attack
    finds the one route the spec's ptable constraints leave open (docs/decisions.md): the
    programme's women leavers via network are published 0 (true 2 → p = −2), BRAVO's and
    CHARLIE's 3 (true 1 → p = +2), ALPHA's 0 is listed with 0 leavers. A published 0 means
    ≤ 2 and any published value ≥ 3 means ≥ 1 (|p| ≤ 2, zero stays zero), so 1 + 1 = 2 is
    certain. The blocking check fails on this release, and the previous one stays."""
    report = audit_release(public["exports"], public["out"], public["marts"], _registry())
    assert report.problems == []
    assert report.pages == len(public["paths"]) and report.page_figures > 1000
    assert sorted(report.recovered) == [
        ("bd", LATEST, p, "access_channel", "network", "f", "leavers")
        for p in ("ALL", "PRJ-BRAVO", "PRJ-CHARLIE")
    ]
    assert not report.passed


def test_public_pages_carry_the_method_note_and_no_small_count(public):
    for path in public["paths"]:
        html = path.read_text(encoding="utf-8")
        assert "Zur Wahrung der statistischen Geheimhaltung sind die Werte mit dem Cell-Key-Verfahren" in html
        assert "To protect statistical confidentiality" in html and "intern —" not in html
        elements = parse(path)
        for e in elements:
            if e["attrs"].get("data-kind") == "count":
                assert e["attrs"]["data-value"] not in ("1", "2"), (path.name, e["attrs"])
            if e["attrs"].get("data-kind") in ("rate", "days") and e["attrs"]["data-value"]:
                assert re.fullmatch(r"\d+", e["attrs"]["data-value"]), e["attrs"]  # whole % / days
        for spec in chart_specs(elements):
            values = [row["value"] for row in chart_rows(spec)]
            if spec["usermeta"]["kind"] == "count":
                assert not set(values) & {1, 2}, (path.name, spec["title"])
            assert all(abs(v * 100 - round(v * 100)) < 1e-9 for v in values), (path.name, spec["title"])


def test_public_rate_withheld_under_ten(public):
    release = pl.read_csv(public["exports"] / "all_months" / "indicators.csv")
    alpha = parse(public["out"] / "projects" / "PRJ-ALPHA.html")
    row = release.filter(
        (pl.col("cutoff") == LATEST)
        & (pl.col("project_id") == "PRJ-ALPHA")
        & (pl.col("indicator") == "integration_rate_12m")
        & (pl.col("gender") == "m")
    ).row(0, named=True)
    cell = figure_cells(alpha, indicator="integration_rate_12m", cutoff=LATEST, gender="m")[0]
    assert row["denominator"] < 10 and row["value"] is None  # exact 0.5 over 2 leavers
    assert cell["attrs"]["data-value"] == "" and cell["text"] == "–"


def test_a_project_that_has_not_started_shows_no_figures_and_passes_the_audit(public, tmp_path):
    """A registry project that starts after a cut-off has no row in any mart for it: the
    overview lists it with empty cells ('–', data-value ""), and that is what the release says
    (nothing) — not a breakdown count of 0. (The full demo's first cut-off 2024-06 lies before
    SIB-LG's start in 2024-09; the audit used to read the empty reach cell as a mismatch.)"""
    late = pl.DataFrame(
        [
            (
                "PRJ-LATE",
                "Spätstart West",
                "Stark im Beruf",
                "JC-HH",
                "D9",
                "single_parents",
                "more_developed",
                "ESO4.8",
                dt.date(2026, 1, 1),
                dt.date(2027, 12, 31),
                30,
            )
        ],
        schema=list(REGISTRY_COLUMNS),
        orient="row",
    )
    registry = pl.concat([_registry(), late])
    out = tmp_path / "dashboards"
    build_dashboards(public["exports"], registry, out, public=True)
    reach = figure_cells(
        parse(out / "overview.html"), dimension="target_group", project="PRJ-LATE", cutoff=LATEST
    )
    assert reach and all(c["attrs"]["data-value"] == "" for c in reach)
    report = audit_release(public["exports"], out, public["marts"], registry)
    assert report.problems == []


def test_audit_catches_a_page_that_shows_an_exact_figure(public, tmp_path):
    pages = tmp_path / "pages"
    shutil.copytree(public["out"], pages)
    page = pages / "projects" / "PRJ-ALPHA.html"
    html = page.read_text(encoding="utf-8")
    exact = pl.read_csv(public["exports"] / "all_months" / "indicators.csv").filter(
        (pl.col("cutoff") == LATEST)
        & (pl.col("project_id") == "PRJ-ALPHA")
        & (pl.col("indicator") == "participants_cumulative")
        & (pl.col("gender") == "total")
    )["value"][0]
    tampered = re.sub(
        r'(data-indicator="participants_cumulative" data-gender="total" data-cutoff="%s" '
        r'data-project="PRJ-ALPHA" data-kind="count" data-value=")\d+' % LATEST,
        lambda m: m.group(1) + str(exact + 1),
        html,
        count=1,
    )
    assert tampered != html
    page.write_text(
        tampered.replace("Zur Wahrung der statistischen Geheimhaltung", "Hinweis"), encoding="utf-8"
    )
    report = audit_release(public["exports"], pages, public["marts"], _registry())
    assert any("participants_cumulative" in p and "PRJ-ALPHA" in p for p in report.problems)
    assert any("method note missing" in p for p in report.problems)


def test_the_same_attack_undoes_v1_pages(built):
    """v1 = the exact figures with 1 and 2 shown as '*' (its secondary suppression left aside:
    the month differences below go around it anyway). The attack of the disclosure audit,
    run on that, pins true counts of 1 or 2 down; on the perturbed release it pins none
    (test_public_pages_pass_the_disclosure_audit)."""
    marts = _marts_with_keys(built["exports"])
    truth = true_cells(marts)
    shown = {k: ("*" if v in (1, 2) else v) for k, v in truth.items()}
    eq, ge, months = lines(truth, _registry())
    view = View(
        bounds={k: v1_bounds(v) for k, v in shown.items()},
        shown_exactly={k for k, v in shown.items() if v != "*"},
        eq=eq,
        ge=ge,
        months=months,
    )
    recovered = attack(view, truth)
    assert len(recovered) >= 10
    # e.g. PRJ-ALPHA's women: a '*' in the latest month's common indicators, given back by
    # the other cells of its lines
    assert any(r[0] != "diff" for r in recovered) and any(r[0] == "diff" for r in recovered)


# ---------------------------------------------------------------- at a glance (issue #17)


def test_schedule_rule_on_hand_computed_dates():
    """E = elapsed days ÷ run days (both ends included), R = A ÷ E; ≥ 0.9 on track, ≥ 0.7 behind."""
    start, end = dt.date(2024, 1, 1), dt.date(2024, 12, 31)  # 366 days (leap year)
    # to 2024-06-30: 31 + 29 + 31 + 30 + 31 + 30 = 182 days
    assert schedule.expected_share(start, end, "2024-06") == 182 / 366
    cases = {0.45: "on_track", 0.44: "behind", 0.35: "behind", 0.34: "far_behind"}
    for achieved, status in cases.items():
        plan = schedule.schedule(start, end, "2024-06", achieved)
        assert plan.ratio == achieved / (182 / 366) and plan.status == status, (achieved, plan)
    # 0.45 ÷ 0.4973 = 0.9049, 0.44 → 0.8848, 0.35 → 0.7038, 0.34 → 0.6837
    assert round(schedule.schedule(start, end, "2024-06", 0.34).ratio, 4) == 0.6837
    # before the start: nothing expected, no rating; after the end: the whole plan is due
    before = schedule.schedule(start, end, "2023-12", 0.0)
    assert (before.expected, before.ratio, before.status) == (0.0, None, "none")
    after = schedule.schedule(start, end, "2025-03", 0.95)
    assert (after.expected, after.ratio, after.status) == (1.0, 0.95, "on_track")
    # the thresholds themselves (E = 1 from the end date on)
    assert [schedule.schedule(start, end, "2025-01", a).status for a in (0.9, 0.7, 0.69)] == [
        "on_track",
        "behind",
        "far_behind",
    ]
    assert schedule.schedule(start, end, "2024-06", None).status == "none"  # no actual value
    assert schedule.schedule(end, start, "2024-06", 0.5).expected is None  # reversed dates
    assert schedule.month_end("2024-02") == dt.date(2024, 2, 29)
    assert schedule.schedule(start, end, "2024-06", 0.34).label == "▼▼ weit im Rückstand / far behind"


def _table(elements: list[dict], table_id: str) -> list[list[dict]]:
    """Rows (th/td elements) of the table with that id, header row first."""
    inside, rows = False, []
    for e in elements:
        if e["tag"] == "table":
            inside = e["attrs"].get("id") == table_id
        elif inside and e["tag"] == "tr":
            rows.append([])
        elif inside and e["tag"] in ("th", "td"):
            rows[-1].append(e)
    return rows


def _table_ids(elements: list[dict], caption: str) -> list[str]:
    ids, current = [], None
    for e in elements:
        if e["tag"] == "table":
            current = e["attrs"].get("id")
        if e["tag"] == "caption" and e["text"].startswith(caption):
            ids.append(current)
    return ids


def test_overview_says_which_projects_are_behind(built, overview):
    """Fixture: every run 2024-01-01 – 2026-12-31 (1096 days). Latest 2025-01: E = 397/1096;
    ALPHA 11 of 40 → R = 0.275 ÷ 0.3622 = 0.7592 (behind), CHARLIE 34/60 → 1.5642, BRAVO 56/50 →
    3.0922 (on track). 2024-12: E = 366/1096, ALPHA 8/40 → R = 0.5989 (far behind)."""
    latest, before = (_table(overview, t) for t in _table_ids(overview, "Welche Projekte liegen zurück?"))
    assert [c["text"] for c in latest[0]] == [
        "Projekt / Project",
        "Laufzeit / Run",
        "Geplante Teilnehmende / Planned participants",
        "Teilnehmende (kumuliert) / Participants (cumulative)",
        "Zielerreichung (Ist) / Target achievement (actual)",
        "Soll bis Stichtag / Expected by now",
        "Ist ÷ Soll / Actual ÷ expected",
        "Status",
    ]
    body = latest[1:]
    assert [r[0]["text"] for r in body] == [
        "PRJ-ALPHA — Kompass Nord",
        "PRJ-CHARLIE — Weitblick Ost",
        "PRJ-BRAVO — Brücke Süd",
    ]
    alpha = body[0]
    assert [c["text"] for c in alpha[1:]] == [
        "01.01.2024 – 31.12.2026",
        "40",
        "11",
        "27,5\u00a0%",
        "36,2\u00a0%",
        "75,9\u00a0%",
        "▼ im Rückstand / behind",
    ]
    assert float(alpha[5]["attrs"]["data-value"]) == 397 / 1096
    assert float(alpha[6]["attrs"]["data-value"]) == pytest.approx(0.275 / (397 / 1096), rel=1e-12)
    assert [r[-1]["attrs"]["data-schedule"] for r in body] == ["behind", "on_track", "on_track"]
    links = [
        e["attrs"]["href"] for e in overview if e["tag"] == "a" and e["text"] == "PRJ-ALPHA — Kompass Nord"
    ]
    assert "projects/PRJ-ALPHA.html" in links  # the project page one click away
    assert before[1][0]["text"] == "PRJ-ALPHA — Kompass Nord"
    assert before[1][-1]["attrs"]["data-schedule"] == "far_behind" and before[1][6]["text"] == "59,9\u00a0%"
    # the project page rates its own project, without a link to itself
    page = parse(built["out"] / "projects" / "PRJ-ALPHA.html")
    (own, *_) = (_table(page, t) for t in _table_ids(page, "Welche Projekte liegen zurück?"))
    assert own[1][-1]["attrs"]["data-schedule"] == "behind" and len(own) == 2


def test_kpi_cards_show_the_change_against_the_previous_month(overview):
    """Programme, 2025-01 against 2024-12: cumulative 101 vs 8 + 50 + 28 = 86 → +15; leavers
    3 + 6 + 6 = 15 vs 2 + 4 + 4 = 10 → +5; the 12-month integration rate unchanged (±0.0 points)."""
    cards = [e for e in overview if "kpi" in e["attrs"].get("class", "").split()]
    latest = [c for c in cards if c["attrs"]["data-cutoff"] == LATEST]
    texts = {c["attrs"]["data-indicator"]: c["text"] for c in latest}
    assert "▲ +15 ggü. Vormonat / vs previous month" in texts["participants_cumulative"]
    assert "▲ +5 ggü. Vormonat / vs previous month" in texts["leavers_month"]
    assert "► ±0,0\u00a0Pp. ggü. Vormonat / vs previous month" in texts["integration_rate_12m"]
    deltas = [e["attrs"] for e in overview if e["attrs"].get("data-change-of") == "participants_cumulative"]
    assert {"data-delta": "15", "data-direction": "up"}.items() <= deltas[0].items()
    assert all("data-value" not in e["attrs"] for e in overview if "data-change-of" in e["attrs"])


def test_one_cutoff_at_a_time_with_a_selector(built, overview):
    options = [e for e in overview if e["tag"] == "option"]
    assert [o["attrs"]["value"] for o in options] == [LATEST, "2024-12"]  # latest first = default
    assert "selected" in options[0]["attrs"] and options[1]["attrs"].get("data-sfc") == "true"
    assert "SFC2021-Stichtag" in options[1]["text"] and "aktuell / latest" in options[0]["text"]
    sections = [e for e in overview if e["tag"] == "section" and "data-cutoff" in e["attrs"]]
    assert {s["attrs"]["data-cutoff"] for s in sections} == {LATEST, "2024-12"}
    assert all(("hidden" in s["attrs"]) == (s["attrs"]["data-cutoff"] != LATEST) for s in sections)
    html = (built["out"] / "overview.html").read_text(encoding="utf-8")
    assert (
        "<script src" not in html and "section[data-cutoff][hidden] { display: block; }" in html
    )  # noscript
    for page in ("sfc.html", "projects/PRJ-BRAVO.html"):
        assert 'id="cutoff-select"' in (built["out"] / page).read_text(encoding="utf-8"), page


def test_every_table_has_a_footnote_and_a_csv_download(built):
    for path in built["paths"]:
        html = path.read_text(encoding="utf-8")
        tables = re.findall(r'<figure class="table-figure">(.*?)</figure>', html, re.S)
        assert tables or path.name == "index.html", path
        for table in tables:
            assert '<p class="footnote">' in table, (path, table[:200])
            assert re.search(r'<a class="csv" download="[a-z0-9_.-]+\.csv" href="data:text/csv;', table), path
        names = re.findall(r'download="([^"]+)"', html)
        assert len(names) == len(set(names)) == len(tables), path  # one file name per table


def test_csv_download_is_the_table_as_shown(overview):
    """The comparison table's CSV: header and cells as on the page (`;`, UTF-8 with BOM)."""
    import base64
    import csv
    import io

    table_id = _table_ids(overview, "Projektvergleich")[0]
    link = next(e for e in overview if e["tag"] == "a" and e["attrs"].get("data-table") == table_id)
    assert link["attrs"]["download"] == f"projektvergleich_{LATEST}.csv"
    payload = base64.b64decode(link["attrs"]["href"].split(",", 1)[1]).decode("utf-8")
    assert payload.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(payload[1:]), delimiter=";"))
    assert rows == [[c["text"] for c in row] for row in _table(overview, table_id)]
    assert rows[-1][0] == "Programm gesamt / Programme total" and rows[-1][1] == "101"


def test_csv_neutralises_formulas():
    text = csv_text([Cell("Projekt"), Cell("Wert")], [[Cell("=HYPERLINK(1)"), Cell("-3")], [Cell("@x")]])
    assert text.splitlines() == ["Projekt;Wert", "'=HYPERLINK(1);-3", '\'@x;""']


def test_trend_charts_are_readable(overview):
    """At most three series per chart in distinct colours, each named at its line's end;
    cumulative counts and monthly flows never on one axis."""
    trends = [s for s in chart_specs(overview) if "layer" in s]
    assert len(trends) == 6
    for spec in trends:
        series = {r["indicator"] for r in chart_rows(spec)}
        assert 1 <= len(series) <= 3, spec["title"]
        levels, flows = {"participants_cumulative", "participants_active"}, {"entries_month", "leavers_month"}
        assert not (series & levels and series & flows), spec["title"]
        colour = spec["layer"][0]["encoding"]["color"]
        assert colour["legend"] is None and len(set(colour["scale"]["range"])) == 3
        text = spec["layer"][1]
        assert text["mark"]["type"] == "text" and text["encoding"]["text"]["field"] == "label"
    integration = next(s for s in trends if s["title"] == "Integrationsquoten / Integration rates")
    assert {r["label"] for r in chart_rows(integration)} == {
        "12 Monate / 12 months",
        "kumuliert / cumulative",
        "nach 6 Monaten / after 6 months",
    }


def test_charts_say_which_categories_they_leave_out(public):
    """Public overview: ALPHA's 12-month integration rate is withheld (8 leavers < 10), so the
    per-project chart names it under the chart."""
    html = (public["out"] / "overview.html").read_text(encoding="utf-8")
    assert "Nicht im Diagramm (kein Wert) / Not in the chart (no value): PRJ-ALPHA" in html
    frame = pl.DataFrame({"label": ["a", "b", "c"], "value": [1.0, None, float("nan")]})
    assert charts.left_out(frame) == ["b", "c"]


def test_internal_figures_link_to_dagster_and_dbt_docs_public_never(built, public):
    overview_html = (built["out"] / "overview.html").read_text(encoding="utf-8")
    for mart in ("indicators", "participant_breakdowns", "delivery_status"):
        assert f'href="{DAGSTER}/assets/{mart}"' in overview_html, mart
        assert f'href="../../docs/dbt/static_index.html#!/model/model.esf_monitor.{mart}"' in overview_html
        assert (Path("dbt_project/models/marts") / f"{mart}.sql").is_file()  # the key is the model's name
    project = (built["out"] / "projects" / "PRJ-BRAVO.html").read_text(encoding="utf-8")
    assert 'href="../../../docs/dbt/static_index.html#!/model/model.esf_monitor.common_indicators"' in project
    sfc = (built["out"] / "sfc.html").read_text(encoding="utf-8")
    assert f'href="{DAGSTER}/assets/sfc_table"' in sfc
    # every table, chart and headline card of an internal page carries its links
    figures = re.findall(r'<figure class="(?:table|chart)-figure">(.*?)</figure>', overview_html, re.S)
    assert figures and all(
        'class="tool-dagster"' in f for f in figures if "data-value" in f or "vega-spec" in f
    )
    for path in public["paths"]:
        html = path.read_text(encoding="utf-8")
        assert "/assets/" not in html and "static_index.html" not in html and "tool-dagster" not in html, path
