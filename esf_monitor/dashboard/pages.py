"""What each page shows: overview (managing authority), SFC2021 tables, one page per project, index.

Every builder takes the `DashboardData` of its audience (exact, or the public release); a project page reads only rows
of its own project (and no programme totals, which would let one infer other projects).
"""

from __future__ import annotations

import polars as pl

from esf_monitor.dashboard import charts, schedule
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
    fmt_number,
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
#: the trend charts: at most three series each (charts.MAX_SERIES), levels and monthly flows
#: apart (a flow of a few dozen lies flat at zero on the axis of a cumulative 2,000)
TRENDS = (
    (
        ("integration_rate_12m", "integration_rate_cumulative", "integration_rate_6m"),
        "rate",
        bi("Integrationsquoten", "Integration rates"),
    ),
    (
        ("participants_cumulative", "participants_active"),
        "count",
        bi("Teilnehmende: kumuliert und aktiv", "Participants: cumulative and active"),
    ),
    (
        ("entries_month", "leavers_month"),
        "count",
        bi("Ein- und Austritte je Monat", "Entries and leavers per month"),
    ),
    (
        ("target_achievement", "reach_rate_12m"),
        "rate",
        bi("Zielerreichung und Erreichungsquote", "Target achievement and reach rate"),
    ),
    (
        ("followup_coverage", "status_unknown_share"),
        "rate",
        bi("Datenlage zum Verbleib", "Data on outcomes"),
    ),
    (("duration_median_days", "duration_mean_days"), "days", bi("Verweildauer (Tage)", "Duration (days)")),
)
#: direct labels of the trend lines (the full name is in the tooltip)
SHORT = {
    "integration_rate_12m": ("12 Monate", "12 months"),
    "integration_rate_cumulative": ("kumuliert", "cumulative"),
    "integration_rate_6m": ("nach 6 Monaten", "after 6 months"),
    "participants_cumulative": ("kumuliert", "cumulative"),
    "participants_active": ("aktiv", "active"),
    "entries_month": ("Eintritte", "entries"),
    "leavers_month": ("Austritte", "leavers"),
    "target_achievement": ("Zielerreichung", "target achievement"),
    "reach_rate_12m": ("Erreichung", "reach"),
    "followup_coverage": ("Abdeckung", "coverage"),
    "status_unknown_share": ("unbekannt", "unknown"),
    "duration_median_days": ("Median", "median"),
    "duration_mean_days": ("Mittelwert", "mean"),
}
#: target group first ("whom do we reach?"), then the others in the order of docs/indicators.md
BREAKDOWN_DIMENSIONS = ["target_group"] + [d for d in DIMENSIONS if d not in ("gender", "target_group")]


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
        """A headline card; it names the previous month's figure and the change against it."""
        kind = indicator_kind(indicator)
        value = self._cells.get((cutoff, unit, indicator, "total"))
        before = self.previous_month(cutoff)
        previous = change = None
        if before:
            earlier = self._cells.get((before, unit, indicator, "total"))
            previous = figure_cell(
                earlier,
                kind,
                f"{bi('Vormonat', 'previous month')} {before}",
                self.public,
                indicator=indicator,
                gender="total",
                cutoff=before,
                project=unit,
            )
            change = change_cell(value, earlier, kind, self.public, indicator)
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
            change,
            ("indicators",),
        )

    def value(self, cutoff: str, unit: str, indicator: str, gender: str = "total"):
        """The figure as the page shows it (None when not shown)."""
        value = self._cells.get((cutoff, unit, indicator, gender))
        return value if _shown(value) else None

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


