"""What a landing file is before it is read (issue #13, classes 3, 8 and 9):
tool debris, a file still being copied (settle time), an ambiguous slot, a provider the
registry does not know yet, a path that names no slot — each with a clear reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fixtures.intake.builders import REGISTRY_ROWS, write_registry

from esf_monitor.intake import read_registry
from esf_monitor.intake.landing import (
    DEFAULT_SETTLE_SECONDS,
    classify_landing_path,
    is_debris,
    settle_seconds,
)
from esf_monitor.intake.paths import PathRejected, ProviderUnknown, parse_landing_path

SECOND = 1_000_000_000


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return read_registry(write_registry(tmp_path_factory.mktemp("reg") / "projects.csv"))


@pytest.fixture
def landing(tmp_path) -> Path:
    root = tmp_path / "landing"
    (root / "PRJ-A" / "participants").mkdir(parents=True)
    return root


def put(landing: Path, relative: str, content: bytes = b"participant_id\n") -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def later(path: Path, seconds: float) -> int:
    """``now`` this many seconds after the file's last change (no sleep)."""
    return path.lstat().st_ctime_ns + int(seconds * SECOND)


# ------------------------------------------------------------------ debris (class 3)


@pytest.mark.parametrize(
    "name",
    [
        ".~lock.2025-06.csv#",
        "~$2025-06.xlsx",
        ".DS_Store",
        "2025-06.csv.tmp",
        "2025-06.csv.part",
        ".2025-06.csv.uploading",
        ".hidden.csv",
        "2025-06.CSV.PART",
        "Thumbs.db",
    ],
)
def test_tool_debris_is_ignored_with_a_reason(landing, registry, name):
    path = put(landing, f"PRJ-A/participants/{name}")
    status = classify_landing_path(path, landing, registry, now_ns=later(path, 60), settle_s=10)
    assert status.kind == "debris"
    assert status.reason_en.startswith("tool debris, ignored: ")
    assert status.reason_de.startswith("Hilfsdatei eines Programms, ignoriert: ")


def test_a_file_in_a_hidden_folder_is_debris(landing):
    assert is_debris(landing / ".Trash-1000" / "files" / "2025-06.csv", landing)
    assert not is_debris(landing / "PRJ-A" / "participants" / "2025-06.csv", landing)


# ------------------------------------------------------------------ settle time (class 3)


def test_a_file_changed_within_the_settle_time_waits(landing, registry):
    path = put(landing, "PRJ-A/participants/2025-06.csv")
    status = classify_landing_path(path, landing, registry, now_ns=later(path, 9.9), settle_s=10)
    assert status.kind == "unsettled"
    assert status.slot.month == "2025-06"
    assert status.reason_en == "may still be being copied (last changed 9.9 s ago, settle time 10 s)"
    assert status.reason_de == "wird evtl. noch kopiert (zuletzt vor 9.9 s geändert, Wartezeit 10 s)"


def test_a_file_unchanged_for_the_settle_time_is_read(landing, registry):
    path = put(landing, "PRJ-A/participants/2025-06.csv")
    status = classify_landing_path(path, landing, registry, now_ns=later(path, 10), settle_s=10)
    assert status.kind == "ok" and status.slot.provider_id == "PRJ-A"


def test_an_old_mtime_does_not_make_a_file_being_copied_settled(landing, registry):
    """cp -p / rsync set the OLD mtime while still writing: ctime decides."""
    path = put(landing, "PRJ-A/participants/2025-06.csv")
    os.utime(path, (1_600_000_000, 1_600_000_000))  # 2020: looks long settled by mtime
    status = classify_landing_path(path, landing, registry, now_ns=later(path, 1), settle_s=10)
    assert status.kind == "unsettled"


def test_settle_time_defaults_to_the_contracts_ten_seconds(monkeypatch):
    monkeypatch.delenv("ESF_SETTLE_SECONDS", raising=False)
    assert DEFAULT_SETTLE_SECONDS == 10.0 and settle_seconds() == 10.0
    monkeypatch.setenv("ESF_SETTLE_SECONDS", "2.5")
    assert settle_seconds() == 2.5
    monkeypatch.setenv("ESF_SETTLE_SECONDS", "soon")
    assert settle_seconds() == 10.0


# ------------------------------------------------------------------ ambiguous slots (class 3)


@pytest.mark.parametrize(
    "names",
    [("2025-06.csv", "2025-06.CSV"), ("2025-06.csv", "2025-06.xlsx"), ("2025-06.Csv", "2025-06.XLSX")],
)
def test_two_candidate_files_for_one_slot_are_ambiguous_for_both(landing, registry, names):
    paths = [put(landing, f"PRJ-A/participants/{n}") for n in names]
    listed = ", ".join(sorted(names))
    for path in paths:
        status = classify_landing_path(path, landing, registry, now_ns=later(path, 60), settle_s=10)
        assert status.kind == "ambiguous"
        assert status.reason_en == (
            f"ambiguous: PRJ-A|participants|2025-06 has several files ({listed}); "
            "please send only one – until then none is read"
        )
        assert status.reason_de.startswith(
            "mehrdeutig: für PRJ-A|participants|2025-06 liegen mehrere Dateien vor"
        )


