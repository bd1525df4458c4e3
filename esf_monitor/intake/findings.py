"""Findings: one row per problem, and the plain-language messages the uploader reads.

Internally a finding carries ``detail_de``/``detail_en`` (allowed codes, the project's run,
the other rows with the same key, ...); :func:`with_messages` turns them into
``message_de``/``message_en`` with a vectorised template per rule, so a file with 100 000
bad cells costs no Python loop. The public frame (``IntakeResult.findings``) has exactly
:data:`FINDING_COLUMNS`.
"""

from __future__ import annotations

import re

import polars as pl

from esf_monitor.safe_cells import capped

#: Longest detail (lists of rows or codes) in a message; values are capped at QUOTE_LIMIT.
DETAIL_LIMIT = 1000

FINDING_COLUMNS = ("severity", "row", "column", "value", "rule", "message_de", "message_en")
_INTERNAL = {
    "severity": pl.String,
    "row": pl.Int32,
    "column": pl.String,
    "value": pl.String,
    "rule": pl.String,
    "detail_de": pl.String,
    "detail_en": pl.String,
}

#: rule -> (German, English) message body; or {"cell": ..., "column": ...} where a rule can
#: concern one cell or a whole column. Placeholders: {value}, {detail}, {column}.
TEMPLATES: dict[str, tuple[str, str] | dict[str, tuple[str, str]]] = {
    "empty_file": (
        "Die Datei ist nicht lesbar: {detail}. Bitte die Daten erneut exportieren.",
        "The file cannot be read: {detail}. Please export the data again.",
    ),
    "unreadable_file": ("Die Datei ist nicht lesbar: {detail}.", "The file cannot be read: {detail}."),
    "header_not_recognised": ("Kopfzeile nicht erkannt: {detail}.", "Header not recognised: {detail}."),
    "no_rows": (
        "Die Datei enthält keine Datenzeilen, nur die Kopfzeile.",
        "The file holds no data rows, only the header.",
    ),
    "internal_error": (
        "Die Prüfung ist mit einem internen Fehler abgebrochen ({detail}). Die Datei wurde "
        "sicher abgelegt; bitte das Datenteam informieren.",
        "The check stopped with an internal error ({detail}). The file was kept safely; "
        "please tell the data team.",
    ),
    "unknown_provider": ("{detail}.", "{detail}."),
    "extract_type_not_allowed": ("{detail}.", "{detail}."),
    "extension_mismatch": (
        "Dateiendung passt nicht zum Inhalt ({detail}); die Datei wurde nach ihrem Inhalt gelesen.",
        "file extension does not match the content ({detail}); the file was read by its content.",
    ),
    "bad_reporting_month": (
        "Berichtsmonat '{detail}' ist ungültig (erwartet JJJJ-MM).",
        "Reporting month '{detail}' is invalid (expected YYYY-MM).",
    ),
    "duplicate_column": (
        "kommt mehrfach vor (Excel-Spalten {detail}). Bitte nur eine behalten.",
        "appears more than once (Excel columns {detail}). Please keep only one.",
    ),
    "unknown_column": ("unbekannte Spalte – wird ignoriert.", "unknown column – it is ignored."),
    "unnamed_column": (
        "hat keine Überschrift, enthält aber Werte – wird ignoriert.",
        "has no header but holds values – it is ignored.",
    ),
    "unnamed_column_missing_header": (
        "hat keine Überschrift, enthält aber Werte, und es fehlt die Spalte {detail} – vermutlich ist es diese. "
        "Bitte die Überschrift in Zeile 1 ergänzen.",
        "has no header but holds values, and the column {detail} is missing – probably it is this one. "
        "Please add the header in row 1.",
    ),
    "header_alias": (
        "wurde aus der Spalte '{detail}' gelesen (deutscher Spaltenname).",
        "was read from the column '{detail}' (German header name).",
    ),
    "limit_exceeded": (
        "Die Datei überschreitet eine Grenze: {detail}.",
        "The file exceeds a limit: {detail}.",
    ),
    "cell_too_long": ("Wert '{value}' ist zu lang ({detail}).", "value '{value}' is too long ({detail})."),
    "line_too_long": ("Die Zeile ist zu lang ({detail}).", "the row is too long ({detail})."),
    "text_too_long": (
        "Wert '{value}' ist zu lang für ein Textfeld ({detail}).",
        "value '{value}' is too long for a text field ({detail}).",
    ),
    "formula_without_value": (
        "Zelle {detail} enthält eine Formel ohne berechneten Wert (die Datei wurde nie in "
        "Excel berechnet und gespeichert). Bitte in Excel öffnen, speichern und erneut liefern "
        "– oder als CSV exportieren.",
        "cell {detail} holds a formula without a calculated value (the file was never "
        "calculated and saved in Excel). Please open it in Excel, save it and send it again "
        "– or export it as CSV.",
    ),
    "optional_column_missing": ("fehlt – wird als leer behandelt.", "is missing – treated as empty."),
    "extra_fields": (
        "Die Zeile hat mehr Werte als die Kopfzeile Spalten (Wert '{value}' in Spalte {detail}). "
        "Enthält ein Wert das Trennzeichen?",
        "the row has more values than the header has columns (value '{value}' in column {detail}). "
        "Does a value contain the delimiter?",
    ),
    "missing_required": {
        "cell": ("Pflichtfeld ist leer.", "required field is empty."),
        "column": ("Pflichtspalte fehlt in der Datei.", "required column is missing from the file."),
    },
    "core_field_missing": {
        "cell": (
            "Kerndatum fehlt. Die Zeile wird angenommen, zählt aber erst nach Nachlieferung für die "
            "EU-Indikatoren.",
            "core data missing. The row is accepted but only counts for the EU indicators once "
            "it is supplied.",
        ),
        "column": (
            "Spalte mit Kerndaten fehlt ganz. Die Zeilen werden angenommen, zählen aber nicht für "
            "die EU-Indikatoren.",
            "core data column missing entirely. The rows are accepted but do not count for the "
            "EU indicators.",
        ),
    },
    "date_format": (
        "Wert '{value}' ist kein gültiges Datum. Erlaubt: JJJJ-MM-TT oder TT.MM.JJJJ.",
        "value '{value}' is not a valid date. Allowed: YYYY-MM-DD or DD.MM.YYYY.",
    ),
    "date_impossible": ("Wert '{value}' – {detail}.", "value '{value}' – {detail}."),
    "int_format": ("Wert '{value}' ist keine ganze Zahl.", "value '{value}' is not a whole number."),
    "bool_format": (
        "Wert '{value}' ist kein Ja/Nein-Wert. Erlaubt: ja/nein, yes/no, true/false, 1/0.",
        "value '{value}' is not a yes/no value. Allowed: ja/nein, yes/no, true/false, 1/0.",
    ),
    "month_format": (
        "Wert '{value}' ist kein Monat. Erlaubt: JJJJ-MM.",
        "value '{value}' is not a month. Allowed: YYYY-MM.",
    ),
    "code_list": (
        "Wert '{value}' ist nicht erlaubt. Erlaubt: {detail}.",
        "value '{value}' is not allowed. Allowed: {detail}.",
    ),
    "out_of_range": (
        "Wert '{value}' liegt außerhalb des erlaubten Bereichs ({detail}).",
        "value '{value}' is outside the allowed range ({detail}).",
    ),
    "id_pattern": (
        "Wert '{value}' hat nicht das erlaubte Format: {detail}.",
        "value '{value}' does not have the allowed format: {detail}.",
    ),
    "age_at_entry": (
        "Geburtsjahr {value} ergibt ein Alter bei Eintritt von {detail} Jahren; erlaubt sind 14 bis 70.",
        "birth year {value} gives an age at entry of {detail}; allowed is 14 to 70.",
    ),
    "key_unique": (
        "Die Kombination '{value}' ({detail}) kommt mehrfach vor; jede darf nur einmal vorkommen.",
        "the combination '{value}' ({detail}) appears more than once; each may appear only once.",
    ),
    "spells_overlap": (
        "Eintritt am {value} überschneidet sich mit einer früheren Teilnahme derselben Person "
        "(gleiche participant_id). Eine neue Teilnahme darf erst nach dem Austritt beginnen.",
        "entry on {value} overlaps an earlier spell of the same person (same participant_id). "
        "A new spell may only start after the exit.",
    ),
    "exit_before_entry": (
        "Austrittsdatum {value} liegt vor dem Eintrittsdatum {detail}.",
        "exit date {value} is before the entry date {detail}.",
    ),
    "exit_reason_missing": (
        "Austrittsgrund fehlt, obwohl ein Austrittsdatum angegeben ist. Erlaubt: {detail}.",
        "exit reason missing although an exit date is given. Allowed: {detail}.",
    ),
    "exit_data_without_exit": (
        "Austrittsgrund oder Verbleib angegeben, aber kein Austrittsdatum – bitte Austrittsdatum ergänzen.",
        "exit reason or status given but no exit date – please add the exit date.",
    ),
    "entry_outside_project_run": (
        "Eintrittsdatum {value} liegt außerhalb der Projektlaufzeit ({detail}).",
        "entry date {value} is outside the project's run ({detail}).",
    ),
    "after_reporting_month": (
        "Datum {value} liegt nach dem Ende des Berichtsmonats ({detail}).",
        "date {value} is after the end of the reporting month ({detail}).",
    ),
    "followup_too_early": (
        "Austritt am {value}: der Zeitpunkt sechs Monate danach liegt nach dem "
        "Berichtsmonat (Ende {detail}) – dieser Verbleib kann noch nicht bekannt sein.",
        "exit on {value}: six months later is after the reporting month (end {detail}) "
        "– this status cannot be known yet.",
    ),
    "foreign_project": (
        "Projekt '{value}' darf in dieser Datei nicht vorkommen. Erlaubt: {detail}.",
        "project '{value}' may not appear in this file. Allowed: {detail}.",
    ),
    "month_mismatch": (
        "Monat {value} passt nicht zum Berichtsmonat der Datei ({detail}).",
        "month {value} does not match the file's reporting month ({detail}).",
    ),
    "personal_data_column": (
        "enthält offenbar personenbezogene Daten ({detail}). Solche Daten dürfen "
        "nicht geliefert werden: Spalte löschen und neu exportieren.",
        "apparently holds personal data ({detail}). Such data must not be "
        "sent: delete the column and export again.",
    ),
    "personal_data_value": (
        "der Wert sieht aus wie {detail}. Personenbezogene Daten dürfen nicht "
        "geliefert werden (der Wert wird hier nicht wiedergegeben).",
        "the value looks like {detail}. Personal data must not be sent (the value is not repeated here).",
    ),
    "end_before_start": (
        "Enddatum {value} liegt vor dem Startdatum {detail}.",
        "end date {value} is before the start date {detail}.",
    ),
    "provider_kind_ambiguous": (
        "Kennung '{value}' ist zugleich eine Projekt-ID (oder Jobcenter-ID); Absender wären nicht eindeutig.",
        "id '{value}' is also a project id (or jobcenter id); senders would be ambiguous.",
    ),
    "unknown_item": (
        "Checklistenpunkt '{value}' steht nicht im Katalog (reference/checklist_items.csv).",
        "checklist item '{value}' is not in the catalogue (reference/checklist_items.csv).",
    ),
    "item_not_asked": (
        "Checklistenpunkt '{value}' wird in der Erhebungswelle {detail} nicht abgefragt.",
        "checklist item '{value}' is not asked in the survey wave {detail}.",
    ),
    "responsibility_not_asked": (
        "Zuständigkeit '{value}' angegeben, aber dieser Checklistenpunkt fragt nicht "
        "danach (nur: {detail}). Bitte das Feld leer lassen.",
        "responsibility '{value}' given, but this checklist item does not ask it "
        "(only: {detail}). Please leave the field empty.",
    ),
    "items_not_answered": (
        "Checklistenpunkte dieser Welle ohne Antwort (zählen als „keine Angabe“) – {detail}.",
        "checklist items of this wave without an answer (counted as no answer) – {detail}.",
    ),
    "last_wave_before_first": (
        "letzte Welle {value} liegt vor der ersten Welle.",
        "last wave {value} is before the first wave.",
    ),
    "schema": ("Prüfung fehlgeschlagen: {detail}.", "check failed: {detail}."),
}

