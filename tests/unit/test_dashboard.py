"""Dashboards: offline, suppressed, project pages isolated, figures faithful to the exports.

Built once per module from small synthetic export files (3 projects, 3 months) that hold
counts of 1 and 2 and totals that would give a hidden cell back. The HTML is parsed with the
standard library's HTMLParser; figures carry data-* attributes, charts are JSON specs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import altair as alt
import jinja2
import polars as pl
import pytest

from esf_monitor.dashboard import build_dashboards, charts
from esf_monitor.dashboard.labels import LABELLED_CODE_LISTS, category, fmt_value
from esf_monitor.dashboard.render import Cell, cells, script_json, table_rows, vega_bundle
from esf_monitor.dashboard.suppression import HIDDEN, Margin, hide_cells, suppress_counts, suppress_rates
from schemas.codes import REGISTRY_COLUMNS

MONTHS = ["2024-11", "2024-12", "2025-01"]
LATEST = MONTHS[-1]
PROJECTS = {"PRJ-ALPHA": "Kompass Nord", "PRJ-BRAVO": "Brücke Süd", "PRJ-CHARLIE": "Weitblick Ost"}
#: participants_cumulative per gender at the latest month. ALPHA f=2 must hide; its m (9) is the
#: smallest other non-zero cell of a row whose total is shown, so it must hide too.
CUMULATIVE = {"PRJ-ALPHA": {"f": 2, "m": 9, "d": 0},
              "PRJ-BRAVO": {"f": 30, "m": 25, "d": 1},
              "PRJ-CHARLIE": {"f": 14, "m": 20, "d": 0}}
COUNT_INDICATORS = ("participants_cumulative", "participants_active", "entries_month", "leavers_month")


# ---------------------------------------------------------------- synthetic exports

def _registry() -> pl.DataFrame:
    rows = [(pid, name, "Stark im Beruf", "JC-HH", f"D{i}", "single_parents", "more_developed",
             "ESO4.8" if i < 2 else "ESO4.1", dt.date(2024, 1, 1), dt.date(2026, 12, 31), 40 + 10 * i)
            for i, (pid, name) in enumerate(PROJECTS.items())]
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
                    rows.append(dict(cutoff=month, project_id=pid, indicator=ind, gender=g,
                                     numerator=v, denominator=None, value=v))
                    programme.setdefault((ind, g), [0, None])[0] += v
            # rates: ALPHA's women 1 of 2 leavers (must hide); BRAVO/CHARLIE large enough
            leavers = {"f": 2, "m": 6, "d": 0} if pid == "PRJ-ALPHA" else {"f": 20, "m": 10, "d": 0}
            integrated = {"f": 1, "m": 3, "d": 0} if pid == "PRJ-ALPHA" else {"f": 12, "m": 5, "d": 0}
            for ind in ("integration_rate_12m", "integration_rate_cumulative", "integration_rate_6m",
                        "followup_coverage", "status_unknown_share"):
                for g in ("f", "m", "d", "total"):
                    num = sum(integrated.values()) if g == "total" else integrated[g]
                    den = sum(leavers.values()) if g == "total" else leavers[g]
                    rows.append(dict(cutoff=month, project_id=pid, indicator=ind, gender=g, numerator=num,
                                     denominator=den, value=num / den if den else None))
                    acc = programme.setdefault((ind, g), [0, 0])
                    acc[0] += num
                    acc[1] += den
            for ind, value in (("duration_median_days", 120.5), ("duration_mean_days", 131.25)):
                for g in ("f", "m", "d", "total"):
                    den = sum(leavers.values()) if g == "total" else leavers[g]
                    rows.append(dict(cutoff=month, project_id=pid, indicator=ind, gender=g, numerator=None,
                                     denominator=den, value=value if den else None))
            total = sum(_counts(pid, mi, "participants_cumulative").values())
            planned = 40 + 10 * list(PROJECTS).index(pid)
            rows.append(dict(cutoff=month, project_id=pid, indicator="target_achievement", gender="total",
                             numerator=total, denominator=planned, value=total / planned))
            rows.append(dict(cutoff=month, project_id=pid, indicator="reach_rate_12m", gender="total",
                             numerator=6, denominator=60, value=0.1))
        for (ind, g), (num, den) in programme.items():
            value = num if den is None else (num / den if den else None)
            rows.append(dict(cutoff=month, project_id="ALL", indicator=ind, gender=g,
                             numerator=num, denominator=den, value=value))
        for ind, num, den in (("target_achievement", 0, 150), ("reach_rate_12m", 18, 180),
                              ("duration_median_days", None, 70), ("duration_mean_days", None, 70)):
            value = {"duration_median_days": 119.0, "duration_mean_days": 130.5}.get(ind)
            if ind == "target_achievement":
                num = sum(sum(_counts(p, mi, "participants_cumulative").values()) for p in PROJECTS)
            rows.append(dict(cutoff=month, project_id="ALL", indicator=ind, gender="total",
                             numerator=num, denominator=den, value=value if value is not None else num / den))
    return rows


def _common_rows() -> tuple[list[dict], list[dict]]:
    common, sfc = [], {}
    groups = {pid: ("ESO4.8" if i < 2 else "ESO4.1") for i, pid in enumerate(PROJECTS)}
    for month in MONTHS:
        for pid in PROJECTS:
            total_f, total_m = (2, 9) if pid == "PRJ-ALPHA" else (30, 25)
            values = {"EECO01": (total_f, total_m, 0), "EECO02": (1, 5, 0), "EECO04": (1, 2, 0),
                      "EECO05": (total_f - 2, total_m - 7, 0), "EECO07": (0, 4, 0), "EECR01": (1, 3, 0),
                      "EECR04": (0, 2, 0)}
            for code, (f, m, d) in values.items():
                for g, v in (("f", f), ("m", m), ("d", d), ("total", f + m + d)):
                    common.append(dict(cutoff=month, project_id=pid, indicator=code, gender=g, value=v))
                    key = (month, groups[pid], "more_developed", code, g)
                    sfc[key] = sfc.get(key, 0) + v
    sfc_rows = [dict(cutoff=c, specific_objective=so, category_of_region=r, indicator=i, gender=g, value=v)
                for (c, so, r, i, g), v in sfc.items()]
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
    return [dict(cutoff=c, project_id=p, dimension=d, category=cat, gender=g, participants=n,
                 leavers=n // 2, integrated_leavers=n // 4) for (c, p, d, cat, g), n in cells.items()]


def _delivery_rows() -> list[dict]:
    rows = []
    statuses = ["accepted", "corrected", "rejected"]
    for i, month in enumerate(MONTHS):
        for j, pid in enumerate(PROJECTS):
            status = statuses[(i + j) % 3]
            rows.append(dict(provider_id=pid, provider_kind="project", extract_type="participants",
                             reporting_month=month, status=status, versions=1 + (status == "corrected"),
                             first_arrived_at=f"{month}-28T08:00:00", last_arrived_at=f"{month}-28T09:00:00",
                             is_late=(i == 1), row_count=40 + j, incomplete_count=[0, 2, 5][j]))
        rows.append(dict(provider_id="JC-HH", provider_kind="jobcenter", extract_type="followup",
                         reporting_month=month, status="missing" if i == 2 else "accepted", versions=0 if i == 2 else 1,
                         first_arrived_at=None, last_arrived_at=None, is_late=False, row_count=None,
                         incomplete_count=None))
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
    pl.DataFrame({"cutoff": ["2024-12", "2025-01"], "is_sfc_cutoff": [True, False],
                  "is_latest": [False, True]}).write_csv(root / "cutoffs.csv")
    return root


# ---------------------------------------------------------------- HTML parsing

class Collector(HTMLParser):
    """Every element with its attributes and text; script contents kept whole."""

    VOID = {"meta", "br", "img", "link", "input", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self._open: list[dict] = []

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i]["tag"] == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data


def parse(path: Path) -> list[dict]:
    collector = Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector.elements


def chart_specs(elements: list[dict]) -> list[dict]:
    return [json.loads(e["text"]) for e in elements
            if e["tag"] == "script" and "vega-spec" in e["attrs"].get("class", "")]


def chart_rows(spec: dict) -> list[dict]:
    return spec["data"]["values"]


def figure_cells(elements: list[dict], **match: str) -> list[dict]:
    return [e for e in elements if "data-value" in e["attrs"]
            and all(e["attrs"].get(f"data-{k}") == v for k, v in match.items())]


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("dash")
    exports = write_exports(root / "exports")
    out = root / "dashboards"
    paths = build_dashboards(exports, _registry(), out)
    return {"out": out, "paths": paths, "exports": exports}


@pytest.fixture(scope="module")
def overview(built) -> list[dict]:
    return parse(built["out"] / "overview.html")


# ---------------------------------------------------------------- suppression unit tests

def _hidden(frame: pl.DataFrame) -> dict:
    return dict(zip(frame.select(pl.concat_str(pl.exclude("value", "suppressed"), separator="|"))
                    .to_series().to_list(), frame["suppressed"].to_list()))


def test_primary_suppression_hides_one_and_two_keeps_zero():
    frame = pl.DataFrame({"cell": ["a", "b", "c", "d"], "value": [0, 1, 2, 3]})
    out = suppress_counts(frame, ["cell"])
    assert out["suppressed"].to_list() == [False, True, True, False]
    assert out["value"].to_list() == [0, None, None, 3]


def test_secondary_suppression_hides_smallest_other_cell_of_a_row_with_total():
    frame = pl.DataFrame({"gender": ["f", "m", "d", "total"], "value": [2, 9, 5, 16]})
    out = suppress_counts(frame, ["gender"], [Margin("gender", "total")])
    assert out["suppressed"].to_list() == [True, False, True, False]  # d=5 is the smallest other
    assert out["value"].to_list() == [None, 9, None, 16]


def test_secondary_suppression_skips_zero_cells():
    """Hiding a 0 would not protect the cell (16 − 0 − 14 = 2 again); the next non-zero goes."""
    frame = pl.DataFrame({"gender": ["f", "m", "d", "total"], "value": [2, 0, 14, 16]})
    out = suppress_counts(frame, ["gender"], [Margin("gender", "total")])
    assert out["value"].to_list() == [None, 0, None, 16]


def test_secondary_suppression_with_total_published_elsewhere():
    frame = pl.DataFrame({"category": ["a", "b", "c"], "value": [1, 7, 5]})
    out = suppress_counts(frame, ["category"], [Margin("category")])
    assert out["suppressed"].to_list() == [True, False, True]


def test_secondary_suppression_only_among_listed_parts():
    frame = pl.DataFrame({"indicator": ["EECO01", "EECO02", "EECO04", "EECO05", "EECO07"],
                          "value": [20, 2, 8, 10, 3]})
    out = suppress_counts(frame, ["indicator"], [Margin("indicator", "EECO01", ("EECO02", "EECO04", "EECO05"))])
    assert out["suppressed"].to_list() == [False, True, True, False, False]


def test_secondary_suppression_in_two_directions_leaves_no_line_with_one_hidden_cell():
    """projects × gender with programme (ALL) and gender totals: the classic cascade."""
    table = {"A": {"f": 2, "m": 9, "d": 0}, "B": {"f": 30, "m": 25, "d": 1}, "C": {"f": 14, "m": 20, "d": 0}}
    rows = []
    for p, cells in table.items():
        rows += [(p, g, v) for g, v in cells.items()] + [(p, "total", sum(cells.values()))]
    for g in ("f", "m", "d", "total"):
        rows.append(("ALL", g, sum(r[2] for r in rows if r[1] == g and r[0] != "ALL")))
    frame = pl.DataFrame(rows, schema=["project_id", "gender", "value"], orient="row")
    out = suppress_counts(frame, ["project_id", "gender"], [Margin("gender", "total"), Margin("project_id", "ALL")])
    hidden = {(p, g) for p, g, h in out.select("project_id", "gender", "suppressed").iter_rows() if h}
    assert {("A", "f"), ("A", "m"), ("B", "d")} <= hidden
    for p in ("A", "B", "C", "ALL"):
        assert sum((p, g) in hidden for g in ("f", "m", "d", "total")) != 1, p
    for g in ("f", "m", "d", "total"):
        assert sum((p, g) in hidden for p in ("A", "B", "C", "ALL")) != 1, g
    shown = out.filter(~pl.col("suppressed"))["value"].to_list()
    assert not set(shown) & {1, 2}


def test_cells_linked_across_tables_share_their_fate():
    """A one-part line ties two cells holding the same number (e.g. EECO01 = participants)."""
    values = [2, 9, 0, 11, 9]          # f, m, d, total of one table; index 4 = the same 9 elsewhere
    lines = [([0, 1, 2], 3), ([4], 1)]
    assert hide_cells(values, lines) == [True, True, False, False, True]
    assert hide_cells(values, [([4], 1)]) == [True, False, False, False, False]  # unlinked: stays


def test_rates_hidden_when_numerator_or_denominator_is_small():
    frame = pl.DataFrame({
        "numerator": [1, 5, 0, None, 2, 0],
        "denominator": [10, 2, 10, 2, None, 0],
        "value": [0.1, 2.5, 0.0, 140.0, None, None],
    })
    out = suppress_rates(frame)
    assert out["suppressed"].to_list() == [True, True, False, True, True, False]
    assert out["value"].to_list() == [None, None, 0.0, None, None, None]


def test_german_number_format():
    assert fmt_value(1234, "count") == "1.234"
    assert fmt_value(1 / 3, "rate") == "33,3\u00a0%"
    assert fmt_value(120.5, "days") == "120,5"
    assert fmt_value(2, "count", suppressed=True) == HIDDEN
    assert fmt_value(0, "count") == "0"


def test_every_code_has_a_bilingual_label():
    for code_list in LABELLED_CODE_LISTS:
        for code in code_list:
            assert category(code) != code, code  # a label, not the raw code


# ---------------------------------------------------------------- pages

def test_all_pages_are_written(built):
    out = built["out"]
    expected = {out / "overview.html", out / "sfc.html", out / "index.html"} | {
        out / "projects" / f"{pid}.html" for pid in PROJECTS}
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
                assert not re.match(r"\s*(https?:)?//", e["attrs"].get(attr) or ""), (path, e)
            assert not (e["tag"] == "script" and "src" in e["attrs"]), path
            assert e["tag"] != "link", path
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", html, re.I), path
        for spec in chart_specs(elements):
            assert "http" not in json.dumps(spec), path
        page_urls = set(re.findall(r"https?://[^\s\"'`)\\]+", html))
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
    expected = exports.filter((pl.col("cutoff") == LATEST) & (pl.col("project_id") == "PRJ-BRAVO")
                              & (pl.col("indicator") == "participants_cumulative") & (pl.col("gender") == "total"))
    assert float(kpi["attrs"]["data-value"]) == expected["value"][0] == 56


def test_no_small_count_reaches_tables_or_charts(built):
    for path in built["paths"]:
        elements = parse(path)
        for e in elements:
            value = e["attrs"].get("data-value")
            if value is None:
                continue
            is_count = (e["attrs"].get("data-indicator", "") in COUNT_INDICATORS
                        or e["attrs"].get("data-indicator", "").startswith("EEC")
                        or e["attrs"].get("data-measure") in ("participants", "row_count", "incomplete_count"))
            if is_count:
                assert value not in ("1", "2"), (path.name, e["attrs"])
                assert e["text"].strip() not in ("1", "2"), (path.name, e["attrs"])
        for spec in chart_specs(elements):
            if spec["usermeta"]["kind"] == "count":
                assert not {row["value"] for row in chart_rows(spec)} & {1, 2}, (path.name, spec["title"])


def test_secondary_suppressed_cell_is_hidden_everywhere(built, overview):
    """ALPHA: f=2 (primary) so m=9 must hide too, on the overview and on ALPHA's own page."""
    alpha = parse(built["out"] / "projects" / "PRJ-ALPHA.html")
    for gender in ("f", "m"):
        cells = figure_cells(alpha, indicator="participants_cumulative", cutoff=LATEST, gender=gender)
        assert cells and all(c["attrs"]["data-value"] == HIDDEN and c["text"] == HIDDEN for c in cells)
        row = figure_cells(overview, indicator="participants_cumulative", cutoff=LATEST, gender=gender,
                           project="PRJ-ALPHA")
        assert all(c["attrs"]["data-value"] == HIDDEN for c in row)
    total = figure_cells(alpha, indicator="participants_cumulative", cutoff=LATEST, gender="total")
    assert total[0]["attrs"]["data-value"] == "11"
    gender_charts = [s for s in chart_specs(alpha) if "Geschlecht" in s["title"]]
    assert gender_charts
    for spec in gender_charts:
        assert not {row["value"] for row in chart_rows(spec)} & {2, 9}


