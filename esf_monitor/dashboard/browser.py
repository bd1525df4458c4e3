"""Open dashboards in a real headless browser and record what a reader would get.

Used by the browser tests (tests/integration/test_dashboard_browser.py) and to refresh the screenshots:

    .venv/bin/python -m esf_monitor.dashboard.browser [DASHBOARD_DIR] [--out SCREENSHOT_DIR]
        [--overview-png docs/dashboard-overview.png]

(defaults: `$ESF_DATA_DIR/dashboards` and its `screenshots/` subfolder; one full-page JPEG per
dashboard; `--overview-png` also writes the top of the overview as PNG, the README's picture). It drives Debian's
`chromium` (/usr/bin/chromium, installed by `scripts/test-deps.sh`) through the `playwright`
package — never a downloaded browser, never `playwright install`.

Why record instead of assert here: the same recording serves the tests (which assert) and a
reviewer (who looks at the screenshots). Per page it keeps every request the page made other
than the page file itself and data:/blob: URLs (each is also aborted, so nothing leaves the
machine even when a check would fail), every console error or warning and uncaught exception,
every figure element (`data-value`) with its rendered text, the text of the page outside
the charts' SVG, and for each Vega chart the data it drew and the tooltip of every mark, read from the
chart's Vega view (`window.esfDashboard.views`, set by the page's own script).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path(os.environ.get("ESF_CHROMIUM", "/usr/bin/chromium"))
VIEWPORT = {"width": 1280, "height": 900}
#: how long drawing every chart of a page may take (the big pages hold ~60 charts)
CHART_TIMEOUT_MS = 60_000
ALLOWED_SCHEMES = ("data:", "blob:")

#: JavaScript: every chart's drawn marks (datum and tooltip) and its named datasets.
CHART_STATE_JS = r"""
() => {
  const out = [];
  const views = (window.esfDashboard || {}).views || {};
  for (const [id, view] of Object.entries(views)) {
    const spec = JSON.parse(document.querySelector(`script.vega-spec[data-target="${id}"]`).textContent);
    const marks = [];
    const walk = (node, role) => {
      if (!node) return;
      if (node.marktype) {
        for (const item of node.items || []) {
          if (node.role === "mark" && item.datum && !Array.isArray(item.datum)) {
            marks.push({datum: item.datum, tooltip: item.tooltip === undefined ? null : item.tooltip});
          }
          walk(item);
        }
      } else if (node.items) {
        for (const item of node.items) walk(item);
      }
    };
    walk(view.scenegraph().root);
    // the chart's own datasets (source_0, data_0, …), not Vega's internal mark/root tables
    const names = Object.keys(view.getState({data: () => true, signals: () => false}).data || {})
      .filter((name) => /^(source|data)_\d+$/.test(name));
    const datasets = {};
    for (const name of names) {
      datasets[name] = view.data(name).map((row) => Object.fromEntries(Object.entries(row)));
    }
    out.push({id, kind: (spec.usermeta || {}).kind, title: spec.title, marks, datasets});
  }
  return JSON.parse(JSON.stringify(out));
}
"""

FIGURES_JS = """
() => Array.from(document.querySelectorAll("[data-value]")).map((el) => {
  const attrs = {};
  for (const a of el.attributes) attrs[a.name] = a.value;
  const valueEl = el.querySelector(".kpi-value");
  return {tag: el.tagName.toLowerCase(), attrs, text: (valueEl || el).innerText.trim()};
})
"""


#: JavaScript: the page's text as a reader sees it in tables, cards and notes — one line per text
#: node, leaving out the charts' SVG (axis ticks are scale positions, not figures; what a chart
#: shows is read from its Vega view instead), scripts and styles.
TEXT_JS = """
() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement || node.parentElement.closest("svg, script, style")) continue;
    const text = node.textContent.trim();
    if (text) out.push(text);
  }
  return out.join("\\n");
}
"""


@dataclass
class PageReport:
    """What one dashboard did and showed in the browser."""

    path: Path
    url: str
    requests: list[str] = field(default_factory=list)  # anything but the page itself, data:, blob:
    console: list[str] = field(default_factory=list)  # "error: …", "warning: …", "pageerror: …"
    charts_state: str = ""  # ready | failed | none
    figures: list[dict] = field(default_factory=list)  # {tag, attrs, text} per [data-value]
    charts: list[dict] = field(default_factory=list)  # {id, kind, title, marks, datasets}
    text: str = ""  # text nodes outside SVG, one per line
    screenshot: Path | None = None


def open_browser(playwright):
    """Headless Debian chromium (no sandbox: test containers run as root)."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
    )


