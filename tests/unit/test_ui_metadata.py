"""The metadata helpers behind the Dagster UI (issue #17, item 7), called as functions."""

from __future__ import annotations

import dagster as dg
import duckdb

from esf_monitor.ingest import IngestOutcome
from esf_monitor.store import VersionRecord
from orchestration.metadata import (
    DEFAULT_OWNERS,
    dashboard_pages,
    outcome_table,
    owners_for,
    run_outcome,
    slot_metadata,
    table_metadata,
)

KEY = "P-1|participants|2024-05"


def _outcome(status="accepted", rows=12, errors=0, unchanged=False, quarantine=""):
    rec = VersionRecord(
        provider_id="P-1",
        extract_type="participants",
        reporting_month="2024-05",
        sha256="ab" * 32,
        file_name="2024-05.csv",
        arrived_at="2024-06-03T08:00:00Z",
        status=status,
        row_count=rows,
        error_count=errors,
        quarantine_path=quarantine,
        summary_de="Datei abgelehnt",
        summary_en="file rejected",
    )
    return IngestOutcome(record=rec, findings=None, unchanged=unchanged)


def test_the_outcomes_table_keeps_slot_keys_with_bars_in_one_cell():
    """The old Markdown table split `P-1|participants|2024-05` into three columns."""
    table = outcome_table(
        [
            (KEY, _outcome()),
            ("P-2|participants|2024-05", _outcome("rejected", 3, 2)),
            ("P-3|participants|2024-05", None),
        ]
    )
    assert isinstance(table, dg.TableMetadataValue)
    assert [c.name for c in table.schema.columns] == [
        "slot",
        "status",
        "rows",
        "errors",
        "warnings",
        "incomplete",
    ]
    assert [r.data for r in table.records] == [
        {"slot": KEY, "status": "accepted", "rows": 12, "errors": 0, "warnings": 0, "incomplete": 0},
        {
            "slot": "P-2|participants|2024-05",
            "status": "rejected",
            "rows": 3,
            "errors": 2,
            "warnings": 0,
            "incomplete": 0,
        },
        {
            "slot": "P-3|participants|2024-05",
            "status": "skipped",
            "rows": 0,
            "errors": 0,
            "warnings": 0,
            "incomplete": 0,
        },
    ]
    assert (
        outcome_table([(KEY, _outcome(unchanged=True))]).records[0].data["status"] == "accepted (unchanged)"
    )


def test_a_run_outcome_word_for_the_run_tag():
    assert run_outcome(["accepted", "accepted"]) == "accepted"
    assert run_outcome(["rejected"]) == "rejected"
    assert run_outcome(["accepted", "rejected", "skipped"]) == "partly_rejected"
    assert run_outcome(["skipped", "deferred"]) == "nothing_loaded"
    assert run_outcome(["rejected", "skipped"]) == "rejected"


def test_a_partition_carries_its_own_file_and_rows(tmp_path):
    meta = slot_metadata(KEY, _outcome(rows=12), rows_in_table=12, versions=2)
    assert meta["dagster/partition_row_count"] == 12 and meta["file_rows"] == 12
    assert meta["status"] == "accepted" and meta["versions"] == 2
    assert "summary" not in meta and "raw_table" not in meta

    quarantined = tmp_path / "2024-05.csv"
    (tmp_path / "2024-05.csv.errors.csv").write_text("x", encoding="utf-8")
    # a rejected re-send: 7 rows in the file, the 12 rows of the accepted version stay
    meta = slot_metadata(
        KEY, _outcome("rejected", 7, 3, quarantine=str(quarantined)), rows_in_table=12, versions=3
    )
    assert meta["status"] == "rejected" and meta["errors"] == 3
    assert meta["file_rows"] == 7 and meta["dagster/partition_row_count"] == 12
    assert meta["report"].value == str(tmp_path / "2024-05.csv.errors.csv")
    assert meta["quarantine"].value == str(quarantined)
    assert "Datei abgelehnt" in meta["summary"].value and "file rejected" in meta["summary"].value

    assert slot_metadata(KEY, None, rows_in_table=0, versions=None)["status"] == "skipped"


def test_table_metadata_has_the_warehouse_types_and_row_count():
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.t (a varchar not null, b date, c integer)")
    con.execute("insert into raw.t values ('x', '2024-01-01', 1), ('y', null, 2)")
    meta = table_metadata(con, "raw", "t")
    assert meta["dagster/row_count"] == 2
    assert meta["dagster/table_name"] == "esf.raw.t"
    cols = meta["dagster/column_schema"].columns
    assert [(c.name, c.type, c.constraints.nullable) for c in cols] == [
        ("a", "VARCHAR", False),
        ("b", "DATE", True),
        ("c", "INTEGER", True),
    ]


def test_pages_follow_the_lineage_to_the_marts():
    specs = [
        dg.AssetSpec("src"),
        dg.AssetSpec("stg", deps=["src"]),
        dg.AssetSpec("sfc_table", deps=["stg"]),
        dg.AssetSpec("indicators", deps=["stg"]),
        dg.AssetSpec("other", deps=["src"]),  # reaches no mart
        dg.AssetSpec("indicator_exports", deps=["sfc_table", "indicators"]),
    ]
    pages = {k.to_user_string(): v for k, v in dashboard_pages(specs).items()}
    assert pages["sfc_table"] == ["internal/sfc.html", "public/sfc.html"]
    assert pages["stg"] == sorted(set(pages["sfc_table"]) | set(pages["indicators"]))
    assert pages["src"] == pages["stg"]
    assert "other" not in pages
    # the exports feed the internal pages only (the public release reads the marts)
    assert all(p.startswith("internal/") for p in pages["indicator_exports"])


def test_a_group_without_named_owners_belongs_to_the_data_team():
    assert owners_for("a_new_dbt_folder") == DEFAULT_OWNERS
    assert owners_for(None) == DEFAULT_OWNERS
    assert owners_for("marts") == ["team:datenteam", "team:analyse"]


def test_model_metadata_for_a_whole_build_in_two_queries():
    from orchestration.metadata import model_table_metadata

    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.indicators (cutoff varchar, value double)")
    con.execute("insert into marts.indicators values ('2024-06', 0.5), ('2024-06', 0.25), ('2024-12', 1)")
    con.execute("create view marts.v as select cutoff from marts.indicators where value < 1")
    got = model_table_metadata(
        con,
        {
            "model.esf_monitor.indicators": ("marts", "indicators"),
            "model.esf_monitor.v": ("marts", "v"),
            "model.esf_monitor.failed": ("marts", "not_built"),  # absent: no metadata, no error
        },
    )
    assert set(got) == {"model.esf_monitor.indicators", "model.esf_monitor.v"}
    table = got["model.esf_monitor.indicators"]
    assert table["dagster/row_count"] == 3
    assert [(c.name, c.type) for c in table["dagster/column_schema"].columns] == [
        ("cutoff", "VARCHAR"),
        ("value", "DOUBLE"),
    ]
    assert table["dagster/table_name"] == "esf.marts.indicators"
    assert got["model.esf_monitor.v"]["dagster/row_count"] == 2
    assert model_table_metadata(con, {}) == {}
