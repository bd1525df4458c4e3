"""pandera failure cases -> findings with the uploader's row numbers and plain-language details.

pandera reports each failed check with the column, the check's position in the column's
check list and the failing row's index in the validated frame. The index is mapped to the
Excel row (``_source_row``), the check to its stable rule id (custom checks are named by rule
id; built-in ones are translated via :data:`BUILTIN_RULES`), and the value is quoted as the
uploader wrote it (from the text frame, not the typed one).

Failures that only follow from a value already reported — an empty required cell that did
not parse, a spell "overlapping" because its predecessor's exit date was unreadable, rows of a
key column the file lacks — are dropped, so that one mistake is reported once.
"""

from __future__ import annotations

import copy

import pandera.polars as pa
import polars as pl

from esf_monitor.intake import findings as fnd
from schemas import PARTICIPANT_ID_PATTERN, PROJECT_ID_PATTERN, not_duplicated
from schemas.codes import EXIT_REASON

#: pandera's built-in check names -> our rule ids. Custom checks are named by rule id already.
BUILTIN_RULES = {
    "isin": "code_list",
    "in_range": "out_of_range",
    "str_matches": "id_pattern",
    "greater_than_or_equal_to": "out_of_range",
    "not_nullable": "missing_required",
    "multiple_fields_uniqueness": "key_unique",
    "field_uniqueness": "key_unique",
    "key_unique": "key_unique",
}
#: Patterns in words a social worker understands.
PATTERN_WORDS = {
    PARTICIPANT_ID_PATTERN: (
        "Pseudonym aus 8 bis 64 Zeichen: Buchstaben A–Z, Ziffern, '-' und '_'",
        "pseudonym of 8 to 64 characters: letters A–Z, digits, '-' and '_'",
    ),
    PROJECT_ID_PATTERN: (
        "3 bis 32 Zeichen: Großbuchstaben A–Z, Ziffern und '-'",
        "3 to 32 characters: capital letters A–Z, digits and '-'",
    ),
}


def _check_lookup(schema: pa.DataFrameSchema) -> pl.DataFrame:
    """(column, check_number) -> rule, detail_de, detail_en for every check of the schema."""
    rows = []
    for name, column in schema.columns.items():
        for number, check in enumerate(column.checks):
            rule = BUILTIN_RULES.get(check.name, check.name)
            de, en = _static_detail(rule, check.statistics or {})
            rows.append(
                {"column": name, "check_number": number, "rule": rule, "detail_de": de, "detail_en": en}
            )
    return pl.DataFrame(
        rows,
        schema={
            "column": pl.String,
            "check_number": pl.Int32,
            "rule": pl.String,
            "detail_de": pl.String,
            "detail_en": pl.String,
        },
    )


def _static_detail(rule: str, stats: dict) -> tuple[str, str]:
    if rule == "code_list":
        text = ", ".join(map(str, stats["allowed_values"]))
        return text, text
    if rule == "out_of_range":
        low, high = stats.get("min_value"), stats.get("max_value")
        if high is None:
            return f"mindestens {low}", f"at least {low}"
        return f"{low} bis {high}", f"{low} to {high}"
    if rule == "id_pattern":
        return PATTERN_WORDS.get(stats.get("pattern"), (stats.get("pattern"),) * 2)
    if rule in ("after_reporting_month", "followup_too_early"):
        return (stats["last_day"].strftime("%d.%m.%Y"),) * 2
    if rule == "entry_outside_project_run":
        text = f"{stats['start']:%d.%m.%Y} – {stats['end']:%d.%m.%Y}"
        return text, text
    if rule in ("foreign_project", "month_mismatch"):
        allowed = stats.get("expected") or ", ".join(stats.get("allowed", [])) or "–"
        return allowed, allowed
    if rule == "item_not_asked":
        return (stats["expected"],) * 2
    if rule == "responsibility_not_asked":
        text = ", ".join(stats.get("allowed", [])) or "–"
        return text, text
    if rule == "exit_reason_missing":
        text = ", ".join(EXIT_REASON)
        return text, text
    return "", ""


