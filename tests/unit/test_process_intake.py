"""Process monitoring, intake (docs/process-monitoring.md): the two registries and the
``process_checklist`` extract, through the same check_file / read_registry / landing path as
every other extract."""

from __future__ import annotations

import copy
from datetime import date

import polars as pl
import pytest
from fixtures.process.builders import (
    ANSWERS,
    CHECKLIST_ITEMS,
    MUNICIPALITIES,
    WAVE,
    write_registries,
    write_table,
)

from esf_monitor.intake import (
    RegistryError,
    check_file,
    parse_landing_path,
    read_registry,
)
from esf_monitor.intake.paths import PathRejected, provider_kind
from esf_monitor.intake.registry import registry_sha256

COLUMNS = ["item_id", "status", "responsibility", "note"]


@pytest.fixture
def registry(tmp_path):
    return read_registry(write_registries(tmp_path / "reference"))


def _check(tmp_path, registry, rows, provider="KOM-A", wave=WAVE, columns=COLUMNS):
    path = write_table(
        tmp_path / "landing" / provider / "process_checklist" / f"{wave}.csv",
        rows,
        columns,
    )
    return check_file(path, provider, "process_checklist", wave, registry)


def _rules(result, severity="error") -> list[tuple]:
    return sorted(
        (r["rule"], r["row"])
        for r in result.findings.filter(pl.col("severity") == severity).iter_rows(named=True)
    )


def test_registries_are_read_beside_the_project_registry(registry):
    assert registry["project_id"].to_list() == ["PRJ-A", "PRJ-B", "PRJ-C"]
    assert registry.municipalities["municipality_id"].to_list() == [
        "KOM-A",
        "KOM-B",
        "KOM-C",
    ]
    assert registry.municipalities["joined_on"].to_list()[2] == date(2020, 9, 1)
    assert registry.checklist_items["item_id"].to_list() == [r["item_id"] for r in CHECKLIST_ITEMS]
    assert registry.checklist_items["asks_responsibility"].to_list() == [
        False,
        False,
        True,
        False,
    ]
    assert registry.checklist_items["last_wave"].to_list() == [None] * 4


def test_without_process_registries_nothing_changes(tmp_path):
    from fixtures.intake.builders import write_registry

    path = write_registry(tmp_path / "projects.csv")
    frame = read_registry(path)
    assert frame.municipalities.height == 0 and frame.checklist_items.height == 0
    from esf_monitor import store

    assert registry_sha256(path) == store.sha256_of(path)  # the checksum as before


def test_registry_checksum_covers_the_process_registries(tmp_path):
    path = write_registries(tmp_path / "reference")
    before = registry_sha256(path)
    towns = copy.deepcopy(MUNICIPALITIES)
    towns[0]["municipality_name"] = "Kreis Alpha-Neu"
    write_table(tmp_path / "reference" / "municipalities.csv", towns)
    assert registry_sha256(path) != before


@pytest.mark.parametrize(
    "change, file, rule",
    [
        (
            {"municipality_id": "JC-X"},
            "municipalities",
            "provider_kind_ambiguous",
        ),  # a jobcenter id
        (
            {"municipality_id": "PRJ-B"},
            "municipalities",
            "provider_kind_ambiguous",
        ),  # a project id
        ({"municipality_id": "kom a"}, "municipalities", "id_pattern"),
        ({"kind": "village"}, "municipalities", "code_list"),
        ({"joined_on": "32.01.2019"}, "municipalities", "date_format"),
        ({"item_id": "1.1 BKG"}, "checklist_items", "id_pattern"),
        ({"first_wave": "2020-13"}, "checklist_items", "month_format"),
        ({"last_wave": "2019-12"}, "checklist_items", "last_wave_before_first"),
        ({"asks_responsibility": "vielleicht"}, "checklist_items", "bool_format"),
    ],
)
def test_invalid_process_registry_stops(tmp_path, change, file, rule):
    towns, items = copy.deepcopy(MUNICIPALITIES), copy.deepcopy(CHECKLIST_ITEMS)
    (towns if file == "municipalities" else items)[1].update(change)
    path = write_registries(tmp_path / "reference", towns, items)
    with pytest.raises(RegistryError) as exc:
        read_registry(path)
    assert exc.value.path.name == f"{file}.csv"
    assert exc.value.findings.filter(pl.col("rule") == rule)["row"].to_list() == [3]
    assert "ungültig" in str(exc.value) and "invalid" in str(exc.value)


