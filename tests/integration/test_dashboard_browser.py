"""The published dashboards in a real browser (Debian's headless chromium, driven by playwright).

One small generated data folder goes through the whole pipeline ONCE per test session
(`esf-monitor run`: Dagster → dbt → exports → dashboards; the portal's browser tests look at a
copy of the same folder, tests/integration/conftest.py); one browser then opens every
dashboard once (`esf_monitor.dashboard.browser.inspect_pages`) and records what a reader
gets: network requests, console messages, the figures on the page, the data each Vega chart
drew and the tooltip of every mark. The tests below assert on that recording and on the raw
HTML files, against the export files of the same run.

Screenshots: `screenshots*/*.jpg` under pytest's temporary folder (printed by `pytest -s`;
never inside the shared data folder); set ESF_SCREENSHOT_DIR to keep them elsewhere.
`docs/dashboard-overview.png` in the repo comes from `python -m esf_monitor.dashboard.browser`.
"""

from __future__ import annotations

import json
import math
import os
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from esf_monitor.dashboard.browser import (
    CHART_TIMEOUT_MS,
    CHROMIUM,
    dashboard_files,
    inspect_pages,
    open_browser,
)
from esf_monitor.dashboard.pages import NOTES

pytestmark = pytest.mark.slow

SMALL = {"1", "2"}
COUNT_INDICATORS = {"participants_cumulative", "participants_active", "entries_month", "leavers_month"}


# ---------------------------------------------------------------- one pipeline run, one browser


@pytest.fixture(scope="module")
def published(demo_processed) -> Path:
    """A small generated folder (10 projects, 7 months: SFC cut-offs 2024-12 and 2025-06),
    processed once per session (tests/integration/conftest.py); only read here."""
    return demo_processed


@pytest.fixture(scope="module")
def browser():
    """One headless Debian chromium for the whole module."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), f"{CHROMIUM} missing: `make test-deps` installs Debian's chromium"
    pw = sync_playwright().start()
    chromium = open_browser(pw)
    yield chromium
    chromium.close()
    pw.stop()


@pytest.fixture(scope="module")
def reports(published, browser, tmp_path_factory) -> dict[str, object]:
    """Every dashboard opened once; key = path below dashboards/."""
    root = published / "dashboards" / "internal"
    shots = Path(os.environ.get("ESF_SCREENSHOT_DIR") or tmp_path_factory.mktemp("screenshots"))
    recorded = inspect_pages(dashboard_files(root), root, shots, browser)
    print(f"\nscreenshots: {shots}")
    return {r.path.relative_to(root.resolve()).as_posix(): r for r in recorded}


@pytest.fixture(scope="module")
def registry(published) -> pl.DataFrame:
    return pl.read_csv(published / "reference" / "projects.csv", infer_schema_length=0)


def _numbers(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    return frame.with_columns(pl.col(c).cast(pl.Float64) for c in columns)


@pytest.fixture(scope="module")
def exports(published) -> dict[str, pl.DataFrame]:
    folder = published / "exports"
    cutoffs = pl.read_csv(folder / "cutoffs.csv")["cutoff"].to_list()
    per_cutoff = pl.concat(
        [pl.read_csv(folder / c / "indicators.csv", infer_schema_length=0) for c in cutoffs]
    )
    allm = folder / "all_months"
    return {
        "cutoffs": cutoffs,
        "indicators": _numbers(per_cutoff, ["numerator", "denominator", "value"]),
        "all_indicators": _numbers(
            pl.read_csv(allm / "indicators.csv", infer_schema_length=0), ["numerator", "denominator", "value"]
        ),
        "common": _numbers(
            pl.concat(
                [pl.read_csv(folder / c / "common_indicators.csv", infer_schema_length=0) for c in cutoffs]
            ),
            ["value"],
        ),
        "sfc": _numbers(
            pl.concat([pl.read_csv(folder / c / "sfc_table.csv", infer_schema_length=0) for c in cutoffs]),
            ["value"],
        ),
        "breakdowns": _numbers(
            pl.read_csv(allm / "participant_breakdowns.csv", infer_schema_length=0),
            ["participants", "leavers", "integrated_leavers"],
        ),
        "deliveries": _numbers(
            pl.read_csv(allm / "delivery_status.csv", infer_schema_length=0),
            ["row_count", "incomplete_count"],
        ),
    }


def _lookup(frame: pl.DataFrame, keys: list[str]) -> dict[tuple, dict]:
    return {tuple(r[k] for k in keys): r for r in frame.iter_rows(named=True)}


def _unit(page_key: str) -> str:
    """The unit a page's un-attributed figures belong to: the project of a project page, else ALL."""
    return Path(page_key).stem if page_key.startswith("projects/") else "ALL"


