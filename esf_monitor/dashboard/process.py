"""Process monitoring pages (docs/process-monitoring.md "Dashboards"), built from the exports only.

    build_process_pages(process_root, registry, out_dir, public) -> [process.html,
                                                                     municipalities/<id>.html …]

`process_root` is ``exports/process/`` (internal set) or ``exports/public/process/`` (public
set: the same exact figures — they describe institutions, not persons — without
``process_answers.csv``, which :func:`stage_public_process` leaves out). The pages read:

- ``waves.csv`` and per wave ``<W>/process_items.csv``, ``process_responsibility.csv``,
  ``process_change.csv`` (none for the first wave) — the programme's figures;
- ``<W>/process_answers.csv`` — each municipality's own answers (internal set only; never a
  note: the note stays in raw/staging);
- the catalogue ``reference/checklist_items.csv`` (carried by the registry frame) for the
  order of the bars, the section titles and the item texts, and the municipality registry for
  the names.

The bars are plain HTML/CSS (one flex row of segments per item, widths = the exact shares), so
the pages need no script at all: they draw the same offline, at phone width and in print. No
figure carries ``data-value``/``data-kind`` (those mark the cell-key figures of the person
pages, which the disclosure audit and the browser tests match against the person exports):
counts and shares are in ``data-count`` / ``data-share`` / ``data-answering`` … instead.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import polars as pl
from markupsafe import Markup

from esf_monitor.dashboard.data import read_export
from esf_monitor.dashboard.labels import INTERNAL_NOTE, bi, fmt_number
from esf_monitor.dashboard.render import CSS, Block, Cell, Section
from esf_monitor.intake.registry import checklist_items_of, municipalities_of
from schemas.codes import (
    PROCESS_STATUS,
    PROCESS_STATUS_COLOURS,
    PROCESS_STATUS_DE,
    PROCESS_STATUS_EN,
    RESPONSIBILITY,
    RESPONSIBILITY_DE,
    RESPONSIBILITY_EN,
)

PROCESS_PAGE = "process.html"
MUNICIPALITY_FOLDER = "municipalities"
#: the one file of exports/process/<W>/ that is not for publication (one row per municipality)
ANSWERS_FILE = "process_answers.csv"
#: on every process page, internal and public: why exact figures are fine here
PROCESS_NOTE = bi(
    "Prozessmonitoring: Angaben der Kommunen (Institutionen, keine Personen) – exakte Zahlen, "
    "keine Geheimhaltungsregel nötig; Anmerkungen der Kommunen werden nie veröffentlicht.",
    "Process monitoring: answers of municipalities (institutions, not persons) – exact figures, "
    "no confidentiality rule needed; the municipalities' notes are never published.",
)
PROCESS_NOTE_START = "Prozessmonitoring: Angaben der Kommunen (Institutionen, keine Personen)"

S, I, F = pl.Utf8, pl.Int64, pl.Float64  # noqa: E741 (type letters of the schemas below)
#: column types of exports/process/ (docs/process-monitoring.md "Figures")
PROCESS_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "waves": {"wave": S, "municipalities_registered": I, "municipalities_answering": I, "response_rate": F},
    "process_items": {
        "wave": S,
        "item_id": S,
        "section": S,
        "municipalities_registered": I,
        "municipalities_answering": I,
        "status": S,
        "count": I,
        "share": F,
    },
    "process_responsibility": {"wave": S, "item_id": S, "responsibility": S, "count": I, "share": F},
    "process_change": {
        "wave": S,
        "previous_wave": S,
        "item_id": S,
        "panel_municipalities": I,
        "share_implemented_prev": F,
        "share_implemented": F,
        "change_pp": F,
        "share_implemented_or_planning_prev": F,
        "share_implemented_or_planning": F,
        "change_or_planning_pp": F,
    },
    "process_answers": {"wave": S, "municipality_id": S, "item_id": S, "status": S, "responsibility": S},
}
WAVE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
RESPONSIBILITY_CODES = (*RESPONSIBILITY, "unknown")
RESPONSIBILITY_NAMES = {
    **{c: (RESPONSIBILITY_DE[c], RESPONSIBILITY_EN[c]) for c in RESPONSIBILITY},
    "unknown": ("nicht angegeben", "not said"),
}
RESPONSIBILITY_LABELS = {c: bi(*names) for c, names in RESPONSIBILITY_NAMES.items()}
RESPONSIBILITY_COLOURS = {
    "thm_alone": "#2e7d32",
    "thm_shared": "#8cc98f",
    "partners": "#9aa7b4",
    "unknown": "#e2e2e2",
}
#: text colour on each segment (dark on light fills)
INK = {"no": "#fff", "not_planned_useful": "#1d2733", "in_planning": "#1d2733", "implemented": "#fff"}
RESPONSIBILITY_INK = {
    "thm_alone": "#fff",
    "thm_shared": "#1d2733",
    "partners": "#1d2733",
    "unknown": "#1d2733",
}
#: a segment narrower than this carries no text (its title and the table still give the figure)
LABEL_MIN_SHARE = 0.08


def status_label(code: str) -> str:
    return bi(PROCESS_STATUS_DE[code], PROCESS_STATUS_EN[code]) if code in PROCESS_STATUS_DE else code


def percent(share: float | None) -> str:
    """Whole percent, as the seed reports them ("57 %"); '–' when there is no share."""
    return "–" if share is None else f"{fmt_number(share * 100)}\u00a0%"


def percent_1(share: float | None) -> str:
    """One decimal ("57,4 %"), for the tables."""
    return "–" if share is None else f"{fmt_number(share * 100, 1)}\u00a0%"


def pp(value: float | None) -> str:
    """A change in percentage points with its sign: "+12,8 Pp." (German abbreviation)."""
    if value is None:
        return "–"
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{fmt_number(abs(value), 1)}\u00a0Pp."


def n_of_n(n: int, total: int) -> str:
    return bi(f"{n} von {total} Kommunen", f"{n} of {total} municipalities")


def share_text(share: float | None) -> str:
    """data-share: the exported fraction as written (repr keeps every digit), '' when empty."""
    return "" if share is None else repr(float(share))


# ---------------------------------------------------------------- reading the exports


@dataclass
class Segment:
    code: str
    de: str
    en: str
    count: int
    share: float | None
    colour: str
    ink: str

    @property
    def label(self) -> str:
        return bi(self.de, self.en)

    def title(self, total: int) -> str:
        """Tooltip: "Bereits umgesetzt: 2 von 3 Kommunen (67 %) / Already implemented: 2 of 3 …"."""
        share = percent(self.share)
        return bi(
            f"{self.de}: {self.count} von {total} Kommunen ({share})",
            f"{self.en}: {self.count} of {total} municipalities ({share})",
        )

    @property
    def width(self) -> str:
        """CSS width of the segment: the exact share in percent (no rounding of the bar)."""
        return f"{(self.share or 0) * 100:.4f}%"

    @property
    def text(self) -> str:
        return percent(self.share) if (self.share or 0) >= LABEL_MIN_SHARE else ""


@dataclass
class Change:
    previous_wave: str
    panel: int
    implemented_prev: float | None
    implemented: float | None
    change_pp: float | None
    planning_prev: float | None
    planning: float | None
    change_planning_pp: float | None


@dataclass
class Item:
    item_id: str
    section: str
    text: str
    registered: int
    answering: int
    segments: list[Segment]
    responsibility: list[Segment] = field(default_factory=list)  # empty: the item does not ask it
    change: Change | None = None

    @property
    def base(self) -> int:
        """Municipalities behind the responsibility split (implemented + in planning)."""
        return sum(s.count for s in self.responsibility)

    @property
    def thm(self) -> tuple[float | None, float | None]:
        """The seed's reading of the split ("83 % THM responsible, about half of them alone"):
        (thm_alone + thm_shared) ÷ base, and thm_alone ÷ (thm_alone + thm_shared)."""
        counts = {s.code: s.count for s in self.responsibility}
        thm = counts.get("thm_alone", 0) + counts.get("thm_shared", 0)
        return (
            thm / self.base if self.base else None,
            counts.get("thm_alone", 0) / thm if thm else None,
        )

    def segment(self, code: str) -> Segment | None:
        return next((s for s in self.segments if s.code == code), None)


@dataclass
class Wave:
    wave: str
    registered: int | None
    answering: int | None
    response_rate: float | None
    items: list[Item]
    previous: str | None  # the previous wave of process_change.csv (None: first wave / no file)
    answers: pl.DataFrame  # municipality_id, item_id, status, responsibility (internal only)

    @property
    def sections(self) -> list[tuple[str, list[Item]]]:
        """The items grouped by section, in checklist order (a section's first item places it)."""
        out: dict[str, list[Item]] = {}
        for item in self.items:
            out.setdefault(item.section, []).append(item)
        return list(out.items())


@dataclass
class ProcessData:
    waves: list[Wave]  # latest first
    sections: dict[str, str]  # section → "1.1 Titel / title"
    municipalities: pl.DataFrame  # the registry (municipality_id, municipality_name, …)
    public: bool = False

    def wave(self, wave: str) -> Wave | None:
        return next((w for w in self.waves if w.wave == wave), None)


def wave_folders(process_root: Path) -> list[str]:
    """Waves = the YYYY-MM folders of exports/process/ and the rows of waves.csv."""
    found = {p.name for p in process_root.iterdir() if p.is_dir() and WAVE.match(p.name)}
    listed = read_export(process_root / "waves.csv", "waves", PROCESS_SCHEMAS)
    return sorted(found | set(listed["wave"].drop_nulls().to_list()), reverse=True)


def load_process(process_root: Path, registry: pl.DataFrame, public: bool = False) -> ProcessData | None:
    """The process exports as page data; None when exports/process/ does not exist."""
    process_root = Path(process_root)
    if not process_root.is_dir():
        return None
    catalogue = checklist_items_of(registry)
    order = {item_id: i for i, item_id in enumerate(catalogue["item_id"].to_list())}
    texts = {r["item_id"]: bi(r["item_text_de"], r["item_text_en"]) for r in catalogue.iter_rows(named=True)}
    sections = {
        r["section"]: f"{r['section']} {bi(r['section_title_de'], r['section_title_en'])}"
        for r in catalogue.iter_rows(named=True)
    }
    waves_csv = {
        r["wave"]: r
        for r in read_export(process_root / "waves.csv", "waves", PROCESS_SCHEMAS).iter_rows(named=True)
    }
    waves = []
    for w in wave_folders(process_root):
        folder = process_root / w

        def part(name: str, folder=folder, w=w) -> pl.DataFrame:
            return read_export(folder / f"{name}.csv", name, PROCESS_SCHEMAS).filter(pl.col("wave") == w)

        rows = part("process_items")
        resp = part("process_responsibility")
        change = part("process_change")
        answers = (
            part("process_answers") if not public else pl.DataFrame(schema=PROCESS_SCHEMAS["process_answers"])
        )
        changes = {r["item_id"]: r for r in change.iter_rows(named=True)}
        by_item: dict[str, dict] = {}
        for r in rows.iter_rows(named=True):
            entry = by_item.setdefault(r["item_id"], {"row": r, "status": {}})
            entry["status"][r["status"]] = r
        splits: dict[str, dict[str, dict]] = {}
        for r in resp.iter_rows(named=True):
            splits.setdefault(r["item_id"], {})[r["responsibility"]] = r
        # checklist order; items the catalogue does not know (any more) after them, by section and id
        ids = sorted(by_item, key=lambda i: (order.get(i, len(order)), by_item[i]["row"]["section"] or "", i))
        items = []
        for item_id in ids:
            first, statuses = by_item[item_id]["row"], by_item[item_id]["status"]
            segments = [
                Segment(
                    code,
                    PROCESS_STATUS_DE[code],
                    PROCESS_STATUS_EN[code],
                    int(statuses.get(code, {}).get("count") or 0),
                    statuses.get(code, {}).get("share"),
                    PROCESS_STATUS_COLOURS[code],
                    INK[code],
                )
                for code in PROCESS_STATUS
            ]
            split = splits.get(item_id, {})
            responsibility = (
                [
                    Segment(
                        code,
                        *RESPONSIBILITY_NAMES[code],
                        int(split.get(code, {}).get("count") or 0),
                        split.get(code, {}).get("share"),
                        RESPONSIBILITY_COLOURS[code],
                        RESPONSIBILITY_INK[code],
                    )
                    for code in RESPONSIBILITY_CODES
                ]
                if split
                else []
            )
            c = changes.get(item_id)
            items.append(
                Item(
                    item_id=item_id,
                    section=first["section"] or "",
                    text=texts.get(item_id, item_id),
                    registered=int(first["municipalities_registered"] or 0),
                    answering=int(first["municipalities_answering"] or 0),
                    segments=segments,
                    responsibility=responsibility,
                    change=Change(
                        c["previous_wave"],
                        int(c["panel_municipalities"] or 0),
                        c["share_implemented_prev"],
                        c["share_implemented"],
                        c["change_pp"],
                        c["share_implemented_or_planning_prev"],
                        c["share_implemented_or_planning"],
                        c["change_or_planning_pp"],
                    )
                    if c
                    else None,
                )
            )
        listed = waves_csv.get(w, {})
        previous = change["previous_wave"].drop_nulls()
        waves.append(
            Wave(
                wave=w,
                registered=listed.get("municipalities_registered"),
                answering=listed.get("municipalities_answering"),
                response_rate=listed.get("response_rate"),
                items=items,
                previous=previous[0] if len(previous) else None,
                answers=answers.select("municipality_id", "item_id", "status", "responsibility"),
            )
        )
    for item in (i for w in waves for i in w.items):
        sections.setdefault(item.section, item.section)
    return ProcessData(waves, sections, municipalities_of(registry), public)


def stage_public_process(process_root: Path, dest: Path) -> list[Path]:
    """Copy exports/process/ into the staged public exports, leaving out every
    process_answers.csv (one municipality's answers are not for publication). Nothing when
    exports/process/ does not exist."""
    process_root, dest = Path(process_root), Path(dest)
    if not process_root.is_dir():
        return []
    copied = []
    for path in sorted(process_root.rglob("*.csv")):
        if path.name == ANSWERS_FILE:
            continue
        target = dest / path.relative_to(process_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        copied.append(target)
    return copied


# ---------------------------------------------------------------- pages


@dataclass
class OwnAnswer:
    status: str | None  # None: no answer (not in the file, or no counted file for the wave)
    responsibility: str | None
    previous: str | None  # the same item's own answer in the previous wave with data

    @property
    def label(self) -> str:
        return status_label(self.status) if self.status else bi("keine Antwort", "no answer")


def _nav(root: str) -> list[tuple[str, str]]:
    return [
        (bi("Start", "Home"), f"{root}index.html"),
        (bi("Übersicht", "Overview"), f"{root}overview.html"),
        ("SFC2021", f"{root}sfc.html"),
        (bi("Prozessmonitoring", "Process monitoring"), f"{root}{PROCESS_PAGE}"),
    ]


def _notices(public: bool, extra: str = "") -> list[tuple[str, str]]:
    notes = [] if public else [(INTERNAL_NOTE, "internal")]
    notes.append((PROCESS_NOTE, "method"))
    if extra:
        notes.append((extra, "note"))
    return notes


def wave_title(data: ProcessData, w: Wave) -> str:
    latest = data.waves and data.waves[0].wave == w.wave
    return f"{bi('Welle', 'Wave')} {w.wave}" + (f" ({bi('aktuell', 'latest')})" if latest else "")


def wave_intro(w: Wave) -> str:
    parts = []
    if w.answering is not None and w.registered is not None:
        parts.append(
            bi(
                f"{w.answering} von {w.registered} Kommunen haben eine Checkliste abgegeben",
                f"{w.answering} of {w.registered} municipalities returned a checklist",
            )
            + (f" ({percent(w.response_rate)})" if w.response_rate is not None else "")
        )
    parts.append(
        bi(f"Veränderung gegenüber Welle {w.previous}", f"change against wave {w.previous}")
        if w.previous
        else bi("erste Welle: kein Vergleich", "first wave: no comparison")
    )
    return " · ".join(parts)


def _render(**page) -> str:
    """The page template with what every process page shares (styles, legends, helpers)."""
    return _template().render(
        css=Markup(CSS + PROCESS_CSS),
        legend=legend(),
        resp_legend=responsibility_legend(),
        wave_title=wave_title,
        wave_intro=wave_intro,
        **HELPERS,
        **page,
    )


def process_page(data: ProcessData) -> str:
    return _render(
        kind="programme",
        title=bi("Prozessmonitoring „Gemeinsam klappt's“", "Process monitoring “Gemeinsam klappt's”"),
        subtitle=bi(
            "Wie weit die Kommunen mit ihren lokalen Strukturen sind – je Welle und Punkt der Checkliste",
            "How far the municipalities are with their local structures – per wave and checklist item",
        ),
        nav=_nav(""),
        notices=_notices(data.public),
        data=data,
        own=None,
    )


def own_answers(data: ProcessData, municipality_id: str) -> dict[str, dict[str, OwnAnswer]]:
    """wave → item → the municipality's answer (and its answer in the previous wave with data)."""
    out: dict[str, dict[str, OwnAnswer]] = {}
    rows = {
        w.wave: {
            r["item_id"]: r
            for r in w.answers.filter(pl.col("municipality_id") == municipality_id).iter_rows(named=True)
        }
        for w in data.waves
    }
    for w in data.waves:
        before = rows.get(w.previous or "", {})
        out[w.wave] = {
            item.item_id: OwnAnswer(
                rows[w.wave].get(item.item_id, {}).get("status"),
                rows[w.wave].get(item.item_id, {}).get("responsibility"),
                before.get(item.item_id, {}).get("status"),
            )
            for item in w.items
        }
    return out


def municipality_page(data: ProcessData, municipality_id: str) -> str:
    """One municipality's answers per wave beside the programme's shares (internal set only)."""
    reg = data.municipalities.filter(pl.col("municipality_id") == municipality_id)
    name = reg["municipality_name"][0] if reg.height else municipality_id
    facts = []
    if reg.height:
        r = reg.row(0, named=True)
        kind = {"city": bi("kreisfreie Stadt", "city"), "district": bi("Kreis", "district")}
        facts = [
            (bi("Programm", "Programme"), r.get("programme") or "–"),
            (bi("Art", "Kind"), kind.get(r.get("kind"), r.get("kind") or "–")),
            (bi("Region", "Region"), r.get("region") or "–"),
            (bi("Teilnahme seit", "Taking part since"), _date(r.get("joined_on"))),
        ]
    return _render(
        kind="municipality",
        title=f"{municipality_id} — {name}",
        subtitle=bi(
            "Prozessmonitoring: eigene Antworten je Welle neben den Anteilen des Programms",
            "Process monitoring: own answers per wave beside the programme's shares",
        ),
        nav=_nav("../"),
        notices=_notices(
            False,
            bi(
                "Nur für diese Kommune und die Verwaltungsbehörde.",
                "Only for this municipality and the managing authority.",
            ),
        ),
        data=data,
        own=own_answers(data, municipality_id),
        municipality_id=municipality_id,
        facts=facts,
    )


def _date(value) -> str:
    return value.strftime("%d.%m.%Y") if hasattr(value, "strftime") else str(value or "–")


def legend() -> list[Segment]:
    return [
        Segment(c, PROCESS_STATUS_DE[c], PROCESS_STATUS_EN[c], 0, None, PROCESS_STATUS_COLOURS[c], INK[c])
        for c in PROCESS_STATUS
    ]


def responsibility_legend() -> list[Segment]:
    return [
        Segment(c, *RESPONSIBILITY_NAMES[c], 0, None, RESPONSIBILITY_COLOURS[c], RESPONSIBILITY_INK[c])
        for c in RESPONSIBILITY_CODES
    ]


HELPERS = {
    "percent": percent,
    "percent_1": percent_1,
    "pp": pp,
    "n_of_n": n_of_n,
    "share_text": share_text,
    "status_label": status_label,
    "bi": bi,
    "statuses": PROCESS_STATUS,
}


def build_process_pages(
    process_root: Path, registry: pl.DataFrame, out_dir: Path, public: bool = False
) -> list[Path]:
    """process.html (both sets) and, internal set only, municipalities/<id>.html for every
    municipality of the registry; nothing (and no error) when exports/process/ does not exist."""
    data = load_process(process_root, registry, public=public)
    if data is None:
        return []
    out_dir = Path(out_dir)
    written = [_write(process_page(data), out_dir / PROCESS_PAGE)]
    if not public:
        for municipality_id in data.municipalities["municipality_id"].sort().to_list():
            written.append(
                _write(
                    municipality_page(data, municipality_id),
                    out_dir / MUNICIPALITY_FOLDER / f"{municipality_id}.html",
                )
            )
    return written


def index_section(written: list[Path], out_dir: Path, registry: pl.DataFrame) -> Section:
    """The index page's section for the process pages just written (links relative to out_dir)."""
    out_dir = Path(out_dir)
    names = dict(municipalities_of(registry).select("municipality_id", "municipality_name").iter_rows())
    links = [
        Cell(
            bi("Prozessmonitoring", "Process monitoring"),
            href=PROCESS_PAGE,
            title=bi(
                "Checklisten der Kommunen je Welle: Anteile, Zuständigkeit, Veränderung",
                "the municipalities' checklists per wave: shares, responsibility, change",
            ),
        )
    ]
    links += [
        Cell(
            f"{p.stem} — {names.get(p.stem, p.stem)}",
            href=p.relative_to(out_dir).as_posix(),
            title=bi("eigene Antworten", "own answers"),
        )
        for p in written
        if p.parent.name == MUNICIPALITY_FOLDER
    ]
    return Section(
        bi("Prozessmonitoring", "Process monitoring"), "process", blocks=[Block(kind="links", items=links)]
    )


def _write(html: str, path: Path) -> Path:
    """Replace atomically, like the other pages (a browser never opens half a page)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, path)
    return path


PROCESS_CSS = """
h3 { margin: 18px 0 6px; font-size: 1.05em; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; padding: 0; list-style: none; font-size: .9em; }
.swatch { display: inline-block; width: 14px; height: 14px; vertical-align: -2px; margin-right: 4px;
          border: 1px solid rgba(0,0,0,.2); }
ol.items { list-style: none; padding: 0; margin: 0; }
li.item { margin: 8px 0 16px; max-width: 960px; }
.item-text { margin-bottom: 3px; }
.bar-row { display: flex; flex-wrap: wrap; align-items: center; gap: 2px 10px; }
.bar { display: flex; flex: 1 1 280px; min-width: 180px; height: 24px; background: #f3f4f6;
       border: 1px solid var(--line); overflow: hidden; }
.bar.small { height: 16px; flex-basis: 200px; }
.seg { display: block; height: 100%; overflow: hidden; white-space: nowrap; text-align: center;
       font-size: .8em; line-height: 22px; font-variant-numeric: tabular-nums; }
.bar.small .seg { line-height: 15px; font-size: .72em; }
.base { white-space: nowrap; font-size: .9em; color: var(--ink); }
.split, .thm, .change, .own, .programme-label { font-size: .88em; margin: 3px 0 0; }
.change { color: var(--muted); }
.own { font-weight: 600; }
.programme-label { color: var(--muted); margin-top: 4px; }
.chip { display: inline-block; padding: 0 6px; border-radius: 3px; }
details { margin: 10px 0 4px; }
summary { cursor: pointer; color: var(--accent); }
@media (max-width: 600px) {
  main, header, footer { padding-left: 10px; padding-right: 10px; }
  .bar { flex-basis: 100%; }
}
@media print {
  .seg, .swatch, .chip { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  li.item { break-inside: avoid; }
  details > :not(summary) { display: block; }
}
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>{{ css }}</style>
</head>
<body>
{%- macro bar(segments, item, cls="") -%}
<div class="bar{{ ' ' ~ cls if cls }}" role="img" aria-label="{% for s in segments %}{{ s.label }}: {{ percent(s.share) }}{{ '; ' if not loop.last }}{% endfor %}">
{%- for s in segments if s.count -%}
<span class="seg" style="width:{{ s.width }};background:{{ s.colour }};color:{{ s.ink }}" data-code="{{ s.code }}" data-count="{{ s.count }}" data-share="{{ share_text(s.share) }}" title="{{ s.title(item) }}">{{ s.text }}</span>
{%- endfor -%}
</div>
{%- endmacro -%}
{%- macro legend_list(items, id) -%}
<ul class="legend" id="{{ id }}">{% for s in items %}<li><span class="swatch" style="background:{{ s.colour }}"></span>{{ s.label }}</li>{% endfor %}</ul>
{%- endmacro -%}
{%- macro item_block(w, it, answer) -%}
<li class="item" id="item-{{ w.wave }}-{{ it.item_id }}" data-wave="{{ w.wave }}" data-item="{{ it.item_id }}">
<div class="item-text">{{ it.text }}</div>
{% if answer is not none %}
<p class="own" data-status="{{ answer.status or '' }}" data-previous="{{ answer.previous or '' }}">{{ bi('Eigene Antwort', 'Own answer') }}:
{% if answer.status %}<span class="chip" style="background:{{ colours[answer.status] }};color:{{ inks[answer.status] }}">{{ answer.label }}</span>{% else %}{{ answer.label }}{% endif %}
{% if answer.responsibility %} · {{ bi('Zuständigkeit', 'Responsibility') }}: <span data-responsibility="{{ answer.responsibility }}">{{ resp_labels[answer.responsibility] }}</span>{% endif %}
{% if w.previous %} · {{ bi('Welle', 'wave') }} {{ w.previous }}: <span class="previous">{{ status_label(answer.previous) if answer.previous else bi('keine Antwort', 'no answer') }}</span>{% endif %}</p>
{% endif %}
{% if answer is not none %}<div class="programme-label">{{ bi('Alle Kommunen des Programms', 'all municipalities of the programme') }}:</div>{% endif %}
<div class="bar-row">{{ bar(it.segments, it.answering) }}
<span class="base" data-answering="{{ it.answering }}" data-registered="{{ it.registered }}">{{ n_of_n(it.answering, it.registered) }}</span></div>
{% if it.responsibility %}
<p class="split" data-base="{{ it.base }}">{{ bi('Zuständigkeit', 'Responsibility') }} ({{ bi('umgesetzt oder in Planung', 'implemented or in planning') }}: {{ n_of_n(it.base, it.answering) }}):
{% for s in it.responsibility %}<span data-code="{{ s.code }}" data-count="{{ s.count }}" data-share="{{ share_text(s.share) }}">{{ s.label }} {{ s.count }} ({{ percent(s.share) }})</span>{{ ' · ' if not loop.last }}{% endfor %}</p>
<div class="bar-row">{{ bar(it.responsibility, it.base, "small") }}</div>
{% set thm, alone = it.thm %}
<p class="thm" data-thm-share="{{ share_text(thm) }}" data-alone-of-thm="{{ share_text(alone) }}">{{ bi('Teilhabemanagement zuständig (allein oder gemeinsam)', 'participation manager responsible (alone or shared)') }}: {{ percent(thm) }} · {{ bi('davon allein', 'of which alone') }}: {{ percent(alone) }}</p>
{% endif %}
{% if it.change %}
<p class="change" data-previous-wave="{{ it.change.previous_wave }}" data-panel="{{ it.change.panel }}" data-change-pp="{{ it.change.change_pp if it.change.change_pp is not none else '' }}" data-change-or-planning-pp="{{ it.change.change_planning_pp if it.change.change_planning_pp is not none else '' }}">{{ bi('Veränderung seit', 'Change since') }} {{ it.change.previous_wave }} ({{ bi(it.change.panel ~ ' Kommunen in beiden Wellen', it.change.panel ~ ' municipalities in both waves') }}):
{{ bi('umgesetzt', 'implemented') }} {{ percent(it.change.implemented_prev) }} → {{ percent(it.change.implemented) }} <strong class="pp">{{ pp(it.change.change_pp) }}</strong> ·
{{ bi('umgesetzt oder in Planung', 'implemented or in planning') }} {{ percent(it.change.planning_prev) }} → {{ percent(it.change.planning) }} <strong class="pp">{{ pp(it.change.change_planning_pp) }}</strong></p>
{% elif w.previous %}
<p class="change">{{ bi('Veränderung', 'Change') }}: {{ bi('in der Vorwelle nicht gefragt', 'not asked in the previous wave') }}</p>
{% endif %}
</li>
{%- endmacro -%}
<header>
<nav>{% for text, href in nav %}<a href="{{ href }}">{{ text }}</a>{% endfor %}</nav>
<h1>{{ title }}</h1>
<p class="subtitle">{{ subtitle }}</p>
{% for text, cls in notices %}<p class="{{ cls }}"{% if loop.first %} id="page-notice"{% endif %}>{{ text }}</p>{% endfor %}
</header>
<main>
{% if kind == "municipality" and facts %}
<section id="municipality"><h2>{{ bi('Kommune', 'Municipality') }}</h2>
<figure class="table-figure"><div class="table-wrap"><table>
<caption>{{ bi('Stammdaten', 'Registry data') }}</caption>
<thead><tr><th>{{ bi('Merkmal', 'Item') }}</th><th>{{ bi('Wert', 'Value') }}</th></tr></thead>
<tbody>{% for k, v in facts %}<tr><th>{{ k }}</th><td>{{ v }}</td></tr>{% endfor %}</tbody></table></div>
<figcaption class="source">{{ bi('Quelle: Kommunenregister reference/municipalities.csv', 'Source: municipality registry reference/municipalities.csv') }}</figcaption></figure>
</section>
{% endif %}
<section id="waves"><h2>{{ bi('Erhebungswellen', 'Survey waves') }}</h2>
{% if data.waves %}
<figure class="table-figure"><div class="table-wrap"><table id="waves-table">
<caption>{{ bi('Abgegebene Checklisten je Welle', 'Checklists returned per wave') }}</caption>
<thead><tr><th>{{ bi('Welle', 'Wave') }}</th><th>{{ bi('Kommunen im Programm', 'Municipalities in the programme') }}</th><th>{{ bi('mit Checkliste', 'with a checklist') }}</th><th>{{ bi('Rücklauf', 'Response rate') }}</th></tr></thead>
<tbody>{% for w in data.waves %}<tr data-wave="{{ w.wave }}"><th><a href="#wave-{{ w.wave }}">{{ w.wave }}</a></th><td class="num">{{ w.registered if w.registered is not none else '–' }}</td><td class="num">{{ w.answering if w.answering is not none else '–' }}</td><td class="num">{{ percent_1(w.response_rate) }}</td></tr>{% endfor %}</tbody></table></div>
<figcaption class="source">{{ bi('Quelle', 'Source') }}: exports/process/waves.csv (dbt_project/models/marts/process_waves.sql)</figcaption></figure>
{% else %}<p class="nodata">{{ bi('noch keine Erhebungswelle', 'no survey wave yet') }}</p>{% endif %}
</section>
{% for w in data.waves %}
<section id="wave-{{ w.wave }}" data-wave="{{ w.wave }}">
<h2>{{ wave_title(data, w) }}</h2>
<p class="intro">{{ wave_intro(w) }}</p>
{% if kind == "municipality" and not (own[w.wave].values()|selectattr('status')|list) %}<p class="nodata">{{ bi('Für diese Welle liegt keine gezählte Checkliste dieser Kommune vor.', 'No counted checklist of this municipality for this wave.') }}</p>{% endif %}
{{ legend_list(legend, "legend-" ~ w.wave) }}
{% if not w.items %}<p class="nodata">{{ bi('noch keine Daten', 'no data yet') }}</p>{% endif %}
{% for section, items in w.sections %}
<h3 id="section-{{ w.wave }}-{{ section }}">{{ data.sections.get(section, section) }}</h3>
<ol class="items">{% for it in items %}{{ item_block(w, it, own[w.wave][it.item_id] if own is not none else none) }}{% endfor %}</ol>
{% endfor %}
{% if w.items|selectattr('responsibility')|list %}<p class="note">{{ bi('Zuständigkeit', 'Responsibility') }}:</p>{{ legend_list(resp_legend, "resp-legend-" ~ w.wave) }}{% endif %}
{% if w.items %}
<details><summary>{{ bi('Zahlen als Tabelle', 'Figures as a table') }} ({{ w.wave }})</summary>
<figure class="table-figure"><div class="table-wrap"><table class="process-table" id="table-{{ w.wave }}">
<caption>{{ bi('Antworten je Punkt der Checkliste', 'Answers per checklist item') }}, {{ w.wave }}</caption>
<thead><tr><th>{{ bi('Punkt', 'Item') }}</th>{% for c in statuses %}<th>{{ status_label(c) }}</th>{% endfor %}<th>{{ bi('geantwortet', 'answered') }}</th></tr></thead>
<tbody>{% for it in w.items %}<tr data-item="{{ it.item_id }}"><th>{{ it.section }} · {{ it.text }}</th>{% for s in it.segments %}<td class="num" data-code="{{ s.code }}">{{ s.count }} ({{ percent_1(s.share) }})</td>{% endfor %}<td class="num">{{ n_of_n(it.answering, it.registered) }}</td></tr>{% endfor %}</tbody></table></div>
<figcaption class="source">{{ bi('Quelle', 'Source') }}: exports/process/{{ w.wave }}/process_items.csv (dbt_project/models/marts/process_items.sql) — count, share</figcaption></figure>
</details>
{% endif %}
</section>
{% endfor %}
</main>
<footer>{% for text, cls in notices %}<p class="{{ cls }}">{{ text }}</p>{% endfor %}</footer>
</body>
</html>
"""

_ENV = jinja2.Environment(
    autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined
)
_ENV.globals.update(
    colours=PROCESS_STATUS_COLOURS,
    inks=INK,
    resp_labels=RESPONSIBILITY_LABELS,
)


@functools.cache
def _template() -> jinja2.Template:
    return _ENV.from_string(TEMPLATE)
