"""A corpus of broken files, each breaking exactly ONE rule of the extract contract: the file is
rejected, the finding names the rule, the row (as in Excel) and the column, and no other
rule fires. Plus the messy real-world ones (empty, binary, zip, 50 MB of garbage)."""

from __future__ import annotations

import os
import tracemalloc
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from fixtures.intake.builders import MONTH, PROVIDER, rows, write_csv, write_registry, write_xlsx

from esf_monitor.intake import check_file, read_registry
from esf_monitor.intake.findings import RULE_TITLES, TEMPLATES


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return read_registry(write_registry(tmp_path_factory.mktemp("reg") / "projects.csv"))


@dataclass
class Case:
    extract_type: str
    build: Callable[[Path], Path]  # writes the file into the folder, returns its path
    rule: str
    row: int | None
    column: str | None


def edit(extract_type: str, row: int, **changes) -> Callable[[Path], Path]:
    """The valid file with ``changes`` in Excel row ``row`` (2 = first data row)."""

    def build(folder: Path) -> Path:
        data = rows(extract_type)
        data[row - 2].update(changes)
        return write_csv(folder / f"{MONTH}.csv", data)

    return build


def append(extract_type: str, **changes) -> Callable[[Path], Path]:
    """The valid file plus a copy of its first row with ``changes``."""

    def build(folder: Path) -> Path:
        data = rows(extract_type)
        data.append({**data[0], **changes})
        return write_csv(folder / f"{MONTH}.csv", data)

    return build


def without_column(extract_type: str, column: str) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        data = rows(extract_type)
        return write_csv(folder / f"{MONTH}.csv", data, columns=[c for c in data[0] if c != column])

    return build


def with_column(extract_type: str, header: str, value: str, row: int = 2) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        data = rows(extract_type)
        for record in data:
            record[header] = None
        data[row - 2][header] = value
        return write_csv(folder / f"{MONTH}.csv", data)

    return build


def raw_bytes(content: bytes, name: str = f"{MONTH}.csv") -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content)
        return path

    return build


def text_edit(transform: Callable[[str], str]) -> Callable[[Path], Path]:
    """The valid participants file as text, transformed."""

    def build(folder: Path) -> Path:
        path = write_csv(folder / f"{MONTH}.csv", rows("participants"))
        path.write_text(transform(path.read_text(encoding="utf-8")), encoding="utf-8")
        return path

    return build


def zip_not_xlsx(folder: Path) -> Path:
    path = folder / f"{MONTH}.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("daten/teilnehmende.csv", "participant_id;project_id\n")
    return path


def xlsx_edit(row: int, **changes) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        data = rows("participants")
        data[row - 2].update(changes)
        return write_xlsx(folder / f"{MONTH}.xlsx", data)

    return build


P, F, T = "participants", "followup", "target_population"
HEADER = ",".join(rows(P)[0]).encode()

