"""What the uploader gets back: a short summary (German, then English) and the full list.

``<stem>.errors.csv`` holds EVERY finding (severity, row, column, value, rule, message_de,
message_en). It is written as UTF-8 with a byte-order mark and ``;`` as delimiter because
that is what German Excel opens correctly by double-click: without the BOM Excel assumes
Windows-1252 and garbles umlauts, and with ``,`` it puts each whole line into column A
(German Excel expects ``;`` since ``,`` is the decimal separator).

``<stem>.summary.txt``: the verdict, counts per rule, the first findings in plain words, and
what to do — written for the social worker who made the export, German first.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from esf_monitor.intake.findings import RULE_TITLES
from esf_monitor.safe_cells import write_safe_csv

if TYPE_CHECKING:
    from esf_monitor.intake.validate import IntakeResult

FIRST_FINDINGS = 10
_TYPE_NAMES = {
    "participants": ("Teilnehmende", "participants"),
    "followup": ("Verbleib nach 6 Monaten", "follow-up"),
    "target_population": ("Zielgruppe (Bestand)", "target population"),
    "process_checklist": ("Checkliste Prozessmonitoring", "process-monitoring checklist"),
}


def _counts(findings: pl.DataFrame, severity: str, language: int) -> list[str]:
    counts = (
        findings.filter(pl.col("severity") == severity)
        .group_by("rule", maintain_order=True)
        .len()
        .sort("len", descending=True, maintain_order=True)
    )
    return [
        f"  - {RULE_TITLES.get(rule, (rule, rule))[language]} ({rule}): {n}" for rule, n in counts.iter_rows()
    ]


def summaries(result: IntakeResult) -> tuple[str, str]:
    """(German, English) summary of a result."""
    return _summary(result, 0), _summary(result, 1)


def _summary(result: IntakeResult, lang: int) -> str:
    de = lang == 0
    findings = result.findings
    errors = findings.filter(pl.col("severity") == "error")
    warnings = findings.filter(pl.col("severity") == "warning")
    type_name = _TYPE_NAMES.get(result.extract_type, (result.extract_type,) * 2)[lang]
    if not result.ok:
        verdict = (
            "ABGELEHNT – die Datei wurde nicht übernommen; nichts daraus ist in die Auswertung eingegangen."
            if de
            else "REJECTED – the file was not taken over; nothing from it reached the reports."
        )
    elif warnings.height:
        verdict = (
            "ANGENOMMEN mit Hinweisen – die Daten wurden übernommen."
            if de
            else "ACCEPTED with warnings – the data were taken over."
        )
    else:
        verdict = "ANGENOMMEN – alles in Ordnung." if de else "ACCEPTED – all fine."
    lines = [
        ("Ergebnis: " if de else "Result: ") + verdict,
        (
            f"Datei: {result.file_name} · {type_name} · Absender {result.provider_id} · Berichtsmonat {result.month}"
            if de
            else f"File: {result.file_name} · {type_name} · sender {result.provider_id} · "
            f"reporting month {result.month}"
        ),
        (
            f"Zeilen: {result.row_count} · Fehler: {errors.height}{_in_rows(errors, de)} · "
            f"Hinweise: {warnings.height}{_in_rows(warnings, de)}"
            if de
            else f"Rows: {result.row_count} · errors: {errors.height}{_in_rows(errors, de)} · "
            f"warnings: {warnings.height}{_in_rows(warnings, de)}"
        ),
    ]
    if result.extract_type == "participants":
        lines.append(
            f"Zeilen mit fehlenden Kerndaten: {result.incomplete_count}"
            if de
            else f"Rows with missing core data: {result.incomplete_count}"
        )
    message = "message_de" if de else "message_en"
    # errors first: the one thing that decides the verdict comes before any warning
    for title, part, severity in (
        ("Fehler" if de else "Errors", errors, "error"),
        ("Hinweise" if de else "Warnings", warnings, "warning"),
    ):
        if part.height:
            lines += [
                "",
                f"{title} nach Regel:" if de else f"{title} by rule:",
                *_counts(findings, severity, lang),
            ]
            shown = part.head(FIRST_FINDINGS)[message].to_list()
            lines += ["", _listed(part.height, severity, de), *(f"  - {m}" for m in shown)]
            if part.height > FIRST_FINDINGS:
                lines.append(
                    f"  … und {part.height - FIRST_FINDINGS} weitere"
                    if de
                    else f"  … and {part.height - FIRST_FINDINGS} more"
                )
    lines += ["", _what_to_do(result, de)]
    return "\n".join(lines)


def _in_rows(part: pl.DataFrame, de: bool) -> str:
    """ " (in 5 Zeilen)": how many rows the findings concern — a row with two gaps carries two
    warnings, so the count of warnings and of incomplete rows differ and both are named."""
    rows = part["row"].drop_nulls().n_unique()
    if rows == 0:
        return ""
    if de:
        return f" (in {rows} Zeile{'n' if rows > 1 else ''})"
    return f" (in {rows} row{'s' if rows > 1 else ''})"


def _listed(count: int, severity: str, de: bool) -> str:
    """Heading above the findings shown: the single one, all of them, or the first ones."""
    if count == 1:
        if severity == "error":
            return "Der Fehler:" if de else "The error:"
        return "Der Hinweis:" if de else "The warning:"
    if count <= FIRST_FINDINGS:
        return f"Alle {count}:" if de else f"All {count}:"
    return f"Die ersten {FIRST_FINDINGS}:" if de else f"The first {FIRST_FINDINGS}:"


#: Rules that mean "this is no table we can read": the fix is a new export, not an edit.
_EXPORT_AGAIN = {"empty_file", "unreadable_file", "header_not_recognised", "no_rows", "limit_exceeded"}


def _what_to_do(result: IntakeResult, de: bool) -> str:
    rules = set(result.findings.filter(pl.col("severity") == "error")["rule"])
    if rules & _EXPORT_AGAIN:
        return (
            "Was tun: Bitte die Daten neu aus dem Fachverfahren oder Excel exportieren – als CSV "
            "(UTF-8 oder Windows-1252, Trennzeichen ; oder ,) oder als Excel-Datei (.xlsx), die "
            "Kopfzeile mit den Spaltennamen in Zeile 1 – und die Datei erneut liefern."
            if de
            else "What to do: please export the data again from the case-management tool or Excel – as "
            "CSV (UTF-8 or Windows-1252, delimiter ; or ,) or as an Excel file (.xlsx), with the header "
            "of column names in row 1 – and send the file again."
        )
    if not result.ok:
        lines = [
            (
                "Was tun: Bitte die genannten Zeilen und Spalten in der Quelle (Fachverfahren oder Excel) "
                "korrigieren und die GANZE Datei erneut liefern. Die vollständige Liste steht in der Datei "
                "*.errors.csv (öffnet sich in Excel)."
                if de
                else "What to do: please correct the rows and columns named above in the source (case-management "
                "tool or Excel) and send the WHOLE file again. The complete list is in the *.errors.csv "
                "file (opens in Excel)."
            )
        ]
        if rules & {"personal_data_column", "personal_data_value"}:
            lines.append(
                "Wichtig: Namen, Geburtsdaten, Adressen, Telefonnummern, E-Mail-Adressen, IBAN, Steuer-, "
                "Sozialversicherungs- und BA-Kundennummern gehören nicht in die Lieferung – nur das "
                "Pseudonym (participant_id)."
                if de
                else "Important: names, birth dates, addresses, phone numbers, e-mail addresses, IBANs, tax, "
                "social-security and BA customer numbers do not belong in the delivery – only the "
                "pseudonym (participant_id)."
            )
        return "\n".join(lines)
    if result.incomplete_count:
        return (
            "Was tun: Fehlende Kerndaten bitte nachtragen und mit der nächsten Lieferung senden; bis dahin "
            "zählen diese Personen nicht für die EU-Indikatoren."
            if de
            else "What to do: please fill in the missing core data and send them with the next delivery; "
            "until then these persons do not count for the EU indicators."
        )
    return "Was tun: nichts." if de else "What to do: nothing."


def write_report(result: IntakeResult, dest_dir: Path | str, stem: str | None = None) -> list[Path]:
    """Write ``<stem>.errors.csv`` and ``<stem>.summary.txt`` into ``dest_dir``; return both paths.

    ``stem`` defaults to the checked file's name without extension.
    """
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    stem = stem or Path(result.file_name).stem
    errors_csv = dest / f"{stem}.errors.csv"
    summary_txt = dest / f"{stem}.summary.txt"
    # uploaders open it by double-click: a quoted value like '=HYPERLINK(…)' must stay text
    write_safe_csv(result.findings, errors_csv, separator=";", include_bom=True)
    summary_txt.write_text(f"{result.summary_de}\n\n{'-' * 72}\n\n{result.summary_en}\n", encoding="utf-8")
    return [errors_csv, summary_txt]
