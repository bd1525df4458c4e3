"""What each page shows: overview (managing authority), SFC2021 tables, one page per project, index.

Every builder takes the `DashboardData` of its audience (exact, or the public release); a project page reads only rows
of its own project (and no programme totals, which would let one infer other projects).
"""

from __future__ import annotations

import polars as pl

from esf_monitor.dashboard import charts
from esf_monitor.dashboard.data import GENDERS, PROGRAMME, DashboardData
from esf_monitor.dashboard.labels import (
    COMMON_INDICATORS,
    DELIVERY_STATUS,
    DIMENSIONS,
    EXTRACT_TYPES,
    GENDER_NAMES,
    INDICATORS,
    LATE,
    NO_DATA,
    bi,
    category,
    data_value,
    fmt_value,
    indicator_kind,
    indicator_label,
    source,
)
from esf_monitor.dashboard.render import Block, Cell, Kpi, Page, Section, nav

HEADLINE = (
    "participants_cumulative",
    "participants_active",
    "entries_month",
    "leavers_month",
    "integration_rate_12m",
    "integration_rate_cumulative",
    "integration_rate_6m",
    "reach_rate_12m",
    "duration_median_days",
    "target_achievement",
)
COMPARISON = (
    "participants_cumulative",
    "participants_active",
    "entries_month",
    "leavers_month",
    "target_achievement",
    "integration_rate_12m",
    "integration_rate_6m",
    "reach_rate_12m",
    "duration_median_days",
)
TRENDS = (
    (
        ("participants_cumulative", "participants_active", "entries_month", "leavers_month"),
        "count",
        bi("Teilnehmende, Ein- und Austritte", "Participants, entries and leavers"),
    ),
    (
        (
            "integration_rate_12m",
            "integration_rate_cumulative",
            "integration_rate_6m",
            "reach_rate_12m",
            "followup_coverage",
            "status_unknown_share",
        ),
        "rate",
        bi("Quoten", "Rates"),
    ),
    (("duration_median_days", "duration_mean_days"), "days", bi("Verweildauer", "Duration")),
)
BREAKDOWN_DIMENSIONS = [d for d in DIMENSIONS if d != "gender"]


class Figures:
    """Lookup of an indicator value by (cutoff, unit, indicator, gender)."""

    def __init__(self, indicators: pl.DataFrame, months: list[str] | None = None, public: bool = False):
        self._cells = {
            (c, p, i, g): v
            for c, p, i, g, v in indicators.select(
                "cutoff", "project_id", "indicator", "gender", "value"
            ).iter_rows()
        }
        self._months = months or []
        self.public = public

    def cell(self, cutoff: str, unit: str, indicator: str, gender: str = "total", **attrs: str) -> Cell:
        value = self._cells.get((cutoff, unit, indicator, gender))
        return figure_cell(
            value,
            indicator_kind(indicator),
            source("indicators", indicator),
            self.public,
            indicator=indicator,
            gender=gender,
            cutoff=cutoff,
            project=unit,
            **attrs,
        )

    def kpi(self, cutoff: str, unit: str, indicator: str) -> Kpi:
        """A headline card; it names the previous month's figure for the trend."""
        kind = indicator_kind(indicator)
        value = self._cells.get((cutoff, unit, indicator, "total"))
        before = self.previous_month(cutoff)
        previous = None
        if before:
            previous = figure_cell(
                self._cells.get((before, unit, indicator, "total")),
                kind,
                f"{bi('Vormonat', 'previous month')} {before}",
                self.public,
                indicator=indicator,
                gender="total",
                cutoff=before,
                project=unit,
            )
        return Kpi(
            indicator_label(indicator),
            fmt_value(value, kind, self.public),
            {
                "indicator": indicator,
                "gender": "total",
                "cutoff": cutoff,
                "project": unit,
                "kind": kind,
                "value": data_value(value, kind, self.public),
            },
            source("indicators", indicator),
            previous,
        )

    def previous_month(self, cutoff: str) -> str | None:
        i = self._months.index(cutoff) if cutoff in self._months else 0
        return self._months[i - 1] if i > 0 else None