def test_debris_beside_an_upload_does_not_make_it_ambiguous(landing, registry):
    path = put(landing, "PRJ-A/participants/2025-06.csv")
    put(landing, "PRJ-A/participants/.~lock.2025-06.csv#")
    put(landing, "PRJ-A/participants/2025-06.csv.part")
    status = classify_landing_path(path, landing, registry, now_ns=later(path, 60), settle_s=10)
    assert status.kind == "ok"


# ------------------------------------------------------------------ unknown provider (class 9)


def test_a_valid_path_of_an_unknown_provider_waits_in_landing(landing, registry):
    path = put(landing, "NEW-PRJ/participants/2025-06.csv")
    status = classify_landing_path(path, landing, registry, now_ns=later(path, 60), settle_s=10)
    assert status.kind == "unknown_provider"
    assert status.reason_en == (
        "sender 'NEW-PRJ' is not in the project registry – the file stays in "
        "landing/ until the registry knows the sender"
    )
    with pytest.raises(ProviderUnknown):
        parse_landing_path(path, landing, registry)


# ------------------------------------------------------------------ invisible differences (class 8)


@pytest.mark.parametrize(
    "folder, shown",
    [
        ("JC\u2011X", "JC<U+2011 NON-BREAKING HYPHEN>X"),
        ("JC-X\u200b", "JC-X<U+200B ZERO WIDTH SPACE>"),
        ("PRJ\u00a0A", "PRJ<U+00A0 NO-BREAK SPACE>A"),
    ],
)
def test_a_provider_folder_with_invisible_characters_shows_code_points(landing, registry, folder, shown):
    path = put(landing, f"{folder}/followup/2025-06.csv")
    status = classify_landing_path(path, landing, registry, now_ns=later(path, 60), settle_s=10)
    assert status.kind == "rejected"
    assert status.reason_en == (
        f"sender folder '{shown}' is not a valid id (A–Z, a–z, 0–9, '-', '_'); "
        "the name holds invisible or unusual characters (shown as <U+…>)"
    )
    assert status.reason_de.startswith(f"Absenderordner '{shown}' ist keine gültige Kennung")


def test_a_file_name_with_a_trailing_newline_is_rejected_showing_the_newline(landing, registry):
    path = put(landing, "PRJ-A/participants/2025-06.csv\n")
    with pytest.raises(PathRejected) as caught:
        parse_landing_path(path, landing, registry)
    assert "2025-06.csv<U+000A>" in caught.value.reason_en
    status = classify_landing_path(path, landing, registry, now_ns=later(path, 60), settle_s=10)
    assert status.kind == "rejected" and "path does not match" in status.reason_en


# ------------------------------------------------------------------ the landing scan acts on the verdicts


def test_the_scan_quarantines_only_bad_paths_and_reports_the_waiting(tmp_path, monkeypatch):
    from esf_monitor.paths import DataDir
    from orchestration.driver import RunReport
    from orchestration.planning import scan_landing, settle_wait

    monkeypatch.setenv("ESF_SETTLE_SECONDS", "0")
    dd = DataDir(tmp_path / "data")
    write_registry(dd.registry_csv)
    good = put(dd.landing, "PRJ-A/participants/2025-06.csv")
    unknown = put(dd.landing, "NEW-PRJ/participants/2025-06.csv")
    lock = put(dd.landing, "PRJ-A/participants/.~lock.2025-06.csv#")
    bad = put(dd.landing, "PRJ-A/participants/juni.csv")
    twin_a, twin_b = (
        put(dd.landing, "PRJ-B/participants/2025-05.csv"),
        put(dd.landing, "PRJ-B/participants/2025-05.xlsx"),
    )

    scan = scan_landing(dd)

    assert [f.path for f in scan.pending] == [good]
    assert [p for p, _ in scan.unroutable] == [bad] and not bad.exists()
    assert sorted((p.name, kind) for p, kind, _ in scan.waiting) == [
        ("2025-05.csv", "ambiguous"),
        ("2025-05.xlsx", "ambiguous"),
        ("2025-06.csv", "unknown_provider"),
    ]
    assert unknown.exists() and lock.exists() and twin_a.exists() and twin_b.exists()
    assert scan.ignored == [lock]
    assert settle_wait(scan, 0.0) == 0.0
    assert RunReport(scan).some_rejected  # exit code 3, not 1
    # the registry learns the provider: the file is picked up, never having left landing/
    write_registry(dd.registry_csv, [*REGISTRY_ROWS, {**REGISTRY_ROWS[0], "project_id": "NEW-PRJ"}])
    assert {f.path for f in scan_landing(dd).pending} == {good, unknown}


def test_the_scan_waits_for_a_file_still_being_copied(tmp_path, monkeypatch):
    from esf_monitor.paths import DataDir
    from orchestration.planning import scan_landing, settle_wait

    monkeypatch.setenv("ESF_SETTLE_SECONDS", "600")
    dd = DataDir(tmp_path / "data")
    write_registry(dd.registry_csv)
    fresh = put(dd.landing, "PRJ-A/participants/2025-06.csv")
    scan = scan_landing(dd, since_ctime_ns=-1)
    assert scan.pending == [] and [(p, k) for p, k, _ in scan.waiting] == [(fresh, "unsettled")]
    assert scan.next_cursor_ns < fresh.lstat().st_ctime_ns  # the sensor looks again
    wait = settle_wait(scan, 600, now_ns=fresh.lstat().st_ctime_ns + 100 * SECOND)
    assert wait == pytest.approx(500.1)
