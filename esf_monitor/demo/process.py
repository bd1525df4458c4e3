"""Process-monitoring demo data ("Gemeinsam klappt's", docs/process-monitoring.md).

Written by :func:`esf_monitor.demo.generator.generate` (``process=True``, the default) into the
same data folder::

    reference/municipalities.csv                             47 NRW municipalities
    reference/checklist_items.csv                            14 items, sections 1.1–1.7
    landing/<municipality_id>/process_checklist/2020-06.<csv|xlsx>   all 47 (the seed's wave)
    landing/<municipality_id>/process_checklist/2020-12.<csv|xlsx>   44 of them (progress)

The counts are fixed by the calibration in :mod:`esf_monitor.demo.process_data` (the seed's
published figures, whatever the ``seed``); the seed only decides WHICH municipality gives which
answer: a latent "how far along" score per municipality (so an advanced municipality tends to
be advanced on every item) plus a little noise per item orders the municipalities, and the
statuses are dealt out in that order (implemented first). The three that send nothing in
2020-12 are drawn first and get the answers the table gives them, so every 2020-12 count is
known by hand as well. Responsibility codes are dealt out at random over the implemented and
in-planning answers. Now and then an answer carries a short note (never published).

Files as municipalities send them: four dialects rotated over the registry's order —
UTF-8/comma with the status codes (a tool's export); Windows-1252/semicolon/CRLF with
Title_Case headers, UTF-8 with BOM/semicolon and XLSX, all three with the checklist's German
wordings ("Bereits umgesetzt", accepted by the contract). An item a municipality leaves
unanswered has no row (the intake warns ``items_not_answered``).
"""

from __future__ import annotations

import codecs
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

from esf_monitor.demo.process_data import (
    ALONE,
    IMPL,
    ITEMS,
    MUNICIPALITIES,
    NOTE_SHARE,
    NOTES,
    PLAN,
    PROGRAMME,
    SECTIONS,
    SHARED,
    UNANSWERED,
    USEFUL,
    WAVES,
)
from schemas.codes import (
    CHECKLIST_ITEM_COLUMNS,
    MUNICIPALITY_COLUMNS,
    PROCESS_CHECKLIST_COLUMNS,
    PROCESS_STATUS_DE,
)

EXTRACT = "process_checklist"
XLSX_CREATED = datetime(2020, 1, 1)
#: spread of the per-item noise around the latent score (1 = the score's own spread)
ITEM_NOISE = 0.8


@dataclass(frozen=True)
class ChecklistDialect:
    ext: str
    german: bool  # status written as the checklist's German wording
    encoding: str = "utf-8"
    bom: bool = False
    separator: str = ","
    line_terminator: str = "\n"
    title_header: bool = False


DIALECTS = (
    ChecklistDialect("csv", german=False),
    ChecklistDialect(
        "csv", german=True, encoding="cp1252", separator=";", line_terminator="\r\n", title_header=True
    ),
    ChecklistDialect("csv", german=True, bom=True, separator=";", line_terminator="\r\n"),
    ChecklistDialect("xlsx", german=True),
)


def write_process(out: Path, seed: int) -> list[int]:
    """Write both registries and every checklist; returns the data rows of each checklist file."""
    out = Path(out)
    reference = out / "reference"
    reference.mkdir(parents=True, exist_ok=True)
    municipalities_frame().write_csv(reference / "municipalities.csv")
    catalogue_frame().write_csv(reference / "checklist_items.csv")
    written = []
    for wave, answers in plan_answers(seed).items():
        for index, spec in enumerate(MUNICIPALITIES):
            rows = answers.get(spec.municipality_id)
            if rows is None:
                continue
            dialect = DIALECTS[index % len(DIALECTS)]
            path = out / "landing" / spec.municipality_id / EXTRACT / f"{wave}.{dialect.ext}"
            written.append(_write(rows, path, dialect))
    return written


def municipalities_frame() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "municipality_id": m.municipality_id,
                "municipality_name": m.municipality_name,
                "programme": PROGRAMME,
                "kind": m.kind,
                "region": m.region,
                "joined_on": m.joined_on,
            }
            for m in MUNICIPALITIES
        ]
    ).select(MUNICIPALITY_COLUMNS)


def catalogue_frame() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "item_id": item.item_id,
                "section": item.section,
                "section_title_de": SECTIONS[item.section][0],
                "section_title_en": SECTIONS[item.section][1],
                "item_text_de": item.text_de,
                "item_text_en": item.text_en,
                "asks_responsibility": "true" if item.asks_responsibility else "false",
                "first_wave": WAVES[0],
                "last_wave": None,
            }
            for item in ITEMS
        ],
        schema={c: pl.String for c in CHECKLIST_ITEM_COLUMNS},
    )


