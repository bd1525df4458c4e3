"""Check ONE uploaded file against extract contract v1: :func:`check_file` -> :class:`IntakeResult`.

Steps (each adds findings; none stops the others, so the uploader gets EVERY problem at once):

1. read the file as strings (:mod:`.readers`) — an unreadable file ends here;
2. map the header to contract columns (:mod:`.normalise`): missing, unknown, duplicated,
   personal-data columns;
3. parse values into types (dates, ints, booleans, months);
4. validate the typed frame with the pandera model of the extract plus the per-file context
   rules (``schemas.<type>.schema_for``), ``lazy=True``, and turn pandera's failure cases into
   findings with the uploader's row numbers;
5. personal-data guard on every text cell (:mod:`.guard`);
6. warnings (the file is still accepted): missing core data and exit data without an exit date
   (participants), unknown or missing optional columns, an empty follow-up file.

Any error rejects the file (``ok`` False, ``data`` None). Not checked here, because it needs
other files: whether a follow-up row's ``exit_date`` matches the participant's last exit in
the project's data (the warehouse/dbt holds such rows back with a warning).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandera.polars as pa
import polars as pl

import schemas.followup
import schemas.participants
import schemas.process_checklist
import schemas.target_population
from esf_monitor.intake import findings as fnd
from esf_monitor.intake import limits
from esf_monitor.intake.failures import schema_findings
from esf_monitor.intake.findings import excel_column
from esf_monitor.intake.guard import KIND_LABELS, find_personal_values, maybe_personal, personal_column
from esf_monitor.intake.normalise import ColumnSpec, column_specs, parse, select, shape
from esf_monitor.intake.paths import allowed_problem
from esf_monitor.intake.readers import Unreadable, read_table
from esf_monitor.intake.registry import checklist_items_of
from esf_monitor.intake.report import summaries
from schemas import month_end
from schemas.codes import COLUMNS, CORE_FIELDS, EXTRACT_TYPES

log = logging.getLogger(__name__)

#: Extract types where a file without data rows is a warning, not an error: a jobcenter may
#: have no follow-up due in a month, whereas an empty participants snapshot (it is cumulative)
#: or target-population stock means a broken export.
EMPTY_ALLOWED = {"followup"}
PERSONAL_RULES = ("personal_data_column", "personal_data_value")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass
class IntakeResult:
    """Verdict on one file. ``findings`` columns: severity, row, column, value, rule,
    message_de, message_en (row = Excel row number, header = 1)."""

    ok: bool
    data: pl.DataFrame | None
    findings: pl.DataFrame
    summary_de: str
    summary_en: str
    incomplete_count: int
    file_name: str
    provider_id: str
    extract_type: str
    month: str
    row_count: int = 0
    dialect: str | None = None

    @property
    def error_count(self) -> int:
        return self.findings.filter(pl.col("severity") == "error").height

    @property
    def personal_data(self) -> bool:
        """Rejected (also) for personal data: such a file goes to the restricted quarantine."""
        return self.findings.filter(pl.col("rule").is_in(list(PERSONAL_RULES))).height > 0

    @property
    def warning_count(self) -> int:
        return self.findings.filter(pl.col("severity") == "warning").height


@dataclass
class _Outcome:
    parts: list[pl.DataFrame] = field(default_factory=list)
    data: pl.DataFrame | None = None
    incomplete: int = 0
    rows: int = 0
    dialect: str | None = None


def check_file(
    path: Path | str,
    provider_id: str,
    extract_type: str,
    month: str,
    registry: pl.DataFrame,
    file_name: str | None = None,
) -> IntakeResult:
    """Validate one file completely; never raises for bad content (see module docstring).

    ``file_name``: the upload's name when ``path`` is the intake's own copy of it."""
    path = Path(path)
    try:
        outcome = _check(
            path, provider_id, extract_type, month, registry, Path(file_name or path.name).suffix
        )
    except Exception as exc:  # a bug must not lose a file: it is rejected and kept for the data team
        log.exception("intake check failed for %s", path)
        outcome = _Outcome(
            [fnd.file_finding("error", "internal_error", type(exc).__name__, type(exc).__name__)]
        )
    findings = fnd.with_messages(fnd.combine(outcome.parts))
    ok = findings.filter(pl.col("severity") == "error").height == 0
    result = IntakeResult(
        ok=ok,
        data=outcome.data if ok else None,
        findings=findings,
        summary_de="",
        summary_en="",
        incomplete_count=outcome.incomplete,
        file_name=file_name or path.name,
        provider_id=provider_id,
        extract_type=extract_type,
        month=month,
        row_count=outcome.rows,
        dialect=outcome.dialect,
    )
    result.summary_de, result.summary_en = summaries(result)
    return result


def _schema_for(
    provider_id: str, extract_type: str, month: str, registry: pl.DataFrame
) -> pa.DataFrameSchema:
    last_day = month_end(month)
    if extract_type == "participants":
        project = registry.filter(pl.col("project_id") == provider_id).select("start_date", "end_date")
        start, end = project.row(0) if project.height else (None, None)
        return schemas.participants.schema_for(provider_id, last_day, start, end)
    if extract_type == "followup":
        own = registry.filter(pl.col("jobcenter_id") == provider_id)["project_id"].to_list()
        return schemas.followup.schema_for(own, last_day)
    if extract_type == "process_checklist":
        return schemas.process_checklist.schema_for(checklist_items_of(registry), month)
    return schemas.target_population.schema_for(month)


_KINDS = pl.DataFrame(
    {
        "kind": list(KIND_LABELS),
        "detail_de": [v[0] for v in KIND_LABELS.values()],
        "detail_en": [v[1] for v in KIND_LABELS.values()],
    }
)


def _check(
    path: Path, provider_id: str, extract_type: str, month: str, registry: pl.DataFrame, suffix: str = ""
) -> _Outcome:
    if extract_type not in EXTRACT_TYPES:
        detail = f"unbekannter Dateityp '{extract_type}'", f"unknown extract type '{extract_type}'"
        return _Outcome([fnd.file_finding("error", "extract_type_not_allowed", *detail)])
    if not _MONTH.match(month or ""):
        return _Outcome([fnd.file_finding("error", "bad_reporting_month", str(month), str(month))])
    parts: list[pl.DataFrame] = []
    if (problem := allowed_problem(provider_id, extract_type, registry)) is not None:
        parts.append(fnd.file_finding("error", *problem))

    schema = _schema_for(provider_id, extract_type, month, registry)
    specs = column_specs(schema, CORE_FIELDS if extract_type == "participants" else ())
    try:
        raw = read_table(path, specs.keys())
    except Unreadable as exc:
        return _Outcome([*parts, fnd.file_finding("error", exc.rule, exc.detail_de, exc.detail_en)])
    if suffix.lower() in (".csv", ".xlsx") and suffix.lower() != f".{raw.file_format}":
        detail = f"{raw.file_format.upper()} / {suffix}"
        parts.append(fnd.file_finding("warning", "extension_mismatch", detail, detail))

    shaped = shape(raw, specs)
    parts += _size_findings(shaped.clean, specs, shaped.extra_labels, _free_text(schema, specs))
    parts += [*_formula_findings(raw), *_other_sheet_findings(raw)]
    parsed = parse(shaped.clean, specs, list(shaped.extra_labels))
    clean, typed = parsed.clean, parsed.typed
    parts += [*shaped.findings, *parsed.findings]
    if clean.height == 0:
        parts.append(fnd.file_finding("warning" if extract_type in EMPTY_ALLOWED else "error", "no_rows"))
    parts.append(schema_findings(schema, typed, clean, parsed.failed, shaped.absent))
    personal = _personal_values(clean, typed, parsed.failed, parsed.invalid_codes, specs, shaped.extra_labels)
    parts += [personal, *_warnings(extract_type, clean, shaped.absent)]
    if extract_type == "process_checklist":
        parts += _unanswered_items(registry, month, clean)

    incomplete = 0
    if extract_type == "participants":  # the rows that carry a core_field_missing warning
        present = [c for c in CORE_FIELDS if c not in shaped.absent]
        if len(present) < len(CORE_FIELDS):  # a whole core column missing: every row lacks it
            incomplete = clean.height
        else:  # an empty cell, not one that did not parse (that is an error of its own)
            incomplete = select(clean, pl.any_horizontal(pl.col(c).is_null() for c in present).sum()).item()
    findings = _drop_shifted(_mask_personal(fnd.combine(parts), personal))
    return _Outcome(
        [findings],
        typed.select(*COLUMNS[extract_type], "_source_row"),
        int(incomplete),
        clean.height,
        raw.dialect,
    )


# --------------------------------------------------------------------------- limits (issue #13)


def _free_text(schema: pa.DataFrameSchema, specs: dict[str, ColumnSpec]) -> dict[str, int]:
    """Contract text columns without a pattern (ids have theirs): free text, capped at
    :data:`~esf_monitor.intake.limits.MAX_TEXT_CHARS` unless the column names its own limit
    (``max_chars``: the checklist's ``note``, 500)."""
    return {
        name: spec.max_chars or limits.MAX_TEXT_CHARS
        for name, spec in specs.items()
        if spec.kind == "text"
        and not any(check.name == "str_matches" for check in schema.columns[name].checks)
    }


def _size_findings(
    clean: pl.DataFrame, specs: dict[str, ColumnSpec], extra_labels: dict[str, str], free_text: dict[str, int]
) -> list[pl.DataFrame]:
    """Cells over the cell limit, rows over the line limit, free text over its limit.

    Byte lengths first (free: Arrow keeps the offsets); characters are only counted in a
    column whose longest cell has more bytes than the limit has characters."""
    columns = [*specs, *extra_labels]
    labels = {**{name: name for name in specs}, **extra_labels}
    longest = select(clean, *(pl.col(c).str.len_bytes().max().alias(c) for c in columns)).row(0, named=True)
    parts = []
    for name in columns:
        if (longest[name] or 0) > limits.MAX_CELL_CHARS:
            parts.append(
                fnd.finding_rows(
                    clean,
                    pl.col(name).str.len_chars() > limits.MAX_CELL_CHARS,
                    "error",
                    "cell_too_long",
                    labels[name],
                    name,
                    detail_de=f"höchstens {limits.MAX_CELL_CHARS:,} Zeichen".replace(",", "."),
                    detail_en=f"at most {limits.MAX_CELL_CHARS:,} characters",
                )
            )
        elif name in free_text and (longest[name] or 0) > free_text[name]:
            parts.append(
                fnd.finding_rows(
                    clean,
                    pl.col(name).str.len_chars() > free_text[name],
                    "error",
                    "text_too_long",
                    name,
                    name,
                    detail_de=f"höchstens {free_text[name]} Zeichen",
                    detail_en=f"at most {free_text[name]} characters",
                )
            )
    if sum(v or 0 for v in longest.values()) > limits.MAX_LINE_BYTES:
        line = pl.sum_horizontal(pl.col(c).str.len_bytes().fill_null(0) for c in columns)
        parts.append(
            fnd.finding_rows(
                clean,
                line > limits.MAX_LINE_BYTES,
                "error",
                "line_too_long",
                None,
                None,
                detail_de=f"höchstens {limits.MAX_LINE_BYTES // 1024**2} MB je Zeile",
                detail_en=f"at most {limits.MAX_LINE_BYTES // 1024**2} MB per row",
            )
        )
    return parts


def _formula_findings(raw) -> list[pl.DataFrame]:
    """XLSX formula cells without a cached value: an error naming each cell (issue #13)."""
    if not raw.formulas_without_value_count:
        return []
    sheet = raw.sheet_name or ""
    rows = [row for row, _ in raw.formulas_without_value]
    found = pl.DataFrame(
        {"row": rows, "detail": [f"{ref} ('{sheet}')" for _, ref in raw.formulas_without_value]},
        schema={"row": pl.Int32, "detail": pl.String},
    ).select(
        pl.lit("error").alias("severity"),
        "row",
        pl.lit(None, pl.String).alias("column"),
        pl.lit(None, pl.String).alias("value"),
        pl.lit("formula_without_value").alias("rule"),
        pl.col("detail").alias("detail_de"),
        pl.col("detail").alias("detail_en"),
    )
    more = raw.formulas_without_value_count - len(rows)
    if more > 0:
        found = pl.concat(
            [
                found,
                fnd.file_finding(
                    "error", "formula_without_value", f"… und {more} weitere", f"… and {more} more"
                ),
            ]
        )
    return [found]


def _other_sheet_findings(raw) -> list[pl.DataFrame]:
    """Every further XLSX sheet is checked for personal data too: header names (row 1) and
    values by pattern. Reported as column ``'<sheet>'!<header>`` — the values are never quoted."""
    parts = []
    for sheet, frame in raw.other_sheets:
        header = [str(h) if h is not None else "" for h in frame.row(0)]
        body = _with_rows(frame)
        for _i, name in enumerate(header):
            if name.strip() and (kind := personal_column(name)) is not None:
                parts.append(
                    fnd.column_findings(
                        "error",
                        "personal_data_column",
                        [f"'{sheet}'!{name.strip()}"],
                        detail_de=kind[0],
                        detail_en=kind[1],
                    )
                )
        cells = [
            pl.DataFrame(
                {
                    "row": body["_source_row"].filter(mask),
                    "column": f"'{sheet}'!{excel_column(i)}",
                    "value": body[c].filter(mask),
                }
            )
            for i, c in enumerate(frame.columns)
            if (mask := select(body, maybe_personal(pl.col(c)).fill_null(False)).to_series()).any()
        ]
        if cells:
            found = find_personal_values(pl.concat(cells))
            parts.append(
                found.join(_KINDS, on="kind", how="left").select(
                    pl.lit("error").alias("severity"),
                    "row",
                    "column",
                    pl.lit(None, pl.String).alias("value"),
                    pl.lit("personal_data_value").alias("rule"),
                    "detail_de",
                    "detail_en",
                )
            )
    return parts


def _with_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_row_index("_source_row", offset=1).with_columns(pl.col("_source_row").cast(pl.Int32))


# --------------------------------------------------------------------------- guard and warnings


def _unanswered_items(registry: pl.DataFrame, month: str, clean: pl.DataFrame) -> list[pl.DataFrame]:
    """process_checklist: items of the wave the file does not answer — one warning listing
    them (they count as "no answer", docs/process-monitoring.md)."""
    answered = [v.strip().lower() for v in clean["item_id"].drop_nulls().to_list()]
    missing = schemas.process_checklist.unanswered(checklist_items_of(registry), month, answered)
    if not missing:
        return []
    listed = ", ".join(missing)
    return [
        fnd.file_finding(
            "warning", "items_not_answered", f"{len(missing)}: {listed}", f"{len(missing)}: {listed}"
        )
    ]


def _personal_values(
    clean: pl.DataFrame,
    typed: pl.DataFrame,
    failed: pl.DataFrame,
    invalid_codes: list[str],
    specs: dict[str, ColumnSpec],
    extra_labels: dict[str, str],
) -> pl.DataFrame:
    """Scan every cell that is free text or not a valid value of its column.

    Valid dates, numbers, booleans and codes cannot be personal data, so only free-text
    columns, extra columns and cells that failed their type or code list are looked at. One
    pass computes a "worth a closer look" mask per column; only flagged cells go on to
    :func:`find_personal_values`.
    """
    text = {name: maybe_personal(pl.col(name)) for name, spec in specs.items() if spec.kind == "text"}
    text.update({key: maybe_personal(pl.col(key)) for key in extra_labels})
    codes = {name: ~pl.col(name).is_in(specs[name].codes).fill_null(True) for name in invalid_codes}
    flagged = {
        **select(clean, *(m.alias(n) for n, m in text.items())).to_dict(),
        **(select(typed, *(m.alias(n) for n, m in codes.items())).to_dict() if codes else {}),
        **failed.to_dict(),
    }  # separate selects: see normalise._with_leftovers
    labels = {**{name: name for name in specs}, **extra_labels}
    cells = [
        pl.DataFrame(
            {
                "row": clean["_source_row"].filter(mask),
                "column": labels[name],
                "value": clean[name].filter(mask),
            }
        )
        for name, mask in flagged.items()
        if mask.any()
    ]
    if not cells:
        return fnd.empty()
    found = find_personal_values(pl.concat(cells))
    return found.join(_KINDS, on="kind", how="left").select(
        pl.lit("error").alias("severity"),
        "row",
        "column",
        pl.lit(None, pl.String).alias("value"),
        pl.lit("personal_data_value").alias("rule"),
        "detail_de",
        "detail_en",
    )


def _warnings(extract_type: str, clean: pl.DataFrame, absent: set[str]) -> list[pl.DataFrame]:
    """Row warnings of participants: a missing core value (row accepted, but held back from
    the EU common indicators — contract) and exit data given without an exit date."""
    parts = []
    if extract_type == "participants":
        for name in CORE_FIELDS:
            if name not in absent:
                parts.append(
                    fnd.finding_rows(
                        clean, pl.col(name).is_null(), "warning", "core_field_missing", name, None
                    )
                )
        without_exit = pl.col("exit_date").is_null() & (
            pl.col("exit_reason").is_not_null() | pl.col("status_upon_leaving").is_not_null()
        )
        parts.append(
            fnd.finding_rows(clean, without_exit, "warning", "exit_data_without_exit", "exit_date", None)
        )
    return parts


def _drop_shifted(findings: pl.DataFrame) -> pl.DataFrame:
    """A row with more values than the header has its values shifted into the wrong columns;
    only that is reported for it (and personal data, which must never pass unnoticed)."""
    shifted = findings.filter(pl.col("rule") == "extra_fields")["row"]
    if shifted.is_empty():
        return findings
    return findings.filter(
        ~pl.col("row").is_in(shifted.implode()).fill_null(False)
        | pl.col("rule").is_in(["extra_fields", "personal_data_value"])
    )


def _mask_personal(findings: pl.DataFrame, personal: pl.DataFrame) -> pl.DataFrame:
    """No finding may repeat a personal value (see :mod:`.guard`): every finding about a cell
    the guard flagged shows no value at all — column and rule say enough to find it (issue #13:
    reports, logs, the delivery log and Dagster metadata never carry the value)."""
    if personal.height == 0:
        return findings
    flagged = personal.select("row", "column").unique().with_columns(pl.lit(True).alias("_flagged"))
    return (
        findings.join(flagged, on=["row", "column"], how="left", nulls_equal=False, maintain_order="left")
        .with_columns(pl.when(pl.col("_flagged")).then(None).otherwise(pl.col("value")).alias("value"))
        .drop("_flagged")
    )
