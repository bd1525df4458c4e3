"""Which upload slot a landing path names, and which paths are refused (extract contract,
"Data folder")."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.intake.builders import write_registry

from esf_monitor.intake import LandingPath, PathRejected, parse_landing_path, read_registry


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return read_registry(write_registry(tmp_path_factory.mktemp("reg") / "projects.csv"))


@pytest.fixture
def landing(tmp_path) -> Path:
    root = tmp_path / "landing"
    root.mkdir()
    return root


@pytest.mark.parametrize(
    "relative, expected",
    [
        ("PRJ-A/participants/2025-06.csv", ("PRJ-A", "participants", "2025-06", "csv")),
        ("PRJ-B/participants/2024-12.XLSX", ("PRJ-B", "participants", "2024-12", "xlsx")),
        ("JC-X/followup/2025-01.CSV", ("JC-X", "followup", "2025-01", "csv")),
        ("JC-Y/target_population/2025-06.xlsx", ("JC-Y", "target_population", "2025-06", "xlsx")),
    ],
)
def test_valid_slots(relative, expected, landing, registry):
    path = landing / relative
    assert parse_landing_path(path, landing, registry) == LandingPath(*expected, path=path)


@pytest.mark.parametrize(
    "relative, reason",
    [
        ("PRJ-A/participants/2025-13.csv", "path does not match"),
        ("PRJ-A/participants/2025-6.csv", "path does not match"),
        ("PRJ-A/participants/juni.csv", "path does not match"),
        ("PRJ-A/participants/2025-06.txt", "path does not match"),
        ("PRJ-A/participants/2025-06.csv.bak", "path does not match"),
        ("PRJ-A/2025-06.csv", "path does not match"),
        ("PRJ-A/participants/old/2025-06.csv", "path does not match"),
        ("2025-06.csv", "path does not match"),
        ("PRJ-A/teilnehmende/2025-06.csv", "unknown extract type"),
        ("PRJ-Z/participants/2025-06.csv", "not in the project registry"),
        ("PRJ-A/followup/2025-06.csv", "may not send 'followup'"),
        ("PRJ-A/target_population/2025-06.csv", "may not send 'target_population'"),
        ("JC-X/participants/2025-06.csv", "may not send 'participants'"),
    ],
)
def test_rejected_slots(relative, reason, landing, registry):
    with pytest.raises(PathRejected) as info:
        parse_landing_path(landing / relative, landing, registry)
    assert reason in info.value.reason_en
    assert info.value.reason_de and info.value.reason_de != info.value.reason_en


@pytest.mark.parametrize(
    "relative",
    [
        "../PRJ-A/participants/2025-06.csv",
        "PRJ-A/participants/../../../etc/2025-06.csv",
        "PRJ-A/../PRJ-A/participants/2025-06.csv",
        "PRJ-A/participants/..%2F2025-06.csv/../2025-06.csv",
    ],
)
def test_path_traversal_is_rejected(relative, landing, registry):
    with pytest.raises(PathRejected) as info:
        parse_landing_path(Path(str(landing) + "/" + relative), landing, registry)
    assert "outside the landing folder" in info.value.reason_en


def test_absolute_path_elsewhere_is_rejected(landing, registry, tmp_path):
    with pytest.raises(PathRejected):
        parse_landing_path(tmp_path / "PRJ-A" / "participants" / "2025-06.csv", landing, registry)


def test_symlink_escaping_landing_is_rejected(landing, registry, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("participant_id\n")
    link = landing / "PRJ-A" / "participants" / "2025-06.csv"
    link.parent.mkdir(parents=True)
    link.symlink_to(secret)
    with pytest.raises(PathRejected) as info:
        parse_landing_path(link, landing, registry)
    assert "symbolic link" in info.value.reason_en


def test_symlinked_provider_folder_escaping_landing_is_rejected(landing, registry, tmp_path):
    outside = tmp_path / "elsewhere" / "participants"
    outside.mkdir(parents=True)
    (outside / "2025-06.csv").write_text("participant_id\n")
    (landing / "PRJ-A").symlink_to(outside.parent)
    with pytest.raises(PathRejected):
        parse_landing_path(landing / "PRJ-A" / "participants" / "2025-06.csv", landing, registry)


def test_symlink_within_landing_is_fine(landing, registry):
    real = landing / "PRJ-A" / "participants" / "2025-05.csv"
    real.parent.mkdir(parents=True)
    real.write_text("participant_id\n")
    link = real.with_name("2025-06.csv")
    link.symlink_to(real)
    assert parse_landing_path(link, landing, registry).month == "2025-06"


def test_relative_paths_work(landing, registry, monkeypatch):
    monkeypatch.chdir(landing.parent)
    lp = parse_landing_path(Path("landing/PRJ-A/participants/2025-06.csv"), Path("landing"), registry)
    assert (lp.provider_id, lp.extract_type, lp.month, lp.ext) == ("PRJ-A", "participants", "2025-06", "csv")