def _small(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x)) and x in (1, 2)


def _shown_number(text: str, kind: str) -> float:
    """A figure as the page shows it, German style ("1.234", "31,6 %", "120,5") → number."""
    text = text.replace("\u00a0", " ").strip()
    if kind == "rate":
        assert text.endswith("%"), text
        text = text[:-1].strip()
    number = float(text.replace(".", "").replace(",", "."))
    return number / 100 if kind == "rate" else number


def _matches(text: str, value: float, kind: str) -> bool:
    """Shown text agrees with the exact export value up to the shown precision."""
    shown = _shown_number(text, kind)
    tolerance = {"count": 0, "rate": 0.0005, "days": 0.05}[kind] + 1e-9
    return abs(shown - value) <= tolerance


# ---------------------------------------------------------------- raw HTML


class _Figures(HTMLParser):
    """data-* attributes of every element, and the chart specs (script.vega-spec) of a file."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.attrs: list[dict] = []
        self.specs: dict[str, dict] = {}
        self._spec: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.attrs.append(attrs)
        if tag == "script" and "vega-spec" in (attrs.get("class") or ""):
            self._spec = attrs["data-target"]
            self.specs[self._spec] = ""

    def handle_data(self, data):
        if self._spec:
            self.specs[self._spec] += data

    def handle_endtag(self, tag):
        if tag == "script" and self._spec:
            self.specs[self._spec] = json.loads(self.specs[self._spec])
            self._spec = None


def _raw(path: Path) -> _Figures:
    parser = _Figures()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


# ---------------------------------------------------------------- loading: offline, no errors


def test_every_dashboard_loads_offline_without_console_errors(published, reports, registry):
    root = published / "dashboards" / "internal"
    files = dashboard_files(root)
    # process monitoring, when the data folder has it: process.html and one page per municipality
    process = (root / "process.html").is_file()
    municipalities = published / "reference" / "municipalities.csv"
    towns = pl.read_csv(municipalities).height if process and municipalities.is_file() else 0
    assert len(files) == 3 + process + registry.height + towns and set(reports) == {
        p.relative_to(root).as_posix() for p in files
    }
    for key, report in reports.items():
        assert report.requests == [], (key, report.requests)
        assert report.console == [], (key, report.console)
        raw = _raw(report.path)
        if raw.specs:
            # every chart drawn, each from its inline data, and every one has marks to show
            assert report.charts_state == "ready", key
            assert {c["id"] for c in report.charts} == set(raw.specs), key
            assert all(c["marks"] for c in report.charts), key
        else:
            assert report.charts_state == "none", key
        assert report.screenshot.stat().st_size > 10_000, key
    overview = reports["overview.html"]
    assert len(overview.charts) >= 15 and len(overview.figures) > 300


def test_the_recorder_catches_requests_and_console_errors(tmp_path, browser):
    """The offline test above would pass vacuously if the recording missed anything: a page
    that fetches, loads an image and logs an error must show up in every list."""
    page = tmp_path / "leaky.html"
    page.write_text(
        "<!DOCTYPE html><html><body><p>x</p>"
        '<img src="http://example.invalid/pixel.png">'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<script>fetch("https://example.invalid/api").catch(function () {});'
        'try { new WebSocket("wss://example.invalid/live"); } catch (e) {}'
        'console.error("kaputt / broken"); undefinedCall();</script></body></html>',
        encoding="utf-8",
    )
    (report,) = inspect_pages([page], tmp_path, None, browser)
    assert set(report.requests) == {
        "http://example.invalid/pixel.png",
        "https://example.invalid/api",
        "wss://example.invalid/live",
    }
    assert "error: kaputt / broken" in report.console
    assert any(m.startswith("pageerror:") and "undefinedCall" in m for m in report.console)


# ---------------------------------------------------------------- figures equal the exports


def _expected(row: dict | None, kind: str) -> tuple[str, float | None]:
    """("–", None) when nothing to compute, else ("=", value): the internal pages are exact."""
    if row is None:
        return "–", None
    value = row["value"]
    return ("–", None) if value is None or math.isnan(value) else ("=", value)


def _check_figure(text: str, attrs: dict, unit: str, lookup: dict, hidden_totals: set) -> str:
    """Compare one indicator figure with its export row; returns how it was shown (=, *, –, secondary)."""
    kind, code, cutoff = attrs["data-kind"], attrs["data-indicator"], attrs["data-cutoff"]
    unit = attrs.get("data-project", unit)
    row = lookup.get((cutoff, unit, code, attrs.get("data-gender", "total")))
    how, value = _expected(row, kind)
    where = (unit, cutoff, code, attrs.get("data-gender"), text, row)
    if how == "–":
        assert text == "–", where
        return "–"
    assert _matches(text, value, kind), where
    assert float(attrs["data-value"]) == pytest.approx(value, rel=1e-9, abs=1e-12), where
    return "="


def _hidden_totals(reports) -> set:
    return {
        (f["attrs"]["data-cutoff"], f["attrs"].get("data-project", _unit(key)))
        for key, r in reports.items()
        for f in r.figures
        if f["attrs"].get("data-indicator") == "participants_cumulative"
        and f["attrs"].get("data-gender") == "total"
        and f["text"] == "*"
    }


def test_headline_figures_on_the_page_equal_the_exports(reports, exports, registry):
    """The headline cards as rendered, read from the DOM, against exports/<cut-off>/indicators.csv."""
    lookup = _lookup(exports["indicators"], ["cutoff", "project_id", "indicator", "gender"])
    hidden_totals = _hidden_totals(reports)
    outcome: dict[str, int] = {}
    pages_with_cards = 0
    for key, report in reports.items():
        cards = [f for f in report.figures if "kpi" in (f["attrs"].get("class") or "").split()]
        if not cards:
            continue
        pages_with_cards += 1
        shown = {c["attrs"]["data-cutoff"] for c in cards}
        assert shown == set(exports["cutoffs"]), key  # the latest month and every SFC cut-off
        codes = {c["attrs"]["data-indicator"] for c in cards}
        assert {
            "participants_cumulative",
            "participants_active",
            "entries_month",
            "leavers_month",
            "integration_rate_cumulative",
            "integration_rate_12m",
            "integration_rate_6m",
            "reach_rate_12m",
            "duration_median_days",
        } <= codes, key
        for card in cards:
            how = _check_figure(card["text"], card["attrs"], _unit(key), lookup, hidden_totals)
            outcome[how] = outcome.get(how, 0) + 1
    assert pages_with_cards == 1 + registry.height  # overview + every project (all have data)
    assert outcome["="] > 0.8 * sum(outcome.values()) and "*" not in outcome, outcome
    programme = [f for f in reports["overview.html"].figures if "kpi" in (f["attrs"].get("class") or "")]
    assert all(
        f["text"] not in ("*", "–") for f in programme if f["attrs"]["data-indicator"] in COUNT_INDICATORS
    )


def test_every_indicator_figure_equals_the_export_or_is_rightly_hidden(reports, exports):
    """Tables, previous-month figures and cards of every month against exports/all_months."""
    lookup = _lookup(exports["all_indicators"], ["cutoff", "project_id", "indicator", "gender"])
    hidden_totals = _hidden_totals(reports)
    checked = 0
    for key, report in reports.items():
        for f in report.figures:
            a = f["attrs"]
            if a.get("data-indicator", "").startswith("EEC") or "data-indicator" not in a:
                continue
            _check_figure(f["text"], a, _unit(key), lookup, hidden_totals)
            checked += 1
    assert checked > 1500


def test_eu_common_indicators_and_sfc_tables_equal_the_exports(reports, exports):
    common = _lookup(exports["common"], ["cutoff", "project_id", "indicator", "gender"])
    sfc = _lookup(
        exports["sfc"], ["cutoff", "specific_objective", "category_of_region", "indicator", "gender"]
    )
    checked = {"common": 0, "sfc": 0}
    for key, report in reports.items():
        for f in report.figures:
            a = f["attrs"]
            if not a.get("data-indicator", "").startswith("EEC"):
                continue
            if key == "sfc.html":
                row, table = (
                    sfc[
                        (
                            a["data-cutoff"],
                            a["data-specific-objective"],
                            a["data-region"],
                            a["data-indicator"],
                            a["data-gender"],
                        )
                    ],
                    "sfc",
                )
            else:
                row, table = (
                    common[(a["data-cutoff"], _unit(key), a["data-indicator"], a["data-gender"])],
                    "common",
                )
            assert _shown_number(f["text"], "count") == row["value"], (key, a, row)
            checked[table] += 1
    # SFC: every exported cell of the shown cut-offs is on the page (22 codes × 4 genders per group)
    assert checked["sfc"] == exports["sfc"].height
    assert checked["common"] == exports["common"].filter(pl.col("project_id") != "ALL").height


def test_sfc_page_shows_the_validation_rules_results(reports):
    sfc = reports["sfc.html"]
    text = sfc.text
    assert "Tabelle 6 – Outputs / Table 6 – outputs" in text and "Tabelle 10 – Ergebnisse" in text
    assert "Prüfregeln SFC2021 / SFC2021 validation rules" in text
    assert "EECO01 = EECO02 + EECO04 + EECO05" in text and "EECR05 ≤ EECO01" in text
    legend = NOTES["rules"]  # the footnote names both marks
    assert (
        legend in text and "✓" in text and "✗" not in text.replace(legend, "")
    )  # correct code never breaks the rules


# ---------------------------------------------------------------- small cells


def _value_title(spec: dict) -> str:
    return next(t["title"] for t in spec["encoding"]["tooltip"] if t["field"] == "value")


def test_internal_pages_show_small_counts_exactly_and_say_so(reports, exports):
    """v2: no `*` on the internal pages — a count of 1 or 2 of the exports is on the page as it
    is, and every page says it is internal (the protected release is dashboards/public/)."""
    lookup = _lookup(exports["all_indicators"], ["cutoff", "project_id", "indicator", "gender"])
    small = 0
    for key, report in reports.items():
        assert "intern — exakte Werte, nicht zur Veröffentlichung" in report.text, key
        for f in report.figures:
            a = f["attrs"]
            assert f["text"] != "*" and a.get("data-value") != "*", (key, a)
            if a.get("data-kind") == "count" and a.get("data-indicator") in COUNT_INDICATORS:
                row = lookup.get(
                    (
                        a["data-cutoff"],
                        a.get("data-project", _unit(key)),
                        a["data-indicator"],
                        a.get("data-gender", "total"),
                    )
                )
                if row is not None and _small(row["value"]):
                    assert _shown_number(f["text"], "count") == row["value"], (key, a)
                    small += 1
    assert small > 0


def test_a_tooltip_shows_what_the_recording_says(published, browser):
    """The tooltips checked above are read from Vega's scenegraph; hovering a mark shows the same text."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto((published / "dashboards" / "internal" / "overview.html").resolve().as_uri())
        page.wait_for_function("document.documentElement.dataset.charts === 'ready'")
        target = page.evaluate("""() => {
          // the first bar of the first bar chart: a rect mark has a box to point at
          for (const view of Object.values(window.esfDashboard.views)) {
            const marks = view.scenegraph().root.items[0].items
              .find((m) => m.role === "mark" && m.marktype === "rect");
            if (!marks || !marks.items.length) continue;
            if (!view.container().offsetParent) continue;  // a chart of a cut-off not shown
            // the biggest bar: a sliver of a few pixels may lie under an axis or another mark
            const item = marks.items.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
            if (item.width < 4 || item.height < 4) continue;
            view.container().scrollIntoView({block: "center"});  // not under the sticky cut-off selector
            const box = view.container().getBoundingClientRect();
            const origin = view.origin();
            return {x: box.left + origin[0] + item.x + item.width / 2,
                    y: box.top + origin[1] + item.y + item.height / 2, tooltip: item.tooltip};
          }
        }""")
        page.mouse.move(1, 1)
        page.mouse.move(target["x"], target["y"], steps=5)  # Vega reacts to pointermove events
        page.wait_for_selector("#vg-tooltip-element.visible")
        shown = page.inner_text("#vg-tooltip-element")
    finally:
        page.close()
    assert len(target["tooltip"]) == 2
    for title, value in target["tooltip"].items():
        assert title in shown and str(value) in shown, (target, shown)