#: the footnote under each kind of table: what its values are
NOTES = {
    "gender": bi(
        "Kennzahlen zum Stichtag je Geschlecht (Definitionen: docs/indicators.md). Quoten als Anteil; "
        "„–“: kein Wert (Nenner 0 oder nicht veröffentlicht). Divers und ohne Angabe zählen in Gesamt.",
        "Indicators at the cut-off by gender (definitions: docs/indicators.md). Rates as shares; "
        "“–”: no value (denominator 0 or not published). Non-binary and not stated count in the total.",
    ),
    "breakdown": bi(
        "Teilnehmende = Personen mit erstem Eintritt bis zum Stichtag in der Kategorie (Zielgruppen "
        "überschneiden sich: eine Person kann in mehreren zählen). Integrationsquote = Austritte in "
        "Beschäftigung, Selbstständigkeit oder Ausbildung ÷ alle Austritte der Kategorie.",
        "Participants = persons with a first entry up to the cut-off in the category (target groups "
        "overlap: one person may count in several). Integration rate = leavers into employment, "
        "self-employment or vocational training ÷ all leavers of the category.",
    ),
    "comparison": bi(
        "Alle Kennzahlen je Projekt zum Stichtag; letzte Zeile: Programm gesamt (jede Person einmal). "
        "Zielerreichung = Teilnehmende (kumuliert) ÷ geplante Teilnehmende.",
        "Every indicator per project at the cut-off; last row: programme total (each person once). "
        "Target achievement = participants (cumulative) ÷ planned participants.",
    ),
    "schedule": bi(
        "Zielerreichung (Ist) = Teilnehmende (kumuliert) ÷ geplante Teilnehmende. Soll bis Stichtag = "
        "abgelaufener Anteil der Laufzeit (Tage vom Projektbeginn bis zum Monatsende des Stichtags ÷ "
        "Tage der Laufzeit). Ist ÷ Soll ab 90 %: im Plan; 70 bis unter 90 %: im Rückstand; unter 70 %: "
        "weit im Rückstand; vor Projektbeginn oder ohne Ist-Wert: keine Bewertung. Am weitesten "
        "zurück zuerst.",
        "Target achievement (actual) = participants (cumulative) ÷ planned participants. Expected by "
        "now = share of the run elapsed (days from the project start to the end of the cut-off month "
        "÷ days of the run). Actual ÷ expected from 90 %: on track; 70 to under 90 %: behind; under "
        "70 %: far behind; before the start or without an actual value: not rated. Furthest behind "
        "first.",
    ),
    "reach": bi(
        "Zielgruppe laut Projektregister. Davon in der Zielgruppe = Teilnehmende (kumuliert), die zur "
        "Zielgruppe des Projekts gehören; Anteil = davon ÷ Teilnehmende. Erreichungsquote = Eintritte "
        "der Zielgruppe in den 12 Monaten bis zum Stichtag ÷ mittlerer Zielgruppenbestand (Bezirk, "
        "Zielgruppe).",
        "Target group as in the project registry. Of which in the target group = participants "
        "(cumulative) who belong to the project's target group; share = those ÷ participants. Reach "
        "rate = entries of the target group in the 12 months to the cut-off ÷ mean target population "
        "(district, target group).",
    ),
    "quality": bi(
        "Zeilen der Lieferung: Zeilen der angenommenen Teilnehmendendatei des Monats; unvollständig: "
        "Zeilen ohne vollständige Kerndaten (zählen nicht in den EU-Indikatoren). Verbleib unbekannt "
        "und Abdeckung Verbleib: Anteile wie im Abschnitt Kennzahlen.",
        "Rows delivered: rows of the month's accepted participants file; incomplete: rows without "
        "complete core data (not counted in the EU indicators). Status unknown and follow-up "
        "coverage: shares as in the indicators.",
    ),
    "quality_public": bi(
        "Anteil der Austritte mit unbekanntem Verbleib und Abdeckung der Verbleibsdaten nach 6 Monaten.",
        "Share of leavers with unknown status and coverage of the 6-month follow-up data.",
    ),
    "deliveries": bi(
        "Je Lieferant, Art und Berichtsmonat der Stand der Lieferung (Legende oben); ⏰: nach der Frist "
        "eingegangen. Der Titel einer Zelle nennt Versionen und den letzten Eingang.",
        "Per provider, type and reporting month the state of the delivery (legend above); ⏰: arrived "
        "after the deadline. A cell's title names the versions and the last arrival.",
    ),
    "common": bi(
        "EU-gemeinsame Indikatoren (ESF+-Verordnung, Anhang I), kumuliert bis zum Stichtag, nur "
        "Teilnehmende mit vollständigen Kerndaten.",
        "EU common indicators (ESF+ Regulation, Annex I), cumulative to the cut-off, participants "
        "with complete core data only.",
    ),
    "sfc": bi(
        "SFC2021-Werte je spezifischem Ziel und Regionenkategorie, kumuliert bis zum Stichtag. "
        "Prüfung: ✓ wenn die Regel für jedes Geschlecht gilt.",
        "SFC2021 values per specific objective and category of region, cumulative to the cut-off. "
        "Check: ✓ when the rule holds for every gender.",
    ),
    "rules": bi(
        "Je Regel und Geschlecht: ✓ erfüllt, ✗ verletzt (auf den exakten Werten geprüft).",
        "Per rule and gender: ✓ holds, ✗ broken (checked on the exact values).",
    ),
    "registry": bi(
        "Stammdaten aus dem Projektregister (reference/projects.csv).",
        "Registry data from the project registry (reference/projects.csv).",
    ),
}