#: Short plain names of the rules for the summary's counts.
RULE_TITLES = {
    "empty_file": ("Datei leer", "file empty"),
    "unreadable_file": ("Datei nicht lesbar", "file not readable"),
    "header_not_recognised": ("Kopfzeile nicht erkannt", "header not recognised"),
    "no_rows": ("keine Datenzeilen", "no data rows"),
    "internal_error": ("interner Fehler", "internal error"),
    "unknown_provider": ("Absender unbekannt", "unknown sender"),
    "extract_type_not_allowed": ("Dateityp nicht erlaubt", "extract type not allowed"),
    "bad_reporting_month": ("Berichtsmonat ungültig", "invalid reporting month"),
    "extension_mismatch": ("Dateiendung passt nicht", "file extension does not match"),
    "duplicate_column": ("Spalte doppelt", "duplicated column"),
    "unknown_column": ("unbekannte Spalte", "unknown column"),
    "unnamed_column": ("Spalte ohne Überschrift", "column without header"),
    "unnamed_column_missing_header": ("Überschrift fehlt über Werten", "header missing above values"),
    "header_alias": ("deutscher Spaltenname", "German header name"),
    "limit_exceeded": ("Grenze überschritten", "limit exceeded"),
    "cell_too_long": ("Zelle zu lang", "cell too long"),
    "line_too_long": ("Zeile zu lang", "row too long"),
    "text_too_long": ("Text zu lang", "text too long"),
    "formula_without_value": ("Formel ohne Wert", "formula without value"),
    "optional_column_missing": ("optionale Spalte fehlt", "optional column missing"),
    "extra_fields": ("zu viele Werte in der Zeile", "too many values in the row"),
    "missing_required": ("Pflichtangabe fehlt", "required value missing"),
    "core_field_missing": ("Kerndaten fehlen", "core data missing"),
    "date_format": ("Datum nicht lesbar", "date not readable"),
    "date_impossible": ("Datum gibt es nicht", "date does not exist"),
    "int_format": ("keine ganze Zahl", "not a whole number"),
    "bool_format": ("kein Ja/Nein-Wert", "not a yes/no value"),
    "month_format": ("kein Monat", "not a month"),
    "code_list": ("Wert nicht erlaubt", "value not allowed"),
    "out_of_range": ("Wert außerhalb des Bereichs", "value out of range"),
    "id_pattern": ("Format der Kennung", "id format"),
    "age_at_entry": ("Alter bei Eintritt unplausibel", "implausible age at entry"),
    "key_unique": ("doppelte Zeile", "duplicate row"),
    "spells_overlap": ("überschneidende Teilnahmen", "overlapping spells"),
    "exit_before_entry": ("Austritt vor Eintritt", "exit before entry"),
    "exit_reason_missing": ("Austrittsgrund fehlt", "exit reason missing"),
    "exit_data_without_exit": ("Austrittsangaben ohne Austrittsdatum", "exit data without exit date"),
    "entry_outside_project_run": (
        "Eintritt außerhalb der Projektlaufzeit",
        "entry outside the project's run",
    ),
    "after_reporting_month": ("Datum nach dem Berichtsmonat", "date after the reporting month"),
    "followup_too_early": ("Verbleib noch nicht fällig", "follow-up not yet due"),
    "foreign_project": ("fremdes Projekt", "foreign project"),
    "month_mismatch": ("falscher Monat", "wrong month"),
    "personal_data_column": ("personenbezogene Spalte", "personal data column"),
    "personal_data_value": ("personenbezogener Wert", "personal data value"),
    "end_before_start": ("Ende vor Start", "end before start"),
    "provider_kind_ambiguous": ("Kennung doppelt vergeben", "id used twice"),
    "unknown_item": ("unbekannter Checklistenpunkt", "unknown checklist item"),
    "item_not_asked": ("Punkt in dieser Welle nicht abgefragt", "item not asked in this wave"),
    "responsibility_not_asked": ("Zuständigkeit nicht abgefragt", "responsibility not asked"),
    "items_not_answered": ("Punkte ohne Antwort", "items not answered"),
    "last_wave_before_first": ("letzte Welle vor erster", "last wave before first"),
    "schema": ("Prüfung fehlgeschlagen", "check failed"),
}


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=_INTERNAL)