def test_no_line_across_pages_has_exactly_one_hidden_cell(built):
    """Gender rows (f+m+d = total) and project columns (projects = ALL), read from every page together."""
    cells: dict[tuple, str] = {}
    for path in built["paths"]:
        page_project = path.stem if path.parent.name == "projects" else "ALL"
        for e in figure_cells(parse(path)):
            a = e["attrs"]
            if a.get("data-indicator") in COUNT_INDICATORS:
                key = (a["data-cutoff"], a["data-indicator"], a.get("data-project", page_project), a["data-gender"])
                assert cells.setdefault(key, a["data-value"]) == a["data-value"], key  # same on every page
    units = list(PROJECTS) + ["ALL"]
    genders = ("f", "m", "d", "total")
    checked = hidden = 0
    for cutoff in {k[0] for k in cells}:
        for indicator in COUNT_INDICATORS:
            lines = [[(cutoff, indicator, u, g) for g in genders] for u in units]
            lines += [[(cutoff, indicator, u, g) for u in units] for g in genders]
            for line in lines:
                if all(k in cells for k in line):
                    checked += 1
                    count = sum(cells[k] == HIDDEN for k in line)
                    hidden += count
                    assert count != 1, line
    # all lines of both cut-offs, plus the project column of totals of 2024-11 (the headline
    # cards name the previous month's total); some cells hide
    assert checked == 2 * len(COUNT_INDICATORS) * 8 + len(COUNT_INDICATORS) and hidden