def _gather(frame: pl.DataFrame, column: str, index: pl.Series) -> pl.Series:
    return frame[column].cast(pl.String).gather(index)


def _row_details(
    rule: str, index: pl.Series, typed: pl.DataFrame, clean: pl.DataFrame
) -> tuple[pl.Series, pl.Series] | None:
    """Details that depend on the failing row (the other date, the computed age, ...)."""
    if rule == "exit_before_entry":
        other = _gather(clean, "entry_date", index)
    elif rule == "end_before_start":
        other = _gather(clean, "start_date", index)
    elif rule == "age_at_entry":
        age = typed.select(pl.col("entry_date").dt.year().cast(pl.Int32) - pl.col("birth_year"))
        other = age.to_series().cast(pl.String).gather(index)
    else:
        return None
    return other, other


#: Rows named per duplicated key; the rest are counted.
LISTED_DUPLICATE_ROWS = 5


def _key_findings(key: list[str], index: pl.Series, clean: pl.DataFrame) -> pl.DataFrame:
    """Duplicated keys: ONE finding per duplicated key value, at the row where it repeats
    first, naming at most :data:`LISTED_DUPLICATE_ROWS` of its rows and how many there are.

    Linear in the rows: a 300 MB file repeating one snapshot used to list, for every row, every
    other row of its key (report and memory grew with the square, issue #13)."""
    rows = clean.select(pl.col("_source_row"), *(pl.col(k).cast(pl.String).fill_null("–") for k in key))[
        index
    ]
    names = " / ".join(key)
    grouped = (
        rows.lazy()
        .with_columns(pl.concat_str([pl.col(k) for k in key], separator=" / ").alias("value"))
        .group_by("value", maintain_order=True)
        .agg(pl.col("_source_row").sort().head(LISTED_DUPLICATE_ROWS).alias("_listed"), pl.len().alias("_n"))
        .filter(pl.col("_n") > 1)
        .with_columns(
            pl.col("_listed").list.get(1).alias("row"),
            pl.col("_listed").cast(pl.List(pl.String)).list.join(", ").alias("_rows"),
        )
        .with_columns(
            pl.when(pl.col("_n") > LISTED_DUPLICATE_ROWS)
            .then(pl.format("{} … ({} Zeilen)", "_rows", "_n"))
            .otherwise("_rows")
            .alias("_de"),
            pl.when(pl.col("_n") > LISTED_DUPLICATE_ROWS)
            .then(pl.format("{} … ({} rows)", "_rows", "_n"))
            .otherwise("_rows")
            .alias("_en"),
        )
        .sort("row")
        .collect()
    )
    return grouped.select(
        pl.lit("error").alias("severity"),
        pl.col("row").cast(pl.Int32),
        pl.lit(key[0]).alias("column"),
        "value",
        pl.lit("key_unique").alias("rule"),
        pl.format(f"{names}; Zeilen {{}}", "_de").alias("detail_de"),
        pl.format(f"{names}; rows {{}}", "_en").alias("detail_en"),
    )


def _unparsed_cells(failed: pl.DataFrame) -> pl.DataFrame:
    """(index, column) of the cells that did not parse: reported once, as a format error."""
    parts = [
        pl.DataFrame({"index": failed[c].arg_true().cast(pl.Int64), "column": c})
        for c in failed.columns
        if failed[c].any()
    ]
    return pl.concat(parts) if parts else pl.DataFrame(schema={"index": pl.Int64, "column": pl.String})


def _not_consequential(rule: str, index: pl.Series, clean: pl.DataFrame, failed: pl.DataFrame) -> pl.Series:
    """False for failures that only follow from a date already reported as unreadable.

    An unreadable exit date counts as "no exit" for the check, so the person's next spell
    would "overlap" — one mistake, reported once (as ``date_format``).
    """
    unreadable = [c for c in ("entry_date", "exit_date") if c in failed.columns]
    if rule != "spells_overlap" or not unreadable:
        return pl.Series([True] * index.len())
    persons = clean.filter(pl.any_horizontal(failed.select(unreadable)))["participant_id"]
    return ~clean["participant_id"].gather(index).is_in(persons.implode())


