"""``esf-monitor`` — the command line of the data team and of project staff.

One code path: ``run`` drives Dagster (orchestration.driver); ``validate`` runs exactly the
checks the pipeline runs (esf_monitor.intake.check_file).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperCommand, TyperGroup

from esf_monitor.paths import data_dir
from schemas.codes import EXTRACT_TYPES

warnings.filterwarnings("ignore", message=".*is currently in beta.*")  # dagster's BetaWarning, not for users


class FlagsWithoutType:
    """A flag takes no value: typer's help would show ``<bool>`` beside it (and beside
    ``--help``); an empty metavar shows nothing there. ``--help`` says it in German too."""

    def get_params(self, ctx):
        params = super().get_params(ctx)
        for param in params:
            if getattr(param, "is_flag", False):
                param.metavar = ""
            if param.name == "help":
                param.help = "Hilfe anzeigen / show this message and exit."
        return params


class Command(FlagsWithoutType, TyperCommand):
    pass


class Group(FlagsWithoutType, TyperGroup):
    pass


class App(typer.Typer):
    """Every command of the app is a :class:`Command`."""

    def command(self, *args, **kwargs):
        kwargs.setdefault("cls", Command)
        return super().command(*args, **kwargs)


app = App(
    cls=Group,
    add_completion=False,
    no_args_is_help=True,
    help="esf-monitor: ESF+ Monitoring — Datenannahme, Indikatoren, Dashboards / "
    "intake, indicators, dashboards. Datenordner / data folder: $ESF_DATA_DIR (default ./data).",
)
console = Console()

#: the extract types, shown as the allowed values of ``--type``
ExtractType = Literal[EXTRACT_TYPES]  # type: ignore[valid-type]
_MONTH_RE = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _month_option(value: str | None) -> str | None:
    if value is not None and not _MONTH_RE.fullmatch(value):
        raise typer.BadParameter(f"'{value}' ist kein Monat JJJJ-MM / is not a month YYYY-MM")
    return value


def _say(text: str, out: Console | None = None) -> None:
    """Plain text as it is: no markup (a value may hold brackets), no wrapping inside words."""
    (out or console).print(text, markup=False, highlight=False, soft_wrap=True)


def _type_argument(value: str) -> str:
    if value not in EXTRACT_TYPES:
        raise typer.BadParameter(f"'{value}': erlaubt / allowed: {', '.join(EXTRACT_TYPES)}")
    return value


# the options of validate and upload: one upload slot
_FILE = typer.Argument(..., help="die Datei / the file (.csv oder/or .xlsx)", show_default=False)
_PROVIDER = typer.Option(
    ...,
    metavar="ID",
    help="Absender: Projekt-ID oder Jobcenter-ID (reference/projects.csv) / provider: project or jobcenter id",
)
_TYPES_HELP = f"Datentyp / extract type: {', '.join(EXTRACT_TYPES)}"
_TYPE = typer.Option(..., "--type", metavar="TYP", help=_TYPES_HELP, show_default=False)
_MONTH = typer.Option(
    ..., metavar="JJJJ-MM", callback=_month_option, help="Berichtsmonat / reporting month YYYY-MM"
)


@app.command()
def generate(
    out: Path = typer.Option(..., help="Zielordner / target data folder"),
    seed: int = typer.Option(42, help="Zufallsstartwert / random seed"),
    scale: float = typer.Option(1.0, help="Skalierung / scale (1 = a few thousand spells)"),
    months: int = typer.Option(24, help="Berichtsmonate / reporting months"),
    process: bool = typer.Option(
        True,
        help="Prozessmonitoring (47 Kommunen, Checklisten 2020-06/2020-12) / process monitoring demo data",
    ),
):
    """Demo-Daten erzeugen / generate a complete demo data folder (deterministic per seed)."""
    from esf_monitor.demo.generator import generate as _generate

    summary = _generate(out, seed=seed, scale=scale, months=months, process=process)
    console.print(f"[green]Demo-Daten / demo data:[/] {out}  {summary}")


def _progress_bar(out: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=out,
    )


def _follow(bar: Progress, task, out: Console):
    """(progress, step_log) for the driver: each new stage and each Dagster step as a line of
    its own as it happens — also when the output is no terminal (``make demo`` in a log, CI),
    where rich draws no live bar; on a terminal the bar shows the count and the time."""
    last = [""]

    def progress(text: str, done: int, total: int) -> None:
        bar.update(task, description=text, completed=done, total=total)
        if text != last[0]:
            last[0] = text
            _say(f"▶ {text}", out)

    return progress, lambda line: _say(line, out)


#: above this many files a run lists only what needs attention and counts the rest
LIST_LIMIT = 30


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


@app.command()
def run(
    refresh: bool = typer.Option(
        False, "--refresh", help="Auch ohne neue Dateien neu rechnen / rebuild even if nothing is new"
    ),
):
    """Alle wartenden Dateien verarbeiten / process every file waiting under landing/ through Dagster.

    Zeigt jeden Dagster-Schritt, während er läuft / prints each Dagster step as it runs.

    Exit 0 = ok, 3 = einige Dateien abgelehnt / some files rejected, 1 = fehlgeschlagen / failed.
    """
    from esf_monitor import store
    from esf_monitor.safe_cells import visible
    from orchestration.driver import EXIT_SOME_REJECTED, run_pending

    dd = data_dir()
    # bound to the real stdout now: the runner diverts sys.stdout (dbt's log lines) while it works;
    # into a log (no terminal) the table gets room for slot keys and report paths
    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160)
    if not dd.registry_csv.exists():
        console.print(f"[red]Projektregister fehlt / registry missing:[/] {dd.registry_csv}")
        raise typer.Exit(2)
    with _progress_bar(console) as bar:
        task = bar.add_task("Scan landing/", total=None)
        progress, step_log = _follow(bar, task, console)
        report = run_pending(dd, progress=progress, force_refresh=refresh, step_log=step_log)

    table = Table(title="Ergebnis / result")
    table.add_column("Upload-Slot / slot")
    table.add_column("Status")
    table.add_column("Bericht / report", overflow="fold")
    labels = {
        "accepted": "[green]angenommen / accepted[/]",
        "rejected": "[yellow]abgelehnt / rejected[/]",
        "deferred": "[yellow]zurückgestellt / deferred (changed while read)[/]",
    }
    quiet = 0  # accepted without warnings, not listed in a long run
    with_warnings = 0
    for key, status in report.ingested:
        versions = store.read_versions(dd, *store.split_partition_key(key))
        record = versions[-1] if versions else None
        summary = store.summary_of(dd, record) if record is not None else None
        label = labels.get(status, status)
        if status == "accepted" and record is not None and record.warning_count:
            with_warnings += 1
            label = f"[yellow]angenommen, Hinweise / accepted, warnings: {record.warning_count}[/]"
        elif status == "accepted" and len(report.ingested) > LIST_LIMIT:
            quiet += 1
            continue
        table.add_row(key, label, _relative(summary, dd.root) if summary else "")
    if quiet:
        table.add_row(f"… {quiet} weitere Dateien / more files", labels["accepted"], "")
    for path, reason in report.scan.unroutable:
        table.add_row(visible(str(path)), f"[yellow]quarantined: {reason}[/]", "quarantine/_unroutable/")
    waiting = {
        "unsettled": "wartet / waiting (settle time)",
        "ambiguous": "mehrdeutig / ambiguous",
        "unknown_provider": "wartet auf Register / waiting for the registry",
    }
    for path, kind, reason in report.scan.waiting:  # left in landing/, listed every run
        table.add_row(visible(str(path)), f"[yellow]{waiting.get(kind, kind)}: {reason}[/]", "")
    for key in report.failed:
        table.add_row(key, "[red]FAILED[/]", "logs/refresh_indicators.log")
    if report.ingested or report.scan.unroutable or report.scan.waiting or report.failed:
        console.print(table)
    if not report.scan.pending and not report.refreshed:
        console.print("Nichts Neues / nothing new — exports unchanged.")
    if with_warnings:
        console.print(
            f"Angenommen mit Hinweisen / accepted with warnings: {with_warnings} — Berichte / "
            f"reports: {dd.reports}/<Absender/provider>/<Typ/type>/<JJJJ-MM>/*.summary.txt"
        )
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


@app.command()
def reprocess(
    month_from: str = typer.Option(
        None,
        "--from",
        metavar="JJJJ-MM",
        callback=_month_option,
        help="erster Berichtsmonat / first reporting month YYYY-MM",
    ),
    month_to: str = typer.Option(
        None,
        "--to",
        metavar="JJJJ-MM",
        callback=_month_option,
        help="letzter Berichtsmonat / last reporting month YYYY-MM",
    ),
    provider: str = typer.Option(
        None, "--provider", metavar="ID", help="nur dieser Absender / only this provider"
    ),
    type_: ExtractType = typer.Option(
        None, "--type", metavar="TYP", help=f"nur dieser / only this {_TYPES_HELP}", show_default=False
    ),
    refresh: bool = typer.Option(
        True, "--refresh/--no-refresh", help="danach neu rechnen / rebuild indicators afterwards"
    ),
):
    """Aus dem Archiv neu verarbeiten / re-run intake of archived slots (e.g. after a rule fix).

    Lädt die neueste angenommene Fassung jedes gewählten Slots erneut / reloads each slot's newest ACCEPTED version.

    Dieselben Dagster-Jobs, nie landing/, danach eine Neuberechnung / same Dagster jobs, never landing/, then one refresh.

    Zweimal ausgeführt ändert sich nichts / running it twice changes nothing.
    """
    from orchestration.driver import reprocess as _reprocess

    dd = data_dir()
    out = Console(file=sys.stdout)  # bound now: the runner diverts sys.stdout during dbt
    if not dd.registry_csv.exists():
        out.print(f"[red]Projektregister fehlt / registry missing:[/] {dd.registry_csv}")
        raise typer.Exit(2)
    with _progress_bar(out) as bar:
        task = bar.add_task("Archiv / archive", total=None)
        progress, step_log = _follow(bar, task, out)
        report = _reprocess(
            dd, month_from, month_to, provider, type_, refresh=refresh, progress=progress, step_log=step_log
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
    if not dd.registry_csv.exists():
        console.print(f"[red]Projektregister fehlt / registry missing:[/] {dd.registry_csv}")
        raise typer.Exit(2)
    registry = read_registry(dd.registry_csv)
    return check_file(file, provider, type_, month, registry)


def _write_report(result, report_dir: Path | None, stem: str) -> Path | None:
    """The report the summary refers to (``*.errors.csv``: every finding; ``*.summary.txt``):
    written into ``report_dir``, by default ``$ESF_DATA_DIR/reports/_checked/``; None when the
    file has no finding at all."""
    from esf_monitor.intake import write_report

    if result.findings.height == 0 and report_dir is None:
        return None
    errors_csv, summary = write_report(result, report_dir or data_dir().reports / "_checked", stem)
    _say(f"Bericht / report: {summary}")
    _say(f"Alle Befunde / every finding (Excel): {errors_csv}")
    return summary


_REPORT_DIR = typer.Option(
    None,
    help="Bericht hierhin schreiben / write the report here (sonst / else "
    "$ESF_DATA_DIR/reports/_checked/, nur bei Befunden / only with findings)",
    show_default=False,
)


@app.command()
def validate(
    file: Path = _FILE,
    provider: str = _PROVIDER,
    type: ExtractType = _TYPE,
    month: str = _MONTH,
    report_dir: Path = _REPORT_DIR,
):
    """Datei vor dem Hochladen prüfen / check a file before upload (same verdict as the pipeline).

    Exit 0 = angenommen / accepted (auch mit Hinweisen / also with warnings), 1 = abgelehnt / rejected.
    """
    result = _check(file, provider, type, month)
    _say(result.summary_de)
    _say("")
    _say(result.summary_en)
    _say("")
    _write_report(result, report_dir, file.stem)
    raise typer.Exit(0 if result.ok else 1)


def _replaced(dest_dir: Path, month: str, dest: Path) -> list[Path]:
    """The slot's current landing files: the one with ``dest``'s name and one with the other
    extension (``.csv`` ↔ ``.xlsx``), which must go too, or the slot would be ambiguous."""
    if not dest_dir.is_dir():
        return []
    return [
        p
        for p in sorted(dest_dir.iterdir())
        if p.is_file() and p.stem == month and p.suffix.lower() in (".csv", ".xlsx")
    ]


@app.command()
def upload(
    file: Path = _FILE,
    provider: str = _PROVIDER,
    type: ExtractType = _TYPE,
    month: str = _MONTH,
    report_dir: Path = _REPORT_DIR,
):
    """Prüfen und in landing/ ablegen / validate, then place into landing/ atomically.

    Nur eine angenommene Datei wird abgelegt; sie ersetzt die bisherige Datei des Monats.

    Only an accepted file is placed; it replaces the month's current file.

    Exit 0 = abgelegt / placed, 1 = abgelehnt / rejected (nichts abgelegt / nothing placed).
    """
    from esf_monitor import store

    result = _check(file, provider, type, month)
    if not result.ok:
        _say(result.summary_de)
        _say("")
        _say(result.summary_en)
        _say("")
        _write_report(result, report_dir, file.stem)
        console.print("[red]Nicht hochgeladen / not uploaded.[/]")
        raise typer.Exit(1)
    dd = data_dir()
    dest_dir = dd.landing / provider / type
    dest = dest_dir / f"{month}{file.suffix.lower()}"
    new_sha = store.sha256_of(file)
    # what the slot held before: (path, checksum, placed at) — read before it is replaced
    previous = [
        (p, store.sha256_of(p), store.utc_iso(p.stat().st_mtime)) for p in _replaced(dest_dir, month, dest)
    ]
    processed = {v.sha256: v for v in store.read_versions(dd, provider, type, month)}
    dest_dir.mkdir(parents=True, exist_ok=True)
    tmp = dest_dir / f".{dest.name}.uploading"
    shutil.copyfile(file, tmp)
    os.replace(tmp, dest)
    for other, _, _ in previous:
        if other != dest:
            other.unlink(missing_ok=True)  # the other extension: the slot keeps one candidate
    _say(f"Hochgeladen / uploaded: {dest}")
    # the same bytes again: nothing new to compute once that version has been processed
    unchanged = any(sha == new_sha for _, sha, _ in previous) and new_sha in processed
    for old, sha, placed in previous:
        if sha == new_sha:
            _say(
                "Unverändert / unchanged: dieselbe Datei lag schon in landing/ / the same file was "
                "already in landing/"
                + (
                    " – schon verarbeitet, nichts wird neu gerechnet / already processed, nothing is recomputed."
                    if unchanged
                    else "."
                )
            )
            continue
        seen = processed.get(sha)
        state = (
            f"verarbeitet / processed {seen.processed_at}: {seen.status}, {seen.row_count} Zeilen / rows"
            if seen is not None
            else "noch nicht verarbeitet / not processed yet"
        )
        _say(
            f"Ersetzt / replaced: {_relative(old, dd.root)} (sha256 {sha[:12]}, abgelegt / placed "
            f"{placed}; {state}) — alle Fassungen / every version: esf-monitor versions {provider} "
            f"{type} {month}"
        )
    if result.warning_count:
        from esf_monitor.intake.findings import RULE_TITLES

        _say(
            f"Verbleibende Hinweise / warnings that remain: {result.warning_count} – die Datei ist "
            "angenommen, bitte trotzdem lesen / the file is accepted, please read them anyway:"
        )
        warned = result.findings.filter(result.findings["severity"] == "warning")
        for rule, n in warned.group_by("rule", maintain_order=True).len().rows():
            de, en = RULE_TITLES.get(rule, (rule, rule))
            _say(f"  - {de} / {en} ({rule}): {n}")
        _write_report(result, report_dir, file.stem)
    else:
        _say("Keine Hinweise / no warnings.")
    if not unchanged:
        _say(
            "Die Zahlen werden mit dem nächsten `esf-monitor run` aktualisiert – läuft `make ui`, "
            "innerhalb von Sekunden / the figures update with the next `esf-monitor run` – within "
            "seconds while `make ui` runs."
        )


@app.command()
def versions(
    provider: str = typer.Argument(..., help="Absender / provider id", show_default=False),
    type: str = typer.Argument(..., callback=_type_argument, help=_TYPES_HELP, show_default=False),
    month: str = typer.Argument(
        ..., callback=_month_option, help="Berichtsmonat / reporting month YYYY-MM", show_default=False
    ),
):
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

    Eine Datei, ohne Server und Netz / one file, no server, no network:

    $ESF_DATA_DIR/docs/dbt/static_index.html (dbt docs generate --static).
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
        page = target / "static_index.html"
        page.write_text(offline_docs_page(page.read_text(encoding="utf-8")), encoding="utf-8")
        console.print(f"dbt-Dokumentation / dbt docs: {page}")
    raise typer.Exit(code)


#: an SVG ``<use>`` of dbt docs' Angular templates whose target Angular fills in
#: (``xlink:href="{{ getIcon(item.type, 'on') }}"``, the model tree's icons)
_INTERPOLATED_XLINK = re.compile(r'(?<![\w:-])xlink:href="(\{\{[^"]*\}\})"')
#: a ``<link>`` whose address the docs' build left as a placeholder (the favicon:
#: ``href="${require('./assets/favicons/favicon.ico')}"``)
_UNFILLED_LINK = re.compile(r"""<link\b[^>]*\bhref="(?:\$\{|\{\{)[^"]*"[^>]*>""")