def test_duplicate_ids_in_the_process_registries_stop(tmp_path):
    items = copy.deepcopy(CHECKLIST_ITEMS)
    items[2]["item_id"] = items[0]["item_id"]
    with pytest.raises(RegistryError) as exc:
        read_registry(write_registries(tmp_path / "reference", items=items))
    assert "key_unique" in exc.value.findings["rule"].to_list()


def test_only_municipalities_send_checklists(tmp_path, registry):
    landing = tmp_path / "landing"
    assert provider_kind("KOM-B", registry) == "municipality"
    ok = parse_landing_path(landing / "KOM-B" / "process_checklist" / "2020-06.xlsx", landing, registry)
    assert (ok.provider_id, ok.extract_type, ok.month, ok.ext) == (
        "KOM-B",
        "process_checklist",
        "2020-06",
        "xlsx",
    )
    with pytest.raises(PathRejected) as exc:  # a municipality sends nothing else
        parse_landing_path(landing / "KOM-B" / "participants" / "2020-06.csv", landing, registry)
    assert "Kommune 'KOM-B'" in exc.value.reason_de and "only process_checklist" in exc.value.reason_en
    for sender in ("PRJ-A", "JC-X"):  # nobody else sends checklists
        with pytest.raises(PathRejected):
            parse_landing_path(
                landing / sender / "process_checklist" / "2020-06.csv",
                landing,
                registry,
            )
    result = _check(tmp_path, registry, ANSWERS, provider="PRJ-A")
    assert not result.ok and "extract_type_not_allowed" in result.findings["rule"].to_list()


def test_valid_checklist_with_german_wordings(tmp_path, registry):
    result = _check(tmp_path, registry, ANSWERS)
    assert result.ok, result.findings
    assert result.data.columns == [*COLUMNS, "_source_row"]
    assert result.data["status"].to_list() == [
        "implemented",
        "in_planning",
        "implemented",
    ]
    assert result.data["responsibility"].to_list() == [None, None, "thm_alone"]
    assert result.data["note"].to_list() == [None, "Gespräch mit der ABH im Juli", None]
    assert _rules(result, "warning") == []  # every item of 2020-06 answered (1.7 is asked from 2020-12)


@pytest.mark.parametrize(
    "wording, code",
    [
        ("  nein ", "no"),
        ("NOCH NICHT GEPLANT, WÄRE ABER SINNVOLL", "not_planned_useful"),
        ("in planung", "in_planning"),
        ("Bereits umgesetzt", "implemented"),
        ("Implemented", "implemented"),
    ],
)
def test_status_wordings(tmp_path, registry, wording, code):
    rows = copy.deepcopy(ANSWERS)
    rows[0]["status"] = wording
    result = _check(tmp_path, registry, rows)
    assert result.ok, result.findings
    assert result.data["status"][0] == code


def _one_change(row: int, **change) -> list[dict]:
    rows = copy.deepcopy(ANSWERS)
    rows[row - 2].update(change)
    return rows


@pytest.mark.parametrize(
    "rows, rule, row",
    [
        (_one_change(3, item_id="9.9_unknown"), "unknown_item", 3),
        (_one_change(2, status="teilweise"), "code_list", 2),
        (_one_change(4, responsibility="mayor"), "code_list", 4),
        (_one_change(2, responsibility="thm_shared"), "responsibility_not_asked", 2),
        (_one_change(3, item_id="1.1_bkg_meetings"), "key_unique", 3),
        (_one_change(2, status=""), "missing_required", 2),
        (_one_change(3, note="x" * 501), "text_too_long", 3),
        (
            _one_change(3, note="Rückruf bitte an max.mustermann@example.org"),
            "personal_data_value",
            3,
        ),
        (
            [
                *ANSWERS,
                {
                    "item_id": "1.7_participation",
                    "status": "no",
                    "responsibility": "",
                    "note": "",
                },
            ],
            "item_not_asked",
            5,
        ),
    ],
)
def test_errors_reject_the_file(tmp_path, registry, rows, rule, row):
    result = _check(tmp_path, registry, rows)
    assert not result.ok and result.data is None
    assert _rules(result) == [(rule, row)]
    assert result.findings["message_de"][0] and result.findings["message_en"][0]