def figure_cell(value, kind: str, title: str = "", public: bool = False, **attrs: str) -> Cell:
    """A figure: shown text plus data-value (exact, or published on public pages) and data-kind
    (count | rate | days)."""
    return Cell(
        fmt_value(value, kind, public),
        {**attrs, "kind": kind, "value": data_value(value, kind, public)},
        cls="num",
        title=title,
    )


def gender_header(first: str) -> list[Cell]:
    return [Cell(first)] + [Cell(bi(*GENDER_NAMES[g])) for g in GENDERS]


def cutoff_title(data: DashboardData, cutoff: str) -> str:
    tags = []
    if cutoff == data.latest:
        tags.append(bi("aktuell", "latest"))
    if cutoff in data.sfc_cutoffs:
        tags.append(bi("SFC2021-Stichtag", "SFC2021 cut-off"))
    return f"{bi('Stichtag', 'Cut-off')} {cutoff}" + (f" ({', '.join(tags)})" if tags else "")


def cutoff_links(data: DashboardData) -> Block:
    return Block(
        kind="links", items=[Cell(cutoff_title(data, c), href=f"#cutoff-{c}") for c in data.shown_cutoffs]
    )


# ---------------------------------------------------------------- blocks shared by pages


def trend_blocks(page: Page, data: DashboardData, unit: str) -> list[Block]:
    rows = data.indicators.filter((pl.col("project_id") == unit) & (pl.col("gender") == "total"))
    if rows.is_empty():
        return [Block(kind="text", cls="nodata", text=NO_DATA)]
    blocks = []
    for codes, kind, title in TRENDS:
        series = rows.filter(pl.col("indicator").is_in(codes)).with_columns(
            pl.col("indicator").replace_strict({c: indicator_label(c) for c in codes}).alias("series")
        )
        src = source("indicators", ", ".join(codes))
        blocks.append(page.chart(charts.trend(series, kind, title, src), title, src))
    return [Block(kind="grid", items=blocks)]


def category_order(code: str) -> tuple:
    """Categories in their natural order (age, ISCED ascending), others by label; unknown last."""
    if code in ("unknown", None):
        return (2, "")
    head = code.lstrip("<").split("–")[0].split("-")[0].rstrip("+").removeprefix("ISCED ").strip()
    if head.isdigit():
        return (0, f"{int(head) - (code.startswith('<')):04d}")
    return (1, category(code).lower())


def kpi_block(figures: Figures, cutoff: str, unit: str) -> Block:
    return Block(kind="kpis", items=[figures.kpi(cutoff, unit, code) for code in HEADLINE])


def gender_blocks(page: Page, data: DashboardData, figures: Figures, cutoff: str, unit: str) -> list[Block]:
    table = Block(
        kind="table",
        title=bi("Kennzahlen nach Geschlecht", "Indicators by gender"),
        header=gender_header(bi("Kennzahl", "Indicator")),
        rows=[
            [Cell(indicator_label(code), title=source("indicators", code))]
            + [figures.cell(cutoff, unit, code, g) for g in GENDERS]
            for code in INDICATORS
        ],
        source=source("indicators", bi("alle Kennzahlen", "all indicators")),
    )
    counts = data.indicators.filter(
        (pl.col("cutoff") == cutoff)
        & (pl.col("project_id") == unit)
        & (pl.col("indicator") == "participants_cumulative")
        & pl.col("gender").is_in(["f", "m", "d"])
    ).with_columns(
        pl.col("gender").replace_strict({g: bi(*GENDER_NAMES[g]) for g in "fmd"}).alias("label"),
        pl.col("gender").alias("code"),
    )
    title = bi("Teilnehmende nach Geschlecht", "Participants by gender")
    src = source("indicators", "participants_cumulative")
    chart = page.chart(
        charts.bars(counts, "count", title, src, bi("Teilnehmende", "Participants")), title, src
    )
    return [Block(kind="grid", items=[table, chart])]


