"""HTML dashboards built from the export files only (never the DuckDB warehouse: it has one writer).

    build_dashboards(exports_root, registry, out_dir) -> [overview.html, sfc.html,
                                                          projects/<id>.html …, index.html]

and, when ``exports_root/process/`` exists, the process monitoring pages (``process.py``:
process.html; municipalities/<id>.html in the internal set only).

Charts: interactive Vega-Lite (altair) with the JavaScript inlined ONCE per page, from the
bundle vl-convert ships (`vl_convert.javascript_bundle()`: Vega, Vega-Lite, Vega-Embed).
Why not static SVG via vl-convert: the pages hold dozens of charts and one page per project;
rendering each chart server-side costs time on every run, while embedding a spec is free;
and tooltips give the exact (already suppressed) figure without cluttering the chart. The
price is ~0.9 MB of script per page, acceptable for files opened from disk; printing works
because Vega draws SVG, which the print stylesheet scales to the page width. Nothing is fetched:
data are inline, the `$schema` URL is dropped, the action menu (link to the online editor)
is off, styles and fonts are inline or the system's.

Two audiences (docs/indicators.md "Publication", v2): `public=False` builds the internal pages
from the exact exports (marked "intern — exakte Werte, nicht zur Veröffentlichung");
`public=True` builds the public pages from exports/public/ only (the cell-key perturbed
release) with the method note on every page. Project pages carry no other project and no
programme total; no public page links outside its own folder. Internal pages link each table,
chart and card to its Dagster asset and its dbt docs page (issue #17 item 9).

One cut-off at a time: the sections of each shown cut-off are all in the file (a script or the
disclosure audit reads every figure), a selector shows one — the latest by default.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from esf_monitor.dashboard.data import load
from esf_monitor.dashboard.labels import INTERNAL_NOTE, METHOD_NOTE
from esf_monitor.dashboard.pages import index_page, overview_page, project_page, sfc_page
from esf_monitor.dashboard.process import build_process_pages, index_section
from esf_monitor.dashboard.render import Tools, write

__all__ = ["DAGSTER_UI_URL", "DBT_DOCS", "build_dashboards"]

#: where the Dagster UI answers (`make ui`), as the portal's setting of the same name
DAGSTER_UI_URL = "http://127.0.0.1:3000"
#: `esf-monitor dbt-docs` writes $ESF_DATA_DIR/docs/dbt/static_index.html; the internal pages
#: live in $ESF_DATA_DIR/dashboards/internal/
DBT_DOCS = "../../docs/dbt/static_index.html"


def build_dashboards(
    exports_root: Path,
    registry: pl.DataFrame,
    out_dir: Path,
    public: bool = False,
    dagster_url: str | None = None,
) -> list[Path]:
    """Write every dashboard page into out_dir; returns the written paths (index last).

    Internal pages link each figure's block to its Dagster asset (`<dagster_url>/assets/<key>`,
    default $ESF_DAGSTER_UI_URL or http://127.0.0.1:3000) and its dbt docs page; public pages
    never do (they link only inside their own folder)."""
    exports_root, out_dir = Path(exports_root), Path(out_dir)
    data = load(exports_root, registry, public=public)
    tools = None
    if not public:
        url = (dagster_url or os.environ.get("ESF_DAGSTER_UI_URL") or DAGSTER_UI_URL).rstrip("/")
        tools = Tools(url, DBT_DOCS)

    def marked(page):
        page.notice, page.notice_cls = (METHOD_NOTE, "method") if public else (INTERNAL_NOTE, "internal")
        page.tools = tools
        return page

    written = [
        write(marked(overview_page(data)), out_dir / "overview.html"),
        write(marked(sfc_page(data)), out_dir / "sfc.html"),
    ]
    for project_id in data.registry["project_id"].to_list():
        written.append(
            write(marked(project_page(data, project_id)), out_dir / "projects" / f"{project_id}.html")
        )
    # process monitoring (docs/process-monitoring.md): only when exports/process/ exists
    process = build_process_pages(exports_root / "process", registry, out_dir, public=public)
    written += process
    index = index_page(data)
    if process:
        index.sections.append(index_section(process, out_dir, registry))
    written.append(write(marked(index), out_dir / "index.html"))
    return written