def test_breakdowns_share_the_fate_of_the_participant_counts(built):
    """Categories + participants_cumulative form a line across tables; equal cells hide together."""
    cells: dict[tuple, str] = {}
    for path in built["paths"]:
        page_project = path.stem if path.parent.name == "projects" else "ALL"
        for e in figure_cells(parse(path)):
            a = e["attrs"]
            if a.get("data-measure") == "participants":
                cells[(a["data-cutoff"], page_project, a["data-dimension"], a["data-category"],
                       a["data-gender"])] = a["data-value"]
            elif a.get("data-indicator") == "participants_cumulative":
                cells[(a["data-cutoff"], a.get("data-project", page_project), "total", "total",
                       a["data-gender"])] = a["data-value"]
    checked = 0
    for cutoff in ("2024-12", LATEST):
        for unit in list(PROJECTS) + ["ALL"]:
            for g in ("f", "m", "d", "total"):
                total = cells[(cutoff, unit, "total", "total", g)]
                for dim, cats in _split(10).items():
                    line = [cells[(cutoff, unit, dim, c, g)] for c in cats if (cutoff, unit, dim, c, g) in cells]
                    if dim == "target_group":
                        same = cells.get((cutoff, unit, dim, "elb_total", g))
                        assert same is None or (same == HIDDEN) == (total == HIDDEN), (cutoff, unit, dim, g)
                    elif line:
                        checked += 1
                        assert (line + [total]).count(HIDDEN) != 1, (cutoff, unit, dim, g, line, total)
    assert checked > 20
    # ALPHA men: 9, hidden as the secondary cell of the gender row — so everyone-of-the-target-group
    # (also 9) must hide on ALPHA's page, and the network 2s of the other projects as well
    assert cells[(LATEST, "PRJ-ALPHA", "target_group", "elb_total", "m")] == HIDDEN
    assert cells[(LATEST, "PRJ-BRAVO", "access_channel", "network", "f")] == HIDDEN


