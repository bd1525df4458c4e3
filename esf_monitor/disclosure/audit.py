"""The disclosure audit of a written public release (docs/indicators.md "Publication", v2).

Run as the BLOCKING Dagster asset check ``disclosure_audit`` on the staged release, before it
replaces the published one (orchestration/assets/publish.py). It fails when
1. a published count is not the perturbed value of its cell (CSV recomputed from the marts),
   or a page shows a cell with another number than the CSV (so: not the same on every page);
2. a published count is 1 or 2 (CSV or page);
3. a rate is not the whole percent of perturbed numerator / perturbed denominator, or is shown
   with a denominator under 10; a duration is not whole days or shown for fewer than 10
   leavers; a page's data-value or chart data carries more precision than that;
4. a public page lacks the method note or links outside the public folder (the process
   monitoring page ``process.html`` shows institutions, not persons: exact figures with its own
   note instead, docs/process-monitoring.md), or the release carries single municipalities'
   answers (``process_answers.csv``);
5. the differencing attack (``attack.py``: totals minus parts, programme minus projects, SFC
   rows minus projects, month minus month) pins a true count of 1 or 2 down.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import polars as pl

from esf_monitor.disclosure.attack import View, attack, perturbed_bounds
from esf_monitor.disclosure.ptable import MIN_DENOMINATOR
from esf_monitor.disclosure.release import (
    COUNT_INDICATORS,
    DURATIONS,
    PublicRelease,
    _percent,
    build_release,
)

PROGRAMME = "ALL"
PARTS = ("f", "m", "d")
#: the parts of EECO01 (docs/indicators.md)
EECO01_LINES = (("EECO02", "EECO04", "EECO05"), ("EECO09", "EECO10", "EECO11"))
#: categories of these dimensions overlap (elb_total = everyone): no line
OVERLAPPING = ("target_group",)
METHOD_NOTE_START = "Zur Wahrung der statistischen Geheimhaltung sind die Werte mit dem Cell-Key-Verfahren"


@dataclass
class AuditReport:
    problems: list[str] = field(default_factory=list)
    cells: int = 0
    page_figures: int = 0
    pages: int = 0
    recovered: list = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems and not self.recovered

    def summary(self) -> str:
        head = (
            f"{self.cells} Zellen, {self.page_figures} Werte auf {self.pages} Seiten geprüft; "
            f"{len(self.problems)} Befunde, {len(self.recovered)} durch Differenzbildung "
            f"aufgedeckte Werte 1 oder 2 / {self.cells} cells, {self.page_figures} figures on "
            f"{self.pages} pages checked; {len(self.problems)} findings, {len(self.recovered)} "
            f"true counts of 1 or 2 recovered by differencing"
        )
        return "\n".join([head, *self.problems[:20], *map(str, self.recovered[:20])])


# ----------------------------------------------------------------------------- cells


def count_cells(
    indicators: pl.DataFrame,
    common: pl.DataFrame,
    sfc: pl.DataFrame,
    breakdowns: pl.DataFrame,
    numerator: str = "numerator",
) -> dict[tuple, int]:
    """Every published count as (cell name → number); the same for the true counts of the
    marts. Names: ("ind", C, project, indicator, gender) for the headline counts and
    ("ind", C, project, indicator + ":num" | ":den", gender) for the parts of rates,
    ("eu", C, project, code, gender), ("sfc", C, objective, region, code, gender),
    ("bd", C, project, dimension, category, gender, measure)."""
    cells: dict[tuple, int] = {}
    for c, p, ind, g, n, d in indicators.select(
        "cutoff", "project_id", "indicator", "gender", numerator, "denominator"
    ).iter_rows():
        if ind in COUNT_INDICATORS:
            cells[("ind", c, p, ind, g)] = int(n)
            continue
        if n is not None and ind not in DURATIONS:
            cells[("ind", c, p, ind + ":num", g)] = int(n)
        if d is not None and ind not in ("target_achievement", "reach_rate_12m"):
            cells[("ind", c, p, ind + ":den", g)] = int(d)
    for c, p, ind, g, v in common.select("cutoff", "project_id", "indicator", "gender", "value").iter_rows():
        cells[("eu", c, p, ind, g)] = int(v)
    for c, so, r, ind, g, v in sfc.select(
        "cutoff", "specific_objective", "category_of_region", "indicator", "gender", "value"
    ).iter_rows():
        cells[("sfc", c, so, r, ind, g)] = int(v)
    for row in breakdowns.select(
        "cutoff",
        "project_id",
        "dimension",
        "category",
        "gender",
        "participants",
        "leavers",
        "integrated_leavers",
    ).iter_rows():
        for measure, v in zip(("participants", "leavers", "integrated_leavers"), row[5:]):
            cells[("bd", *row[:5], measure)] = int(v)
    return cells


def public_cells(release: PublicRelease) -> dict[tuple, int]:
    return count_cells(
        release.indicators, release.common_indicators, release.sfc_table, release.participant_breakdowns
    )


def true_cells(marts: dict[str, pl.DataFrame]) -> dict[tuple, int]:
    return count_cells(
        marts["indicators"], marts["common_indicators"], marts["sfc_table"], marts["participant_breakdowns"]
    )


def lines(cells: dict[tuple, int], registry: pl.DataFrame) -> tuple[list, list, list]:
    """(eq, ge, month pairs) between the published cells (see attack.py)."""
    eq, ge, months = [], [], []
    keys = set(cells)
    groups = {}
    for pid, so, region in registry.select(
        "project_id", "specific_objective", "category_of_region"
    ).iter_rows():
        groups.setdefault((so, region), []).append(pid)
    projects = registry["project_id"].to_list()
    all_months = sorted({k[1] for k in keys})
    previous = dict(zip(all_months[1:], all_months[:-1]))
    categories: dict[tuple, dict[str, list]] = {}
    for b in keys:
        if b[0] == "bd" and b[6] == "participants" and b[3] not in OVERLAPPING:
            categories.setdefault((b[1], b[2], b[5]), {}).setdefault(b[3], []).append(b)
    for k in keys:
        family, cutoff = k[0], k[1]
        if family in ("ind", "bd", "eu") and k[2] == PROGRAMME:  # programme = projects
            eq.append(
                (k, [(family, cutoff, p, *k[3:]) for p in projects if (family, cutoff, p, *k[3:]) in keys])
            )
        if family == "sfc" and (k[2], k[3]) in groups:  # SFC row = its projects
            eq.append(
                (
                    k,
                    [
                        ("eu", cutoff, p, k[4], k[5])
                        for p in groups[(k[2], k[3])]
                        if ("eu", cutoff, p, k[4], k[5]) in keys
                    ],
                )
            )
        gender_at = {"ind": 4, "eu": 4, "sfc": 5, "bd": 5}[family]
        if k[gender_at] == "total":  # gender parts
            parts = [k[:gender_at] + (g,) + k[gender_at + 1 :] for g in PARTS]
            parts = [p for p in parts if p in keys]
            (eq if family in ("eu", "sfc") else ge).append((k, parts))
        if family in ("eu", "sfc") and k[-2] == "EECO01":  # EECO01 lines
            for line in EECO01_LINES:
                eq.append((k, [k[:-2] + (code, k[-1]) for code in line if k[:-2] + (code, k[-1]) in keys]))
        if family == "ind" and k[3] == "participants_cumulative":  # breakdown categories
            eq += [(k, parts) for parts in categories.get((cutoff, k[2], k[4]), {}).values()]
        cumulative = (
            family in ("eu", "sfc")
            or (family == "ind" and k[3] == "participants_cumulative")
            or (family == "bd" and k[6] == "participants")
        )
        if cumulative and cutoff in previous:  # month minus month
            before = (family, previous[cutoff], *k[2:])
            if before in keys:
                months.append((k, before))
    return eq, ge, months


def attack_release(published: dict[tuple, int], truth: dict[tuple, int], registry: pl.DataFrame) -> list:
    eq, ge, months = lines(published, registry)
    view = View(bounds={k: perturbed_bounds(v) for k, v in published.items()}, eq=eq, ge=ge, months=months)
    return attack(view, truth)


# ----------------------------------------------------------------------------- pages


class _Figures(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.figures: list[dict] = []
        self.hrefs: list[str] = []
        self._script = False
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-value" in a and "data-kind" in a:
            self.figures.append({k[5:]: v for k, v in a.items() if k.startswith("data-")})
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        self._script = (
            tag == "script" and a.get("type") == "application/json" and "vega-spec" in (a.get("class") or "")
        )

    def handle_data(self, data):
        if self._script:
            self.scripts.append(data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = False


def page_key(f: dict) -> tuple | None:
    c, g = f.get("cutoff"), f.get("gender")
    if "specific-objective" in f:
        return ("sfc", c, f["specific-objective"], f["region"], f["indicator"], g)
    if "dimension" in f:
        return ("bd", c, f.get("project"), f["dimension"], f["category"], g, f.get("measure"))
    if "indicator" in f:
        return ("eu" if f["indicator"].startswith("EEC") else "ind", c, f.get("project"), f["indicator"], g)
    return None


def _numbers(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _numbers(v)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value


def audit_pages(pages_root: Path, release: PublicRelease, report: AuditReport) -> None:
    from esf_monitor.dashboard.process import PROCESS_NOTE_START, PROCESS_PAGE

    counts = public_cells(release)
    shown = {
        ("ind", c, p, i, g): v
        for c, p, i, g, v in release.indicators.select(
            "cutoff", "project_id", "indicator", "gender", "value"
        ).iter_rows()
    }
    rates = {
        ("bd", c, p, d, cat, g, "integration_rate"): v
        for c, p, d, cat, g, v in release.participant_breakdowns.select(
            "cutoff", "project_id", "dimension", "category", "gender", "integration_rate_percent"
        ).iter_rows()
    }
    # the breakdown mart lists only categories that occur (no row = nobody = 0), but only for a
    # project the release reports at that cut-off; one that has not started yet has nothing
    reported = set(release.indicators.select("cutoff", "project_id").unique().iter_rows())
    root = pages_root.resolve()
    for path in sorted(pages_root.rglob("*.html")):
        report.pages += 1
        html = path.read_text(encoding="utf-8")
        name = path.relative_to(pages_root).as_posix()
        if name == PROCESS_PAGE:  # institutions, not persons: exact, with its own note
            if PROCESS_NOTE_START not in html:
                report.problems.append(
                    f"{name}: Hinweis zum Prozessmonitoring fehlt / process monitoring note missing"
                )
        elif METHOD_NOTE_START not in html:
            report.problems.append(f"{name}: Methodenhinweis fehlt / method note missing")
        parser = _Figures()
        parser.feed(html)
        for href in parser.hrefs:
            target = (path.parent / href.split("#")[0]).resolve() if href.split("#")[0] else path
            if "://" in href or "internal" in href or not target.is_relative_to(root):
                report.problems.append(
                    f"{name}: Link aus dem öffentlichen Bereich / link outside public: {href}"
                )
        for spec in parser.scripts:
            for x in _numbers(json.loads(spec).get("data", {})) if spec.strip() else ():
                if abs(x * 100 - round(x * 100)) > 1e-9:
                    report.problems.append(f"{name}: Diagrammwert zu genau / chart value too precise: {x}")
        for f in parser.figures:
            report.page_figures += 1
            value, kind = f["value"], f["kind"]
            if value in ("1", "2") and kind == "count":
                report.problems.append(f"{name}: 1 oder 2 veröffentlicht / 1 or 2 published: {f}")
            if value and not re.fullmatch(r"-?\d+", value):
                report.problems.append(f"{name}: kein ganzzahliger Wert / not a whole number: {f}")
                continue
            key = page_key(f)
            if key is None:
                continue  # not a cell of the release (e.g. registry facts)
            if key[0] == "bd" and key[-1] == "integration_rate":
                expected = rates.get(key)
            elif key[0] == "ind" and kind != "count":
                expected = shown.get(key)
            else:
                absent = 0 if key[0] == "bd" and (key[1], key[2]) in reported else None
                expected = counts.get(key, absent)
            got = int(value) if value else None
            want = None if expected is None else int(expected)
            if got != want:
                report.problems.append(
                    f"{name}: {key} zeigt {value!r}, Veröffentlichung {want!r} / "
                    f"shows {value!r}, release has {want!r}"
                )


# ----------------------------------------------------------------------------- CSV


def read_release(folder: Path) -> PublicRelease:
    from esf_monitor.dashboard.data import PUBLIC_SCHEMAS, read_export

    frames = {
        n: read_export(folder / "all_months" / f"{n}.csv", n, PUBLIC_SCHEMAS)
        for n in ("indicators", "common_indicators", "sfc_table", "participant_breakdowns", "delivery_status")
    }
    return PublicRelease(
        frames["indicators"],
        frames["common_indicators"],
        frames["sfc_table"],
        frames["participant_breakdowns"],
        frames["delivery_status"],
    )


def audit_release(
    exports_folder: Path, pages_root: Path | None, marts: dict[str, pl.DataFrame], registry: pl.DataFrame
) -> AuditReport:
    report = AuditReport()
    written = read_release(exports_folder)
    expected = build_release(marts)
    published, wanted = public_cells(written), public_cells(expected)
    report.cells = len(published)
    for k in wanted.keys() | published.keys():
        if published.get(k) != wanted.get(k):
            report.problems.append(
                f"{k}: veröffentlicht / published {published.get(k)}, "
                f"Zellwert / perturbed cell value {wanted.get(k)}"
            )
    report.problems += [f"{k}: 1 oder 2 / 1 or 2 published" for k, v in published.items() if v in (1, 2)]
    ind = written.indicators
    rated = ind.filter(~pl.col("indicator").is_in(COUNT_INDICATORS + DURATIONS))
    bad = rated.filter(
        pl.col("value").is_not_null()
        & (
            (pl.col("denominator") < MIN_DENOMINATOR)
            | (pl.col("value") != _percent(pl.col("numerator"), pl.col("denominator")))
        )
    )
    bad = pl.concat(
        [
            bad,
            ind.filter(
                pl.col("indicator").is_in(DURATIONS)
                & pl.col("value").is_not_null()
                & ((pl.col("denominator") < MIN_DENOMINATOR) | (pl.col("value") != pl.col("value").round(0)))
            ),
        ]
    )
    report.problems += [
        f"Quote/Dauer gegen die Regel / rate or duration breaks the rule: {r}" for r in bad.rows()
    ]
    from esf_monitor.dashboard.process import ANSWERS_FILE

    report.problems += [
        f"{p.relative_to(exports_folder).as_posix()}: Antworten einzelner Kommunen / "
        "single municipalities' answers"
        for p in sorted((exports_folder / "process").rglob(ANSWERS_FILE))
    ]
    if pages_root is not None:
        audit_pages(pages_root, written, report)
    report.recovered = attack_release(published, true_cells(marts), registry)
    return report
