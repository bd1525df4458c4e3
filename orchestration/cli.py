"""``esf-monitor`` — the command line of the data team and of project staff.

One code path: ``run`` drives Dagster (orchestration.driver); ``validate`` runs exactly the
checks the pipeline runs (esf_monitor.intake.check_file).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from esf_monitor.paths import data_dir

warnings.filterwarnings("ignore", message=".*is currently in beta.*")  # dagster's BetaWarning, not for users
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="esf-monitor: ESF+ Monitoring — Datenannahme, Indikatoren, Dashboards.",
)
console = Console()


@app.command()
def generate(
    out: Path = typer.Option(..., help="Zielordner / target data folder"),
    seed: int = typer.Option(42, help="Zufallsstartwert / random seed"),
    scale: float = typer.Option(1.0, help="Skalierung / scale (1 = a few thousand spells)"),
    months: int = typer.Option(24, help="Berichtsmonate / reporting months"),
):
    """Demo-Daten erzeugen / generate a complete demo data folder (deterministic per seed)."""
    from esf_monitor.demo.generator import generate as _generate

    summary = _generate(out, seed=seed, scale=scale, months=months)
    console.print(f"[green]Demo-Daten / demo data:[/] {out}  {summary}")


@app.command()
def run(
    refresh: bool = typer.Option(
        False, "--refresh", help="Auch ohne neue Dateien neu rechnen / rebuild even if nothing is new"
    ),
):
    """Alle wartenden Dateien verarbeiten / process every file waiting under landing/ through Dagster."""
    from esf_monitor.safe_cells import visible
    from orchestration.driver import EXIT_SOME_REJECTED, run_pending

    dd = data_dir()
    # bound to the real stdout now: the runner diverts sys.stdout (dbt's log lines) while it works
    console = Console(file=sys.stdout)
    if not dd.registry_csv.exists():
        console.print(f"[red]Projektregister fehlt / registry missing:[/] {dd.registry_csv}")
        raise typer.Exit(2)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("Scan landing/", total=None)

        def progress(text: str, done: int, total: int) -> None:
            bar.update(task, description=text, completed=done, total=total)

        report = run_pending(dd, progress=progress, force_refresh=refresh)

    table = Table(title="Ergebnis / result")
    table.add_column("Upload-Slot / slot")
    table.add_column("Status")
    accepted = sum(status == "accepted" for _, status in report.ingested)
    for key, status in report.ingested:
        if status == "accepted" and len(report.ingested) > 30:
            continue  # a history load: list what needs attention, count the rest
        colour = "green" if status == "accepted" else "yellow"
        table.add_row(key, f"[{colour}]{status}[/]")
    if len(report.ingested) > 30:
        table.add_row(f"… {accepted} Dateien / files", "[green]accepted[/]")
    for path, reason in report.scan.unroutable:
        table.add_row(visible(str(path)), f"[yellow]quarantined: {reason}[/]")
    waiting = {
        "unsettled": "wartet / waiting (settle time)",
        "ambiguous": "mehrdeutig / ambiguous",
        "unknown_provider": "wartet auf Register / waiting for the registry",
    }
    for path, kind, reason in report.scan.waiting:  # left in landing/, listed every run
        table.add_row(visible(str(path)), f"[yellow]{waiting.get(kind, kind)}: {reason}[/]")
    for key in report.failed:
        table.add_row(key, "[red]FAILED[/]")
    if report.ingested or report.scan.unroutable or report.scan.waiting or report.failed:
        console.print(table)
    if not report.scan.pending and not report.refreshed:
        console.print("Nichts Neues / nothing new — exports unchanged.")
    console.print(f"Exporte / exports:     {dd.exports}")
    console.print(f"Dashboard:             {dd.dashboards / 'index.html'}")
    console.print(f"Quarantäne / quarantine: {dd.quarantine}")
    console.print("Dagster-Oberfläche / UI: make ui → http://127.0.0.1:3000")
    if not report.ok:
        console.print("[red]Fehlgeschlagen / failed:[/] " + ", ".join(report.failed))
        raise typer.Exit(1)
    if report.some_rejected:  # not a failure: the run did its work, the uploaders must act
        console.print(
            "[yellow]Einige Dateien abgelehnt / some files rejected[/] "
            f"(exit {EXIT_SOME_REJECTED}) — Quarantäne / quarantine: {dd.quarantine}"
        )
        raise typer.Exit(EXIT_SOME_REJECTED)


def _month_option(value: str | None) -> str | None:
    import re

    if value is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise typer.BadParameter(f"'{value}' ist kein Monat JJJJ-MM / is not a month YYYY-MM")
    return value


@app.command()
def reprocess(
    month_from: str = typer.Option(
        None, "--from", callback=_month_option, help="erster Berichtsmonat / first reporting month YYYY-MM"
    ),
    month_to: str = typer.Option(
        None, "--to", callback=_month_option, help="letzter Berichtsmonat / last reporting month YYYY-MM"
    ),
    provider: str = typer.Option(None, "--provider", help="nur dieser Absender / only this provider"),
    type_: str = typer.Option(None, "--type", help="nur dieser Datentyp / only this extract type"),
    refresh: bool = typer.Option(
        True, "--refresh/--no-refresh", help="danach neu rechnen / rebuild indicators afterwards"
    ),
):
    """Aus dem Archiv neu verarbeiten / re-run intake of archived slots (e.g. after a rule fix).

    Loads each selected slot's newest ACCEPTED archived version again through the same Dagster
    jobs (never the landing folder), then one refresh. Running it twice changes nothing.
    """
    from orchestration.driver import reprocess as _reprocess
    from schemas.codes import EXTRACT_TYPES

    if type_ is not None and type_ not in EXTRACT_TYPES:
        raise typer.BadParameter(
            f"'{type_}': erlaubt / allowed: {', '.join(EXTRACT_TYPES)}", param_hint="--type"
        )
    dd = data_dir()
    out = Console(file=sys.stdout)  # bound now: the runner diverts sys.stdout during dbt
    if not dd.registry_csv.exists():
        out.print(f"[red]Projektregister fehlt / registry missing:[/] {dd.registry_csv}")
        raise typer.Exit(2)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=out,
    ) as bar:
        task = bar.add_task("Archiv / archive", total=None)
        report = _reprocess(
            dd,
            month_from,
            month_to,
            provider,
            type_,
            refresh=refresh,
            progress=lambda text, done, total: bar.update(
                task, description=text, completed=done, total=total
            ),
        )
    if not report.slots:
        out.print(
            "[yellow]Keine archivierten Lieferungen in dieser Auswahl / "
            "no archived deliveries match this selection.[/]"
        )
        raise typer.Exit(1)
    counts: dict[str, int] = {}
    for status in report.outcomes.values():
        counts[status] = counts.get(status, 0) + 1
    labels = {
        "accepted": "neu geladen / reloaded",
        "rejected": "jetzt abgelehnt / now rejected",
        "skipped": "nichts Angenommenes / nothing accepted to reload",
    }
    table = Table(title="Neu verarbeitet / reprocessed")
    table.add_column("Upload-Slot / slot")
    table.add_column("Status")
    for key, status in report.outcomes.items():
        if status != "accepted" or len(report.outcomes) <= 30:
            colour = "green" if status == "accepted" else "yellow"
            table.add_row(key, f"[{colour}]{labels.get(status, status)}[/]")
    for key in report.failed:
        table.add_row(key, "[red]FAILED[/]")
    out.print(table)
    out.print(", ".join(f"{labels.get(s, s)}: {n}" for s, n in sorted(counts.items())))
    if report.refreshed:
        out.print(f"Exporte / exports:     {dd.exports}")
    if not report.ok:
        out.print("[red]Fehlgeschlagen / failed:[/] " + ", ".join(report.failed))
        raise typer.Exit(1)


def _check(file: Path, provider: str, type_: str, month: str):
    from esf_monitor.intake import check_file, read_registry

    dd = data_dir()
    registry = read_registry(dd.registry_csv)
    return check_file(file, provider, type_, month, registry)


@app.command()
def validate(
    file: Path,
    provider: str = typer.Option(...),
    type: str = typer.Option(...),
    month: str = typer.Option(..., help="YYYY-MM"),
    report_dir: Path = typer.Option(None, help="Bericht hierhin schreiben / write report here"),
):
    """Datei vor dem Hochladen prüfen / check a file before upload (same verdict as the pipeline)."""
    from esf_monitor.intake import write_report

    result = _check(file, provider, type, month)
    console.print(result.summary_de)
    console.print()
    console.print(result.summary_en)
    if report_dir is not None:
        for p in write_report(result, report_dir, file.stem):
            console.print(f"Bericht / report: {p}")
    raise typer.Exit(0 if result.ok else 1)


@app.command()
def upload(
    file: Path,
    provider: str = typer.Option(...),
    type: str = typer.Option(...),
    month: str = typer.Option(..., help="YYYY-MM"),
):
    """Prüfen und in landing/ ablegen / validate, then place into landing/ atomically."""
    result = _check(file, provider, type, month)
    if not result.ok:
        console.print(result.summary_de)
        console.print(result.summary_en)
        console.print("[red]Nicht hochgeladen / not uploaded.[/]")
        raise typer.Exit(1)
    dest_dir = data_dir().landing / provider / type
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / f"{month}{file.suffix.lower()}"
    tmp = dest_dir / f".{dest.name}.uploading"
    shutil.copyfile(file, tmp)
    os.replace(tmp, dest)
    console.print(f"[green]Hochgeladen / uploaded:[/] {dest}")


@app.command()
def versions(provider: str, type: str, month: str):
    """Versionen eines Upload-Slots / list the archived versions of one slot."""
    from esf_monitor import store

    table = Table(title=f"{provider}|{type}|{month}")
    # narrow terminals (CI, a jobcenter's laptop) fold the timestamps; the checksum never shrinks
    for col in ("arrived_at", "processed_at", "status", "rows", "errors", "warnings"):
        table.add_column(col, overflow="fold")
    table.add_column("sha256", no_wrap=True, min_width=16)
    for v in store.read_versions(data_dir(), provider, type, month):
        table.add_row(
            v.arrived_at,
            v.processed_at,
            v.status,
            str(v.row_count),
            str(v.error_count),
            str(v.warning_count),
            v.sha256[:16],
        )
    console.print(table)


@app.command("dbt-docs")
def dbt_docs():
    """dbt-Dokumentation offline erzeugen / build the dbt docs as one static HTML file.

    ``dbt docs generate --static`` embeds manifest and catalog in ``static_index.html``, which
    opens from the file system with no server: $ESF_DATA_DIR/docs/dbt/static_index.html.
    """
    from orchestration.resources import DBT_PROJECT_DIR

    dd = data_dir()
    target = dd.root / "docs" / "dbt"
    env = dict(os.environ, ESF_DATA_DIR=str(dd.root))
    code = subprocess.call(
        [
            str(Path(sys.executable).parent / "dbt"),
            "docs",
            "generate",
            "--static",
            "--quiet",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
        ],
        env=env,
    )
    if code == 0:
        console.print(f"dbt-Dokumentation / dbt docs: {target / 'static_index.html'}")
    raise typer.Exit(code)


@app.command()
def ui(port: int = 3000, host: str = "127.0.0.1"):
    """Dagster-Oberfläche / Dagster UI (webserver + daemon) over the same data folder."""
    from orchestration.driver import prepare_instance

    prepare_instance(data_dir())
    # the code location by module (as workspace.yaml names it): works from any folder, also
    # when the package is installed from its wheel
    cmd = [
        str(Path(sys.executable).parent / "dagster"),
        "dev",
        "-h",
        host,
        "-p",
        str(port),
        "-m",
        "orchestration.definitions",
    ]
    raise typer.Exit(subprocess.call(cmd))


@app.command()
def portal(
    port: int = 8000,
    host: str = "127.0.0.1",
    production: bool = typer.Option(
        False, "--production", help="Produktionseinstellungen / production settings"
    ),
):
    """Web-Portal / web portal on http://127.0.0.1:8000 over the same data folder (docs/portal.md)."""
    from portal.serve import main as serve_portal

    raise typer.Exit(serve_portal(host, port, production))


def main() -> None:
    """Console entry point ``esf-monitor``."""
    app()


if __name__ == "__main__":
    main()