# ---------------------------------------------------------------- project pages


def test_a_project_dashboard_names_no_other_project(reports, registry):
    """Nothing in a project's file — text, attributes, chart data, tooltips, the library — names
    another project by id or name; the drawn charts hold no other project's rows either."""
    projects = dict(registry.select("project_id", "project_name").iter_rows())
    for pid, name in projects.items():
        report = reports[f"projects/{pid}.html"]
        html = unescape(
            report.path.read_text(encoding="utf-8")
        )  # names as a reader sees them ("&#39;" → "'")
        assert pid in html and name in html
        drawn = json.dumps(
            [c["datasets"] for c in report.charts] + [c["marks"] for c in report.charts], ensure_ascii=False
        )
        for other, other_name in projects.items():
            if other == pid:
                continue
            for where, content in (("file", html), ("page text", report.text), ("charts", drawn)):
                assert other not in content, (pid, other, where)
                assert other_name not in content, (pid, other_name, where)
        assert {f["attrs"].get("data-project", pid) for f in report.figures} == {pid}
        assert "Programm gesamt" not in report.text


# ---------------------------------------------------------------- print


def test_overview_prints_on_a4(published, browser):
    """Printing (A4, print stylesheet): navigation hidden, charts and tables inside the page width."""
    a4_width = round((210 - 2 * 14) / 25.4 * 96)  # printable width in CSS px (14 mm margins)
    page = browser.new_page(viewport={"width": a4_width, "height": 1000})
    try:
        page.emulate_media(media="print")
        page.goto((published / "dashboards" / "internal" / "overview.html").resolve().as_uri())
        page.wait_for_function("document.documentElement.dataset.charts === 'ready'")
        nav_shown = page.evaluate("getComputedStyle(document.querySelector('nav')).display")
        too_wide = page.evaluate(f"""() => Array.from(document.querySelectorAll('.chart svg, table'))
          .filter((el) => el.getBoundingClientRect().right > {a4_width} + 1)
          .map((el) => (el.closest('figure') || el).innerText.slice(0, 60))""")
        pdf = page.pdf(format="A4", margin={"top": "14mm", "bottom": "14mm", "left": "14mm", "right": "14mm"})
    finally:
        page.close()
    assert nav_shown == "none"
    assert too_wide == []
    assert pdf[:5] == b"%PDF-" and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) > 3