def _shown(value) -> bool:
    return value is not None and value == value  # NaN: not shown


def change_cell(value, earlier, kind: str, public: bool, indicator: str) -> Cell | None:
    """Arrow and difference against the previous month: counts and days in their unit, rates in
    percentage points (public: of the published whole percent). None when either is not shown.
    No data-value: the difference is not a cell of the release (it follows from two that are)."""
    if not (_shown(value) and _shown(earlier)):
        return None
    if kind == "rate":
        diff = round((value - earlier) * 100, 0 if public else 1)
        unit, decimals = "\u00a0Pp.", 0 if public else 1
    else:
        diff = round(value - earlier, 0 if (public or kind == "count") else 1)
        unit, decimals = "", 0 if (public or kind == "count" or diff == int(diff)) else 1
    arrow, direction = ("▲", "up") if diff > 0 else ("▼", "down") if diff < 0 else ("►", "same")
    sign = "+" if diff > 0 else "−" if diff < 0 else "±"
    text = f"{arrow} {sign}{fmt_number(abs(diff), decimals)}{unit} {bi('ggü. Vormonat', 'vs previous month')}"
    return Cell(
        text,
        {"change-of": indicator, "delta": f"{diff:g}", "direction": direction},
        cls=f"delta {direction}",
        title=bi("Rate: Differenz in Prozentpunkten", "rate: difference in percentage points")
        if kind == "rate"
        else "",
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


# ---------------------------------------------------------------- blocks shared by pages


def trend_blocks(page: Page, data: DashboardData, unit: str) -> list[Block]:
    rows = data.indicators.filter((pl.col("project_id") == unit) & (pl.col("gender") == "total"))
    if rows.is_empty():
        return [Block(kind="text", cls="nodata", text=NO_DATA)]
    blocks = []
    for codes, kind, title in TRENDS:
        series = rows.filter(pl.col("indicator").is_in(codes)).with_columns(
            pl.col("indicator").replace_strict({c: indicator_label(c) for c in codes}).alias("series"),
            pl.col("indicator").replace_strict({c: bi(*SHORT[c]) for c in codes}).alias("label"),
        )
        src = source("indicators", ", ".join(codes))
        drawn = set(series.filter(pl.col("value").is_not_null() & ~pl.col("value").is_nan())["indicator"])
        missing = [indicator_label(c) for c in codes if c not in drawn]
        blocks.append(
            page.chart(
                charts.trend(series, kind, title, src), title, src, left_out=missing, marts=("indicators",)
            )
        )
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
        note=NOTES["gender"],
        marts=("indicators",),
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
        charts.bars(counts, "count", title, src, bi("Teilnehmende", "Participants")),
        title,
        src,
        left_out=charts.left_out(counts),
        marts=("indicators",),
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
            note=NOTES["breakdown"],
            marts=("participant_breakdowns",),
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
            charts.bars(totals, "count", title, src_p, bi("Teilnehmende", "Participants")),
            title,
            src_p,
            left_out=charts.left_out(totals),
            marts=("participant_breakdowns",),
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
        note=NOTES["quality_public" if data.public else "quality"],
        marts=("indicators",) if data.public else ("delivery_status", "indicators"),
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
            note=NOTES["deliveries"],
            marts=("delivery_status",),
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


def cutoff_options(data: DashboardData, cutoffs: list[str] | None = None) -> list[Cell]:
    """The selector's options: the latest month first, then the SFC2021 cut-offs (June,
    December), newest first; each marked as in its section titles."""
    return [
        Cell(cutoff_title(data, c), {"cutoff": c, "sfc": str(c in data.sfc_cutoffs).lower()})
        for c in (cutoffs if cutoffs is not None else data.shown_cutoffs)
    ]


def per_cutoff(data: DashboardData, part: str, title: str, build, intro: str = "") -> list[Section]:
    """One section per shown cut-off (the selector shows one): ids `<part>-<YYYY-MM>`."""
    return [
        Section(f"{title} — {cutoff_title(data, c)}", f"{part}-{c}", intro=intro, blocks=build(c), cutoff=c)
        for c in data.shown_cutoffs
    ]


#: the analysts' three questions, the same on the overview and on every project page
GLANCE_TITLE = bi("Auf einen Blick", "At a glance")
TREND_TITLE = bi("Wie entwickelt sich die Integration?", "How does integration develop?")
REACH_TITLE = bi("Wen erreichen wir?", "Whom do we reach?")


def trend_section(page: Page, data: DashboardData, unit: str, intro: str) -> Section:
    """The trend over every month (not per cut-off: the selector does not hide it)."""
    return Section(TREND_TITLE, "trend", intro=intro, blocks=trend_blocks(page, data, unit))


def overview_page(data: DashboardData) -> Page:
    """The analysts' three questions, for one cut-off at a time: which projects are behind, how
    integration develops (trend over all months), whom we reach; then the full comparison, data
    quality and the delivery status."""
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
        page.cutoffs = cutoff_options(data)
        page.sections += per_cutoff(
            data,
            "cutoff",
            GLANCE_TITLE,
            lambda c: [
                kpi_block(figures, c, PROGRAMME),
                schedule_block(data, figures, c, projects),
            ],
            intro=bi(
                "Programm gesamt; darunter: Welche Projekte liegen zurück?",
                "Programme total; below: which projects are behind?",
            ),
        )
        page.sections.append(
            trend_section(
                page, data, PROGRAMME, bi("Programm gesamt, alle Monate", "Programme total, every month")
            )
        )
        page.sections += per_cutoff(
            data,
            "reach",
            REACH_TITLE,
            lambda c: [
                reach_block(data, figures, c, projects),
                *breakdown_blocks(page, data, c, PROGRAMME),
                *gender_blocks(page, data, figures, c, PROGRAMME),
            ],
        )
        page.sections += per_cutoff(
            data,
            "details",
            bi("Projektvergleich und Datenqualität", "Project comparison and data quality"),
            lambda c: [
                comparison_table(data, figures, c),
                *comparison_charts(page, data, c),
                quality_block(data, figures, c, projects),
            ],
        )
    page.sections.append(
        Section(bi("Lieferstatus", "Delivery status"), "deliveries", blocks=delivery_blocks(data))
    )
    return page


def schedule_block(
    data: DashboardData, figures: Figures, cutoff: str, projects: list[str], link: bool = True
) -> Block:
    """Which projects are behind: target achievement against the share of the run elapsed
    (esf_monitor/dashboard/schedule.py), furthest behind first; the project's page one click away."""
    registry = {r["project_id"]: r for r in data.registry.iter_rows(named=True)}
    src = source("indicators", "target_achievement")
    entries = []
    for pid in projects:
        reg = registry[pid]
        achieved = figures.value(cutoff, pid, "target_achievement")
        plan = schedule.schedule(reg["start_date"], reg["end_date"], cutoff, achieved)
        entries.append((pid, reg, plan))
    entries.sort(
        key=lambda e: (schedule.ORDER[e[2].status], e[2].ratio if e[2].ratio is not None else 0, e[0])
    )
    rows = []
    for pid, reg, plan in entries:
        name = f"{pid} — {reg['project_name']}"
        rows.append(
            [
                Cell(name, href=f"projects/{pid}.html" if link else ""),
                Cell(f"{german_date(reg['start_date'])} – {german_date(reg['end_date'])}"),
                Cell(fmt_value(reg["planned_participants"], "count"), cls="num"),
                figures.cell(cutoff, pid, "participants_cumulative"),
                figures.cell(cutoff, pid, "target_achievement"),
                figure_cell(
                    plan.expected,
                    "rate",
                    bi("Soll: abgelaufener Anteil der Laufzeit", "expected: share of the run elapsed"),
                    data.public,
                    project=pid,
                    cutoff=cutoff,
                    measure="expected_share",
                ),
                figure_cell(
                    plan.ratio,
                    "rate",
                    bi("Ist ÷ Soll", "actual ÷ expected"),
                    data.public,
                    project=pid,
                    cutoff=cutoff,
                    measure="achievement_vs_expected",
                ),
                Cell(plan.label, {"schedule": plan.status, "project": pid, "cutoff": cutoff}, cls=plan.cls),
            ]
        )
    header = [
        Cell(bi("Projekt", "Project")),
        Cell(bi("Laufzeit", "Run")),
        Cell(bi("Geplante Teilnehmende", "Planned participants")),
        Cell(
            indicator_label("participants_cumulative"), title=source("indicators", "participants_cumulative")
        ),
        Cell(bi("Zielerreichung (Ist)", "Target achievement (actual)"), title=src),
        Cell(bi("Soll bis Stichtag", "Expected by now")),
        Cell(bi("Ist ÷ Soll", "Actual ÷ expected")),
        Cell("Status"),
    ]
    return Block(
        kind="table",
        cls="schedule",
        title=bi("Welche Projekte liegen zurück?", "Which projects are behind?"),
        header=header,
        rows=rows,
        source=f"{src}; {bi('Laufzeit und Plan: Projektregister', 'run and plan: project registry')}",
        note=NOTES["schedule"],
        marts=("indicators",),
    )


def reach_block(data: DashboardData, figures: Figures, cutoff: str, projects: list[str]) -> Block:
    """Whom do we reach: each project's participants in its own target group, and its reach rate."""
    registry = {r["project_id"]: r for r in data.registry.iter_rows(named=True)}
    in_group = {
        (p, cat): n
        for p, cat, n in data.breakdowns.filter(
            (pl.col("cutoff") == cutoff)
            & (pl.col("dimension") == "target_group")
            & (pl.col("gender") == "total")
        )
        .select("project_id", "category", "participants")
        .iter_rows()
    }
    src_b = source("participant_breakdowns", "participants (dimension = target_group)")
    rows = []
    for pid in projects:
        group = registry[pid]["target_group"]
        total = figures.value(cutoff, pid, "participants_cumulative")
        reached = in_group.get((pid, group), 0 if _shown(total) else None)
        # a share like a published rate: from the shown counts, and (public) only from 10 on
        share = reached / total if _shown(total) and total and reached is not None else None
        if data.public and share is not None:
            share = round(share * 100) / 100 if total >= 10 else None
        rows.append(
            [
                Cell(f"{pid} — {registry[pid]['project_name']}", href=f"projects/{pid}.html"),
                Cell(category(group)),
                figures.cell(cutoff, pid, "participants_cumulative"),
                figure_cell(
                    reached,
                    "count",
                    src_b,
                    data.public,
                    dimension="target_group",
                    category=group,
                    gender="total",
                    cutoff=cutoff,
                    project=pid,
                    measure="participants",
                ),
                figure_cell(
                    share,
                    "rate",
                    bi("davon ÷ Teilnehmende", "of which ÷ participants"),
                    data.public,
                    project=pid,
                    cutoff=cutoff,
                    measure="target_group_share",
                ),
                figures.cell(cutoff, pid, "reach_rate_12m"),
            ]
        )
    header = [
        Cell(bi("Projekt", "Project")),
        Cell(bi("Zielgruppe", "Target group")),
        Cell(indicator_label("participants_cumulative")),
        Cell(bi("davon in der Zielgruppe", "of which in the target group"), title=src_b),
        Cell(bi("Anteil Zielgruppe", "Share in target group")),
        Cell(indicator_label("reach_rate_12m"), title=source("indicators", "reach_rate_12m")),
    ]
    return Block(
        kind="table",
        title=bi("Zielgruppe und Erreichungsquote je Projekt", "Target group and reach rate per project"),
        header=header,
        rows=rows,
        source=f"{source('indicators', 'participants_cumulative, reach_rate_12m')}; {src_b}",
        note=NOTES["reach"],
        marts=("indicators", "participant_breakdowns"),
    )


def comparison_table(data: DashboardData, figures: Figures, cutoff: str) -> Block:
    names = dict(data.registry.select("project_id", "project_name").iter_rows())
    rows = [
        [Cell(f"{pid} — {names[pid]}", href=f"projects/{pid}.html")]
        + [figures.cell(cutoff, pid, code) for code in COMPARISON]
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
        note=NOTES["comparison"],
        marts=("indicators",),
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
            page.chart(
                charts.bars(rows, indicator_kind(code), title, src, value_title),
                title,
                src,
                left_out=charts.left_out(rows),
                marts=("indicators",),
            )
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
                    note=NOTES["registry"],
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
        page.cutoffs = cutoff_options(data)
        page.sections += per_cutoff(
            data,
            "cutoff",
            GLANCE_TITLE,
            lambda c: [
                kpi_block(figures, c, project_id),
                schedule_block(data, figures, c, [project_id], link=False),
            ],
        )
        page.sections.append(trend_section(page, data, project_id, bi("alle Monate", "every month")))
        page.sections += per_cutoff(
            data,
            "reach",
            REACH_TITLE,
            lambda c: [
                *breakdown_blocks(page, data, c, project_id),
                *gender_blocks(page, data, figures, c, project_id),
                common_table(data, c, project_id),
                quality_block(data, figures, c, [project_id]),
            ],
        )
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
        note=NOTES["common"],
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
    note: str = "",
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
    return Block(
        kind="table",
        title=title,
        header=header,
        rows=body,
        source=source(mart, "value"),
        note=note or NOTES["sfc"],
        marts=(mart,),
    )


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
    shown = sorted(shown, reverse=True)
    if shown:
        page.cutoffs = cutoff_options(data, shown)
    for cutoff in shown:
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
        page.sections.append(
            Section(cutoff_title(data, cutoff), f"cutoff-{cutoff}", blocks=blocks, cutoff=cutoff)
        )
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
        note=NOTES["rules"],
        marts=("sfc_table",),
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