def test_small_rates_are_hidden(built, overview):
    alpha = parse(built["out"] / "projects" / "PRJ-ALPHA.html")
    women = figure_cells(alpha, indicator="integration_rate_12m", cutoff=LATEST, gender="f")
    assert women and all(c["attrs"]["data-value"] == HIDDEN for c in women)
    men = figure_cells(alpha, indicator="integration_rate_12m", cutoff=LATEST, gender="m")
    assert men[0]["attrs"]["data-value"] == "0.5" and men[0]["text"] == "50,0\u00a0%"
    duration = figure_cells(alpha, indicator="duration_median_days", cutoff=LATEST, gender="f")
    assert duration[0]["attrs"]["data-value"] == HIDDEN  # over 2 leavers
    bravo = parse(built["out"] / "projects" / "PRJ-BRAVO.html")
    network = figure_cells(bravo, dimension="access_channel", category="network", measure="integration_rate")
    assert network and {c["attrs"]["data-value"] for c in network} == {HIDDEN}  # over 2 leavers


def test_headline_figures_equal_the_export_for_the_latest_month(built, overview):
    exports = pl.read_csv(built["exports"] / "all_months" / "indicators.csv")
    expected = exports.filter((pl.col("cutoff") == LATEST) & (pl.col("project_id") == "ALL")
                              & (pl.col("gender") == "total"))
    kpis = [e for e in overview if "kpi" in e["attrs"].get("class", "").split()
            and e["attrs"].get("data-cutoff") == LATEST]
    assert len(kpis) >= 9
    for kpi in kpis:
        code = kpi["attrs"]["data-indicator"]
        value = expected.filter(pl.col("indicator") == code)["value"][0]
        assert kpi["attrs"]["data-value"] != HIDDEN, code
        assert float(kpi["attrs"]["data-value"]) == pytest.approx(value, rel=1e-12), code
    participants = next(k for k in kpis if k["attrs"]["data-indicator"] == "participants_cumulative")
    assert "101" in participants["text"]


