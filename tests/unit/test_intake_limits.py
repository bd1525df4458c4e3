"""Bounded memory and no silent misreads (issue #13, classes 1, 6 and 7): every limit rejects
the file with a reason before a reader would need the memory; German headers are mapped; an
empty header over a missing column, a formula without a value and a second sheet with personal
data are errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from fixtures.intake.builders import (
    MONTH,
    PROJECT,
    expected_frame,
    rows,
    write_csv,
    write_registry,
    write_xlsx,
)
from polars.testing import assert_frame_equal

from esf_monitor.intake import check_file, limits, read_registry
from esf_monitor.intake.headers import contract_column, normalised

P = "participants"


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return read_registry(write_registry(tmp_path_factory.mktemp("reg") / "projects.csv"))


def errors(result) -> pl.DataFrame:
    return result.findings.filter(pl.col("severity") == "error")


def rewrite_part(src: Path, dest: Path, part: str, edit) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info.filename, edit(data) if info.filename == part else data)
    return dest


# ------------------------------------------------------------------ class 1: XLSX and file limits


def test_a_sheet_declaring_the_whole_excel_grid_is_rejected_before_reading(tmp_path, registry):
    good = write_xlsx(tmp_path / "good.xlsx", rows(P))
    bad = rewrite_part(
        good,
        tmp_path / f"{MONTH}.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b'<dimension ref="A1:U5"/>', b'<dimension ref="A1:XFD1048576"/>'),
    )
    assert b"XFD1048576" in zipfile.ZipFile(bad).read("xl/worksheets/sheet1.xml")
    result = check_file(bad, PROJECT, P, MONTH, registry)
    assert not result.ok
    assert errors(result)["rule"].to_list() == ["limit_exceeded"]
    message = errors(result)["message_en"][0]
    assert "declares the range A1:XFD1048576: 1,048,576 rows × 16,384 columns" in message
    assert (
        "gibt den Bereich A1:XFD1048576 an: 1.048.576 Zeilen × 16.384 Spalten"
        in errors(result)["message_de"][0]
    )


def test_a_dimension_claiming_more_cells_than_the_sheet_holds_is_rejected(tmp_path, registry):
    good = write_xlsx(tmp_path / "good.xlsx", rows(P))
    bad = rewrite_part(
        good,
        tmp_path / f"{MONTH}.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b'<dimension ref="A1:U5"/>', b'<dimension ref="A1:Z100000"/>'),
    )
    result = check_file(bad, PROJECT, P, MONTH, registry)
    assert errors(result)["rule"].to_list() == ["limit_exceeded"]  # 2.6 M cells in a few KB of XML


def test_a_zip_bomb_is_rejected_by_its_expansion(tmp_path, registry):
    good = write_xlsx(tmp_path / "good.xlsx", rows(P))
    bomb = tmp_path / f"{MONTH}.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
        zout.writestr("xl/sharedStrings2.xml", b" " * (40 * 1024**2))  # 40 MB of blanks, ~40 KB packed
    result = check_file(bomb, PROJECT, P, MONTH, registry)
    assert errors(result)["rule"].to_list() == ["limit_exceeded"]
    assert "xl/sharedStrings2.xml expands" in errors(result)["message_en"][0]
    assert "possibly a zip bomb" in errors(result)["message_en"][0]


def test_the_expanded_size_limit(tmp_path, registry, monkeypatch):
    monkeypatch.setattr(limits, "MAX_XLSX_EXPANDED_BYTES", 2000)
    result = check_file(write_xlsx(tmp_path / f"{MONTH}.xlsx", rows(P)), PROJECT, P, MONTH, registry)
    assert errors(result)["rule"].to_list() == ["limit_exceeded"]
    assert "too large when expanded" in errors(result)["message_en"][0]


def test_the_file_size_limit(tmp_path, registry, monkeypatch):
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 100)
    result = check_file(write_csv(tmp_path / f"{MONTH}.csv", rows(P)), PROJECT, P, MONTH, registry)
    assert errors(result)["rule"].to_list() == ["limit_exceeded"]
    assert errors(result)["message_en"][0].startswith("The file exceeds a limit: file too large")


def test_a_huge_cell_is_an_error_quoted_capped(tmp_path, registry):
    data = rows(P)
    data[1]["district"] = "K" * (limits.MAX_CELL_CHARS + 1)
    result = check_file(write_csv(tmp_path / f"{MONTH}.csv", data), PROJECT, P, MONTH, registry)
    found = errors(result).filter(pl.col("rule") == "cell_too_long")
    assert found.select("row", "column").rows() == [(3, "district")]
    assert found["value"][0] == "K" * 200 + f"… (+{limits.MAX_CELL_CHARS + 1 - 200} Zeichen / characters)"
    assert len(result.summary_de) < 5000 and len(result.summary_en) < 5000


def test_free_text_over_its_limit_is_rejected(tmp_path, registry):
    data = rows(P)
    data[0]["district"] = "x" * (limits.MAX_TEXT_CHARS + 1)
    data[2]["district"] = "y" * limits.MAX_TEXT_CHARS  # exactly the limit: fine
    result = check_file(write_csv(tmp_path / f"{MONTH}.csv", data), PROJECT, P, MONTH, registry)
    assert errors(result).select("row", "column", "rule").rows() == [(2, "district", "text_too_long")]
    assert errors(result)["message_en"][0].endswith("is too long for a text field (at most 100 characters).")


def test_a_row_over_the_line_limit_is_rejected(tmp_path, registry):
    data = rows(P)
    for i in range(40):
        data[0][f"note_{i}"] = "n" * 30_000  # 40 unknown columns of 30,000 characters = 1.2 MB
    for row in data[1:]:
        row.update({f"note_{i}": "" for i in range(40)})
    result = check_file(write_csv(tmp_path / f"{MONTH}.csv", data), PROJECT, P, MONTH, registry)
    assert errors(result).select("row", "rule").rows() == [(2, "line_too_long")]


def test_a_repeated_snapshot_reports_each_duplicated_key_once(tmp_path, registry):
    """The report grows with the rows, not with their square (a 300 MB file repeating one snapshot)."""
    snapshot = rows(P)[:1]
    data = snapshot * 3000
    result = check_file(write_csv(tmp_path / f"{MONTH}.csv", data), PROJECT, P, MONTH, registry)
    keys = result.findings.filter(pl.col("rule") == "key_unique")
    assert keys.select("row", "column", "value").rows() == [(3, "participant_id", "P-ALPHA-001 / 2024-02-05")]
    assert keys["message_en"][0] == (
        "Row 3, column participant_id: the combination 'P-ALPHA-001 / 2024-02-05' "
        "(participant_id / entry_date; rows 2, 3, 4, 5, 6 … (3000 rows)) appears "
        "more than once; each may appear only once."
    )


def test_two_duplicated_keys_give_two_findings(tmp_path, registry):
    data = rows(P)
    data += [data[0], data[2], data[0]]
    result = check_file(write_csv(tmp_path / f"{MONTH}.csv", data), PROJECT, P, MONTH, registry)
    keys = result.findings.filter(pl.col("rule") == "key_unique")
    assert keys["row"].to_list() == [len(rows(P)) + 2, len(rows(P)) + 3]
    assert keys["message_de"][0].endswith(
        "(participant_id / entry_date; Zeilen 2, 6, 8) kommt mehrfach vor; jede darf nur einmal vorkommen."
    )


# ------------------------------------------------------------------ class 6: silent misreads

GERMAN = {
    "participant_id": "Teilnehmer-ID",
    "project_id": "Projekt-ID",
    "entry_date": "Eintrittsdatum",
    "exit_date": "Austrittsdatum",
    "gender": "Geschlecht",
    "birth_year": "Geburtsjahr",
    "employment_status": "Erwerbsstatus",
    "isced": "ISCED-Stufe",
    "single_parent": "Alleinerziehend",
    "children_under_18": "Kinder unter 18",
    "disability": "Behinderung",
    "nationality": "Staatsangehörigkeit",
    "foreign_background": "Migrationshintergrund",
    "minority": "Minderheit",
    "homeless": "Wohnungslos",
    "rural": "Ländlich",
    "district": "Stadtteil",
    "access_channel": "Zugangsweg",
    "exit_reason": "Austrittsgrund",
    "status_upon_leaving": "Verbleib",
    "qualification_gained": "Qualifikation erworben",
}


def test_german_headers_are_mapped_and_reported(tmp_path, registry):
    path = write_csv(tmp_path / f"{MONTH}.csv", rows(P), header=lambda c: GERMAN[c])
    result = check_file(path, PROJECT, P, MONTH, registry)
    assert result.ok, errors(result).to_dicts()
    assert_frame_equal(result.data, expected_frame(P))
    aliases = result.findings.filter(pl.col("rule") == "header_alias")
    assert aliases.height == len(GERMAN)
    assert aliases.filter(pl.col("column") == "gender")["message_de"].to_list() == [
        "Spalte gender: wurde aus der Spalte 'Geschlecht' gelesen (deutscher Spaltenname)."
    ]
    assert result.incomplete_count == 0


@pytest.mark.parametrize(
    "header, column",
    [
        ("Birth Year", "birth_year"),
        ("BIRTH-YEAR", "birth_year"),
        ("Geschlecht ", "gender"),
        ("geburtsjahr", "birth_year"),
        ("Staatsangehoerigkeit", "nationality"),
        ("Kinder_unter_18", "children_under_18"),
        ("Lieblingsfarbe", None),
        ("", None),
    ],
)
def test_header_matching(header, column):
    assert contract_column(header, [*GERMAN])[0] == column


def test_normalised_spells_out_umlauts_and_drops_punctuation():
    assert normalised("Staatsangehörigkeit") == "staatsangehoerigkeit"
    assert normalised("Kd.-Nr.") == "kdnr" and normalised("Straße") == "strasse"


def test_a_german_header_and_the_contract_name_together_are_a_duplicate(tmp_path, registry):
    data = [{**r, "Geschlecht": r["gender"]} for r in rows(P)]
    result = check_file(write_csv(tmp_path / f"{MONTH}.csv", data), PROJECT, P, MONTH, registry)
    assert errors(result).select("column", "rule").rows() == [("gender", "duplicate_column")]


def test_an_empty_header_over_a_core_column_is_an_error(tmp_path, registry):
    path = write_csv(tmp_path / f"{MONTH}.csv", rows(P), header=lambda c: "" if c == "gender" else c)
    result = check_file(path, PROJECT, P, MONTH, registry)
    assert not result.ok
    found = errors(result)
    assert found.select("column", "rule").rows() == [("(E)", "unnamed_column_missing_header")]
    assert found["message_en"][0] == (
        "Column (E): has no header but holds values, and the column gender is "
        "missing – probably it is this one. Please add the header in row 1."
    )


def test_an_empty_header_while_nothing_is_missing_stays_a_warning(tmp_path, registry):
    data = [{**r, "": "x"} for r in rows(P)]
    result = check_file(write_csv(tmp_path / f"{MONTH}.csv", data), PROJECT, P, MONTH, registry)
    assert result.ok
    assert result.findings.filter(pl.col("rule") == "unnamed_column")["column"].to_list() == ["(V)"]


def _openpyxl_book(path: Path, records: list[dict], formula_cell: str | None = None, second=None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Daten"
    columns = list(records[0])
    sheet.append(columns)
    for record in records:
        sheet.append(
            [
                (str(v) if v is not None and not isinstance(v, (int, str)) else v)
                for v in (record[c] for c in columns)
            ]
        )
    if formula_cell:
        sheet[formula_cell] = "=1+2"  # openpyxl stores no cached value
    if second:
        other = book.create_sheet("Kontakte")
        for line in second:
            other.append(line)
    book.save(path)
    return path


def test_a_formula_without_a_cached_value_is_an_error_naming_the_cell(tmp_path, registry):
    data = [
        {
            **r,
            "entry_date": r["entry_date"].isoformat(),
            "exit_date": r["exit_date"].isoformat() if r["exit_date"] else None,
        }
        for r in rows(P)
    ]
    path = _openpyxl_book(tmp_path / f"{MONTH}.xlsx", data, formula_cell="H3")
    result = check_file(path, PROJECT, P, MONTH, registry)
    found = errors(result).filter(pl.col("rule") == "formula_without_value")
    assert found.select("row", "rule").rows() == [(3, "formula_without_value")]
    assert found["message_en"][0].startswith(
        "Row 3: cell H3 ('Daten') holds a formula without a calculated value"
    )


def test_every_sheet_is_checked_for_personal_data(tmp_path, registry):
    data = [
        {
            **r,
            "entry_date": r["entry_date"].isoformat(),
            "exit_date": r["exit_date"].isoformat() if r["exit_date"] else None,
        }
        for r in rows(P)
    ]
    second = [
        ["Nachname", "Bemerkung"],
        ["Muster", "Rückruf 01711234567"],
        ["Beispiel", "mail: a.b(at)web.de"],
    ]
    clean = check_file(_openpyxl_book(tmp_path / "clean.xlsx", data), PROJECT, P, MONTH, registry)
    assert clean.ok, errors(clean).to_dicts()
    result = check_file(
        _openpyxl_book(tmp_path / f"{MONTH}.xlsx", data, second=second), PROJECT, P, MONTH, registry
    )
    found = errors(result)
    assert ("'Kontakte'!Nachname", "personal_data_column") in found.select("column", "rule").rows()
    everything = str(result.findings.rows()) + result.summary_de + result.summary_en
    assert "Muster" not in everything and "1234567" not in everything


def test_duplicated_rows_cost_no_python_objects_per_row(tmp_path, registry):
    """pandera builds a Python row per failure case of a dataframe check; the key check runs
    outside it, so 80,000 duplicated rows cost a few MB of Python memory (was 148 MB)."""
    import tracemalloc

    path = write_csv(tmp_path / f"{MONTH}.csv", rows(P) * 20_000)
    tracemalloc.start()
    try:
        result = check_file(path, PROJECT, P, MONTH, registry)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.findings["rule"].to_list() == ["key_unique"] * 4
    assert peak < 20 * 1024**2, peak