def test_a_note_of_500_characters_is_accepted(tmp_path, registry):
    result = _check(tmp_path, registry, _one_change(3, note="ä" * 500))
    assert result.ok, result.findings


def test_personal_data_goes_to_the_restricted_quarantine_flag(tmp_path, registry):
    result = _check(tmp_path, registry, _one_change(3, note="Frau M. erreichbar unter 0171 2345678"))
    assert not result.ok and result.personal_data
    assert result.findings.filter(pl.col("rule") == "personal_data_value")["value"].to_list() == [None]


def test_unanswered_items_are_a_warning(tmp_path, registry):
    result = _check(tmp_path, registry, ANSWERS[:2])
    assert result.ok
    warning = result.findings.filter(pl.col("rule") == "items_not_answered").row(0, named=True)
    assert warning["severity"] == "warning"
    assert (
        "1: 1.6_needs_analysis" in warning["message_de"] and "1: 1.6_needs_analysis" in warning["message_en"]
    )
    assert "ANGENOMMEN mit Hinweisen" in result.summary_de and "Checkliste" in result.summary_de


def test_item_asked_from_a_later_wave(tmp_path, registry):
    rows = [
        *ANSWERS,
        {
            "item_id": "1.7_participation",
            "status": "Nein",
            "responsibility": "",
            "note": "",
        },
    ]
    result = _check(tmp_path, registry, rows, wave="2020-12")
    assert result.ok, result.findings
    assert result.data["status"].to_list()[-1] == "no"


def test_ingest_archives_loads_and_versions_like_every_extract(tmp_path):
    """Same path as the other extracts: receive → validate → archive → raw table → versions.jsonl;
    the same bytes again change nothing; a rejected re-send keeps the accepted rows."""
    import duckdb

    from esf_monitor import store
    from esf_monitor.ingest import ingest_slot
    from esf_monitor.paths import DataDir

    dd = DataDir(tmp_path / "data").ensure()
    registry = read_registry(write_registries(dd.reference))
    landing = dd.landing / "KOM-A" / "process_checklist" / f"{WAVE}.csv"
    write_table(landing, ANSWERS)
    first = ingest_slot(dd, "KOM-A", "process_checklist", WAVE, registry)
    assert first.accepted and first.record.row_count == 3
    again = ingest_slot(dd, "KOM-A", "process_checklist", WAVE, registry)
    assert again.unchanged
    write_table(landing, _one_change(2, status="vielleicht"))
    rejected = ingest_slot(dd, "KOM-A", "process_checklist", WAVE, registry)
    assert not rejected.accepted and rejected.record.quarantine_path
    assert [v.status for v in store.read_versions(dd, "KOM-A", "process_checklist", WAVE)] == [
        "accepted",
        "rejected",
    ]
    con = duckdb.connect(str(dd.warehouse), read_only=True)
    rows = con.execute(
        "select item_id, status, responsibility, note, _provider_id, _reporting_month "
        "from raw.process_checklist order by _source_row"
    ).fetchall()
    con.close()
    assert rows == [
        ("1.1_bkg_meetings", "implemented", None, None, "KOM-A", WAVE),
        (
            "1.1_abh_cooperation",
            "in_planning",
            None,
            "Gespräch mit der ABH im Juli",
            "KOM-A",
            WAVE,
        ),
        ("1.6_needs_analysis", "implemented", "thm_alone", None, "KOM-A", WAVE),
    ]


def test_personal_data_in_a_note_goes_to_the_restricted_quarantine(tmp_path):
    from esf_monitor.ingest import ingest_slot
    from esf_monitor.paths import DataDir

    dd = DataDir(tmp_path / "data").ensure()
    registry = read_registry(write_registries(dd.reference))
    note = "Ansprechpartnerin: erika.musterfrau@example.org"
    write_table(
        dd.landing / "KOM-B" / "process_checklist" / f"{WAVE}.csv",
        _one_change(2, note=note),
    )
    outcome = ingest_slot(dd, "KOM-B", "process_checklist", WAVE, registry)
    assert not outcome.accepted
    assert "quarantine_restricted" in outcome.record.quarantine_path
    assert not list((dd.archive).rglob("*.csv"))
    assert note not in outcome.record.summary_de and note not in outcome.record.summary_en