def breakdown_blocks(page: Page, data: DashboardData, cutoff: str, unit: str) -> list[Block]:
    rows = data.breakdowns.filter((pl.col("cutoff") == cutoff) & (pl.col("project_id") == unit))
    if rows.is_empty():
        return [Block(kind="text", cls="nodata", text=f"{bi('Aufschlüsselungen', 'Breakdowns')}: {NO_DATA}")]
    blocks = []
    # one pass per dimension in Python: this runs for every cut-off of every page, and a polars
    # query per table and chart cost more than the few dozen rows it selects
    parts = rows.partition_by("dimension", as_dict=True)
    for dim in BREAKDOWN_DIMENSIONS:
        part = parts.get((dim,))
        if part is None or part.is_empty():
            continue
        cells = {(r["category"], r["gender"]): r for r in part.iter_rows(named=True)}
        # sorted by text first: categories with the same sort key keep one order on every run
        categories = sorted(sorted({cat for cat, _ in cells}, key=str), key=category_order)
        src_p = source("participant_breakdowns", f"participants (dimension = {dim})")
        src_r = source("participant_breakdowns", "integrated_leavers / leavers")
        table_rows = []
        for cat in categories:
            row = [Cell(category(cat))]
            for g in GENDERS:
                r = cells.get((cat, g))
                # the mart lists only categories that occur: no row = nobody = 0
                row.append(
                    figure_cell(
                        r["participants"] if r else 0,
                        "count",
                        src_p,
                        data.public,
                        dimension=dim,
                        category=cat,
                        gender=g,
                        cutoff=cutoff,
                        project=unit,
                        measure="participants",
                    )
                )
            r = cells.get((cat, "total"))
            row.append(
                figure_cell(
                    r and r["integration_rate"],
                    "rate",
                    src_r,
                    data.public,
                    dimension=dim,
                    category=cat,
                    gender="total",
                    cutoff=cutoff,
                    project=unit,
                    measure="integration_rate",
                )
            )
            table_rows.append(row)
        dim_label = bi(*DIMENSIONS[dim])
        header = gender_header(dim_label) + [Cell(bi("Integrationsquote", "Integration rate"), title=src_r)]
        table = Block(
            kind="table",
            title=f"{bi('Teilnehmende nach', 'Participants by')} {dim_label}",
            header=header,
            rows=table_rows,
            source=f"{src_p}; {src_r}",
        )
        shown = [cells[(cat, "total")] for cat in categories if (cat, "total") in cells]
        totals = pl.DataFrame(
            {
                "code": [r["category"] for r in shown],
                "cutoff": [r["cutoff"] for r in shown],
                "label": [category(r["category"]) if r["category"] is not None else None for r in shown],
                "value": [r["participants"] for r in shown],
            },
            schema={
                "code": pl.Utf8,
                "cutoff": pl.Utf8,
                "label": pl.Utf8,
                "value": part.schema["participants"],
            },
        )
        title = f"{bi('Teilnehmende nach', 'Participants by')} {dim_label}"
        chart = page.chart(
            charts.bars(totals, "count", title, src_p, bi("Teilnehmende", "Participants")), title, src_p
        )
        blocks.append(Block(kind="grid", items=[table, chart]))
    return blocks


