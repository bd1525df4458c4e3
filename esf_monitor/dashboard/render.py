"""Page model and HTML rendering: one Jinja template (autoescaped), inline CSS and JS.

Pages are built as a list of sections of blocks (KPI cards, tables, charts, text); the
template knows how to draw each block, the page builders only decide what to show. Table
cells — some 20 000 per run — are drawn by `cells`/`table_rows` in Python (a Jinja macro call
per cell cost more than the rest of the page), escaped like everything else. Chart
specs go into `<script type="application/json" class="vega-spec">` tags — one per chart —
and one inline copy of the Vega bundle draws them all. JSON is escaped so that no `</script>`
can end the tag early.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt
import jinja2
import vl_convert as vlc
from markupsafe import Markup, escape

from esf_monitor.dashboard.labels import NO_CHART, bi


@dataclass
class Cell:
    text: str
    attrs: dict[str, str] = field(default_factory=dict)  # rendered as data-<key>
    cls: str = ""
    title: str = ""
    href: str = ""


@dataclass
class Kpi:
    label: str
    text: str
    attrs: dict[str, str]
    source: str
    previous: Cell | None = (
        None  # the previous month's figure (title = "Vormonat / previous month <YYYY-MM>")
    )


@dataclass
class Block:
    kind: str  # kpis | table | chart | text | links | grid
    title: str = ""
    source: str = ""
    cls: str = ""
    text: str = ""
    id: str = ""
    json: str = ""
    items: list = field(default_factory=list)  # Kpi (kpis), Cell (links), Block (grid)
    header: list[Cell] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)


@dataclass
class Section:
    title: str
    id: str = ""
    intro: str = ""
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Page:
    title: str
    subtitle: str
    nav: list[Cell]
    sections: list[Section]
    root: str = ""  # relative path to the dashboard folder ("../" for projects/)
    notice: str = ""  # method note (public) or "intern — exakte Werte …" (internal)
    notice_cls: str = "note"  # "method" | "internal"
    _chart_count: int = 0

    def chart(self, chart_spec: dict | None, title: str, source: str) -> Block:
        """A chart block with a page-unique id; a note instead when there is nothing to draw."""
        if chart_spec is None:
            return Block(kind="text", cls="nodata", text=f"{title}: {NO_CHART}")
        self._chart_count += 1
        return Block(
            kind="chart",
            id=f"chart-{self._chart_count}",
            title=title,
            source=source,
            json=script_json(chart_spec),
        )

    @property
    def has_charts(self) -> bool:
        return self._chart_count > 0


def script_json(value) -> str:
    """JSON safe to place inside a <script> element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@functools.cache
