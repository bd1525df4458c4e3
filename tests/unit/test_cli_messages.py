"""What `validate` and `upload` say (no Dagster run): the impossible date in plain words, the
error before the warnings, counts that agree, the report file named and written; what an
upload replaced, which warnings remain and when the figures follow. And the help: every
option explained, the allowed extract types listed, no `<bool>` beside a flag."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from esf_monitor.store import utc_iso
from orchestration.cli import app
from schemas.codes import EXTRACT_TYPES

HANDCALC = Path(__file__).parents[1] / "fixtures" / "handcalc"
GOOD = HANDCALC / "landing" / "HC-ALPHA" / "participants" / "2024-06.csv"
SLOT = ["--provider", "HC-ALPHA", "--type", "participants", "--month", "2024-06"]
runner = CliRunner()


@pytest.fixture
def folder(data_dir: Path) -> Path:
    shutil.copytree(HANDCALC / "reference", data_dir / "reference")
    return data_dir


def _edited(tmp_path: Path, name: str, **cells: tuple[int, str]) -> Path:
    """The hand-calculated file with cells replaced: column=(data row index, value)."""
    lines = GOOD.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:]]
    for column, (index, value) in cells.items():
        rows[index][header.index(column)] = value
    path = tmp_path / name
    path.write_text("\n".join([lines[0], *(",".join(r) for r in rows)]) + "\n", encoding="utf-8")
    return path


def test_validate_names_the_impossible_date_before_the_warnings_and_writes_the_report(folder, tmp_path):
    # row 2: 31 February; row 4: gender empty (the file already lacks one: row 7's gender)
    bad = _edited(tmp_path, "export.csv", entry_date=(0, "31.02.2023"), gender=(2, ""))
    result = runner.invoke(app, ["validate", str(bad), *SLOT])
    assert result.exit_code == 1, result.output
    out = result.output
    assert "Zeilen: 8 · Fehler: 1 (in 1 Zeile) · Hinweise: 2 (in 2 Zeilen)\n" in out
    assert "Zeilen mit fehlenden Kerndaten: 2\n" in out
    assert (
        "Der Fehler:\n  - Zeile 2, Spalte entry_date: Wert '31.02.2023' – 31. Februar gibt es nicht.\n"
    ) in out
    assert (
        "The error:\n  - Row 2, column entry_date: value '31.02.2023' – 31 February does not exist.\n" in out
    )
    assert out.index("Der Fehler:") < out.index("Hinweise nach Regel:") < out.index("Result: REJECTED")
    assert "ist kein gültiges Datum" not in out
    report = folder / "reports" / "_checked"
    assert f"Bericht / report: {report / 'export.summary.txt'}\n" in out
    assert f"Alle Befunde / every finding (Excel): {report / 'export.errors.csv'}\n" in out
    assert "31. Februar gibt es nicht" in (report / "export.errors.csv").read_text(encoding="utf-8-sig")
    assert (report / "export.summary.txt").read_text(encoding="utf-8").startswith("Ergebnis: ABGELEHNT")


def test_validate_of_a_file_without_findings_writes_no_report(folder, tmp_path):
    clean = _edited(tmp_path, "clean.csv", gender=(5, "m"))  # row 7 had no gender
    result = runner.invoke(app, ["validate", str(clean), *SLOT])
    assert result.exit_code == 0, result.output
    assert "Ergebnis: ANGENOMMEN – alles in Ordnung." in result.output
    assert "Bericht / report" not in result.output
    assert not (folder / "reports" / "_checked").exists()


def test_upload_says_what_it_replaced_which_warnings_remain_and_when_the_figures_follow(folder, tmp_path):
    first = runner.invoke(app, ["upload", str(GOOD), *SLOT])
    assert first.exit_code == 0, first.output
    assert "Ersetzt / replaced" not in first.output
    placed = folder / "landing" / "HC-ALPHA" / "participants" / "2024-06.csv"
    old_sha = hashlib.sha256(placed.read_bytes()).hexdigest()[:12]
    old_placed = utc_iso(placed.stat().st_mtime)

    second_file = _edited(tmp_path, "korrektur.csv", gender=(2, ""))
    second = runner.invoke(app, ["upload", str(second_file), *SLOT])
    assert second.exit_code == 0, second.output
    lines = second.output.splitlines()
    assert lines[0] == f"Hochgeladen / uploaded: {placed}"
    assert lines[1] == (
        f"Ersetzt / replaced: landing/HC-ALPHA/participants/2024-06.csv (sha256 {old_sha}, "
        f"abgelegt / placed {old_placed}; noch nicht verarbeitet / "
        "not processed yet) — alle Fassungen / every version: esf-monitor versions HC-ALPHA "
        "participants 2024-06"
    )
    assert lines[2] == (
        "Verbleibende Hinweise / warnings that remain: 2 – die Datei ist angenommen, bitte trotzdem "
        "lesen / the file is accepted, please read them anyway:"
    )
    assert lines[3] == "  - Kerndaten fehlen / core data missing (core_field_missing): 2"
    assert lines[4] == f"Bericht / report: {folder / 'reports' / '_checked' / 'korrektur.summary.txt'}"
    assert lines[-1] == (
        "Die Zahlen werden mit dem nächsten `esf-monitor run` aktualisiert – läuft `make ui`, innerhalb "
        "von Sekunden / the figures update with the next `esf-monitor run` – within seconds while "
        "`make ui` runs."
    )
    assert placed.read_bytes() == second_file.read_bytes()


def test_upload_of_the_other_format_replaces_the_slot_file(folder, tmp_path):
    """A .csv after an .xlsx of the same month: the .xlsx goes, or the slot would be ambiguous."""
    slot = folder / "landing" / "HC-ALPHA" / "participants"
    slot.mkdir(parents=True)
    (slot / "2024-06.xlsx").write_bytes(b"an earlier upload")
    result = runner.invoke(app, ["upload", str(GOOD), *SLOT])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in slot.iterdir()) == ["2024-06.csv"]
    assert "Ersetzt / replaced: landing/HC-ALPHA/participants/2024-06.xlsx (sha256 " in result.output


def _commands() -> list[click.Command]:
    group = typer.main.get_command(app)
    return [
        group.get_command(click.Context(group), name) for name in group.list_commands(click.Context(group))
    ]


def test_every_option_and_argument_has_help_and_no_flag_shows_a_type():
    for command in _commands():
        ctx = click.Context(command)
        for param in command.get_params(ctx):
            assert getattr(param, "help", None), f"{command.name} {param.name}: no help text"
        text = " ".join(runner.invoke(app, [command.name, "--help"]).output.replace("│", " ").split())
        assert "<bool>" not in text, command.name
        assert "Hilfe anzeigen / show this message and exit." in text
    assert "<bool>" not in runner.invoke(app, ["--help"]).output


@pytest.mark.parametrize("command", ["validate", "upload", "reprocess", "versions"])
def test_the_allowed_extract_types_are_in_the_help(command):
    text = " ".join(runner.invoke(app, [command, "--help"]).output.replace("│", " ").split())
    assert ", ".join(EXTRACT_TYPES) in text


def test_an_unknown_extract_type_is_refused_before_any_check(folder):
    result = runner.invoke(
        app, ["validate", str(GOOD), "--provider", "HC-ALPHA", "--type", "teilnehmer", "--month", "2024-06"]
    )
    assert result.exit_code == 2
    assert "teilnehmer" in result.output


def test_the_static_dbt_docs_page_loses_its_two_broken_addresses():
    """`esf-monitor dbt-docs` rewrites what dbt's template makes the browser fetch before Angular
    runs: the tree's icons wait for their interpolated target (ng-attr-href), the favicon link to a
    build placeholder goes. Other links and attributes stay as dbt wrote them."""
    from orchestration.cli import offline_docs_page

    template = (
        '<head><link rel="canonical" href="/overview/"/>'
        '<link rel="shortcut icon" href="${require(\'./assets/favicons/favicon.ico\')}"/></head>'
        '<script>e.put(t,\'<svg class="icn menu-icon-on"><use xlink:href="{{ getIcon(item.type, \\\'on\\\') }}">'
        '</use></svg><svg><use xlink:href="#icn-close"></use></svg><img ng-src="{{ logo }}">\')</script>'
    )
    assert offline_docs_page(template) == (
        '<head><link rel="canonical" href="/overview/"/></head>'
        '<script>e.put(t,\'<svg class="icn menu-icon-on"><use ng-attr-href="{{ getIcon(item.type, \\\'on\\\') }}">'
        '</use></svg><svg><use xlink:href="#icn-close"></use></svg><img ng-src="{{ logo }}">\')</script>'
    )
    assert offline_docs_page(offline_docs_page(template)) == offline_docs_page(template)  # idempotent
