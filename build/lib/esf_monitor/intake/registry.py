"""Read and validate the project registry ``reference/projects.csv`` (managing authority).

The registry routes every upload (who is a project, who a jobcenter, which projects belong to
which jobcenter) and dates every project's run, so an invalid registry stops the run with
:class:`RegistryError` rather than mis-routing files. It is read with the same readers as the
uploads (any CSV dialect of the contract).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

import schemas.registry
from esf_monitor.intake import findings as fnd
from esf_monitor.intake.normalise import column_specs, parse, shape
from esf_monitor.intake.readers import Unreadable, read_table
from esf_monitor.intake.failures import schema_findings
from schemas.codes import REGISTRY_COLUMNS

MAX_LISTED = 50


class RegistryError(Exception):
    """The registry is missing or invalid. ``str(exc)`` lists every problem in German and
    English (row, column, value, rule); ``findings`` holds them as a frame."""

    def __init__(self, path: Path, findings: pl.DataFrame):
        self.path, self.findings = path, findings
        lines = [f"Projektregister {path} ist ungültig / project registry {path} is invalid:"]
        for row in findings.head(MAX_LISTED).iter_rows(named=True):
            lines.append(f"  - [{row['rule']}] {row['message_de']} / {row['message_en']}")
        if findings.height > MAX_LISTED:
            lines.append(f"  … {findings.height - MAX_LISTED} weitere / more")
        super().__init__("\n".join(lines))


def read_registry(path: Path | str) -> pl.DataFrame:
    """The registry as a typed frame with exactly :data:`schemas.codes.REGISTRY_COLUMNS`."""
    path = Path(path)
    schema = schemas.registry.schema()
    specs = column_specs(schema)
    if not path.is_file():
        raise RegistryError(path, fnd.with_messages(fnd.file_finding(
            "error", "unreadable_file", f"Datei nicht gefunden: {path}", f"file not found: {path}")))
    try:
        raw = read_table(path, specs.keys())
    except Unreadable as exc:
        raise RegistryError(path, fnd.with_messages(
            fnd.file_finding("error", exc.rule, exc.detail_de, exc.detail_en))) from exc
    shaped = shape(raw, specs)
    parsed = parse(shaped.clean, specs, list(shaped.extra_labels))
    parts = [*shaped.findings, *parsed.findings]
    if parsed.clean.height == 0:
        parts.append(fnd.file_finding("error", "no_rows"))
    parts.append(schema_findings(schema, parsed.typed, parsed.clean, parsed.failed, shaped.absent))
    findings = fnd.with_messages(fnd.combine(parts)).filter(pl.col("severity") == "error")
    if findings.height:
        raise RegistryError(path, findings)
    return parsed.typed.select(REGISTRY_COLUMNS)