def quality_block(data: DashboardData, figures: Figures, cutoff: str, projects: list[str]) -> Block:
    """Internal pages: rows delivered and incomplete core data per project; public pages only
    the two published rates (a file's row count counts persons' spells: not published)."""
    files = data.deliveries.filter(
        (pl.col("extract_type") == "participants") & (pl.col("reporting_month") == cutoff)
    )
    by_provider = {r["provider_id"]: r for r in files.iter_rows(named=True)}
    src_d = source("delivery_status", "row_count, incomplete_count")
    rows = []
    for pid in projects:
        f = by_provider.get(pid, {})
        row = [Cell(pid)]
        if not data.public:
            row += [
                figure_cell(
                    f.get("row_count"), "count", src_d, project=pid, measure="row_count", month=cutoff
                ),
                figure_cell(
                    f.get("incomplete_count"),
                    "count",
                    src_d,
                    project=pid,
                    measure="incomplete_count",
                    month=cutoff,
                ),
                figure_cell(
                    f.get("incomplete_share"),
                    "rate",
                    src_d,
                    project=pid,
                    measure="incomplete_share",
                    month=cutoff,
                ),
            ]
        row += [
            figures.cell(cutoff, pid, "status_unknown_share"),
            figures.cell(cutoff, pid, "followup_coverage"),
        ]
        rows.append(row)
    header = [Cell(bi("Projekt", "Project"))]
    if not data.public:
        header += [
            Cell(bi("Zeilen der Lieferung", "Rows delivered"), title=src_d),
            Cell(bi("davon Kerndaten unvollständig", "of which core data incomplete"), title=src_d),
            Cell(bi("Anteil unvollständig", "Share incomplete"), title=src_d),
        ]
    header += [
        Cell(indicator_label("status_unknown_share"), title=source("indicators", "status_unknown_share")),
        Cell(indicator_label("followup_coverage"), title=source("indicators", "followup_coverage")),
    ]
    return Block(
        kind="table",
        title=bi("Datenqualität", "Data quality"),
        header=header,
        rows=rows,
        source=f"{src_d}; {source('indicators', 'status_unknown_share, followup_coverage')}"
        if not data.public
        else source("indicators", "status_unknown_share, followup_coverage"),
    )


def delivery_blocks(data: DashboardData, providers: list[str] | None = None) -> list[Block]:
    frame = data.deliveries
    if providers is not None:
        frame = frame.filter(pl.col("provider_id").is_in(providers))
    if frame.is_empty():
        return [Block(kind="text", cls="nodata", text=NO_DATA)]
    months = sorted(frame["reporting_month"].unique().to_list())
    src = source("delivery_status", "status, is_late, versions")
    cells = {
        (r["provider_id"], r["extract_type"], r["reporting_month"]): r for r in frame.iter_rows(named=True)
    }
    slots = (
        frame.select("provider_id", "provider_kind", "extract_type")
        .unique()
        .sort("provider_id", "extract_type")
    )
    rows = []
    for provider, kind, extract in slots.iter_rows():
        row = [Cell(f"{provider} · {bi(*EXTRACT_TYPES.get(extract, (extract, extract)))}", title=kind or "")]
        for month in months:
            r = cells.get((provider, extract, month))
            row.append(delivery_cell(r, provider, extract, month) if r else Cell(""))
        rows.append(row)
    legend = " · ".join(f"{sym} {bi(de, en)}" for de, en, sym in DELIVERY_STATUS.values())
    legend += f" · {LATE[2]} {bi(LATE[0], LATE[1])}"
    return [
        Block(kind="text", cls="note", text=f"{bi('Legende', 'Legend')}: {legend}"),
        Block(
            kind="table",
            cls="heatmap",
            title=bi("Lieferstatus je Lieferant und Monat", "Delivery status per provider and month"),
            header=[Cell(bi("Lieferant · Art", "Provider · type"))] + [Cell(m) for m in months],
            rows=rows,
            source=src,
        ),
    ]


def delivery_cell(r: dict, provider: str, extract: str, month: str) -> Cell:
    status = r["status"] or "missing"
    de, en, symbol = DELIVERY_STATUS.get(status, (status, status, "?"))
    late = bool(r["is_late"])
    details = [bi(de, en), f"{bi('Versionen', 'versions')}: {r['versions'] or 0}"]
    if r["last_arrived_at"]:
        details.append(f"{bi('zuletzt eingegangen', 'last arrived')}: {r['last_arrived_at']}")
    if late:
        details.append(bi(LATE[0], LATE[1]))
    return Cell(
        symbol + (LATE[2] if late else ""),
        cls=f"st-{status}",
        title=" · ".join(details),
        attrs={
            "provider": provider,
            "extract": extract,
            "month": month,
            "status": status,
            "late": str(late).lower(),
        },
    )