def vega_bundle() -> str:
    """Vega + Vega-Lite + Vega-Embed as one script (vl-convert bundles them; no network).

    Bundling costs ~2 s of one core (holding the GIL) in every process that draws a dashboard
    — each Dagster run is a new process, and this sat on the upload → dashboard latency
    (BENCHMARKS.md, section 4). The result depends only on the vl-convert and Vega-Lite
    versions, so it is kept in a file named by both (see :func:`_bundle_cache_file`).
    """
    wanted = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    version = wanted if wanted in vlc.get_vegalite_versions() else None
    cache = _bundle_cache_file(version)
    try:
        return cache.read_text(encoding="utf-8")
    except OSError:
        pass
    bundle = vlc.javascript_bundle(vl_version=version).replace("</script", "<\\/script")
    try:  # write-then-rename: a reader never sees half a file; no cache = bundle again next time
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f".{cache.name}.{os.getpid()}")
        tmp.write_text(bundle, encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass
    return bundle


def _bundle_cache_file(vl_version: str | None) -> Path:
    """``$XDG_CACHE_HOME/esf-monitor/`` (default ``~/.cache/esf-monitor/``), one file per version pair."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "esf-monitor" / f"vega-bundle-vlc{vlc.__version__}-vl{vl_version or 'default'}.js"


def embed_options() -> str:
    """vega-embed options: no action menu (it links to the online editor), SVG, German number format."""
    locale = {**vlc.get_format_locale("de-DE"), "percent": "\u00a0%"}
    return script_json(
        {
            "actions": False,
            "renderer": "svg",
            "formatLocale": locale,
            "timeFormatLocale": vlc.get_time_format_locale("de-DE"),
        }
    )


#: Draws every chart. When all are drawn (or failed), <html> gets data-charts="ready" (or
#: "failed") and `window.esfDashboard.views` holds each chart's Vega view by element id: the
#: browser tests wait for that flag and read the drawn data and tooltips through the views.
EMBED_JS = """
(function () {
  var options = JSON.parse(document.getElementById("vega-options").textContent);
  var views = {};
  var failed = 0;
  var drawing = Array.prototype.map.call(document.querySelectorAll("script.vega-spec"), function (el) {
    var target = document.getElementById(el.dataset.target);
    return vegaEmbed(target, JSON.parse(el.textContent), options).then(function (result) {
      views[el.dataset.target] = result.view;
    }).catch(function (err) {
      failed += 1;
      target.textContent = "Diagramm konnte nicht gezeichnet werden / chart could not be drawn: " + err;
    });
  });
  window.esfDashboard = {views: views};
  Promise.all(drawing).then(function () {
    document.documentElement.dataset.charts = failed ? "failed" : "ready";
  });
})();
"""

CSS = """
:root { --ink: #1d2733; --muted: #5b6775; --line: #d5dbe3; --accent: #1f4e79; --soft: #eef3f8; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); background: #fff; margin: 0; line-height: 1.4; font-size: 15px; }
header { background: var(--soft); border-bottom: 3px solid var(--accent); padding: 12px 24px; }
header h1 { margin: 4px 0; font-size: 1.5em; color: var(--accent); }
header .subtitle { margin: 0; color: var(--muted); }
.internal { border: 2px solid #b00020; color: #b00020; font-weight: bold; padding: .3em .6em; }
.method { border-left: 4px solid var(--muted); padding: .3em .6em; font-size: .9em; }
nav a { margin-right: 14px; color: var(--accent); }
main { padding: 8px 24px 24px; max-width: 1280px; }
footer { padding: 8px 24px 24px; border-top: 1px solid var(--line); }
section { margin-top: 28px; }
section h2 { border-bottom: 1px solid var(--line); padding-bottom: 4px; color: var(--accent); }
section .intro { color: var(--muted); }
.grid { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; }
figure { margin: 12px 0; max-width: 100%; }
figcaption.source, .source { font-size: 0.78em; color: var(--muted); }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 190px;
       max-width: 240px; background: #fff; }
.kpi-label { font-size: 0.85em; color: var(--muted); }
.kpi-value { font-size: 1.7em; font-weight: 600; }
.kpi-previous { font-size: 0.85em; color: var(--ink); }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 0.9em; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid var(--line); padding: 3px 8px; }
thead th { background: var(--soft); }
tbody th { text-align: left; font-weight: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total th, tr.total td { font-weight: 600; border-top: 2px solid var(--ink); }
.chart { min-height: 60px; }
.chart svg { max-width: 100%; height: auto; }
.nodata { padding: 12px; background: var(--soft); border-left: 4px solid var(--accent); }
.note { color: var(--muted); font-size: 0.9em; }
table.heatmap td { text-align: center; min-width: 34px; }
.st-accepted { background: #d8f0d8; }
.st-corrected { background: #fff1c2; }
.st-rejected { background: #f7c9c9; }
.st-missing { background: #e4e4e4; color: #555; }
.ok { color: #176b1d; font-weight: 600; }
.fail { color: #a31515; font-weight: 700; }
@page { size: A4; margin: 14mm; }
@media print {
  body { font-size: 10pt; background: #fff !important; color: #000; }
  header { background: none !important; border-bottom: 1px solid #000; padding: 0 0 6px; }
  header h1, section h2 { color: #000; }
  nav, noscript { display: none; }
  main { padding: 0; max-width: none; }
  .chart svg { max-width: 100% !important; height: auto !important; }
  figure, .kpi, tr { break-inside: avoid; }
  section { break-before: page; }
  section:first-of-type { break-before: auto; }
  .table-wrap { overflow: visible; }
  /* wide tables (project comparison, delivery months) must fit the A4 width: smaller type,
     headers may break anywhere, month headers of the delivery grid run vertically */
  table { font-size: 7.5pt; max-width: 100%; }
  th, td { padding: 1px 3px; }
  thead th { overflow-wrap: anywhere; hyphens: auto; }
  table.heatmap thead th + th { writing-mode: vertical-rl; transform: rotate(180deg); }
  table.heatmap td { min-width: 0; }
  .kpi { min-width: 150px; }
  .st-accepted, .st-corrected, .st-rejected, .st-missing, thead th {
    -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ page.title }}</title>
<style>{{ css }}</style>
</head>
<body>
{%- macro block(b) -%}
{% if b.kind == "kpis" %}
<div class="kpis">
{%- for k in b.items %}
<div class="kpi" title="{{ k.source }}"{% for a, v in k.attrs.items() %} data-{{ a }}="{{ v }}"{% endfor %}>
<div class="kpi-label">{{ k.label }}</div><div class="kpi-value">{{ k.text }}</div>
{% if k.previous %}<div class="kpi-previous">{{ k.previous.title }}: {{ cells([k.previous], "span") }}</div>{% endif %}
<div class="source">{{ k.source }}</div></div>
{%- endfor %}
</div>
{% elif b.kind == "table" %}
<figure class="table-figure"><div class="table-wrap">
<table{% if b.cls %} class="{{ b.cls }}"{% endif %}{% if b.id %} id="{{ b.id }}"{% endif %}>
<caption>{{ b.title }}</caption>
<thead><tr>{{ cells(b.header, "th") }}</tr></thead>
<tbody>{{ table_rows(b.rows) }}</tbody></table></div>
{% if b.source %}<figcaption class="source">{{ b.source }}</figcaption>{% endif %}</figure>
{% elif b.kind == "chart" %}
<figure class="chart-figure">
<div class="chart" id="{{ b.id }}" role="img" aria-label="{{ b.title }}"></div>
<script type="application/json" class="vega-spec" data-target="{{ b.id }}">{{ b.json|safe }}</script>
<figcaption class="source">{{ b.source }}</figcaption></figure>
{% elif b.kind == "links" %}
<ul class="links">{% for c in b.items %}<li><a href="{{ c.href }}">{{ c.text }}</a>{% if c.title %} — {{ c.title }}{% endif %}</li>{% endfor %}</ul>
{% elif b.kind == "grid" %}
<div class="grid">{% for inner in b.items %}{{ block(inner) }}{% endfor %}</div>
{% else %}
<p class="{{ b.cls or 'note' }}">{{ b.text }}</p>
{% endif %}
{%- endmacro %}
<header>
<nav>{% for c in page.nav %}<a href="{{ c.href }}">{{ c.text }}</a>{% endfor %}</nav>
<h1>{{ page.title }}</h1>
<p class="subtitle">{{ page.subtitle }}</p>
{% if page.notice %}<p class="{{ page.notice_cls }}" id="page-notice">{{ page.notice }}</p>{% endif %}
</header>
<main>
{% if page.has_charts %}<noscript><p class="nodata">Diagramme benötigen JavaScript (in dieser Datei enthalten) / charts need JavaScript (contained in this file).</p></noscript>{% endif %}
{% for s in page.sections %}
<section{% if s.id %} id="{{ s.id }}"{% endif %}>
<h2>{{ s.title }}</h2>
{% if s.intro %}<p class="intro">{{ s.intro }}</p>{% endif %}
{% for b in s.blocks %}{{ block(b) }}{% endfor %}
</section>
{% endfor %}
</main>
<footer>{% if page.notice %}<p class="{{ page.notice_cls }}">{{ page.notice }}</p>{% endif %}</footer>
{% if page.has_charts %}
<script type="application/json" id="vega-options">{{ options|safe }}</script>
<script>{{ bundle|safe }}</script>
<script>{{ embed_js|safe }}</script>
{% endif %}
</body>
</html>
"""


def cells(items: list[Cell], tag: str) -> Markup:
    """Table cells (or a span) as HTML, every text and attribute escaped.

    Written in Python rather than as a Jinja macro: the pages hold ~20 000 cells per run, and a
    macro call per cell was most of the rendering time (issue #7 profile). Same output as the
    macro it replaces: `<tag class=… title=… data-<key>=…>text</tag>`, a link inside when href.
    """
    out = []
    for c in items:
        html = f"<{tag}"
        if c.cls:
            html += f' class="{_escape(c.cls)}"'
        if c.title:
            html += f' title="{_escape(c.title)}"'
        for k, v in c.attrs.items():
            html += f' data-{_escape(k)}="{_escape(v)}"'
        text = _escape(c.text)
        html += f'><a href="{_escape(c.href)}">{text}</a></{tag}>' if c.href else f">{text}</{tag}>"
        out.append(html)
    return Markup("".join(out))


def _escape(value) -> str:
    """markupsafe.escape as text; plain strings through a cache (the same titles, attribute
    names and codes recur thousands of times per run)."""
    return _escape_text(value) if type(value) is str else str(escape(value))


@functools.lru_cache(maxsize=1 << 16)
def _escape_text(value: str) -> str:
    return str(escape(value))


def table_rows(rows: list[list[Cell]]) -> Markup:
    """Body rows: the first cell is the row's header (<th>); a first cell of class "total" marks the sum row."""
    total = ' class="total"'
    return Markup(
        "".join(
            f"<tr{total if row[0].cls == 'total' else ''}>{cells(row[:1], 'th')}{cells(row[1:], 'td')}</tr>"
            for row in rows
        )
    )


_ENV = jinja2.Environment(
    autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined
)
_ENV.globals.update(cells=cells, table_rows=table_rows)


@functools.cache
def _template() -> jinja2.Template:
    return _ENV.from_string(TEMPLATE)


def render(page: Page) -> str:
    return _template().render(
        page=page,
        css=Markup(CSS),
        bundle=vega_bundle() if page.has_charts else "",
        embed_js=EMBED_JS,
        options=embed_options(),
    )


def write(page: Page, path: Path) -> Path:
    """Render and replace atomically: a browser never opens half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render(page), encoding="utf-8")
    os.replace(tmp, path)
    return path


def nav(root: str) -> list[Cell]:
    return [
        Cell(bi("Start", "Home"), href=f"{root}index.html"),
        Cell(bi("Übersicht", "Overview"), href=f"{root}overview.html"),
        Cell("SFC2021", href=f"{root}sfc.html"),
    ]