# ---------------------------------------------------------------- process monitoring


@pytest.fixture(scope="module")
def process_pages(tmp_path_factory) -> Path:
    """The process pages of the hand-made exports (tests/fixtures/process/exports.py), internal set."""
    from fixtures.process.builders import write_registries
    from fixtures.process.exports import write_process_exports

    from esf_monitor.dashboard import build_dashboards
    from esf_monitor.intake import read_registry

    root = tmp_path_factory.mktemp("process")
    write_process_exports(root / "exports")
    out = root / "dashboards"
    build_dashboards(root / "exports", read_registry(write_registries(root / "reference")), out)
    return out


#: per item bar of a wave: the drawn width of each segment relative to its bar, and the base text
BARS_JS = """(wave) => Array.from(document.querySelectorAll(`li.item[data-wave="${wave}"]`)).map((li) => {
  const bar = li.querySelector(".bar:not(.small)").getBoundingClientRect();
  return {item: li.dataset.item, barWidth: bar.width,
          segments: Array.from(li.querySelectorAll(".bar:not(.small) .seg")).map((s) => ({
            code: s.dataset.code, share: Number(s.dataset.share),
            drawn: s.getBoundingClientRect().width / bar.width,
            colour: getComputedStyle(s).backgroundColor})),
          base: li.querySelector(".base").innerText};
})"""


