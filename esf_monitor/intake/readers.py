"""Read an upload into a frame of strings, whatever tool made it.

The dialect is detected from the bytes, never configured, because providers do not know
(or say) how their export tool writes files:

- ``PK\\x03\\x04`` at the start → XLSX (first sheet, header in row 1; real date cells come out
  as ``YYYY-MM-DD``, formula cells as their cached value, numbers as their text);
- otherwise CSV: UTF-8 with or without BOM if the bytes are valid UTF-8, else Windows-1252;
  delimiter ``;`` or ``,`` by which one the header line uses more; CRLF or LF.

Every cell is read as a string (``infer_schema=False``) — typing is the normaliser's job, so
a bad value becomes a finding with its row instead of a failed read. The header row is read
as data (``has_header=False``) so that duplicated or empty header names survive as written.

XLSX caveat: calamine starts a sheet at its first used cell, so a sheet whose row 1 is empty
would get row numbers counted from its first used row — the contract puts the header in row 1.

Garbage is rejected before a full read: a NUL byte or no line break in the first 64 KiB, or a
first line without a single known column name, ends the read after one small chunk (a
50 MB random file costs milliseconds and no memory).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl

from esf_monitor.intake.headers import contract_column
from esf_monitor.intake.limits import LimitExceeded, cell_row_column, check_file_size, inspect_xlsx

SNIFF_BYTES = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and other MS Office binaries)
UTF8_BOM = b"\xef\xbb\xbf"
#: Excel date cells arrive as datetimes at midnight; the date part is what the user typed.
_EXCEL_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(?:\.0+)?$"


class Unreadable(Exception):
    """The file cannot be read as a table: carries the rule id and a German/English reason."""

    def __init__(self, rule: str, detail_de: str, detail_en: str):
        super().__init__(detail_en)
        self.rule, self.detail_de, self.detail_en = rule, detail_de, detail_en


@dataclass
class RawTable:
    """A sheet as written: header cells of row 1, and the data rows as strings.

    ``frame`` has one String column per header cell, named ``_c0``, ``_c1``, ... (by position,
    because header names may be empty or repeated), plus ``_source_row`` (Int32): the row
    number the uploader sees in Excel (header = 1, first data row = 2).
    """

    header: list[str | None]
    frame: pl.DataFrame
    file_format: str  # 'csv' | 'xlsx'
    encoding: str | None = None
    delimiter: str | None = None
    #: Number of fields of the header row itself; columns beyond it only exist because some
    #: CSV row has more fields than the header.
    header_width: int = 0
    #: XLSX: the workbook's OTHER sheets (name, all cells as strings, row 1 included), for the
    #: personal-data guard — a second sheet with names and phone numbers must not pass
    other_sheets: list[tuple[str, pl.DataFrame]] = field(default_factory=list)
    #: XLSX: formula cells of the data sheet without a cached value, as (row, cell reference),
    #: and how many there are in all (only the first ones are listed)
    formulas_without_value: list[tuple[int, str]] = field(default_factory=list)
    formulas_without_value_count: int = 0
    sheet_name: str | None = None

    def __post_init__(self):
        self.header_width = self.header_width or len(self.header)

    @property
    def dialect(self) -> str:
        if self.file_format == "xlsx":
            return "XLSX"
        return f"CSV {self.encoding}, '{self.delimiter}'"


def normalise_header(name: str | None) -> str:
    """Header names match case-insensitively after trimming (contract)."""
    return (name or "").replace("\ufeff", "").strip().lower()


def read_table(path: Path, expected_columns: Collection[str]) -> RawTable:
    """Read ``path``; raise :class:`Unreadable` if it is no table (see module docstring).

    ``expected_columns``: the contract columns of the extract; a header row naming none of
    them is rejected without reading the rest of the file.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as exc:  # gone, a folder, no permission
        raise Unreadable(
            "unreadable_file",
            f"Datei nicht lesbar ({type(exc).__name__})",
            f"file cannot be opened ({type(exc).__name__})",
        ) from exc
    if size == 0:
        raise Unreadable("empty_file", "die Datei ist leer (0 Bytes)", "the file is empty (0 bytes)")
    try:
        check_file_size(size)
    except LimitExceeded as exc:
        raise Unreadable(exc.rule, exc.detail_de, exc.detail_en) from exc
    if head.startswith(ZIP_MAGIC):
        table = _read_xlsx(path)
    elif head.startswith(OLE_MAGIC):
        raise Unreadable(
            "unreadable_file",
            "altes Excel-Format (.xls) – bitte als .xlsx oder CSV speichern",
            "legacy Excel format (.xls) – please save as .xlsx or CSV",
        )
    else:
        table = _read_csv(path, head, size, expected_columns)
    if not any(contract_column(h, expected_columns)[0] for h in table.header):
        raise _no_header(expected_columns)
    return table