CASES = {
    # --- types and formats
    "gender_not_in_code_list": Case(P, edit(P, 2, gender="w"), "code_list", 2, "gender"),
    "employment_status_in_german": Case(
        P, edit(P, 4, employment_status="arbeitslos"), "code_list", 4, "employment_status"
    ),
    "access_channel_unknown": Case(P, edit(P, 5, access_channel="flyer"), "code_list", 5, "access_channel"),
    "month_13": Case(P, edit(P, 3, entry_date="2024-13-01"), "date_format", 3, "entry_date"),
    "february_30": Case(P, edit(P, 4, entry_date="30.02.2025"), "date_impossible", 4, "entry_date"),
    "date_in_us_format": Case(P, edit(P, 2, exit_date="08/30/2024"), "date_format", 2, "exit_date"),
    "birth_year_in_words": Case(P, edit(P, 4, birth_year="neunzehnhundert"), "int_format", 4, "birth_year"),
    "isced_fraction": Case(P, edit(P, 2, isced="3.5"), "int_format", 2, "isced"),
    "boolean_maybe": Case(P, edit(P, 3, single_parent="vielleicht"), "bool_format", 3, "single_parent"),
    "xlsx_text_in_number_cell": Case(P, xlsx_edit(3, isced="drei"), "int_format", 3, "isced"),
    # --- ranges and patterns
    "age_12_at_entry": Case(P, edit(P, 4, birth_year=2013), "age_at_entry", 4, "birth_year"),
    "age_75_at_entry": Case(P, edit(P, 2, birth_year=1949), "age_at_entry", 2, "birth_year"),
    "isced_9": Case(P, edit(P, 3, isced=9), "out_of_range", 3, "isced"),
    "sixteen_children": Case(P, edit(P, 5, children_under_18=16), "out_of_range", 5, "children_under_18"),
    "pseudonym_too_short": Case(P, edit(P, 4, participant_id="P-7"), "id_pattern", 4, "participant_id"),
    "pseudonym_is_a_name": Case(
        P, edit(P, 4, participant_id="Anna Schmidt"), "id_pattern", 4, "participant_id"
    ),
    # --- required values and columns
    "participant_id_empty": Case(P, edit(P, 4, participant_id=None), "missing_required", 4, "participant_id"),
    "entry_date_column_missing": Case(
        P, without_column(P, "entry_date"), "missing_required", None, "entry_date"
    ),
    "exit_without_reason": Case(P, edit(P, 4, exit_reason=None), "exit_reason_missing", 4, "exit_reason"),
    # --- keys and spells
    "same_spell_twice": Case(P, append(P), "key_unique", 6, "participant_id"),
    "spell_inside_earlier_spell": Case(
        P,
        append(P, entry_date=date(2024, 5, 6), exit_date=date(2024, 6, 28)),
        "spells_overlap",
        6,
        "entry_date",
    ),
    "new_spell_while_open": Case(
        P,
        append(
            P,
            participant_id="P-CHARLIE-03",
            entry_date=date(2025, 6, 16),
            exit_date=None,
            exit_reason=None,
            status_upon_leaving=None,
            qualification_gained=None,
            birth_year=2001,
        ),
        "spells_overlap",
        6,
        "entry_date",
    ),
    "exit_before_entry": Case(
        P, edit(P, 4, exit_date=date(2024, 12, 20)), "exit_before_entry", 4, "exit_date"
    ),
    # --- context: project run, reporting month, own project
    "entry_before_project_start": Case(
        P, edit(P, 2, entry_date=date(2022, 11, 14)), "entry_outside_project_run", 2, "entry_date"
    ),
    "entry_after_reporting_month": Case(
        P, edit(P, 5, entry_date=date(2025, 7, 1)), "after_reporting_month", 5, "entry_date"
    ),
    "exit_after_reporting_month": Case(
        P, edit(P, 4, exit_date=date(2025, 7, 3)), "after_reporting_month", 4, "exit_date"
    ),
    "row_of_another_project": Case(P, edit(P, 3, project_id="PRJ-B"), "foreign_project", 3, "project_id"),
    # --- personal data
    "column_vorname": Case(P, with_column(P, "Vorname", "Anna"), "personal_data_column", None, "Vorname"),
    "column_e_mail": Case(
        P, with_column(P, "E-Mail", "anna@example.org"), "personal_data_column", None, "E-Mail"
    ),
    "column_geburtsdatum": Case(
        P, with_column(P, "Geburtsdatum", "01.02.1990"), "personal_data_column", None, "Geburtsdatum"
    ),
    "email_in_district": Case(
        P, edit(P, 3, district="anna.schmidt@example.org"), "personal_data_value", 3, "district"
    ),
    "mobile_number_in_district": Case(
        P, edit(P, 5, district="0171/1234567"), "personal_data_value", 5, "district"
    ),
    "mobile_number_as_pseudonym": Case(
        P, edit(P, 4, participant_id="0171-1234567"), "personal_data_value", 4, "participant_id"
    ),
    "iban_in_a_comment_column": Case(
        P,
        with_column(P, "bemerkung", "DE89 3704 0044 0532 0130 00", row=4),
        "personal_data_value",
        4,
        "bemerkung",
    ),
    # --- structure of the file
    "duplicated_header": Case(
        P, text_edit(lambda t: t.replace("district", "gender", 1)), "duplicate_column", None, "gender"
    ),
    "row_with_extra_field": Case(
        P, text_edit(lambda t: t.replace("Lüneburg,", "Lüneburg,Süd,", 1)), "extra_fields", 4, "(V)"
    ),
    "unclosed_quote": Case(
        P, text_edit(lambda t: t.replace("Lüneburg", '"Lüneburg', 1)), "unreadable_file", None, None
    ),
    "empty_file": Case(P, raw_bytes(b""), "empty_file", None, None),
    "header_only": Case(P, raw_bytes(HEADER + b"\r\n"), "no_rows", None, None),
    "header_not_in_row_1": Case(
        P, raw_bytes(b"Export vom 01.07.2025\n" + HEADER + b"\n"), "header_not_recognised", None, None
    ),
    "png_renamed_csv": Case(
        P, raw_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2000)), "unreadable_file", None, None
    ),
    "zip_renamed_xlsx": Case(P, zip_not_xlsx, "unreadable_file", None, None),
    "excel_unicode_text_utf16": Case(
        P,
        raw_bytes((HEADER.decode().replace(",", "\t") + "\r\n").encode("utf-16")),
        "unreadable_file",
        None,
        None,
    ),
    "legacy_xls": Case(
        P,
        raw_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), f"{MONTH}.xls"),
        "unreadable_file",
        None,
        None,
    ),
    # --- followup (jobcenter)
    "status_6m_unknown_code": Case(F, edit(F, 3, status_6m="arbeitet"), "code_list", 3, "status_6m"),
    "project_of_another_jobcenter": Case(
        F, edit(F, 2, project_id="PRJ-C"), "foreign_project", 2, "project_id"
    ),
    "followup_twice": Case(F, append(F, status_6m="unemployed"), "key_unique", 5, "participant_id"),
    "followup_before_six_months": Case(
        F, edit(F, 4, exit_date=date(2025, 3, 31)), "followup_too_early", 4, "exit_date"
    ),
    "followup_missing_status": Case(F, edit(F, 2, status_6m=None), "missing_required", 2, "status_6m"),
    # --- target population (jobcenter)
    "other_month_in_file": Case(T, edit(T, 3, month="2025-05"), "month_mismatch", 3, "month"),
    "month_in_words": Case(T, edit(T, 2, month="Juni 2025"), "month_format", 2, "month"),
    "negative_count": Case(T, edit(T, 5, count=-5), "out_of_range", 5, "count"),
    "decimal_count": Case(T, edit(T, 4, count="12,5"), "int_format", 4, "count"),
    "target_group_unknown": Case(
        T, edit(T, 2, target_group="alleinerziehende"), "code_list", 2, "target_group"
    ),
    "stock_reported_twice": Case(T, append(T, count=99), "key_unique", 6, "month"),
}