def offline_docs_page(text: str) -> str:
    """dbt's static docs page without its two broken addresses (issue #17, item 5).

    The tree's icons are ``<use xlink:href="{{ … }}">`` in Angular templates: the browser
    resolves that attribute as it parses the template, before Angular has filled it in, and asks
    for a file named ``{{ getIcon(…) }}``. Angular's ``ng-attr-`` prefix sets an attribute only
    once its value is interpolated — as SVG 2's plain ``href``: ``ng-attr-xlink:href`` would
    have Angular call ``setAttribute("xlink:href", …)``, an attribute outside the XLink
    namespace that no browser reads, and the icons would not be drawn at all (seen in chromium).
    The favicon link points to a ``${require(…)}`` placeholder of dbt docs' build, a file that
    exists nowhere: dropped."""
    text = _INTERPOLATED_XLINK.sub(r'ng-attr-href="\1"', text)
    return _UNFILLED_LINK.sub("", text)


def _run_forwarding_signals(cmd: list[str]) -> int:
    """Run ``cmd`` as a child and hand SIGTERM and SIGHUP on to it, then wait until it ends.

    Without this a service manager's ``kill <pid>`` (or a closed ssh session) ends only this
    process and leaves ``dagster dev`` with its webserver, daemon and code server running;
    ``dagster dev`` itself shuts its children down on SIGTERM. SIGINT (Ctrl-C) reaches the
    whole foreground process group from the terminal already, so it is only not allowed to
    end this process before its child."""
    child = subprocess.Popen(cmd)

    def forward(signum, _frame):
        if child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGHUP)}
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@app.command()
def ui(
    port: int = typer.Option(3000, help="Port der Oberfläche / port of the web UI"),
    host: str = typer.Option("127.0.0.1", help="Adresse / address to listen on"),
):
    """Dagster-Oberfläche / Dagster UI (webserver + daemon) over the same data folder.

    Beenden mit Strg-C oder SIGTERM / stop with Ctrl-C or SIGTERM (passed on to every process).
    """
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
    raise typer.Exit(_run_forwarding_signals(cmd))


@app.command()
def portal(
    port: int = typer.Option(8000, help="Port des Portals / port of the portal"),
    host: str = typer.Option("127.0.0.1", help="Adresse / address to listen on"),
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