def schema_findings(
    schema: pa.DataFrameSchema,
    typed: pl.DataFrame,
    clean: pl.DataFrame,
    failed: pl.DataFrame,
    absent: set[str],
) -> pl.DataFrame:
    """Validate with pandera (lazy: all failures) and translate its failure cases.

    The key checks (dataframe checks ``key_unique``) are evaluated here directly, with the
    same function, and left out of pandera's run: pandera builds a Python row per failure case
    of a dataframe check, which for a 300 MB file repeating one snapshot (millions of duplicated
    rows) cost gigabytes (issue #13). The findings are the same."""
    parts = []
    key_checks = [c for c in schema.checks if c.name == "key_unique" and (c.statistics or {}).get("key")]
    if key_checks:
        for check in key_checks:
            key = list(check.statistics["key"])
            if absent.isdisjoint(key):  # without a key column every row "repeats" the empty key
                keep = not_duplicated(typed.lazy(), key).collect().to_series()
                if not keep.all():
                    parts.append(_key_findings(key, (~keep).arg_true(), clean))
        schema = copy.copy(schema)
        schema.checks = [c for c in schema.checks if c not in key_checks]
    try:
        schema.validate(typed, lazy=True)
        return fnd.combine(parts)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.with_columns(
            pl.col("index").cast(pl.Int64),
            pl.col("check").replace_strict(BUILTIN_RULES, default=None).alias("_builtin"),
        )
    keyed = cases.filter(pl.col("_builtin") == "key_unique")
    for (column, number), group in keyed.group_by("column", "check_number", maintain_order=True):
        key = [column] if column in schema.columns else schema.checks[number].statistics["key"]
        if absent.isdisjoint(key):  # without a key column every row "repeats" the empty key
            parts.append(_key_findings(key, group["index"].drop_nulls(), clean))

    cell = (
        cases.filter(pl.col("schema_context") == "Column", pl.col("_builtin").fill_null("") != "key_unique")
        .join(_check_lookup(schema), on=["column", "check_number"], how="left")
        .with_columns(
            pl.when(pl.col("check") == "not_nullable")
            .then(pl.lit("missing_required"))
            .otherwise(pl.coalesce("rule", pl.lit("schema")))
            .alias("rule")
        )
        .filter(~(pl.col("column").is_in(list(absent)) & (pl.col("rule") == "missing_required")))
        .join(_unparsed_cells(failed), on=["index", "column"], how="anti")
    )
    for (column, rule), group in cell.group_by("column", "rule", maintain_order=True):
        keep = _not_consequential(rule, group["index"], clean, failed)
        group = group.filter(keep)
        if group.height == 0:
            continue
        index = group["index"]
        details = _row_details(rule, index, typed, clean) or (group["detail_de"], group["detail_en"])
        parts.append(
            pl.DataFrame(
                {
                    "severity": "error",
                    "row": typed["_source_row"].gather(index),
                    "column": column,
                    "value": _gather(clean, column, index),
                    "rule": rule,
                    "detail_de": details[0].fill_null(""),
                    "detail_en": details[1].fill_null(""),
                }
            )
        )

    other = cases.filter(
        pl.col("schema_context") != "Column", pl.col("_builtin").fill_null("") != "key_unique"
    )
    if other.height:  # schema-level failures: cannot happen while the intake builds the frame
        parts.append(
            other.select(
                pl.lit("error").alias("severity"),
                pl.lit(None, pl.Int32).alias("row"),
                "column",
                pl.lit(None, pl.String).alias("value"),
                pl.lit("schema").alias("rule"),
                pl.col("check").alias("detail_de"),
                pl.col("check").alias("detail_en"),
            )
        )
    return fnd.combine(parts)