@pytest.mark.parametrize("width", [1280, 360])
def test_process_page_draws_the_bars_offline_at_desktop_and_phone_width(process_pages, browser, width):
    """process.html in chromium: no request, no console message, every bar drawn with segments
    as wide as their shares, the base beside (or, on a phone, under) the bar, nothing wider than
    the screen."""
    (report,) = inspect_pages([process_pages / "process.html"], process_pages, None, browser)
    assert report.requests == [] and report.console == [] and report.charts_state == "none"
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="de-DE")
    try:
        page = context.new_page()
        page.goto((process_pages / "process.html").resolve().as_uri())
        bars = page.evaluate(BARS_JS, "2020-12")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        own = context.new_page()
        own.goto((process_pages / "municipalities" / "KOM-A.html").resolve().as_uri())
        own_text = own.evaluate(
            "document.querySelector('li.item[data-item=\"1.1_abh_cooperation\"] .own').innerText"
        )
        own_overflow = own.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    finally:
        context.close()
    assert [b["item"] for b in bars] == [
        "1.1_bkg_meetings",
        "1.1_abh_cooperation",
        "1.6_needs_analysis",
        "1.7_participation",
    ]
    assert [b["base"] for b in bars] == ["3 von 3 Kommunen / 3 of 3 municipalities"] * 3 + [
        "2 von 3 Kommunen / 2 of 3 municipalities"
    ]
    bkg = bars[0]
    assert [(s["code"], s["colour"]) for s in bkg["segments"]] == [
        ("in_planning", "rgb(143, 188, 230)"),
        ("implemented", "rgb(31, 95, 168)"),
    ]
    for bar in bars:
        assert bar["barWidth"] > 150
        for s in bar["segments"]:
            # drawn width = share of the bar (the bar's 1 px border on each side aside)
            assert abs(s["drawn"] - s["share"]) < 0.02, (bar["item"], s)
    assert overflow <= 0 and own_overflow <= 0
    assert own_text.startswith("Eigene Antwort / Own answer: Bereits umgesetzt / Already implemented")


