"""What the uploader gets back: <stem>.errors.csv (every finding, opens in German Excel) and
<stem>.summary.txt (German first, then English)."""

from __future__ import annotations

import polars as pl
import pytest
from fixtures.intake.builders import MONTH, PROJECT, rows, write_csv, write_registry
from polars.testing import assert_frame_equal

from esf_monitor.intake import check_file, read_registry, write_report


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return read_registry(write_registry(tmp_path_factory.mktemp("reg") / "projects.csv"))


@pytest.fixture
def rejected(tmp_path, registry):
    data = rows("participants")
    data[0]["gender"] = "w"
    data[1]["district"] = "anna.schmidt@example.org"
    data[2]["exit_date"] = "2025-13-01"
    data[3]["isced"] = None  # a warning besides the errors
    return check_file(write_csv(tmp_path / f"{MONTH}.csv", data), PROJECT, "participants", MONTH, registry)


def test_report_files_are_written(rejected, tmp_path):
    paths = write_report(rejected, tmp_path / "quarantine", "20250710_abc123")
    assert [p.name for p in paths] == ["20250710_abc123.errors.csv", "20250710_abc123.summary.txt"]
    assert all(p.is_file() for p in paths)


def test_errors_csv_opens_in_german_excel_and_lists_every_finding(rejected, tmp_path):
    errors_csv = write_report(rejected, tmp_path, "x")[0]
    raw = errors_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel then reads UTF-8 (umlauts)
    assert raw[3:].split(b"\n", 1)[0].decode() == "severity;row;column;value;rule;message_de;message_en"
    back = pl.read_csv(errors_csv, separator=";", schema=rejected.findings.schema)
    assert_frame_equal(back, rejected.findings)
    assert sorted(back.filter(pl.col("severity") == "error")["rule"]) == [
        "code_list",
        "date_format",
        "personal_data_value",
    ]
    assert "überschneidet" not in raw.decode("utf-8-sig")  # no consequential noise
    assert "Zeile 2, Spalte gender: Wert 'w' ist nicht erlaubt" in raw.decode("utf-8-sig")


def test_summary_is_german_first_then_english(rejected, tmp_path):
    text = write_report(rejected, tmp_path, "x")[1].read_text(encoding="utf-8")
    german, english = text.index("Ergebnis: ABGELEHNT"), text.index("Result: REJECTED")
    assert german == 0 and english > german
    assert "Fehler: 3" in text and "errors: 3" in text
    assert "Wert nicht erlaubt (code_list): 1" in text
    assert "Was tun:" in text and "What to do:" in text
    assert "Zeile 2, Spalte gender" in text[:english] and "Row 2, column gender" in text[english:]


def test_no_personal_value_in_any_report_file(rejected, tmp_path):
    for path in write_report(rejected, tmp_path, "x"):
        content = path.read_text(encoding="utf-8-sig")
        assert "anna.schmidt" not in content and "example.org" not in content and "a***" not in content
        assert "the value looks like an e-mail address" in content  # column and rule, never the value


def test_accepted_file_with_warnings_has_a_summary_to_act_on(tmp_path, registry):
    data = rows("participants")
    data[1]["gender"] = None
    result = check_file(write_csv(tmp_path / "a.csv", data), PROJECT, "participants", MONTH, registry)
    assert result.ok
    assert result.summary_de.startswith("Ergebnis: ANGENOMMEN mit Hinweisen")
    assert "Zeilen mit fehlenden Kerndaten: 1" in result.summary_de
    assert "Rows with missing core data: 1" in result.summary_en
    assert "nachtragen" in result.summary_de
    summary = write_report(result, tmp_path / "reports")[1]  # stem defaults to the file's name
    assert summary.name == "a.summary.txt"


def test_summary_shows_the_first_findings_and_how_many_more(tmp_path, registry):
    data = [record for _ in range(4) for record in rows("participants")]
    for i, record in enumerate(data):
        record["participant_id"] = f"P-ROW-{i:05d}"
        record["nationality"] = "deutsch"
    result = check_file(write_csv(tmp_path / "x.csv", data), PROJECT, "participants", MONTH, registry)
    assert result.summary_de.count("  - Zeile ") == 10
    assert "… und 6 weitere" in result.summary_de
    assert "… and 6 more" in result.summary_en


def test_file_that_is_no_table_gets_export_advice(tmp_path, registry):
    path = tmp_path / f"{MONTH}.csv"
    path.write_bytes(b"")
    result = check_file(path, PROJECT, "participants", MONTH, registry)
    assert "neu aus dem Fachverfahren oder Excel exportieren" in result.summary_de
    assert "export the data again" in result.summary_en
