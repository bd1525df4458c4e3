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

import base64
import functools
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt
import jinja2
import polars as pl
import vl_convert as vlc
from markupsafe import Markup, escape

from esf_monitor.dashboard.labels import NO_CHART, bi
from esf_monitor.safe_cells import neutralise_formulas


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
    change: Cell | None = None  # arrow and difference against the previous month
    marts: tuple[str, ...] = ()  # dbt models the figure comes from (links on internal pages)


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
    note: str = ""  # footnote: what the values of the table are; what a chart leaves out
    csv: str = ""  # file name of the table's CSV download ("" = no download)
    marts: tuple[str, ...] = ()  # dbt models the figures come from (links on internal pages)


@dataclass
class Section:
    title: str
    id: str = ""
    intro: str = ""
    blocks: list[Block] = field(default_factory=list)
    cutoff: str = ""  # the cut-off this section shows; the page's selector shows one at a time


@dataclass
class Tools:
    """Where an internal page's figures lead: the Dagster UI (asset page) and the dbt docs."""

    dagster_url: str  # e.g. http://127.0.0.1:3000 (ESF_DAGSTER_UI_URL)
    dbt_docs: str  # the static dbt docs page, relative to the dashboard folder
    dbt_project: str = "esf_monitor"

    def links(self, root: str, marts: tuple[str, ...]) -> list[Cell]:
        out = []
        for mart in marts:
            out.append(Cell(f"Dagster: {mart}", href=f"{self.dagster_url}/assets/{mart}", cls="tool-dagster"))
            out.append(
                Cell(
                    f"{bi('dbt-Doku', 'dbt docs')}: {mart}",
                    href=f"{root}{self.dbt_docs}#!/model/model.{self.dbt_project}.{mart}",
                    cls="tool-dbt",
                    title=bi("erzeugt mit „esf-monitor dbt-docs“", "built by `esf-monitor dbt-docs`"),
                )
            )
        return out


@dataclass
class Page:
    title: str
    subtitle: str
    nav: list[Cell]
    sections: list[Section]
    root: str = ""  # relative path to the dashboard folder ("../" for projects/)
    notice: str = ""  # method note (public) or "intern — exakte Werte …" (internal)
    notice_cls: str = "note"  # "method" | "internal"
    cutoffs: list[Cell] = field(default_factory=list)  # the selector's options (attrs["cutoff"])
    tools: Tools | None = None  # internal pages only: links to the Dagster UI and the dbt docs
    _chart_count: int = 0
    _table_count: int = 0

    def chart(
        self,
        chart_spec: dict | None,
        title: str,
        source: str,
        left_out: list[str] | None = None,
        marts: tuple[str, ...] = (),
    ) -> Block:
        """A chart block with a page-unique id; a note instead when there is nothing to draw.
        left_out: what the chart does not draw (hidden or missing values), named under it."""
        if chart_spec is None:
            return Block(kind="text", cls="nodata", text=f"{title}: {NO_CHART}")
        self._chart_count += 1
        note = ""
        if left_out:
            note = (
                f"{bi('Nicht im Diagramm (kein Wert)', 'Not in the chart (no value)')}: {', '.join(left_out)}"
            )
        return Block(
            kind="chart",
            id=f"chart-{self._chart_count}",
            title=title,
            source=source,
            json=script_json(chart_spec),
            note=note,
            marts=marts,
        )

    def table_id(self) -> str:
        self._table_count += 1
        return f"table-{self._table_count}"

    @property
    def default_cutoff(self) -> str:
        return self.cutoffs[0].attrs["cutoff"] if self.cutoffs else ""

    def hidden(self, section: Section) -> bool:
        """A cut-off's section other than the selected one (the latest) starts hidden."""
        return bool(self.cutoffs and section.cutoff and section.cutoff != self.default_cutoff)

    def tool_links(self, marts: tuple[str, ...]) -> Markup:
        if self.tools is None or not marts:
            return Markup("")
        links = self.tools.links(self.root, marts)
        return Markup(' <span class="tools">') + cells(links, "span") + Markup("</span>")

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