def test_corpus_is_big_enough():
    assert len(CASES) >= 30


def test_every_rule_has_a_message_and_a_title():
    assert set(TEMPLATES) == set(RULE_TITLES)
    assert {case.rule for case in CASES.values()} <= set(TEMPLATES)


@pytest.mark.parametrize("name", list(CASES))
def test_malformed_file_is_rejected_for_exactly_its_rule(name, tmp_path, registry):
    case = CASES[name]
    path = case.build(tmp_path)
    result = check_file(path, PROVIDER[case.extract_type], case.extract_type, MONTH, registry)

    assert not result.ok
    assert result.data is None
    errors = result.findings.filter(pl.col("severity") == "error")
    assert set(errors["rule"]) == {case.rule}, errors.to_dicts()
    hits = errors.filter(pl.col("row").eq_missing(case.row), pl.col("column").eq_missing(case.column))
    assert hits.height >= 1, errors.select("row", "column", "rule").to_dicts()
    message = hits.row(0, named=True)
    assert message["message_de"] and message["message_en"]
    if case.row is not None:
        assert message["message_de"].startswith(f"Zeile {case.row}, Spalte {case.column}: ")
        assert message["message_en"].startswith(f"Row {case.row}, column {case.column}: ")


def test_message_names_value_and_allowed_codes_in_plain_words(tmp_path, registry):
    path = CASES["gender_not_in_code_list"].build(tmp_path)
    finding = check_file(path, "PRJ-A", P, MONTH, registry).findings.row(0, named=True)
    assert finding["value"] == "w"
    assert finding["message_de"] == "Zeile 2, Spalte gender: Wert 'w' ist nicht erlaubt. Erlaubt: f, m, d."
    assert finding["message_en"] == "Row 2, column gender: value 'w' is not allowed. Allowed: f, m, d."