# ---------------------------------------------------------------- at a glance (issue #17)


def _open(browser, path: Path, width: int, height: int = 900):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(path.resolve().as_uri())
    if page.locator("script.vega-spec").count():  # the SFC page has no chart
        page.wait_for_function(
            "document.documentElement.dataset.charts === 'ready'", timeout=CHART_TIMEOUT_MS
        )
    return page


#: the overview at 1440 px was 30,000 px tall with four cut-offs stacked in full
OVERVIEW_HEIGHT_LIMIT = 12_000


def test_overview_is_one_cutoff_tall_and_the_selector_switches(published, browser, exports):
    """1440 px: the page shows one cut-off (the latest) and is far shorter than the stacked
    page; choosing another cut-off shows its sections, cards and tables, and the address says so."""
    page = _open(browser, published / "dashboards" / "internal" / "overview.html", 1440)
    try:
        height = page.evaluate("document.documentElement.scrollHeight")
        latest, *older = [c for c in exports["cutoffs"][::-1]]
        state = """() => ({
          shown: Array.from(document.querySelectorAll('section[data-cutoff]'))
            .filter((s) => s.offsetParent !== null).map((s) => s.dataset.cutoff),
          cards: Array.from(document.querySelectorAll('.kpi'))
            .filter((k) => k.offsetParent !== null).map((k) => k.dataset.cutoff),
          selected: document.getElementById('cutoff-select').value,
          picker: getComputedStyle(document.getElementById('cutoff-picker')).display,
        })"""
        first = page.evaluate(state)
        page.select_option("#cutoff-select", older[0])
        second = page.evaluate(state)
        url = page.url
        page.reload()
        page.wait_for_function(
            "document.documentElement.dataset.charts === 'ready'", timeout=CHART_TIMEOUT_MS
        )
        after_reload = page.evaluate(state)
    finally:
        page.close()
    print(f"\noverview height at 1440 px: {height} px")
    assert height < OVERVIEW_HEIGHT_LIMIT, height
    assert first["picker"] != "none" and first["selected"] == latest
    assert set(first["shown"]) == {latest} and set(first["cards"]) == {latest}
    assert set(second["shown"]) == {older[0]} and set(second["cards"]) == {older[0]}
    assert url.endswith(f"#cutoff-{older[0]}") and set(after_reload["shown"]) == {older[0]}