#: The cut-off selector: shows the sections of one cut-off (`section[data-cutoff]`), the latest
#: by default; `#cutoff-<YYYY-MM>` (or any `#<part>-<YYYY-MM>`) in the address selects one, and
#: a choice is written back there (a link or a reload shows the same cut-off). Without
#: JavaScript every cut-off is shown (the <noscript> style), as before the selector.
PICKER_JS = """
(function () {
  var select = document.getElementById("cutoff-select");
  var sections = document.querySelectorAll("section[data-cutoff]");
  function show(cutoff) {
    var known = Array.prototype.some.call(select.options, function (o) { return o.value === cutoff; });
    if (!known) return false;
    select.value = cutoff;
    Array.prototype.forEach.call(sections, function (s) { s.hidden = s.dataset.cutoff !== cutoff; });
    document.documentElement.dataset.cutoff = cutoff;
    return true;
  }
  function fromHash() {
    var m = /^#(?:[a-z]+-)?(\\d{4}-\\d{2})$/.exec(location.hash);
    return m ? show(m[1]) : false;
  }
  select.addEventListener("change", function () {
    show(select.value);
    try { history.replaceState(null, "", "#cutoff-" + select.value); } catch (e) { /* file: URL */ }
  });
  window.addEventListener("hashchange", fromHash);
  document.getElementById("cutoff-picker").hidden = false;
  if (!fromHash()) show(select.value);
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
main { padding: 8px 24px 24px; max-width: 1440px; }
footer { padding: 8px 24px 24px; border-top: 1px solid var(--line); }
section { margin-top: 28px; }
section h2 { border-bottom: 1px solid var(--line); padding-bottom: 4px; color: var(--accent); }
section .intro { color: var(--muted); }
.grid { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; }
.grid > * { min-width: 0; max-width: 100%; }
/* beside a chart a table takes the room that is left (its long row names wrap) */
.grid > .table-figure { flex: 1 1 480px; }
.cutoff-picker { position: sticky; top: 0; z-index: 5; background: #fff; padding: 8px 0;
                 border-bottom: 1px solid var(--line); display: flex; flex-wrap: wrap; gap: 4px 12px;
                 align-items: center; }
.cutoff-picker label { font-weight: 600; }
.cutoff-picker select { font-size: 1em; padding: 3px 6px; max-width: 100%; }
figcaption p { margin: 3px 0; }
/* a caption wraps at the width of its table or chart, it does not widen the figure (which
   would put every chart of a grid on a row of its own) */
figcaption { contain: inline-size; }
.footnote { font-size: 0.85em; max-width: 62em; }
.tools span { margin-left: 0.6em; display: inline-block; overflow-wrap: anywhere; }
a.csv { font-weight: 600; margin-right: 0.4em; }
.kpi-change { font-size: 0.9em; font-weight: 600; }
.sched-ok { color: #176b1d; font-weight: 600; }
.sched-behind { color: #8a5a00; font-weight: 600; background: #fff4d6; }
.sched-far { color: #a31515; font-weight: 700; background: #fbe3e3; }
.sched-none { color: var(--muted); }
figure { margin: 12px 0; max-width: 100%; }
figcaption.source, .source { font-size: 0.78em; color: var(--muted); overflow-wrap: anywhere; }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 190px;
       max-width: 240px; background: #fff; }
.kpi-label { font-size: 0.85em; color: var(--muted); overflow-wrap: anywhere; }
.kpi-value { font-size: 1.7em; font-weight: 600; }
.kpi-previous { font-size: 0.85em; color: var(--ink); }
.table-wrap { overflow-x: auto; max-width: 100%; }
/* a table wider than the page scrolls inside its frame; its first column (the row names) stays */
.table-wrap tbody th, .table-wrap thead th:first-child { position: sticky; left: 0; z-index: 1;
                                                         background: #fff; }
.table-wrap thead th:first-child { background: var(--soft); }
table { border-collapse: collapse; font-size: 0.9em; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid var(--line); padding: 3px 8px; }
thead th { background: var(--soft); }
tbody th { text-align: left; font-weight: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total th, tr.total td { font-weight: 600; border-top: 2px solid var(--ink); }
/* a chart keeps its size (its text stays readable on a phone) and scrolls inside its frame */
.chart { min-height: 60px; overflow-x: auto; max-width: 100%; }
@media (max-width: 640px) {
  header, main, footer { padding-left: 10px; padding-right: 10px; }
  .kpi { min-width: 0; max-width: none; flex: 1 1 150px; }
}
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
  nav, noscript, .cutoff-picker, .tools, a.csv { display: none; }
  .chart { overflow: visible; }
  .table-wrap tbody th, .table-wrap thead th:first-child { position: static; }
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
{% if k.change %}<div class="kpi-change">{{ cells([k.change], "span") }}</div>{% endif %}
{% if k.previous %}<div class="kpi-previous">{{ k.previous.title }}: {{ cells([k.previous], "span") }}</div>{% endif %}
<div class="source">{{ k.source }}{{ page.tool_links(k.marts) }}</div></div>
{%- endfor %}
</div>
{% elif b.kind == "table" %}
<figure class="table-figure"><div class="table-wrap">
<table{% if b.cls %} class="{{ b.cls }}"{% endif %}{% if b.id %} id="{{ b.id }}"{% endif %}>
<caption>{{ b.title }}</caption>
<thead><tr>{{ cells(b.header, "th") }}</tr></thead>
<tbody>{{ table_rows(b.rows) }}</tbody></table></div>
<figcaption>{% if b.note %}<p class="footnote">{{ b.note }}</p>{% endif %}
<p class="source">{% if b.csv %}<a class="csv" download="{{ b.csv }}" href="{{ csv_uri(b) }}"{% if b.id %} data-table="{{ b.id }}"{% endif %}>CSV ⤓</a> {% endif %}{{ b.source }}{{ page.tool_links(b.marts) }}</p></figcaption></figure>
{% elif b.kind == "chart" %}
<figure class="chart-figure">
<div class="chart" id="{{ b.id }}" role="img" aria-label="{{ b.title }}"></div>
<script type="application/json" class="vega-spec" data-target="{{ b.id }}">{{ b.json|safe }}</script>
<figcaption>{% if b.note %}<p class="footnote chart-left-out">{{ b.note }}</p>{% endif %}
<p class="source">{{ b.source }}{{ page.tool_links(b.marts) }}</p></figcaption></figure>
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
{% if page.cutoffs %}
<form class="cutoff-picker" id="cutoff-picker" hidden><label for="cutoff-select">{{ picker_label }}</label>
<select id="cutoff-select">{% for c in page.cutoffs %}<option value="{{ c.attrs.cutoff }}"{% if c.attrs.sfc == "true" %} data-sfc="true"{% endif %}{% if loop.first %} selected{% endif %}>{{ c.text }}</option>{% endfor %}</select>
<span class="note">{{ picker_note }}</span></form>
<noscript><style>section[data-cutoff][hidden] { display: block; }</style></noscript>
{% endif %}
{% for s in page.sections %}
<section{% if s.id %} id="{{ s.id }}"{% endif %}{% if s.cutoff %} data-cutoff="{{ s.cutoff }}"{% endif %}{% if page.hidden(s) %} hidden{% endif %}>
<h2>{{ s.title }}</h2>
{% if s.intro %}<p class="intro">{{ s.intro }}</p>{% endif %}
{% for b in s.blocks %}{{ block(b) }}{% endfor %}
</section>
{% endfor %}
</main>
<footer>{% if page.notice %}<p class="{{ page.notice_cls }}">{{ page.notice }}</p>{% endif %}</footer>
{% if page.cutoffs %}<script>{{ picker_js|safe }}</script>{% endif %}
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


def csv_text(header: list[Cell], rows: list[list[Cell]]) -> str:
    """The table as shown (header and cell texts), `;`-separated for a German spreadsheet, every
    formula-like cell neutralised (esf_monitor.safe_cells, as every CSV the project writes)."""
    width = max([len(header)] + [len(r) for r in rows])
    lines = [[c.text for c in header]] + [[c.text for c in r] for r in rows]
    frame = pl.DataFrame(
        [line + [""] * (width - len(line)) for line in lines],
        schema=[f"c{i}" for i in range(width)],
        orient="row",
    )
    return neutralise_formulas(frame).write_csv(separator=";", include_header=False)


def csv_uri(header: list[Cell], rows: list[list[Cell]]) -> str:
    """The table's CSV as data: URI (UTF-8 with byte order mark, so Excel reads the umlauts)."""
    data = ("\ufeff" + csv_text(header, rows)).encode("utf-8")
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(data).decode("ascii")


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
_ENV.globals.update(cells=cells, table_rows=table_rows, csv_uri=lambda b: csv_uri(b.header, b.rows))