def inspect_page(browser, path: Path, screenshot: Path | None = None) -> PageReport:
    """Load one dashboard file, wait until its charts are drawn, record (and screenshot) it."""
    path = Path(path).resolve()
    report = PageReport(path=path, url=path.as_uri())
    context = browser.new_context(viewport=VIEWPORT, locale="de-DE", service_workers="block")

    def is_own(url: str) -> bool:
        return url == report.url or url.startswith(ALLOWED_SCHEMES)

    def route(r):
        if is_own(r.request.url):
            r.continue_()
        else:
            report.requests.append(r.request.url)
            r.abort()

    def on_request(request):
        if not is_own(request.url) and request.url not in report.requests:
            report.requests.append(request.url)

    context.route("**/*", route)
    context.on("request", on_request)
    page = context.new_page()
    page.on(
        "console",
        lambda m: report.console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda e: report.console.append(f"pageerror: {e}"))
    page.on("websocket", lambda ws: report.requests.append(ws.url))  # not routed, so recorded here
    try:
        page.goto(report.url, wait_until="load")
        if page.locator("script.vega-spec").count():
            page.wait_for_function(
                "document.documentElement.dataset.charts !== undefined", timeout=CHART_TIMEOUT_MS
            )
            report.charts_state = page.evaluate("document.documentElement.dataset.charts")
        else:
            report.charts_state = "none"
        report.figures = page.evaluate(FIGURES_JS)
        report.charts = page.evaluate(CHART_STATE_JS)
        report.text = page.evaluate(TEXT_JS)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            options = {"quality": 80} if screenshot.suffix in (".jpg", ".jpeg") else {}
            page.screenshot(path=str(screenshot), full_page=True, **options)
            report.screenshot = screenshot
    finally:
        context.close()
    return report


def screenshot_name(path: Path, root: Path, ext: str = "jpg") -> str:
    """overview.html → overview.jpg, projects/X.html → projects_X.jpg (JPEG: a full page of a
    dashboard is ~2 MB as PNG and costs twice the time; PNG when ext="png")."""
    return "_".join(Path(path).resolve().relative_to(Path(root).resolve()).with_suffix(f".{ext}").parts)


def inspect_pages(
    paths: Iterable[Path], root: Path, screenshot_dir: Path | None, browser=None
) -> list[PageReport]:
    """Every page in one browser (the one given, or a new one); a screenshot per page into
    screenshot_dir (if given)."""
    if browser is not None:
        return [
            inspect_page(browser, p, screenshot_dir / screenshot_name(p, root) if screenshot_dir else None)
            for p in paths
        ]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = open_browser(pw)
        try:
            return inspect_pages(paths, root, screenshot_dir, browser)
        finally:
            browser.close()


def dashboard_files(root: Path) -> list[Path]:
    root = Path(root)
    return (
        sorted(root.glob("*.html"))
        + sorted((root / "projects").glob("*.html"))
        + sorted((root / "municipalities").glob("*.html"))
    )


def main(argv: list[str] | None = None) -> int:
    from esf_monitor.paths import data_dir

    parser = argparse.ArgumentParser(
        description="Screenshots of every dashboard, and what went wrong (console errors, network requests)."
    )
    parser.add_argument("dashboards", nargs="?", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--overview-png", type=Path, default=None)
    args = parser.parse_args(argv)
    root = args.dashboards or data_dir().dashboards
    out = args.out or root / "screenshots"
    problems = 0
    for report in inspect_pages(dashboard_files(root), root, out):
        issues = (
            report.requests
            + report.console
            + ([] if report.charts_state in ("ready", "none") else [f"charts: {report.charts_state}"])
        )
        problems += len(issues)
        print(f"{report.screenshot}  {'OK' if not issues else '; '.join(issues)}")
    if args.overview_png:
        overview_png(root / "overview.html", args.overview_png)
        print(args.overview_png)
    return 1 if problems else 0


def overview_png(page_file: Path, dest: Path, height: int = 1300) -> Path:
    """The top of the overview (header, cut-off selector, headline cards, which projects are behind) as PNG."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = open_browser(pw)
        try:
            page = browser.new_page(viewport={"width": VIEWPORT["width"], "height": height})
            page.goto(Path(page_file).resolve().as_uri())
            page.wait_for_function(
                "document.documentElement.dataset.charts !== undefined", timeout=CHART_TIMEOUT_MS
            )
            dest.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(dest))
        finally:
            browser.close()
    return dest


if __name__ == "__main__":
    raise SystemExit(main())
