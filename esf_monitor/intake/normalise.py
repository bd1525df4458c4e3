"""From the sheet as written to typed contract columns: header mapping, then value parsing.

Both steps report what they cannot map as findings (never raise), and both work column by
column with polars expressions — no Python loop over rows — because a participants snapshot
can have a million rows.

Value rules (extract contract, "File formats that must be accepted"):

- every cell is trimmed; an empty or blank cell is missing (null);
- dates: ``YYYY-MM-DD`` or ``DD.MM.YYYY`` (Excel date cells arrive as ``YYYY-MM-DD``);
- booleans: yes/no, ja/nein, true/false, 1/0, case-insensitive;
- whole numbers: also ``3.0`` (Excel writes numbers as floats), but not ``3.5``;
- codes: compared in lower case (``F`` is ``f``): the code lists are all lower case, and
  rejecting a whole file for a capital letter would help nobody; a column may also accept
  other spellings of its codes (pandera metadata ``aliases``: lower-case wording → code, e.g.
  the checklist's "Bereits umgesetzt" → ``implemented``);
- month (target_population): ``YYYY-MM``; also ``MM.YYYY``/``MM/YYYY`` and a full date,
  because Excel turns a typed ``2024-06`` into the date 01.06.2024.

A value that does not parse is an error naming row, column, value and rule
(``date_format``, ``int_format``, ``bool_format``, ``month_format``); a date whose day its month
does not have (31 April, 29 February 2025) is ``date_impossible``, which names that day.

Speed: each column is first parsed the strict, cheap way (as most tools write it: ISO dates,
plain integers, lower-case codes, no stray blanks). Only a column where that leaves a value
unparsed is parsed again the lenient way (trimmed, lower-cased, German dates, ``3.0``). Trimming
and lower-casing a million strings costs more than reading them, so the common file never pays
for the leniency it does not need.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandera.polars as pa
import polars as pl

from esf_monitor.intake.findings import column_findings, excel_column, finding_rows
from esf_monitor.intake.guard import personal_column
from esf_monitor.intake.headers import contract_column
from esf_monitor.intake.readers import RawTable, normalise_header

_TRUE = ("yes", "ja", "true", "1")
_FALSE = ("no", "nein", "false", "0")
_BOOLEANS = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}
PARSE_RULES = {"date": "date_format", "int": "int_format", "bool": "bool_format", "month": "month_format"}


def select(frame: pl.DataFrame, *exprs) -> pl.DataFrame:
    """``frame.select`` through the lazy engine: it spreads a column's chunks over all cores,
    an eager ``select`` works through them one by one (several times slower on a big file)."""
    return frame.lazy().select(*exprs).collect()


def with_columns(frame: pl.DataFrame, *exprs) -> pl.DataFrame:
    """``frame.with_columns`` through the lazy engine (see :func:`select`)."""
    return frame.lazy().with_columns(*exprs).collect()


@dataclass(frozen=True)
class ColumnSpec:
    """How to read one contract column, derived from its pandera column."""

    name: str
    kind: str  # text | code | date | int | bool | month
    required: bool
    core: bool = False
    codes: tuple[str, ...] = ()
    #: other spellings of the codes, lower case → code (pandera metadata ``aliases``)
    aliases: tuple[tuple[str, str], ...] = ()
    #: longest free text (pandera metadata ``max_chars``); None = the intake's general limit
    max_chars: int | None = None


def column_specs(schema: pa.DataFrameSchema, core_fields: tuple[str, ...] = ()) -> dict[str, ColumnSpec]:
    """Read the parse rule of each column off the schema, so the model stays the one source."""
    specs = {}
    for name, column in schema.columns.items():
        dtype = column.dtype.type
        codes = next((tuple(c.statistics["allowed_values"]) for c in column.checks if c.name == "isin"), ())
        if (column.metadata or {}).get("kind") == "month":
            kind = "month"
        elif dtype == pl.Date:
            kind = "date"
        elif dtype == pl.Boolean:
            kind = "bool"
        elif dtype.is_integer():
            kind = "int"
        else:
            kind = "code" if codes else "text"
        meta = column.metadata or {}
        specs[name] = ColumnSpec(
            name,
            kind,
            required=not column.nullable,
            core=name in core_fields,
            codes=codes,
            aliases=tuple(sorted((meta.get("aliases") or {}).items())),
            max_chars=meta.get("max_chars"),
        )
    return specs


@dataclass
class Shaped:
    """The sheet with contract column names (cells still as written).

    ``clean`` holds every contract column (absent ones as all-null), the extra columns under
    internal names ``_c<i>`` (their header names in ``extra_labels``) and ``_source_row``.
    """

    clean: pl.DataFrame
    extra_labels: dict[str, str]
    absent: set[str]
    findings: list[pl.DataFrame] = field(default_factory=list)


def _trimmed(column: str) -> pl.Expr:
    value = pl.col(column).str.strip_chars()
    return pl.when(value.str.len_bytes() > 0).then(value).alias(column)


_BLANKS = (" ", "\t", "\u00a0", "\n", "\r")


def _needs_trim(column: str) -> pl.Expr:
    """Any cell with blanks around it or empty? Literal prefix/suffix tests only: much cheaper
    than trimming a million cells that (as usual) have nothing to trim."""
    value = pl.col(column)
    ends = [value.str.starts_with(b) | value.str.ends_with(b) for b in _BLANKS]
    return pl.any_horizontal(*ends, value.str.len_bytes() == 0).any()


def shape(raw: RawTable, specs: dict[str, ColumnSpec]) -> Shaped:
    """Map header names to contract columns and report what does not fit.

    Columns without a header name are dropped when empty, reported per row when they lie
    beyond the header (``extra_fields``: a CSV row with more values than the header,
    typically an unquoted delimiter inside a value), else reported once (``unnamed_column``).
    Extra columns are kept (trimmed) for the personal-data guard.
    """
    frame = raw.frame
    findings: list[pl.DataFrame] = []
    positions: dict[str, int] = {}
    extra_labels: dict[str, str] = {}  # internal name -> header as the uploader sees it
    seen: dict[str, list[int]] = {}
    unnamed = [i for i, h in enumerate(raw.header) if not normalise_header(h)]
    filled = (
        select(frame, *(_trimmed(f"_c{i}").is_not_null().any() for i in unnamed)).row(0) if unnamed else ()
    )
    unnamed_filled: list[int] = []
    for i, header in enumerate(raw.header):
        name = normalise_header(header)
        as_written = (header or "").replace("\ufeff", "").strip()  # reports quote the uploader's spelling
        if not name:
            if filled[unnamed.index(i)]:
                label = f"({excel_column(i)})"
                extra_labels[f"_c{i}"] = label
                if i >= raw.header_width:
                    findings.append(
                        finding_rows(
                            frame,
                            _trimmed(f"_c{i}").is_not_null(),
                            "error",
                            "extra_fields",
                            label,
                            f"_c{i}",
                            detail=excel_column(i),
                        )
                    )
                else:
                    unnamed_filled.append(i)
            continue
        column, via_alias = contract_column(header, specs)
        if column is not None:
            name = column
        seen.setdefault(name, []).append(i)
        if len(seen[name]) > 1:
            extra_labels[f"_c{i}"] = as_written  # still scanned by the personal-data guard
        elif name in specs:
            positions[name] = i
            if via_alias:
                findings.append(column_findings("warning", "header_alias", [name], detail=as_written))
        elif (kind := personal_column(as_written)) is not None:
            findings.append(
                column_findings(
                    "error", "personal_data_column", [as_written], detail_de=kind[0], detail_en=kind[1]
                )
            )
        else:
            findings.append(column_findings("warning", "unknown_column", [as_written]))
            extra_labels[f"_c{i}"] = as_written
    for name, where in seen.items():
        if len(where) > 1:
            findings.append(
                column_findings(
                    "error", "duplicate_column", [name], detail=", ".join(excel_column(i) for i in where)
                )
            )

    absent = [name for name in specs if name not in positions]
    for i in unnamed_filled:
        # A header cell left empty over a column holding values: while a contract column is
        # missing it is probably that column — reading on would silently drop it (issue #13).
        label = f"({excel_column(i)})"
        if absent:
            findings.append(
                column_findings("error", "unnamed_column_missing_header", [label], detail=", ".join(absent))
            )
        else:
            findings.append(column_findings("warning", "unnamed_column", [label]))
    for name in absent:
        rule = (
            "missing_required"
            if specs[name].required
            else "core_field_missing"
            if specs[name].core
            else "optional_column_missing"
        )
        findings.append(column_findings("error" if specs[name].required else "warning", rule, [name]))

    clean = select(
        frame,
        *(
            pl.col(f"_c{positions[name]}").alias(name)
            if name in positions
            else pl.lit(None, dtype=pl.String).alias(name)
            for name in specs
        ),
        *(_trimmed(key) for key in extra_labels),
        "_source_row",
    )
    return Shaped(clean=clean, extra_labels=extra_labels, absent=set(absent), findings=findings)


# --------------------------------------------------------------------------- values


def _iso_date(value: pl.Expr) -> pl.Expr:
    return value.str.to_date("%Y-%m-%d", strict=False)


def _german_date(value: pl.Expr) -> pl.Expr:
    return value.str.to_date("%d.%m.%Y", strict=False)


MONTHS_DE = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_ISO_PARTS = r"^(\d{4})-(\d{1,2})-(\d{1,2})$"
_GERMAN_PARTS = r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"


def impossible_date(clean: pl.DataFrame, name: str) -> pl.DataFrame:
    """Findings ``date_impossible`` for the cells of ``name`` written as a date (``YYYY-MM-DD``
    or ``DD.MM.YYYY``) whose day the month does not have: 31 April, 30 February, 29 February of
    a year that is no leap year. The message names the day ("31. Februar gibt es nicht")
    instead of repeating the allowed formats, which the uploader already followed."""
    value = pl.col(name)

    def part(iso: int, german: int) -> pl.Expr:
        return pl.coalesce(value.str.extract(_ISO_PARTS, iso), value.str.extract(_GERMAN_PARTS, german)).cast(
            pl.Int32
        )

    year, month, day = part(1, 3), part(2, 2), part(3, 1)
    real_month = pl.when(month.is_between(1, 12)).then(month)
    last_day = pl.date(year, real_month, 1).dt.month_end().dt.day()
    frame = (
        clean.lazy()
        .select("_source_row", name)
        .filter(value.is_not_null())
        .with_columns(year.alias("_y"), month.alias("_m"), day.alias("_d"), last_day.alias("_last"))
        .filter(pl.col("_d").is_between(1, 31) & (pl.col("_d") > pl.col("_last")))
        .collect()
    )
    if frame.height == 0:
        return frame.select()  # no rows: the caller checks ``height``
    names_de = pl.col("_m").replace_strict(dict(enumerate(MONTHS_DE, 1)), return_dtype=pl.String)
    names_en = pl.col("_m").replace_strict(dict(enumerate(MONTHS_EN, 1)), return_dtype=pl.String)
    leap_day = (pl.col("_m") == 2) & (pl.col("_d") == 29)
    day_de = pl.format("{}. {}", pl.col("_d"), names_de)
    day_en = pl.format("{} {}", pl.col("_d"), names_en)
    detail_de = (
        pl.when(leap_day)
        .then(pl.format("{} {} gibt es nicht (kein Schaltjahr)", day_de, pl.col("_y")))
        .otherwise(pl.format("{} gibt es nicht", day_de))
    )
    detail_en = (
        pl.when(leap_day)
        .then(pl.format("{} {} does not exist (not a leap year)", day_en, pl.col("_y")))
        .otherwise(pl.format("{} does not exist", day_en))
    )
    return frame.with_columns(detail_de.alias("_de"), detail_en.alias("_en")).select(
        pl.lit("error").alias("severity"),
        pl.col("_source_row").cast(pl.Int32).alias("row"),
        pl.lit(name).alias("column"),
        pl.col(name).cast(pl.String).alias("value"),
        pl.lit("date_impossible").alias("rule"),
        pl.col("_de").alias("detail_de"),
        pl.col("_en").alias("detail_en"),
    )


def _int(value: pl.Expr) -> pl.Expr:
    as_float = value.cast(pl.Float64, strict=False)
    integral = (as_float == as_float.round(0)) & (as_float.abs() < 2**31)
    return pl.coalesce(
        value.cast(pl.Int32, strict=False), pl.when(integral).then(as_float).cast(pl.Int32, strict=False)
    )


def _month(value: pl.Expr) -> pl.Expr:
    as_date = pl.coalesce(
        _iso_date(value + pl.lit("-01")),
        _iso_date(value),
        _german_date(value),
        _german_date(pl.lit("01.") + value.str.replace("/", ".", literal=True)),
    )
    return as_date.dt.strftime("%Y-%m")


def _strict(spec: ColumnSpec) -> pl.Expr:
    """The cheap parse: right for files written the way the contract spells things."""
    value = pl.col(spec.name)
    if spec.kind == "date":
        return _iso_date(value)
    if spec.kind == "int":
        return value.cast(pl.Int32, strict=False)
    if spec.kind == "bool":
        return pl.when(value.is_in(_TRUE)).then(True).when(value.is_in(_FALSE)).then(False)
    if spec.kind == "month":
        return _month(value)
    return value


def _lenient(spec: ColumnSpec) -> pl.Expr:
    """The full parse of the contract (see module docstring)."""
    value = pl.col(spec.name)
    if spec.kind == "code":
        lower = value.str.to_lowercase()
        return lower.replace(dict(spec.aliases)) if spec.aliases else lower
    if spec.kind == "date":
        return pl.coalesce(_iso_date(value), _german_date(value))
    if spec.kind == "int":
        return _int(value)
    if spec.kind == "bool":
        return value.str.to_lowercase().replace_strict(_BOOLEANS, default=None, return_dtype=pl.Boolean)
    if spec.kind == "month":
        return _month(value)
    return value


def _invalid_code(spec: ColumnSpec) -> pl.Expr:
    return pl.col(spec.name).is_not_null() & ~pl.col(spec.name).is_in(spec.codes)


def _leftover(spec: ColumnSpec, clean: pl.DataFrame, typed: pl.DataFrame) -> pl.Series:
    """Cells the parse did not take: a value that became null (codes: one not in the list)."""
    if spec.kind == "code":
        return select(typed, _invalid_code(spec)).to_series()
    return clean[spec.name].is_not_null() & typed[spec.name].is_null()


def _with_leftovers(clean: pl.DataFrame, typed: pl.DataFrame, specs: list[ColumnSpec]) -> list[ColumnSpec]:
    """The columns with a cell the parse did not take. A parse never turns null into a value,
    so for parsed kinds equal null counts (kept by polars, free to read) prove there is none.

    Text and typed frames are never combined in one ``select``: their columns are chunked
    differently, and polars would first re-chunk every column to align them.
    """
    raw_nulls, typed_nulls = clean.null_count().row(0, named=True), typed.null_count().row(0, named=True)
    parsed = [s for s in specs if s.kind != "code" and typed_nulls[s.name] != raw_nulls[s.name]]
    codes = [s for s in specs if s.kind == "code"]
    invalid = (
        select(typed, *(_invalid_code(s).any().alias(s.name) for s in codes)).row(0, named=True)
        if codes
        else {}
    )
    return [s for s in specs if s in parsed or invalid.get(s.name)]


@dataclass
class Parsed:
    """Row-aligned frames of the parsed sheet (rows without any value dropped).

    ``clean``: the cells as text (trimmed where parsing needed it) — what reports quote;
    ``typed``: contract columns in their dtypes + ``_source_row``;
    ``failed``: one boolean column per parsed column that has a value which did not parse;
    ``invalid_codes``: the code columns with a value outside their code list.
    """

    clean: pl.DataFrame
    typed: pl.DataFrame
    failed: pl.DataFrame
    findings: list[pl.DataFrame]
    invalid_codes: list[str]


def parse(clean: pl.DataFrame, specs: dict[str, ColumnSpec], extra: list[str] = ()) -> Parsed:
    """Parse every contract column of ``clean`` (see module docstring); never raises.

    Three tiers, each only for the columns the previous one left values in: the strict
    parse; the other spellings the contract allows, on the cells as written; the same on
    trimmed cells.
    """
    text = [s.name for s in specs.values() if s.kind == "text"]
    untidy = select(clean, *(_needs_trim(name).alias(name) for name in text)).row(0) if text else ()
    clean = with_columns(clean, *(_trimmed(name) for name, needed in zip(text, untidy) if needed))
    typed = select(clean, *(_strict(s).alias(s.name) for s in specs.values()), "_source_row")
    pending = _with_leftovers(clean, typed, [s for s in specs.values() if s.kind != "text"])
    for trim in (False, True):
        if not pending:
            break
        if trim:
            clean = with_columns(clean, *(_trimmed(s.name) for s in pending))
        typed = typed.with_columns(select(clean, *(_lenient(s).alias(s.name) for s in pending)).get_columns())
        pending = _with_leftovers(clean, typed, pending)

    content = [*specs, *extra]
    if content and min(clean.null_count().select(content).row(0)) > 0:  # else no row can be empty
        empty_rows = select(clean, pl.all_horizontal(pl.col(content).is_null())).to_series()
        if empty_rows.any():  # trailing empty lines or Excel rows that only look used
            clean, typed = clean.filter(~empty_rows), typed.filter(~empty_rows)

    unparsable = [s for s in pending if s.kind in PARSE_RULES]  # codes are pandera's business
    failed = pl.DataFrame([_leftover(s, clean, typed).alias(s.name) for s in unparsable])
    findings = []
    for name in failed.columns:
        if not failed[name].any():
            continue
        where = failed[name]
        if specs[name].kind == "date":  # a day its month does not have: say so in plain words
            missing_day = impossible_date(clean, name)
            if missing_day.height:
                findings.append(missing_day)
                where = where & ~clean["_source_row"].is_in(missing_day["row"].implode())
        findings.append(finding_rows(clean, where, "error", PARSE_RULES[specs[name].kind], name, name))
    return Parsed(
        clean=clean,
        typed=typed,
        failed=failed,
        findings=findings,
        invalid_codes=[s.name for s in pending if s.kind == "code"],
    )