def _rng(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(f"process/{name}".encode())])


def plan_answers(seed: int) -> dict[str, dict[str, list[dict]]]:
    """wave → municipality_id → its rows (item_id, status code, responsibility, note) in
    checklist order; a municipality without a checklist in the wave is absent."""
    ids = [m.municipality_id for m in MUNICIPALITIES]
    rng = _rng(seed, "municipalities")
    dropouts = sorted(int(i) for i in rng.choice(len(ids), 3, replace=False))
    panel = [i for i in range(len(ids)) if i not in dropouts]
    score = rng.normal(size=len(ids))
    first: dict[int, dict[str, tuple[str, str]]] = {i: {} for i in range(len(ids))}
    second: dict[int, dict[str, tuple[str, str]]] = {i: {} for i in panel}
    for item in ITEMS:
        item_rng = _rng(seed, item.item_id)
        noise = item_rng.normal(0, ITEM_NOISE, len(ids))
        rest = dict(item.counts)
        for i, (status, who) in zip(dropouts, item.dropouts):
            first[i][item.item_id] = (status, who)
            rest[status] -= 1
        order = sorted(panel, key=lambda i: -(score[i] + noise[i]))
        dealt = [status for status, count in rest.items() for _ in range(count)]
        responsibility = {i: "" for i in order}
        if item.asks_responsibility:
            left = dict(item.responsibility)
            for _, who in item.dropouts:
                left[who] -= 1
            codes = [who for who, count in left.items() for _ in range(count)]
            carriers = sorted(i for i, status in zip(order, dealt) if status in (IMPL, PLAN))
            for i, who in zip(carriers, item_rng.permutation(np.array(codes, dtype=object))):
                responsibility[i] = str(who)
        status_of = dict(zip(order, dealt))
        for i in order:
            first[i][item.item_id] = (status_of[i], responsibility[i])

        # 2020-12: the most advanced of each group move one step; nobody falls back
        later = dict(status_of)
        for i in [i for i in order if status_of[i] == PLAN][: item.to_implemented]:
            later[i] = IMPL
        for i in [i for i in order if status_of[i] == USEFUL][: item.to_planning]:
            later[i] = PLAN
        for i in order:
            if status_of[i] == UNANSWERED:
                later[i] = item.unanswered_to
        for i in [i for i in order if responsibility[i] == ALONE][: item.alone_to_shared]:
            responsibility[i] = SHARED
        for i in order:
            second[i][item.item_id] = (later[i], responsibility[i])

    waves = {}
    for wave, answers in zip(WAVES, (first, second)):
        note_rng = _rng(seed, f"notes/{wave}")
        waves[wave] = {ids[i]: _rows(by_item, note_rng) for i, by_item in sorted(answers.items())}
    return waves


def _rows(by_item: dict[str, tuple[str, str]], rng: np.random.Generator) -> list[dict]:
    rows = []
    for item in ITEMS:
        status, who = by_item[item.item_id]
        note = NOTES.get((item.item_id, status))
        draw = rng.random()  # one draw per item, so a note does not shift the others
        if status == UNANSWERED:
            continue
        rows.append(
            {
                "item_id": item.item_id,
                "status": status,
                "responsibility": who or None,
                "note": note if note and draw < NOTE_SHARE else None,
            }
        )
    return rows


def _write(rows: list[dict], path: Path, dialect: ChecklistDialect) -> int:
    """One municipality's checklist as its tool or the working aid writes it; returns the rows."""
    frame = pl.DataFrame(rows, schema={c: pl.String for c in PROCESS_CHECKLIST_COLUMNS})
    if dialect.german:
        frame = frame.with_columns(pl.col("status").replace_strict(PROCESS_STATUS_DE))
    path.parent.mkdir(parents=True, exist_ok=True)
    if dialect.ext == "xlsx":
        _write_xlsx(frame, path)
        return frame.height
    if dialect.title_header:
        frame = frame.rename(
            lambda c: "_".join(p.upper() if p == "id" else p.capitalize() for p in c.split("_"))
        )
    text = frame.write_csv(separator=dialect.separator, line_terminator=dialect.line_terminator)
    data = text.encode(dialect.encoding)
    path.write_bytes(codecs.BOM_UTF8 + data if dialect.bom else data)
    return frame.height


def _write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"created": XLSX_CREATED, "author": "Arbeitshilfe Prozessmanagement"})
    sheet = workbook.add_worksheet("Checkliste")
    sheet.write_row(0, 0, frame.columns)
    for r, row in enumerate(frame.iter_rows(), start=1):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write_string(r, c, value)
    workbook.close()