def test_a_day_the_month_does_not_have_is_named_in_plain_words(tmp_path, registry):
    data = rows(P)
    data[0]["entry_date"] = "31.02.2024"  # row 2
    data[1]["entry_date"] = "2024-04-31"  # row 3
    data[2]["exit_date"] = "29.02.2025"  # row 4: 2025 is no leap year
    data[3]["entry_date"] = "2024-13-01"  # row 5: no month 13, an unreadable date
    result = check_file(write_csv(tmp_path / "x.csv", data), "PRJ-A", P, MONTH, registry)
    errors = result.findings.filter(pl.col("severity") == "error")
    assert errors.select("row", "rule", "message_de", "message_en").rows() == [
        (
            2,
            "date_impossible",
            "Zeile 2, Spalte entry_date: Wert '31.02.2024' – 31. Februar gibt es nicht.",
            "Row 2, column entry_date: value '31.02.2024' – 31 February does not exist.",
        ),
        (
            3,
            "date_impossible",
            "Zeile 3, Spalte entry_date: Wert '2024-04-31' – 31. April gibt es nicht.",
            "Row 3, column entry_date: value '2024-04-31' – 31 April does not exist.",
        ),
        (
            4,
            "date_impossible",
            "Zeile 4, Spalte exit_date: Wert '29.02.2025' – 29. Februar 2025 gibt es nicht (kein Schaltjahr).",
            "Row 4, column exit_date: value '29.02.2025' – 29 February 2025 does not exist (not a leap year).",
        ),
        (
            5,
            "date_format",
            "Zeile 5, Spalte entry_date: Wert '2024-13-01' ist kein gültiges Datum. Erlaubt: JJJJ-MM-TT oder TT.MM.JJJJ.",
            "Row 5, column entry_date: value '2024-13-01' is not a valid date. Allowed: YYYY-MM-DD or DD.MM.YYYY.",
        ),
    ]
    assert "  - Datum gibt es nicht (date_impossible): 3" in result.summary_de


def test_29_february_of_a_leap_year_is_a_date(tmp_path, registry):
    data = rows(P)
    data[0]["entry_date"] = "29.02.2024"
    result = check_file(write_csv(tmp_path / "x.csv", data), "PRJ-A", P, MONTH, registry)
    assert result.findings.filter(pl.col("rule").str.starts_with("date_")).height == 0
    assert result.data.filter(pl.col("_source_row") == 2)["entry_date"].to_list() == [date(2024, 2, 29)]


def test_three_different_errors_are_all_reported(tmp_path, registry):
    data = rows(P)
    data[0]["gender"] = "w"  # row 2
    data[1]["entry_date"] = "2024-11-31"  # row 3
    data[3]["isced"] = 11  # row 5
    result = check_file(write_csv(tmp_path / "x.csv", data), "PRJ-A", P, MONTH, registry)
    errors = result.findings.filter(pl.col("severity") == "error")
    assert sorted(errors.select("row", "column", "rule").rows()) == [
        (2, "gender", "code_list"),
        (3, "entry_date", "date_impossible"),
        (5, "isced", "out_of_range"),
    ]