# ---------------------------------------------------------------- pages


def after_latest(trend: Section | None, cutoff: str, data: DashboardData) -> list[Section]:
    """The trend goes right after the latest month's headline figures, before older cut-offs:
    a reader sees the current figures first and how they developed next."""
    return [trend] if trend is not None and cutoff == data.shown_cutoffs[0] else []


def overview_page(data: DashboardData) -> Page:
    page = Page(
        bi("ESF+ Monitoring – Übersicht", "ESF+ monitoring – overview"),
        f"{bi('Stand', 'As of')}: {data.latest or NO_DATA}",
        nav(""),
        [],
    )
    figures = Figures(data.indicators, data.months, data.public)
    projects = data.registry["project_id"].to_list()
    if not data.months:
        page.sections.append(
            Section(
                bi("Kennzahlen", "Indicators"),
                "indicators",
                blocks=[Block(kind="text", cls="nodata", text=NO_DATA)],
            )
        )
    else:
        page.sections.append(Section(bi("Stichtage", "Cut-offs"), "cutoffs", blocks=[cutoff_links(data)]))
    trend = (
        Section(
            bi("Entwicklung des Programms", "Programme trend"),
            "trend",
            blocks=trend_blocks(page, data, PROGRAMME),
        )
        if data.months
        else None
    )
    for cutoff in data.shown_cutoffs:
        blocks = [
            kpi_block(figures, cutoff, PROGRAMME),
            *gender_blocks(page, data, figures, cutoff, PROGRAMME),
            comparison_table(data, figures, cutoff),
            *comparison_charts(page, data, cutoff),
            *breakdown_blocks(page, data, cutoff, PROGRAMME),
            quality_block(data, figures, cutoff, projects),
        ]
        page.sections.append(
            Section(
                cutoff_title(data, cutoff),
                f"cutoff-{cutoff}",
                intro=bi("Programm gesamt, alle Projekte", "Programme total, all projects"),
                blocks=blocks,
            )
        )
        page.sections += after_latest(trend, cutoff, data)
    page.sections.append(
        Section(bi("Lieferstatus", "Delivery status"), "deliveries", blocks=delivery_blocks(data))
    )
    return page


def comparison_table(data: DashboardData, figures: Figures, cutoff: str) -> Block:
    names = dict(data.registry.select("project_id", "project_name").iter_rows())
    rows = [
        [Cell(f"{pid} — {names[pid]}")] + [figures.cell(cutoff, pid, code) for code in COMPARISON]
        for pid in names
    ]
    rows.append(
        [Cell(bi("Programm gesamt", "Programme total"), cls="total")]
        + [figures.cell(cutoff, PROGRAMME, code) for code in COMPARISON]
    )
    header = [Cell(bi("Projekt", "Project"))] + [
        Cell(indicator_label(c), title=source("indicators", c)) for c in COMPARISON
    ]
    return Block(
        kind="table",
        title=bi("Projektvergleich", "Project comparison"),
        header=header,
        rows=rows,
        source=source("indicators", ", ".join(COMPARISON)),
    )


def comparison_charts(page: Page, data: DashboardData, cutoff: str) -> list[Block]:
    blocks = []
    for code, value_title in (
        ("participants_cumulative", bi("Teilnehmende", "Participants")),
        ("integration_rate_12m", bi("Quote", "Rate")),
    ):
        rows = (
            data.indicators.filter(
                (pl.col("cutoff") == cutoff)
                & (pl.col("indicator") == code)
                & (pl.col("gender") == "total")
                & (pl.col("project_id") != PROGRAMME)
            )
            .sort("project_id")
            .with_columns(pl.col("project_id").alias("code"))
            .rename({"project_id": "label"})
        )
        de, en, _ = INDICATORS[code]
        title = bi(f"{de} je Projekt", f"{en} per project")
        src = source("indicators", code)
        blocks.append(
            page.chart(charts.bars(rows, indicator_kind(code), title, src, value_title), title, src)
        )
    return [Block(kind="grid", items=blocks)]