def test_labels_german_first_with_english_and_sources(overview, built):
    html = (built["out"] / "overview.html").read_text(encoding="utf-8")
    for label in ("Teilnehmende (kumuliert) / Participants (cumulative)", "Frauen / Women",
                  "Integrationsquote (12 Monate) / Integration rate (12 months)", "Lieferstatus / Delivery status",
                  "Datenqualität / Data quality", "Projektvergleich / Project comparison",
                  "Zugangsweg / Access channel", "Altersgruppe / Age group"):
        assert label in html, label
    kpi = figure_cells(overview, indicator="integration_rate_12m", cutoff=LATEST)[0]
    assert "dbt_project/models/marts/indicators.sql — integration_rate_12m" in html
    assert kpi["attrs"]["data-value"]
    assert '<html lang="de">' in html and "@media print" in html


def test_overview_has_a_section_per_shown_cutoff_and_delivery_heatmap(overview):
    ids = {e["attrs"].get("id") for e in overview if e["tag"] == "section"}
    assert {"cutoff-2025-01", "cutoff-2024-12", "trend", "deliveries"} <= ids
    statuses = {(e["attrs"]["data-provider"], e["attrs"]["data-month"]): e["attrs"]["data-status"]
                for e in overview if "data-status" in e["attrs"]}
    assert statuses[("PRJ-ALPHA", "2024-11")] == "accepted"
    assert statuses[("PRJ-BRAVO", "2024-11")] == "corrected"
    assert statuses[("JC-HH", "2025-01")] == "missing"
    late = {e["attrs"]["data-month"] for e in overview if e["attrs"].get("data-late") == "true"}
    assert late == {"2024-12"}
    quality = figure_cells(overview, measure="incomplete_count", project="PRJ-BRAVO")
    assert quality and quality[0]["attrs"]["data-value"] == HIDDEN  # 2 incomplete rows