@functools.cache
def _template() -> jinja2.Template:
    return _ENV.from_string(TEMPLATE)


def slug(title: str) -> str:
    """File-name part from a (German first) title: 'Projektvergleich / Project comparison' → 'projektvergleich'."""
    german = title.split(" / ")[0].lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        german = german.replace(a, b)
    return re.sub(r"[^a-z0-9]+", "-", german).strip("-")[:60] or "tabelle"


def name_tables(page: Page) -> None:
    """Every table gets a page-unique id and the file name of its CSV download
    (`<title>_<cut-off>.csv`, made unique on the page)."""
    taken: set[str] = set()

    def visit(block: Block, cutoff: str) -> None:
        if block.kind == "grid":
            for inner in block.items:
                visit(inner, cutoff)
        elif block.kind == "table":
            block.id = block.id or page.table_id()
            if not block.csv:
                stem = slug(block.title) + (f"_{cutoff}" if cutoff else "")
                name, n = f"{stem}.csv", 1
                while name in taken:
                    n += 1
                    name = f"{stem}_{n}.csv"
                block.csv = name
            taken.add(block.csv)

    for section in page.sections:
        for block in section.blocks:
            visit(block, section.cutoff)


def render(page: Page) -> str:
    name_tables(page)
    return _template().render(
        page=page,
        css=Markup(CSS),
        bundle=vega_bundle() if page.has_charts else "",
        embed_js=EMBED_JS,
        options=embed_options(),
        picker_js=PICKER_JS,
        picker_label=bi("Stichtag", "Cut-off"),
        picker_note=bi(
            "Juni und Dezember sind SFC2021-Stichtage; gezeigt wird ein Stichtag",
            "June and December are SFC2021 cut-offs; one cut-off is shown at a time",
        ),
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