def project_page(data: DashboardData, project_id: str) -> Page:
    """Only this project's rows — never another project's id or name, never programme totals."""
    reg = data.registry.filter(pl.col("project_id") == project_id).row(0, named=True)
    page = Page(
        f"{project_id} — {reg['project_name']}",
        f"{bi('Stand', 'As of')}: {data.latest or NO_DATA}",
        nav("../"),
        [],
        root="../",
    )
    figures = Figures(data.indicators.filter(pl.col("project_id") == project_id), data.months, data.public)
    facts = [
        (bi("Programm", "Programme"), reg["programme"]),
        (bi("Spezifisches Ziel", "Specific objective"), reg["specific_objective"]),
        (bi("Regionenkategorie", "Category of region"), category(reg["category_of_region"])),
        (bi("Bezirk", "District"), reg["district"]),
        (bi("Zielgruppe", "Target group"), category(reg["target_group"])),
        (bi("Laufzeit", "Duration"), f"{german_date(reg['start_date'])} – {german_date(reg['end_date'])}"),
        (
            bi("Geplante Teilnehmende", "Planned participants"),
            fmt_value(reg["planned_participants"], "count"),
        ),
    ]
    page.sections.append(
        Section(
            bi("Projekt", "Project"),
            "project",
            blocks=[
                Block(
                    kind="table",
                    title=bi("Stammdaten", "Registry data"),
                    header=[Cell(bi("Merkmal", "Item")), Cell(bi("Wert", "Value"))],
                    rows=[[Cell(k), Cell(str(v) if v is not None else "–")] for k, v in facts],
                    source=bi(
                        "Quelle: Projektregister reference/projects.csv",
                        "Source: project registry reference/projects.csv",
                    ),
                )
            ],
        )
    )
    has_data = not data.indicators.filter(pl.col("project_id") == project_id).is_empty()
    if not has_data:
        page.sections.append(
            Section(
                bi("Kennzahlen", "Indicators"),
                "indicators",
                blocks=[Block(kind="text", cls="nodata", text=NO_DATA)],
            )
        )
    else:
        page.sections.append(Section(bi("Stichtage", "Cut-offs"), "cutoffs", blocks=[cutoff_links(data)]))
        trend = Section(bi("Entwicklung", "Trend"), "trend", blocks=trend_blocks(page, data, project_id))
        for cutoff in data.shown_cutoffs:
            blocks = [
                kpi_block(figures, cutoff, project_id),
                *gender_blocks(page, data, figures, cutoff, project_id),
                *breakdown_blocks(page, data, cutoff, project_id),
                common_table(data, cutoff, project_id),
                quality_block(data, figures, cutoff, [project_id]),
            ]
            page.sections.append(Section(cutoff_title(data, cutoff), f"cutoff-{cutoff}", blocks=blocks))
            page.sections += after_latest(trend, cutoff, data)
    page.sections.append(
        Section(
            bi("Lieferstatus", "Delivery status"), "deliveries", blocks=delivery_blocks(data, [project_id])
        )
    )
    return page


def german_date(value) -> str:
    """01.02.2024 for a date; anything else (None, text) as it is."""
    return value.strftime("%d.%m.%Y") if hasattr(value, "strftime") else str(value or "–")


def common_table(data: DashboardData, cutoff: str, project_id: str) -> Block:
    rows = data.common.filter((pl.col("cutoff") == cutoff) & (pl.col("project_id") == project_id))
    return eu_table(
        rows,
        tuple(COMMON_INDICATORS),
        bi("EU-gemeinsame Indikatoren", "EU common indicators"),
        "common_indicators",
        cutoff,
        public=data.public,
        project=project_id,
    )