def test_sfc_page_tables_and_validation_marks(built):
    elements = parse(built["out"] / "sfc.html")
    html = (built["out"] / "sfc.html").read_text(encoding="utf-8")
    assert "Tabelle 6 – Outputs / Table 6 – outputs" in html and "Tabelle 10" in html
    marks = [e for e in elements if e["attrs"].get("data-ok") in ("true", "false")]
    assert marks and all(e["attrs"]["data-ok"] == "true" and e["text"] == "✓" for e in marks)
    # ESO4.1 holds CHARLIE alone: its EECO02 f = 1 and EECO04 f = 1 must hide, as on its own page
    cells = figure_cells(elements, indicator="EECO02", gender="f", cutoff="2024-12")
    assert {c["attrs"]["data-value"] for c in cells} == {HIDDEN}
    assert {"cutoff-2024-12", "cutoff-2025-01"} <= {e["attrs"].get("id") for e in elements if e["tag"] == "section"}


def test_sfc_rule_breach_is_shown_as_a_cross(tmp_path):
    folder = tmp_path / "exports" / "all_months"
    folder.mkdir(parents=True)
    rows = [("2024-12", "ESO4.8", "more_developed", code, g, v) for code, v in
            (("EECO01", 10), ("EECO02", 4), ("EECO04", 3), ("EECO05", 3), ("EECR01", 11)) for g in ("total",)]
    pl.DataFrame(rows, schema=["cutoff", "specific_objective", "category_of_region", "indicator", "gender",
                               "value"], orient="row").write_csv(folder / "sfc_table.csv")
    build_dashboards(tmp_path / "exports", _registry(), tmp_path / "out")
    elements = parse(tmp_path / "out" / "sfc.html")
    results = {e["attrs"]["data-rule"]: e["attrs"]["data-ok"] for e in elements
               if e["attrs"].get("data-gender") == "total" and "data-rule" in e["attrs"]}
    assert results["EECO01 = EECO02 + EECO04 + EECO05"] == "true"
    assert results["EECR01 ≤ EECO01"] == "false"