def _no_header(expected_columns: Collection[str]) -> Unreadable:
    """What row 1 holds is not quoted: in a file without a header it is a data row, which may
    hold personal data. The expected names help more anyway."""
    expected = ", ".join(list(expected_columns)[:4])
    return Unreadable(
        "header_not_recognised",
        f"Zeile 1 enthält keinen bekannten Spaltennamen (erwartet z. B. {expected}); die Kopfzeile muss in "
        "Zeile 1 stehen",
        f"row 1 holds no known column name (expected e.g. {expected}); the header must be in row 1",
    )


def _decode_line(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("cp1252", errors="replace")


def _read_csv(path: Path, head: bytes, size: int, expected_columns: Collection[str]) -> RawTable:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Unreadable(
            "unreadable_file",
            "UTF-16-Text (Excel: „Unicode-Text“) – bitte als „CSV UTF-8“ speichern",
            "UTF-16 text (Excel: 'Unicode Text') – please save as 'CSV UTF-8'",
        )
    if b"\x00" in head:
        raise Unreadable(
            "unreadable_file",
            "die Datei ist keine Textdatei (Binärdaten) – bitte als CSV (UTF-8) oder .xlsx speichern",
            "the file is not a text file (binary data) – please save as CSV (UTF-8) or .xlsx",
        )
    if b"\n" not in head and size > len(head):
        raise Unreadable(
            "unreadable_file",
            "kein Zeilenumbruch in den ersten 64 KB – keine CSV-Datei",
            "no line break in the first 64 KB – not a CSV file",
        )
    lines = head.removeprefix(UTF8_BOM).split(b"\n", 2)
    first_line = _decode_line(lines[0].rstrip(b"\r"))
    skip_lines = 0
    if (hint := re.fullmatch(r"sep=(.)", first_line.strip())) is not None:
        # Excel's "sep=;" line: it names the delimiter and Excel hides it, so the header
        # still shows as row 1.
        delimiter, skip_lines = hint.group(1), 1
        first_line = _decode_line(lines[1].rstrip(b"\r")) if len(lines) > 1 else ""
    else:
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    if not any(contract_column(h.strip('"'), expected_columns)[0] for h in first_line.split(delimiter)):
        raise _no_header(expected_columns)

    encoding = "UTF-8"
    try:
        try:
            frame = _parse_csv(path, delimiter, skip_lines)
        except pl.exceptions.ComputeError as exc:
            if "utf-8" not in str(exc).lower() and "utf8" not in str(exc).lower():
                raise
            # Not valid UTF-8: the other encoding the contract allows.
            encoding = "Windows-1252"
            frame = _parse_csv(
                path.read_bytes().decode("cp1252", errors="replace").encode("utf-8"), delimiter, skip_lines
            )
    except pl.exceptions.PolarsError as exc:
        # polars' message quotes the offending line, which may hold personal data: not echoed.
        raise Unreadable(
            "unreadable_file",
            'CSV-Datei nicht lesbar – meist ein Anführungszeichen (") ohne Gegenstück',
            'CSV file not readable – usually a quote (") without its closing quote',
        ) from exc
    header = list(frame.row(0)) if frame.height else []
    return RawTable(
        header=header,
        frame=_with_source_row(frame.slice(1)),
        file_format="csv",
        encoding=encoding,
        delimiter=delimiter,
        header_width=min(len(first_line.split(delimiter)), len(header)),
    )


def _parse_csv(source: Path | bytes, delimiter: str, skip_lines: int) -> pl.DataFrame:
    try:
        frame = pl.scan_csv(
            source,
            has_header=False,
            infer_schema=False,
            separator=delimiter,
            skip_lines=skip_lines,
            raise_if_empty=False,
            glob=False,
        ).collect()
    except pl.exceptions.ComputeError as exc:
        if "more fields" not in str(exc):
            raise
        frame = _parse_ragged(source, delimiter, skip_lines)
    return frame.rename({c: f"_c{i}" for i, c in enumerate(frame.columns)})


def _parse_ragged(source: Path | bytes, delimiter: str, skip_lines: int) -> pl.DataFrame:
    """Re-read a file whose rows have more fields than its header, to name those rows.

    Only reached on that error, so the byte scan for the widest line costs nothing on good
    files. The extra fields end up in columns without a header name, which the normaliser
    reports per row (``extra_fields``) when they hold a value.
    """
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    widest = max(line.count(delimiter.encode()) for line in raw.splitlines()) + 1
    schema = {f"column_{i}": pl.String for i in range(widest)}
    return pl.read_csv(
        raw,
        has_header=False,
        schema=schema,
        separator=delimiter,
        skip_lines=skip_lines,
        missing_columns="insert",
        raise_if_empty=False,
    )


def _with_source_row(data: pl.DataFrame) -> pl.DataFrame:
    return data.with_row_index("_source_row", offset=2).with_columns(pl.col("_source_row").cast(pl.Int32))


def _sheet_frame(workbook, index: int) -> pl.DataFrame:
    frame = workbook.load_sheet(index, header_row=None, dtypes="string").to_polars()
    return (
        frame.lazy()
        .rename({c: f"_c{i}" for i, c in enumerate(frame.columns)})
        .with_columns(pl.all().cast(pl.String).str.replace(_EXCEL_MIDNIGHT, "$1"))
        .collect()
    )


def _read_xlsx(path: Path) -> RawTable:
    """The first sheet is the data (contract); every other sheet is read too, for the guard.

    :func:`~esf_monitor.intake.limits.inspect_xlsx` runs first: a zip bomb or a sheet that
    declares a huge range is refused before calamine would reserve memory for it."""
    try:
        facts = inspect_xlsx(path)
    except LimitExceeded as exc:
        raise Unreadable(exc.rule, exc.detail_de, exc.detail_en) from exc
    try:
        workbook = fastexcel.read_excel(str(path))
        names = list(workbook.sheet_names)
        frame = _sheet_frame(workbook, 0)
        others = [(names[i], _sheet_frame(workbook, i)) for i in range(1, len(names))]
    except Exception as exc:  # fastexcel/calamine raise many kinds; all mean "no workbook"
        message = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise Unreadable(
            "unreadable_file",
            f"keine lesbare Excel-Datei (.xlsx): {message}",
            f"not a readable Excel workbook (.xlsx): {message}",
        ) from exc
    if frame.height == 0:
        raise Unreadable("empty_file", "das erste Tabellenblatt ist leer", "the first sheet is empty")
    header = list(frame.row(0))
    first_part = next(
        (part for part, name in facts.names.items() if name == names[0]),
        facts.sheets[0] if facts.sheets else None,
    )
    formulas = [
        (cell_row_column(ref)[0], ref) for part, ref in facts.formulas_without_value if part == first_part
    ]
    return RawTable(
        header=header,
        frame=_with_source_row(frame.slice(1)),
        file_format="xlsx",
        other_sheets=[(n, f) for n, f in others if f.height],
        formulas_without_value=formulas,
        # beyond the listed ones the sheet is not known: counted as the data sheet's
        formulas_without_value_count=len(formulas)
        + facts.formulas_without_value_count
        - len(facts.formulas_without_value),
        sheet_name=names[0],
    )