def eu_table(
    rows: pl.DataFrame,
    codes: tuple[str, ...],
    title: str,
    mart: str,
    cutoff: str,
    checks: dict[str, Cell] | None = None,
    public: bool = False,
    **attrs: str,
) -> Block:
    """EECO/EECR rows × gender; attrs (e.g. the SFC group) go onto every figure as data-*."""
    cells = {(i, g): v for i, g, v in rows.select("indicator", "gender", "value").iter_rows()}
    body = []
    for code in codes:
        row = [Cell(f"{code} {bi(*COMMON_INDICATORS[code])}", title=source(mart, f"indicator = {code}"))]
        for g in GENDERS:
            row.append(
                figure_cell(
                    cells.get((code, g)),
                    "count",
                    source(mart, f"value (indicator = {code})"),
                    public,
                    indicator=code,
                    gender=g,
                    cutoff=cutoff,
                    **attrs,
                )
            )
        if checks is not None:
            row.append(checks.get(code, Cell("")))
        body.append(row)
    header = gender_header(bi("Indikator", "Indicator"))
    if checks is not None:
        header.append(Cell(bi("Prüfung", "Check")))
    return Block(kind="table", title=title, header=header, rows=body, source=source(mart, "value"))


def sfc_page(data: DashboardData) -> Page:
    page = Page(
        bi("SFC2021 – Tabellen 6 und 10", "SFC2021 – tables 6 and 10"),
        bi(
            "Outputs (EECO) und Ergebnisse (EECR) nach spezifischem Ziel, Regionenkategorie und Geschlecht",
            "Outputs (EECO) and results (EECR) by specific objective, category of region and gender",
        ),
        nav(""),
        [],
    )
    cutoffs = sorted(set(data.sfc["cutoff"].to_list()))
    shown = [c for c in data.sfc_cutoffs if c in cutoffs]
    if data.latest in cutoffs and data.latest not in shown:
        shown.append(data.latest)
    if not shown:
        page.sections.append(
            Section(
                bi("SFC2021-Stichtage", "SFC2021 cut-offs"),
                "none",
                blocks=[Block(kind="text", cls="nodata", text=NO_DATA)],
            )
        )
    for cutoff in sorted(shown, reverse=True):
        preview = cutoff not in data.sfc_cutoffs
        blocks = (
            [
                Block(
                    kind="text",
                    cls="nodata",
                    text=bi(
                        "Vorschau: kein SFC2021-Stichtag (nur Juni und Dezember werden übermittelt)",
                        "Preview: not an SFC2021 cut-off (only June and December are transmitted)",
                    ),
                )
            ]
            if preview
            else []
        )
        rows = data.sfc.filter(pl.col("cutoff") == cutoff)
        checks = data.sfc_checks.filter(pl.col("cutoff") == cutoff)
        groups = rows.select("specific_objective", "category_of_region").unique().sort(pl.all())
        for so, region in groups.iter_rows():
            part = rows.filter(
                (pl.col("specific_objective") == so) & (pl.col("category_of_region") == region)
            )
            group_checks = checks.filter(
                (pl.col("specific_objective") == so) & (pl.col("category_of_region") == region)
            )
            label = f"{so} · {category(region)}"
            # public: perturbed cells need not add up, so no rule column (the method note says so)
            check_cells = rule_cells(group_checks) if not data.public else None
            group = {"specific-objective": so, "region": region}
            codes = tuple(COMMON_INDICATORS)
            blocks.append(
                eu_table(
                    part,
                    tuple(c for c in codes if c.startswith("EECO")),
                    f"{bi('Tabelle 6 – Outputs', 'Table 6 – outputs')}: {label}",
                    "sfc_table",
                    cutoff,
                    check_cells,
                    data.public,
                    **group,
                )
            )
            blocks.append(
                eu_table(
                    part,
                    tuple(c for c in codes if c.startswith("EECR")),
                    f"{bi('Tabelle 10 – Ergebnisse', 'Table 10 – results')}: {label}",
                    "sfc_table",
                    cutoff,
                    check_cells,
                    data.public,
                    **group,
                )
            )
            if not data.public:
                blocks.append(rules_table(group_checks, label))
        page.sections.append(Section(cutoff_title(data, cutoff), f"cutoff-{cutoff}", blocks=blocks))
    return page