def test_csv_link_downloads_the_table(published, browser):
    """The CSV beside the comparison table, downloaded: the rows the table shows."""
    page = _open(browser, published / "dashboards" / "internal" / "overview.html", 1440)
    try:
        table = (
            page.locator("section[data-cutoff]:not([hidden]) table").filter(has_text="Projektvergleich").first
        )
        shown = table.evaluate(
            "(t) => Array.from(t.rows).map((r) => Array.from(r.cells).map((c) => c.innerText.trim()))"
        )
        caption = table.evaluate("(t) => t.caption.innerText")
        link = page.locator(f"a.csv[data-table='{table.get_attribute('id')}']")
        with page.expect_download() as info:
            link.click()
        download = info.value
        content = Path(download.path()).read_text(encoding="utf-8-sig")
        name = download.suggested_filename
    finally:
        page.close()
    import csv
    import io

    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert caption.startswith("Projektvergleich") and name.startswith("projektvergleich_")
    assert rows == shown and len(rows) > 5


#: smallest text a reader must read on a phone (CSS px, after any scaling of a chart)
MIN_TEXT_PX = 10


def test_phone_width_text_is_readable_and_tables_scroll_inside(published, browser):
    """390 px (a phone): no text below 10 px — HTML text nor chart text as drawn — and nothing
    makes the page wider than the screen; wide tables scroll inside with the first column fixed."""
    found = {}
    for name in (
        "overview.html",
        "sfc.html",
        f"projects/{sorted((published / 'dashboards' / 'internal' / 'projects').glob('*.html'))[0].name}",
    ):
        page = _open(browser, published / "dashboards" / "internal" / name, 390, 844)
        try:
            found[name] = page.evaluate("""() => {
              const small = [];
              const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
              let texts = 0;
              while (walker.nextNode()) {
                const node = walker.currentNode, el = node.parentElement;
                if (!el || !node.textContent.trim() || el.closest('script, style, noscript')) continue;
                const box = el.getBoundingClientRect();
                if (!box.width && !box.height) continue;  // not shown (another cut-off)
                let size = parseFloat(getComputedStyle(el).fontSize);
                if (el instanceof SVGElement) {  // a chart scaled to fit (rotated labels: the matrix's length)
                  const m = el.getScreenCTM();
                  size *= Math.hypot(m.a, m.b);
                }
                texts += 1;
                if (size < 9.95) small.push([node.textContent.trim().slice(0, 40), size]);
              }
              const wraps = Array.from(document.querySelectorAll('.table-wrap'))
                .filter((w) => w.offsetParent !== null);
              const wide = wraps.filter((w) => w.scrollWidth > w.clientWidth + 1);
              return {
                small, texts,
                pageWidth: document.documentElement.scrollWidth,
                wide: wide.length,
                sticky: wide.every((w) => {
                  const th = w.querySelector('tbody th');
                  return !th || getComputedStyle(th).position === 'sticky';
                }),
              };
            }""")
        finally:
            page.close()
    for name, r in found.items():
        assert r["texts"] > 50 and r["small"] == [], (name, r["small"][:10])
        assert r["pageWidth"] <= 390, (name, r["pageWidth"])
        assert r["sticky"], name
    assert found["overview.html"]["wide"] > 0  # the comparison table does scroll on a phone


def test_comparison_table_fits_or_scrolls_inside_at_1440(published, browser):
    page = _open(browser, published / "dashboards" / "internal" / "overview.html", 1440)
    try:
        r = page.evaluate("""() => {
          const t = Array.from(document.querySelectorAll('section[data-cutoff]:not([hidden]) table'))
            .find((x) => x.caption.innerText.startsWith('Projektvergleich'));
          const wrap = t.closest('.table-wrap');
          return {page: document.documentElement.scrollWidth, viewport: innerWidth,
                  fits: wrap.scrollWidth <= wrap.clientWidth + 1,
                  sticky: getComputedStyle(t.querySelector('tbody th')).position};
        }""")
    finally:
        page.close()
    assert r["page"] <= r["viewport"] and (r["fits"] or r["sticky"] == "sticky"), r
