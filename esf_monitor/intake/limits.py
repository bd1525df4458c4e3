"""Limits that keep one hostile or broken upload from taking the intake down (issue #13, class 1).

Every limit rejects the file with a reason (rule ``limit_exceeded``, or a per-cell rule), in
bounded memory, BEFORE the reader that would need the memory is called; the run goes on with
the other files. Documented in docs/extract-contract.md ("Limits").

=============================== ============ ==============================================
limit                            value        why
=============================== ============ ==============================================
file size                        2 GiB        ~10 million participant rows as CSV
XLSX: expanded size of all parts 1 GiB        a zip bomb expands 1.6 KB into 1.5 GB of XML
XLSX: expansion of one part      > 200 : 1    real sheets compress 5–30 : 1; only checked
                                              for parts over 10 MB expanded
XLSX: declared sheet dimension   ≤ 1,048,576  Excel's own maximum rows;
                                 rows,        the contract has 22 columns;
                                 ≤ 512 cols,  calamine reserves memory for the declared
                                 ≤ 40 million range (A1:XFD1048576 = 17 billion cells =
                                 cells        512 GB), so a dimension that claims more cells
                                              than the sheet's XML has bytes (at least
                                              1 million allowed) is refused too
one cell                         32,767 chars Excel's own maximum
one CSV line (data row)          1 MiB        sum of a row's cells
free text (contract text         100 chars    district names and codes; a 50 MB "district"
columns without a pattern)                    reached a dashboard
=============================== ============ ==============================================
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 2 * 1024**3
MAX_XLSX_EXPANDED_BYTES = 1024**3
MAX_XLSX_RATIO = 200
RATIO_CHECKED_FROM_BYTES = 10 * 1024**2
MAX_XLSX_ROWS = 1_048_576
MAX_XLSX_COLUMNS = 512
MAX_XLSX_CELLS = 40_000_000
MIN_DECLARED_CELLS_ALLOWED = 1_000_000
MAX_CELL_CHARS = 32_767
MAX_LINE_BYTES = 1024**2
MAX_TEXT_CHARS = 100
#: At most this many formula cells without a value are named one by one.
MAX_FORMULA_FINDINGS = 1_000

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)")
_CHUNK = 1 << 20


class LimitExceeded(Exception):
    """A limit of this module: ``rule`` and a German/English reason (no cell value)."""

    def __init__(self, rule: str, detail_de: str, detail_en: str):
        super().__init__(detail_en)
        self.rule, self.detail_de, self.detail_en = rule, detail_de, detail_en


def column_number(letters: str) -> int:
    """'A' -> 1, 'XFD' -> 16384."""
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def _mb(n: int) -> str:
    return f"{n / 1024**2:,.0f} MB".replace(",", ".")


@dataclass
class XlsxFacts:
    """What :func:`inspect_xlsx` found: sheets (zip part names, workbook order) and the formula
    cells that have no cached value, as ``(sheet part, cell reference)``."""

    sheets: list[str] = field(default_factory=list)
    #: sheet part -> the sheet's name as Excel shows it (from workbook.xml and its relations)
    names: dict[str, str] = field(default_factory=dict)
    formulas_without_value: list[tuple[str, str]] = field(default_factory=list)
    formulas_without_value_count: int = 0


def check_file_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise LimitExceeded(
            "limit_exceeded",
            f"Datei zu groß ({_mb(size)}; höchstens {_mb(MAX_FILE_BYTES)})",
            f"file too large ({_mb(size)}; at most {_mb(MAX_FILE_BYTES)})",
        )


def inspect_xlsx(path: Path) -> XlsxFacts:
    """Check an XLSX against the limits without expanding more than one 1 MiB chunk at a time;
    raises :class:`LimitExceeded`. Also finds formula cells without a cached value (class 6)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise LimitExceeded(
            "unreadable_file",
            "keine lesbare Excel-Datei (.xlsx): kein gültiges ZIP",
            "not a readable Excel workbook (.xlsx): no valid zip",
        ) from exc
    with archive:
        infos = archive.infolist()
        expanded = sum(i.file_size for i in infos)
        if expanded > MAX_XLSX_EXPANDED_BYTES:
            raise LimitExceeded(
                "limit_exceeded",
                f"Excel-Datei entpackt zu groß ({_mb(expanded)}; höchstens {_mb(MAX_XLSX_EXPANDED_BYTES)}) – "
                "möglicherweise eine ZIP-Bombe",
                f"Excel file too large when expanded ({_mb(expanded)}; at most {_mb(MAX_XLSX_EXPANDED_BYTES)}) – "
                "possibly a zip bomb",
            )
        for info in infos:
            if info.file_size > RATIO_CHECKED_FROM_BYTES and info.file_size > MAX_XLSX_RATIO * max(
                1, info.compress_size
            ):
                raise LimitExceeded(
                    "limit_exceeded",
                    f"Excel-Datei: Teil {info.filename} entpackt sich {info.file_size // max(1, info.compress_size)}-fach "
                    f"(höchstens {MAX_XLSX_RATIO}-fach) – möglicherweise eine ZIP-Bombe",
                    f"Excel file: part {info.filename} expands {info.file_size // max(1, info.compress_size)} times "
                    f"(at most {MAX_XLSX_RATIO} times) – possibly a zip bomb",
                )
        facts = XlsxFacts(
            sheets=sorted(
                (i.filename for i in infos if re.fullmatch(r"xl/worksheets/[^/]+\.xml", i.filename)),
                key=_sheet_order,
            )
        )
        facts.names = _sheet_names(archive)
        for info in infos:
            if info.filename in facts.sheets:
                _scan_sheet(archive, info, facts)
    return facts


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet part -> sheet name; best effort (a workbook without them keeps the part names)."""
    try:
        if (
            max(archive.getinfo(n).file_size for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"))
            > 16 * 1024**2
        ):
            return {}
        workbook = ET.fromstring(archive.read("xl/workbook.xml"))
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    names = {}
    for sheet in workbook.iter():
        if sheet.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        rid = next((v for k, v in sheet.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)
        target = targets.get(rid, "").lstrip("/")
        part = target if target.startswith("xl/") else f"xl/{target}"
        names[part] = sheet.get("name", part)
    return names


def _sheet_order(name: str) -> tuple[int, str]:
    digits = re.findall(r"\d+", name)
    return (int(digits[-1]) if digits else 0, name)


def _scan_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo, facts: XlsxFacts) -> None:
    """Stream one sheet part: its declared dimension, its real size, and formulas with no value."""
    seen, first, has_formula = 0, b"", False
    with archive.open(info) as part:
        while chunk := part.read(_CHUNK):
            if not first:
                first = chunk[:65536]
            seen += len(chunk)
            if seen > MAX_XLSX_EXPANDED_BYTES:
                raise LimitExceeded(
                    "limit_exceeded",
                    "Excel-Tabellenblatt entpackt zu groß",
                    "Excel sheet too large when expanded",
                )
            has_formula = (
                has_formula or b"<f>" in chunk or b"<f " in chunk or b":f>" in chunk or b":f " in chunk
            )
    _check_dimension(info.filename, first, seen)
    if has_formula:
        _formulas_without_value(archive, info, facts)


def _check_dimension(part: str, head: bytes, size: int) -> None:
    match = _DIMENSION.search(head)
    if match is None or match.group(3) is None:
        return
    first_col, first_row, last_col, last_row = (g.decode("ascii") if g else None for g in match.groups())
    cols = column_number(last_col) - column_number(first_col or "A") + 1
    rows = int(last_row) - int(first_row or 1) + 1
    cells = max(cols, 0) * max(rows, 0)
    ref = (match.group(0).split(b'"')[1]).decode("ascii", "replace")
    allowed = max(MIN_DECLARED_CELLS_ALLOWED, size)
    if rows > MAX_XLSX_ROWS or cols > MAX_XLSX_COLUMNS or cells > MAX_XLSX_CELLS or cells > allowed:
        raise LimitExceeded(
            "limit_exceeded",
            f"Excel-Tabellenblatt ({part}) gibt den Bereich {ref} an: {rows:,} Zeilen × {cols:,} Spalten; "
            f"erlaubt sind höchstens {MAX_XLSX_ROWS:,} Zeilen, {MAX_XLSX_COLUMNS} Spalten und "
            f"{MAX_XLSX_CELLS:,} Zellen, und nicht mehr Zellen als das Blatt tatsächlich enthält – bitte nur "
            "den benutzten Bereich speichern (z. B. als CSV)".replace(",", "."),
            f"Excel sheet ({part}) declares the range {ref}: {rows:,} rows × {cols:,} columns; at most "
            f"{MAX_XLSX_ROWS:,} rows, {MAX_XLSX_COLUMNS} columns and {MAX_XLSX_CELLS:,} cells are allowed, and "
            "no more cells than the sheet really holds – please save only the used range (e.g. as CSV)",
        )


def _formulas_without_value(archive: zipfile.ZipFile, info: zipfile.ZipInfo, facts: XlsxFacts) -> None:
    """``<c r="B2"><f>…</f></c>`` without a ``<v>``: Excel never calculated it (files written by
    scripts); reading it would silently give an empty cell."""
    with archive.open(info) as part:
        for _event, element in ET.iterparse(part, events=("end",)):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "c":
                children = {child.tag.rsplit("}", 1)[-1]: child for child in element}
                value = children.get("v")
                if "f" in children and (value is None or not (value.text or "")) and "is" not in children:
                    facts.formulas_without_value_count += 1
                    if len(facts.formulas_without_value) < MAX_FORMULA_FINDINGS:
                        facts.formulas_without_value.append((info.filename, element.get("r", "?")))
                element.clear()
            elif tag == "row":
                element.clear()


def cell_row_column(reference: str) -> tuple[int | None, int | None]:
    """'B7' -> (7, 1): Excel row number and 0-based column index."""
    match = _CELL_REF.fullmatch(reference)
    if match is None:
        return None, None
    return int(match.group(2)), column_number(match.group(1)) - 1