def _mark(ok: bool) -> tuple[str, str]:
    return ("✓", "ok") if ok else ("✗", "fail")


def rule_cells(checks: pl.DataFrame) -> dict[str, Cell]:
    """Check column of the tables: the rule a row is tested by, ✓ when it holds for every gender."""
    cells = {}
    for rule, part in checks.group_by("rule", maintain_order=True):
        code = "EECO01" if rule[0].startswith("EECO01") else rule[0].split(" ")[0]
        ok = bool(part["ok"].all())
        failing = ", ".join(part.filter(~pl.col("ok"))["gender"].to_list())
        symbol, cls = _mark(ok)
        cells[code] = Cell(
            symbol,
            cls=cls,
            title=rule[0] + (f" — ✗ {failing}" if failing else ""),
            attrs={"rule": rule[0], "ok": str(ok).lower()},
        )
    return cells


def rules_table(checks: pl.DataFrame, label: str) -> Block:
    results = {(r, g): ok for r, g, ok in checks.select("rule", "gender", "ok").iter_rows()}
    rules = checks["rule"].unique(maintain_order=True).to_list()
    rows = []
    for rule in rules:
        row = [Cell(rule)]
        for g in GENDERS:
            ok = results.get((rule, g))
            symbol, cls = _mark(ok) if ok is not None else ("–", "")
            row.append(
                Cell(
                    symbol,
                    cls=cls,
                    attrs={"rule": rule, "gender": g, "ok": "" if ok is None else str(ok).lower()},
                )
            )
        rows.append(row)
    return Block(
        kind="table",
        title=f"{bi('Prüfregeln SFC2021', 'SFC2021 validation rules')}: {label}",
        header=gender_header(bi("Regel", "Rule")),
        rows=rows,
        source=bi("Geprüft auf den exakten Werten von ", "Checked on the exact values of ")
        + "dbt_project/models/marts/sfc_table.sql",
    )


def index_page(data: DashboardData) -> Page:
    page = Page(
        bi("ESF+ Monitoring – Dashboards", "ESF+ monitoring – dashboards"),
        f"{bi('Stand', 'As of')}: {data.latest or NO_DATA}",
        nav(""),
        [],
    )
    page.sections.append(
        Section(
            bi("Programm", "Programme"),
            "programme",
            blocks=[
                Block(
                    kind="links",
                    items=[
                        Cell(
                            bi("Übersicht", "Overview"),
                            href="overview.html",
                            title=bi(
                                "Kennzahlen, Trends, Vergleich, Aufschlüsselungen, Lieferstatus",
                                "indicators, trends, comparison, breakdowns, delivery status",
                            ),
                        ),
                        Cell(
                            "SFC2021",
                            href="sfc.html",
                            title=bi(
                                "Tabellen 6 und 10 mit Prüfregeln", "tables 6 and 10 with validation rules"
                            ),
                        ),
                    ],
                )
            ],
        )
    )
    links = [
        Cell(f"{pid} — {name}", href=f"projects/{pid}.html")
        for pid, name in data.registry.select("project_id", "project_name").iter_rows()
    ]
    page.sections.append(
        Section(
            bi("Projekte", "Projects"),
            "projects",
            blocks=[Block(kind="links", items=links)]
            if links
            else [Block(kind="text", cls="nodata", text=NO_DATA)],
        )
    )
    return page
