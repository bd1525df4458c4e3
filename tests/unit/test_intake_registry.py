"""The project registry is read typed, and any invalid entry stops with a bilingual RegistryError
naming row, column, value and rule."""

from __future__ import annotations

import copy
from datetime import date

import polars as pl
import pytest
from fixtures.intake.builders import REGISTRY_ROWS, write_csv, write_registry

from esf_monitor.intake import RegistryError, read_registry
from schemas.codes import REGISTRY_COLUMNS


def test_valid_registry_is_typed(tmp_path):
    frame = read_registry(write_registry(tmp_path / "projects.csv"))
    assert tuple(frame.columns) == REGISTRY_COLUMNS
    assert frame.schema["start_date"] == pl.Date and frame.schema["planned_participants"] == pl.Int32
    assert frame.row(0, named=True)["end_date"] == date(2026, 12, 31)
    assert frame["project_id"].to_list() == ["PRJ-A", "PRJ-B", "PRJ-C"]


def test_registry_in_german_excel_dialect(tmp_path):
    records = [
        {
            **r,
            "start_date": date.fromisoformat(r["start_date"]),
            "end_date": date.fromisoformat(r["end_date"]),
        }
        for r in REGISTRY_ROWS
    ]
    path = write_csv(
        tmp_path / "projects.csv",
        records,
        delimiter=";",
        encoding="cp1252",
        newline="\r\n",
        date_format="%d.%m.%Y",
        header=str.upper,
    )
    assert read_registry(path)["district"].to_list() == ["Köln", "Köln", "Lüneburg"]


def _broken(row: int, **changes) -> list[dict]:
    table = copy.deepcopy(REGISTRY_ROWS)
    table[row - 2].update(changes)
    return table


@pytest.mark.parametrize(
    "table, rule, row, column",
    [
        (_broken(3, project_id="prj b"), "id_pattern", 3, "project_id"),
        (_broken(3, project_id="PRJ-A"), "key_unique", 3, "project_id"),
        (_broken(2, end_date="2022-12-31"), "end_before_start", 2, "end_date"),
        (_broken(4, category_of_region="rich"), "code_list", 4, "category_of_region"),
        (_broken(2, target_group="everyone"), "code_list", 2, "target_group"),
        (_broken(3, start_date="1.3.24x"), "date_format", 3, "start_date"),
        (_broken(2, planned_participants="-1"), "out_of_range", 2, "planned_participants"),
        (_broken(4, jobcenter_id=""), "missing_required", 4, "jobcenter_id"),
        (_broken(4, jobcenter_id="PRJ-A"), "provider_kind_ambiguous", 4, "jobcenter_id"),
    ],
)
def test_invalid_registry_names_row_column_value_and_rule(table, rule, row, column, tmp_path):
    with pytest.raises(RegistryError) as info:
        read_registry(write_registry(tmp_path / "projects.csv", table))
    findings = info.value.findings
    assert set(findings["rule"]) == {rule}
    assert (row, column) in findings.select("row", "column").rows()
    text = str(info.value)
    assert "Projektregister" in text and "project registry" in text
    assert f"Zeile {row}, Spalte {column}" in text and f"Row {row}, column {column}" in text
    assert f"[{rule}]" in text


def test_all_problems_are_listed_at_once(tmp_path):
    table = _broken(2, end_date="2020-01-01")
    table[2]["category_of_region"] = "rich"
    with pytest.raises(RegistryError) as info:
        read_registry(write_registry(tmp_path / "projects.csv", table))
    assert sorted(info.value.findings["rule"]) == ["code_list", "end_before_start"]


def test_missing_column_and_missing_file(tmp_path):
    table = [{k: v for k, v in r.items() if k != "end_date"} for r in REGISTRY_ROWS]
    with pytest.raises(RegistryError) as info:
        read_registry(write_registry(tmp_path / "projects.csv", table))
    assert info.value.findings.select("rule", "column").rows() == [("missing_required", "end_date")]
    with pytest.raises(RegistryError, match="not found"):
        read_registry(tmp_path / "nope.csv")