@pytest.mark.parametrize("state", ["missing", "empty", "header_only"])
def test_no_data_yet_degrades_gracefully(tmp_path, state):
    exports = tmp_path / "exports"
    folder = exports / "all_months"
    folder.mkdir(parents=True)
    if state != "missing":
        for name, header in (("indicators", "cutoff,project_id,indicator,gender,numerator,denominator,value"),
                             ("delivery_status", "provider_id,provider_kind,extract_type,reporting_month,status"),
                             ("participant_breakdowns", "cutoff,project_id,dimension,category,gender,participants"),
                             ("sfc_table", "cutoff,specific_objective,category_of_region,indicator,gender,value")):
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
    trend_rows = pl.DataFrame({
        "cutoff": ["2025-01", "2025-02", "2025-03", "2025-01", "2025-02"],
        "indicator": ["integration_rate_12m"] * 3 + ["reach_rate_12m"] * 2,
        "series": ["Integrationsquote (12 Monate) / integration rate", "Integrationsquote (12 Monate) / integration rate",
                   "Integrationsquote (12 Monate) / integration rate", "Reichweite <Ü&\"> / reach", "Reichweite <Ü&\"> / reach"],
        "value": [0.25, None, 0.375, float("nan"), 1 / 3],
    })
    bar_rows = pl.DataFrame({"code": ["f", "m", "d"], "indicator": ["participants_cumulative"] * 3,
                             "cutoff": ["2025-03"] * 3, "label": ["Frauen / women", "Männer / men", "divers"],
                             "value": [120, None, 0]}, schema_overrides={"value": pl.Int64})
    cases = [
        (charts.trend, (trend_rows, "rate", "Quoten / Rates", "Quelle / Source: indicators.csv")),
        (charts.trend, (trend_rows.head(2), "count", "Teilnehmende / Participants", "Quelle")),
        (charts.bars, (bar_rows, "count", "Nach Geschlecht / by gender", "Quelle", "Teilnehmende")),
        (charts.bars, (bar_rows.drop("indicator"), "count", "Nach Geschlecht / by gender", "Quelle", "Teilnehmende")),
    ]
    for build, args in cases:
        reference = build(*args, via_altair=True)
        fast = build(*args)
        assert fast == reference
        assert script_json(fast) == script_json(reference)  # key order too: the page bytes
        assert [r["value"] for r in fast["data"]["values"]] == [r["value"] for r in reference["data"]["values"]]
        fast["data"]["values"].clear()
        fast["title"] = "changed"
        fast["encoding"]["x"]["title"] = "changed"
        assert script_json(build(*args)) == script_json(reference)  # the cache was not changed
    assert len(charts.bars(bar_rows, "count", "t", "s", "v")["data"]["values"]) == 2  # the hidden row is dropped
    with pytest.raises(TypeError):  # a date would need altair's conversion: refused, not passed on silently
        charts.bars(bar_rows.with_columns(pl.lit(dt.date(2025, 3, 31)).alias("cutoff")), "count", "t", "s", "v")


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
        [Cell("Programm gesamt <alle> & \"Summe\"", cls="total"), Cell("1.234", {"value": "1234", "kind": "count"}, "num",
                                                                    "Quelle / Source: a < b & 'c'")],
        [Cell("PRJ-A — Kompass"), Cell("*", {"value": "*", "n": 3, "none": None}, "num"),
         Cell("Seite", href="projects/a.html?x=1&y=<2>", title="t")],
        [Cell("")],
    ]
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    expected = env.from_string(CELL_MACRO).render(rows=rows)
    assert f"{table_rows(rows)}|{cells(rows[0], 'span')}" == expected
    assert "&lt;alle&gt; &amp; &#34;Summe&#34;" in expected  # the reference does escape
