"""Cells the project writes (issue #13, classes 5, 7, 8 and 10): no formula reaches Excel,
numbers stay numbers, quoted values are capped, invisible characters are shown, and exports are
byte-identical for identical data."""

from __future__ import annotations

import polars as pl
import pytest

from esf_monitor import exports
from esf_monitor.intake import findings as fnd
from esf_monitor.intake.report import write_report
from esf_monitor.safe_cells import (
    QUOTE_LIMIT,
    cap_text,
    neutralise_formulas,
    visible,
    write_safe_csv,
)


@pytest.mark.parametrize(
    "value, written",
    [
        ('=HYPERLINK("http://x";"klick")', '\'=HYPERLINK("http://x";"klick")'),
        ("+49 171 1234567", "'+49 171 1234567"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("-3", "-3"),
        ("+0.5", "+0.5"),
        ("-1.25e-3", "-1.25e-3"),
        (".5", ".5"),
        ("Köln", "Köln"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_formula_cells_get_a_quote_numbers_do_not(value, written):
    frame = pl.DataFrame({"text": [value], "number": [-1.5]})
    out = neutralise_formulas(frame)
    assert out["text"].to_list() == [written]
    assert out["number"].to_list() == [-1.5] and out.schema["number"] == pl.Float64


def test_the_errors_csv_neutralises_formulas(tmp_path):
    from fixtures.intake.builders import MONTH, PROJECT, rows, write_csv, write_registry

    from esf_monitor.intake import check_file, read_registry

    registry = read_registry(write_registry(tmp_path / "projects.csv"))
    records = rows("participants")
    records[0] = {**records[0], "gender": "=1+1", "district": "@SUM(A1)"}
    path = write_csv(tmp_path / f"{MONTH}.csv", records)
    result = check_file(path, PROJECT, "participants", MONTH, registry)
    assert not result.ok
    errors_csv, _ = write_report(result, tmp_path / "out")
    back = pl.read_csv(errors_csv, separator=";", infer_schema=False)
    gender = back.filter(pl.col("column") == "gender")
    assert gender["value"].to_list() == ["'=1+1"]
    assert not any(v.startswith(("=", "+", "-", "@")) for v in back["message_de"].drop_nulls())
    assert result.findings.filter(pl.col("column") == "gender")["value"].to_list() == ["=1+1"]


def test_export_csv_writer_neutralises_and_keeps_numbers(tmp_path):
    frame = pl.DataFrame({"project_id": ["=EVIL()", "PRJ-A"], "value": ["-0.25", "12"]})
    path = exports.write_csv(frame, tmp_path / "x.csv")
    assert path.read_text(encoding="utf-8") == "project_id,value\n'=EVIL(),-0.25\nPRJ-A,12\n"


def test_write_safe_csv_passes_options(tmp_path):
    write_safe_csv(pl.DataFrame({"a": ["=1"]}), tmp_path / "a.csv", separator=";", include_bom=True)
    assert (tmp_path / "a.csv").read_bytes() == b"\xef\xbb\xbfa\n'=1\n"


# ------------------------------------------------------------------ caps (class 7)


def test_quoted_values_in_findings_are_capped():
    huge = "x" * 5_000_000
    frame = pl.DataFrame(
        {
            "severity": ["error"],
            "row": [2],
            "column": ["district"],
            "value": [huge],
            "rule": ["code_list"],
            "detail_de": ["a"],
            "detail_en": ["a"],
        },
        schema_overrides={"row": pl.Int32},
    )
    out = fnd.with_messages(fnd.combine([frame]))
    expected = "x" * QUOTE_LIMIT + f"… (+{5_000_000 - QUOTE_LIMIT} Zeichen / characters)"
    assert out["value"].to_list() == [expected]
    assert len(out["message_de"][0]) < 400 and len(out["message_en"][0]) < 400


def test_cap_text():
    assert cap_text("abc", 5) == "abc" and cap_text(None) is None
    assert cap_text("abcdefgh", 3) == "abc… (+5 Zeichen / characters)"


# ------------------------------------------------------------------ code points (class 8)


def test_visible_shows_code_points_of_what_prints_alike():
    assert visible("JC-X") == "JC-X"
    assert visible("JC\u2011X") == "JC<U+2011 NON-BREAKING HYPHEN>X"
    assert visible("a\u200bb\n") == "a<U+200B ZERO WIDTH SPACE>b<U+000A>"


# ------------------------------------------------------------------ deterministic exports (class 10)


def test_floats_that_differ_in_the_last_bits_export_identically(tmp_path):
    a = 2 / 102.5
    b = sum([1 / 102.5, 1 / 102.5])  # the same figure summed in another order
    c = 0.1 + 0.2
    assert c != 0.3  # the noise the export must not show
    rows = lambda x, y: pl.DataFrame(
        {
            "cutoff": ["2025-06"] * 2,
            "project_id": ["A", "B"],
            "indicator": ["reach_rate_12m"] * 2,
            "gender": ["total"] * 2,
            "numerator": [2.0, 3.0],
            "denominator": [102.5, 10.0],
            "value": [x, y],
        }
    )
    first = exports.write_csv(exports._format(rows(a, 0.3), "indicators"), tmp_path / "1.csv").read_bytes()
    second = exports.write_csv(exports._format(rows(b, c), "indicators"), tmp_path / "2.csv").read_bytes()
    assert first == second
    assert first.decode().splitlines()[1:] == [
        "2025-06,A,reach_rate_12m,total,2,102.5,0.019512195122",
        "2025-06,B,reach_rate_12m,total,3,10,0.3",
    ]


def test_all_months_float_columns_are_rounded_too():
    frame = pl.DataFrame({"x": [0.1 + 0.2, 1.0], "name": ["a", "b"]})
    assert exports._fixed_floats(frame)["x"].to_list() == [0.3, 1.0]
