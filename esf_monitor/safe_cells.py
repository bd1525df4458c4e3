"""Cells the project WRITES: safe to open in Excel, short enough to quote, visible when odd.

One place for three rules that every writer shares (``*.errors.csv`` and the summaries of the
intake, the export CSVs, the delivery check):

- **Formula injection (OWASP "CSV Injection")**: a text cell that starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return is a live formula when the file is opened in Excel
  or LibreOffice by double-click. Such a cell gets a leading ``'`` (Excel shows the text, does
  not evaluate it). Numbers stay numbers: numeric columns are never touched, and a text cell
  that IS a plain number (``-3``, ``+0.5``, ``-1.25e-3``) is left alone, so exported figures and
  negative values read back as numbers.
- **Quoted values are capped** (:data:`QUOTE_LIMIT` characters, then ``…`` and how many
  characters were left out): a 50 MB cell must not be copied into a report, the delivery log or
  Dagster's event log.
- **Invisible differences are shown** (:func:`visible`): a name with a non-breaking hyphen or a
  zero-width space prints like the real one; the reason quotes such characters as ``<U+2011>``.
"""

from __future__ import annotations

import unicodedata

import polars as pl

#: First characters that make a spreadsheet cell a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A text cell that is a plain decimal number is data, not a formula.
_PLAIN_NUMBER = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
#: Longest value quoted in any report, log line, delivery-log entry or Dagster metadata.
QUOTE_LIMIT = 200


def formula_safe(value: pl.Expr) -> pl.Expr:
    """``value`` (a String expression) with every formula-like cell prefixed by ``'``."""
    starts = pl.any_horizontal(*(value.str.starts_with(s) for s in FORMULA_STARTS))
    return pl.when(starts & ~value.str.contains(_PLAIN_NUMBER)).then(pl.lit("'") + value).otherwise(value)


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Every String column of ``frame`` through :func:`formula_safe`; other dtypes untouched."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text:
        return frame
    return frame.with_columns(formula_safe(pl.col(name)).alias(name) for name in text)


def write_safe_csv(frame: pl.DataFrame, path, **options) -> None:
    """``frame.write_csv(path, **options)`` after :func:`neutralise_formulas` — the one CSV
    writer of everything the project hands to people (reports, exports)."""
    neutralise_formulas(frame).write_csv(path, **options)


def capped(value: pl.Expr, limit: int = QUOTE_LIMIT) -> pl.Expr:
    """A String expression cut to ``limit`` characters, with a marker saying how much is left out."""
    length = value.str.len_chars()
    marker = pl.format("… (+{} Zeichen / characters)", (length - limit).cast(pl.String))
    return pl.when(length > limit).then(value.str.slice(0, limit) + marker).otherwise(value)


def cap_text(text: str | None, limit: int = QUOTE_LIMIT) -> str | None:
    """:func:`capped` for one Python string."""
    if text is None or len(text) <= limit:
        return text
    return f"{text[:limit]}… (+{len(text) - limit} Zeichen / characters)"


def _is_odd(char: str) -> bool:
    """Characters that print like something else or not at all: anything outside printable
    ASCII (letters with umlauts included, so that ``ö`` composed and decomposed differ visibly)."""
    return not (" " <= char <= "~")


def visible(name: str, limit: int = QUOTE_LIMIT) -> str:
    """``name`` with every non-ASCII or control character as ``<U+XXXX NAME>``, capped.

    ``'JC\\u2011X'`` -> ``JC<U+2011 NON-BREAKING HYPHEN>X``; plain ASCII names come back unchanged.
    """
    out = []
    for char in name[:limit]:
        if _is_odd(char):
            label = unicodedata.name(char, "")
            out.append(f"<U+{ord(char):04X}{' ' + label if label else ''}>")
        else:
            out.append(char)
    text = "".join(out)
    return text if len(name) <= limit else f"{text}… (+{len(name) - limit} Zeichen / characters)"


def has_invisible_difference(name: str) -> bool:
    """True when :func:`visible` would show a code point (the name is not plain ASCII)."""
    return any(_is_odd(c) for c in name)
