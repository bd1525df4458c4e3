"""Every file format the contract accepts yields the same typed data (extract contract,
"File formats that must be accepted")."""

from __future__ import annotations

import polars as pl
import pytest
from fixtures.intake.builders import (
    JOBCENTER,
    MONTH,
    PROJECT,
    expected_frame,
    rows,
    write_csv,
    write_registry,
    write_xlsx,
)
from polars.testing import assert_frame_equal

from esf_monitor.intake import check_file, read_registry


@pytest.fixture
def registry(tmp_path):
    return read_registry(write_registry(tmp_path / "reference" / "projects.csv"))


def _title(column: str) -> str:
    return "_".join(p.upper() if p == "id" else p.capitalize() for p in column.split("_"))


DIALECTS = {
    "utf8_comma": lambda p: write_csv(p, rows("participants")),
    "utf8_bom_semicolon_crlf_1_0": lambda p: write_csv(
        p, rows("participants"), delimiter=";", bom=True, newline="\r\n", true="1", false="0"
    ),
    "cp1252_semicolon_crlf_german_dates_ja_nein": lambda p: write_csv(
        p,
        rows("participants"),
        delimiter=";",
        encoding="cp1252",
        newline="\r\n",
        date_format="%d.%m.%Y",
        true="ja",
        false="nein",
        header=_title,
    ),
    "mixed_case_padded_headers_yes_no_upper": lambda p: write_csv(
        p,
        rows("participants"),
        true="YES",
        false="No",
        header=lambda c: f"  {c.upper() if len(c) % 2 else _title(c)} ",
    ),
    "xlsx_real_date_cells": lambda p: write_xlsx(p.with_suffix(".xlsx"), rows("participants")),
    "xlsx_numbers_and_dates_as_text": lambda p: write_xlsx(
        p.with_suffix(".xlsx"), rows("participants"), real_dates=False, numbers_as_text=True
    ),
    "xlsx_trailing_empty_rows": lambda p: write_xlsx(
        p.with_suffix(".xlsx"), rows("participants"), trailing_empty_rows=5
    ),
    "xlsx_formula_cell": lambda p: write_xlsx(
        p.with_suffix(".xlsx"), rows("participants"), formula_column="birth_year"
    ),
}


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_participants_dialect_is_read_to_the_same_typed_data(dialect, tmp_path, registry):
    path = DIALECTS[dialect](tmp_path / f"{MONTH}.csv")
    result = check_file(path, PROJECT, "participants", MONTH, registry)
    assert result.ok, result.findings.to_dicts()
    assert result.findings.filter(pl.col("severity") == "error").height == 0
    assert_frame_equal(result.data, expected_frame("participants"))


def test_cp1252_file_keeps_umlauts_and_is_detected(tmp_path, registry):
    path = DIALECTS["cp1252_semicolon_crlf_german_dates_ja_nein"](tmp_path / f"{MONTH}.csv")
    assert "Mülheim-Kärlich".encode("cp1252") in path.read_bytes()  # really not UTF-8
    result = check_file(path, PROJECT, "participants", MONTH, registry)
    assert result.dialect == "CSV Windows-1252, ';'"
    assert result.data["district"].to_list()[-1] == "Mülheim-Kärlich"


def test_excel_sep_line_names_the_delimiter_and_keeps_row_numbers(tmp_path, registry):
    path = write_csv(tmp_path / f"{MONTH}.csv", rows("participants"), delimiter="|")
    path.write_bytes(b"sep=|\n" + path.read_bytes())
    data = rows("participants")
    data[1]["gender"] = "x"
    bad = write_csv(tmp_path / "bad.csv", data, delimiter="|")
    bad.write_bytes(b"sep=|\r\n" + bad.read_bytes())
    assert check_file(path, PROJECT, "participants", MONTH, registry).ok
    findings = check_file(bad, PROJECT, "participants", MONTH, registry).findings
    assert findings.filter(pl.col("rule") == "code_list")["row"].to_list() == [3]


def test_blank_padding_and_case_of_codes_are_tolerated(tmp_path, registry):
    data = rows("participants")
    data[0]["gender"] = " F "
    data[0]["employment_status"] = "Unemployed"
    data[2]["district"] = "  Lüneburg\t"
    result = check_file(write_csv(tmp_path / "x.csv", data), PROJECT, "participants", MONTH, registry)
    assert result.ok, result.findings.to_dicts()
    assert_frame_equal(result.data, expected_frame("participants"))


def test_excel_whole_numbers_written_as_floats_are_integers(tmp_path, registry):
    data = rows("participants")
    for record in data:
        record["birth_year"] = f"{record['birth_year']}.0"
    result = check_file(write_csv(tmp_path / "x.csv", data), PROJECT, "participants", MONTH, registry)
    assert result.ok, result.findings.to_dicts()
    assert result.data["birth_year"].dtype == pl.Int32
    assert result.data["birth_year"].to_list() == [1990, 1990, 1985, 2001]


def test_blank_lines_are_ignored_and_row_numbers_stay_excel_rows(tmp_path, registry):
    path = write_csv(tmp_path / "x.csv", rows("participants"), newline="\r\n")
    lines = path.read_bytes().split(b"\r\n")
    path.write_bytes(b"\r\n".join([*lines[:3], b"", b",,", *lines[3:], b"", b""]))
    result = check_file(path, PROJECT, "participants", MONTH, registry)
    assert result.ok, result.findings.to_dicts()
    assert result.data["_source_row"].to_list() == [2, 3, 6, 7]


@pytest.mark.parametrize("extract_type", ["followup", "target_population"])
def test_jobcenter_extracts_in_two_dialects(extract_type, tmp_path, registry):
    plain = write_csv(tmp_path / "a.csv", rows(extract_type))
    german = write_csv(
        tmp_path / "b.csv",
        rows(extract_type),
        delimiter=";",
        encoding="cp1252",
        newline="\r\n",
        date_format="%d.%m.%Y",
    )
    for path in (plain, german):
        result = check_file(path, JOBCENTER, extract_type, MONTH, registry)
        assert result.ok, result.findings.to_dicts()
        assert_frame_equal(result.data, expected_frame(extract_type))


def test_month_as_excel_turns_it_into_a_date(tmp_path, registry):
    data = rows("target_population")
    spellings = ["01.06.2025", "06.2025", "2025-06-30", "06/2025"]
    for record, spelling in zip(data, spellings):
        record["month"] = spelling
    result = check_file(write_csv(tmp_path / "x.csv", data), JOBCENTER, "target_population", MONTH, registry)
    assert result.ok, result.findings.to_dicts()
    assert result.data["month"].to_list() == [MONTH] * 4


def test_header_only_followup_is_accepted_with_a_warning(tmp_path, registry):
    path = tmp_path / "x.csv"
    path.write_text(",".join(expected_frame("followup").columns[:-1]) + "\n")
    result = check_file(path, JOBCENTER, "followup", MONTH, registry)
    assert result.ok
    assert result.data.height == 0
    assert result.findings.filter(pl.col("rule") == "no_rows")["severity"].to_list() == ["warning"]