def excel_column(index: int) -> str:
    """0 -> 'A', 26 -> 'AA': how the uploader finds a column in Excel."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _details(detail, detail_de, detail_en) -> tuple[pl.Expr, pl.Expr]:
    """German and English detail as expressions; ``detail`` serves both when they agree."""

    def as_expr(value) -> pl.Expr:
        return (value if isinstance(value, pl.Expr) else pl.lit(value, dtype=pl.String)).cast(pl.String)

    return (
        as_expr(detail_de if detail_de is not None else detail),
        as_expr(detail_en if detail_en is not None else detail),
    )


def finding_rows(
    frame: pl.DataFrame,
    where: pl.Expr | pl.Series,
    severity: str,
    rule: str,
    column: str | None,
    value_column: str | None,
    detail=None,
    detail_de=None,
    detail_en=None,
) -> pl.DataFrame:
    """One finding per row of ``frame`` (which carries ``_source_row``) where ``where`` holds."""
    de, en = _details(detail, detail_de, detail_en)
    value = pl.col(value_column).cast(pl.String) if value_column else pl.lit(None, dtype=pl.String)
    needed = ["_source_row", *([value_column] if value_column else [])]
    if isinstance(where, pl.Series):
        frame, where = frame.select(needed).with_columns(where.alias("_where")), pl.col("_where")
    return (
        frame.lazy()
        .filter(where)
        .select(
            pl.lit(severity).alias("severity"),
            pl.col("_source_row").cast(pl.Int32).alias("row"),
            pl.lit(column, dtype=pl.String).alias("column"),
            value.alias("value"),
            pl.lit(rule).alias("rule"),
            de.alias("detail_de"),
            en.alias("detail_en"),
        )
        .collect()
    )


def column_findings(
    severity: str, rule: str, columns: list[str | None], detail=None, detail_de=None, detail_en=None
) -> pl.DataFrame:
    """One finding per column, about the column as a whole (row empty)."""
    de, en = _details(detail, detail_de, detail_en)
    return pl.DataFrame({"column": columns}, schema={"column": pl.String}).select(
        pl.lit(severity).alias("severity"),
        pl.lit(None, dtype=pl.Int32).alias("row"),
        "column",
        pl.lit(None, dtype=pl.String).alias("value"),
        pl.lit(rule).alias("rule"),
        de.alias("detail_de"),
        en.alias("detail_en"),
    )


def file_finding(severity: str, rule: str, detail_de: str = "", detail_en: str = "") -> pl.DataFrame:
    """A finding about the whole file (no row, no column)."""
    return pl.DataFrame(
        [
            {
                "severity": severity,
                "row": None,
                "column": None,
                "value": None,
                "rule": rule,
                "detail_de": detail_de,
                "detail_en": detail_en,
            }
        ],
        schema=_INTERNAL,
    )


def combine(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """All parts as one internal findings frame (one concatenation, no per-part copies)."""
    return pl.concat(
        [empty().lazy(), *(p.lazy().select(list(_INTERNAL)).cast(_INTERNAL) for p in parts)]
    ).collect()


# --------------------------------------------------------------------------- messages

_PLACEHOLDER = re.compile(r"\{(value|detail|column)\}")


def _render(template: str, detail: str) -> pl.Expr:
    names = _PLACEHOLDER.findall(template)
    exprs = [pl.col(detail if n == "detail" else n).fill_null("") for n in names]
    return pl.format(_PLACEHOLDER.sub("{}", template), *exprs) if names else pl.lit(template)


def _body(rule: str, scope: str, language: int) -> str:
    template = TEMPLATES.get(rule, TEMPLATES["schema"])
    if isinstance(template, dict):
        template = template.get(scope) or template.get("cell")
    return template[language]


def _prefix(language: int) -> pl.Expr:
    row_word, column_word = ("Zeile", "Spalte") if language == 0 else ("Row", "column")
    file_col = "Spalte" if language == 0 else "Column"
    row, column = pl.col("row").cast(pl.String), pl.col("column")
    return (
        pl.when(pl.col("row").is_not_null() & column.is_not_null())
        .then(pl.format(f"{row_word} {{}}, {column_word} {{}}: ", row, column))
        .when(pl.col("row").is_not_null())
        .then(pl.format(f"{row_word} {{}}: ", row))
        .when(column.is_not_null())
        .then(pl.format(f"{file_col} {{}}: ", column))
        .otherwise(pl.lit(""))
    )


def with_messages(findings: pl.DataFrame) -> pl.DataFrame:
    """Internal findings -> public frame with German and English messages, in reading order.

    One expression per language: a ``when`` branch per (rule, scope) that occurs.
    """
    scope = (
        pl.when(pl.col("row").is_null() & pl.col("column").is_not_null())
        .then(pl.lit("column"))
        .otherwise(pl.lit("cell"))
    )
    # every quoted value is capped (issue #13: a 50 MB cell reached summary.txt, versions.jsonl
    # and Dagster's event log); details name rows and codes, capped more generously
    findings = findings.with_columns(
        capped(pl.col("value")).alias("value"),
        capped(pl.col("detail_de"), DETAIL_LIMIT).alias("detail_de"),
        capped(pl.col("detail_en"), DETAIL_LIMIT).alias("detail_en"),
    )
    present = findings.select("rule", scope.alias("scope")).unique(maintain_order=True).rows()
    messages = []
    for language, (name, detail) in enumerate((("message_de", "detail_de"), ("message_en", "detail_en"))):
        body = pl.lit(None, dtype=pl.String)
        for rule, rule_scope in reversed(present):
            body = (
                pl.when((pl.col("rule") == rule) & (scope == rule_scope))
                .then(_render(_body(rule, rule_scope, language), detail))
                .otherwise(body)
            )
        messages.append((_prefix(language) + body).alias(name))
    return (
        findings.lazy()
        .with_columns(messages)
        .sort(["row", "column", "rule"], nulls_last=False, maintain_order=True)
        .select(FINDING_COLUMNS)
        .collect()
    )