def test_every_failing_row_is_listed_not_only_the_first(tmp_path, registry):
    data = rows(P)
    for record in data:
        record["nationality"] = "deutsch"
    result = check_file(write_csv(tmp_path / "x.csv", data), "PRJ-A", P, MONTH, registry)
    assert result.findings.filter(pl.col("rule") == "code_list")["row"].to_list() == [2, 3, 4, 5]


def test_missing_core_data_is_a_warning_and_counted(tmp_path, registry):
    data = rows(P)
    data[0]["gender"] = None
    data[2]["isced"] = None
    data[2]["birth_year"] = None
    result = check_file(write_csv(tmp_path / "x.csv", data), "PRJ-A", P, MONTH, registry)
    assert result.ok
    assert result.incomplete_count == 2
    warnings = result.findings.filter(pl.col("severity") == "warning")
    assert sorted(warnings.select("row", "column", "rule").rows()) == [
        (2, "gender", "core_field_missing"),
        (4, "birth_year", "core_field_missing"),
        (4, "isced", "core_field_missing"),
    ]
    assert result.data["gender"].null_count() == 1


def test_invalid_core_value_is_an_error_not_a_warning(tmp_path, registry):
    result = check_file(edit(P, 2, isced="hoch")(tmp_path), "PRJ-A", P, MONTH, registry)
    assert not result.ok
    assert result.findings.filter(pl.col("rule") == "core_field_missing").height == 0


def test_unknown_column_is_a_warning_only(tmp_path, registry):
    result = check_file(with_column(P, "Kursgruppe", "B2")(tmp_path), "PRJ-A", P, MONTH, registry)
    assert result.ok
    assert result.findings.select("severity", "column", "rule").rows() == [
        ("warning", "Kursgruppe", "unknown_column")
    ]
    assert result.data.columns[-1] == "_source_row" and "Kursgruppe" not in result.data.columns


def test_personal_values_are_masked_in_every_finding(tmp_path, registry):
    data = rows(P)
    data[0]["gender"] = "anna.schmidt@example.org"  # also not a code: two findings, both masked
    result = check_file(write_csv(tmp_path / "x.csv", data), "PRJ-A", P, MONTH, registry)
    text = str(result.findings.rows()) + result.summary_de + result.summary_en
    assert "anna.schmidt" not in text and "example.org" not in text
    assert result.findings.filter(pl.col("row") == 2, pl.col("column") == "gender")["value"].to_list() == [
        None,
        None,
    ]
    assert "a***" not in text


def test_pseudonyms_dates_and_districts_are_not_personal_data(tmp_path, registry):
    data = rows(P)
    ids = ["TN-2024-000123", "TN2024000123456", "a8f3c2e1b7d94f60", "0815-ab12cd34"]
    for record, pid, district in zip(
        data, ids, ["Hamburg-Mitte 2", "Mayen-Koblenz", "Köln-Mülheim", "GE 04"]
    ):
        record["participant_id"], record["district"] = pid, district
        record["exit_date"] = record["exit_reason"] = record["status_upon_leaving"] = None
        record["qualification_gained"] = None
    result = check_file(write_csv(tmp_path / "x.csv", data), "PRJ-A", P, MONTH, registry)
    assert result.ok, result.findings.to_dicts()


def test_sender_not_in_registry_or_wrong_kind(tmp_path, registry):
    path = write_csv(tmp_path / "x.csv", rows(F))
    unknown = check_file(path, "JC-NOWHERE", F, MONTH, registry)
    assert "unknown_provider" in set(unknown.findings["rule"])
    project = check_file(path, "PRJ-A", F, MONTH, registry)
    assert "extract_type_not_allowed" in set(project.findings["rule"])
    assert not unknown.ok and not project.ok


def test_50_mb_of_garbage_is_rejected_without_reading_it(tmp_path, registry):
    """How fast is for `make bench`, not for a test (BENCHMARKS.md); here: the rule and memory."""
    path = tmp_path / f"{MONTH}.csv"
    with path.open("wb") as handle:
        for _ in range(50):
            handle.write(os.urandom(1 << 20))
    printable = tmp_path / "printable.csv"
    with printable.open("wb") as handle:  # no NUL byte, no line break: still no table
        block = bytes(range(33, 127)) * 11155
        for _ in range(50):
            handle.write(block)
    for garbage, rule in ((path, "unreadable_file"), (printable, "unreadable_file")):
        assert garbage.stat().st_size >= 50_000_000
        tracemalloc.start()
        result = check_file(garbage, "PRJ-A", P, MONTH, registry)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert not result.ok
        assert result.findings["rule"].to_list() == [rule]
        assert peak < 5_000_000  # the file was never loaded into memory


def test_garbage_lines_with_a_line_break_are_rejected_at_the_header(tmp_path, registry):
    path = tmp_path / f"{MONTH}.csv"
    path.write_bytes(b"lorem;ipsum;dolor\n" + b"x;y;z\n" * 2_000_000)
    result = check_file(path, "PRJ-A", P, MONTH, registry)
    assert result.findings["rule"].to_list() == ["header_not_recognised"]


def test_overlap_is_checked_against_every_earlier_spell_not_only_the_previous(tmp_path, registry):
    data = rows(P)[:1]  # P-ALPHA-001: 2024-02-05 .. 2024-08-30
    data[0]["exit_date"] = date(2024, 12, 20)
    short = {**data[0], "entry_date": date(2024, 3, 4), "exit_date": date(2024, 3, 29)}  # inside the first
    later = {
        **data[0],
        "entry_date": date(2024, 6, 3),
        "exit_date": date(2024, 6, 28),
    }  # inside the first only
    after = {**data[0], "entry_date": date(2025, 1, 6), "exit_date": date(2025, 2, 28)}  # fine
    result = check_file(
        write_csv(tmp_path / "x.csv", [data[0], short, later, after]), "PRJ-A", P, MONTH, registry
    )
    overlaps = result.findings.filter(pl.col("rule") == "spells_overlap")
    assert overlaps["row"].to_list() == [3, 4]


def test_rows_without_a_key_are_reported_as_missing_not_as_duplicates(tmp_path, registry):
    data = rows(P)
    data[0]["participant_id"] = data[1]["participant_id"] = None
    data[1]["entry_date"] = data[0]["entry_date"]
    errors = check_file(write_csv(tmp_path / "x.csv", data), "PRJ-A", P, MONTH, registry).findings.filter(
        pl.col("severity") == "error"
    )
    assert errors.select("row", "rule").rows() == [(2, "missing_required"), (3, "missing_required")]


def test_duplicate_key_with_a_personal_pseudonym_does_not_leak_it(tmp_path, registry):
    data = rows(P)
    data[0]["participant_id"] = data[1]["participant_id"] = "0171-1234567"
    data[1]["entry_date"] = data[0]["entry_date"]
    result = check_file(write_csv(tmp_path / "x.csv", data), "PRJ-A", P, MONTH, registry)
    assert {"key_unique", "personal_data_value"} <= set(result.findings["rule"])
    everything = str(result.findings.rows()) + result.summary_de + result.summary_en
    assert "1234567" not in everything


def test_missing_file_or_folder_is_a_finding_not_an_exception(tmp_path, registry):
    for path in (tmp_path / "gone.csv", tmp_path):
        result = check_file(path, "PRJ-A", P, MONTH, registry)
        assert not result.ok and result.findings["rule"].to_list() == ["unreadable_file"]
