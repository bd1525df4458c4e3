"""Read and validate the registries of ``reference/`` (managing authority).

The project registry ``projects.csv`` routes every upload (who is a project, who a jobcenter,
which projects belong to which jobcenter) and dates every project's run, so an invalid registry
stops the run with :class:`RegistryError` rather than mis-routing files. Beside it, for the
process monitoring (docs/process-monitoring.md), ``municipalities.csv`` (who is a municipality)
and ``checklist_items.csv`` (the catalogue of the checklist); both are optional — a data folder
without process monitoring has neither. Provider ids are unique across the registries.

:func:`read_registry` returns the project registry as before (a polars frame with exactly
:data:`~schemas.codes.REGISTRY_COLUMNS`), as a :class:`Registry` — a frame that also carries the
validated ``municipalities`` and ``checklist_items`` frames, so that every caller that routes
or validates uploads (landing scan, sensor, intake, CLI) sees all registries without a new
argument. Frames derived from it (``filter``, ``select``) are plain frames again.

Every registry is read with the same readers as the uploads (any CSV dialect of the contract).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

import schemas.checklist_items
import schemas.municipalities
import schemas.registry
from esf_monitor.intake import findings as fnd
from esf_monitor.intake.failures import schema_findings
from esf_monitor.intake.normalise import column_specs, parse, shape
from esf_monitor.intake.readers import Unreadable, read_table
from schemas.codes import CHECKLIST_ITEM_COLUMNS, MUNICIPALITY_COLUMNS, REGISTRY_COLUMNS

MAX_LISTED = 50


_TITLES = {
    "municipalities.csv": ("Kommunenregister", "municipality registry"),
    "checklist_items.csv": ("Checklistenkatalog", "checklist catalogue"),
}


class RegistryError(Exception):
    """The registry is missing or invalid. ``str(exc)`` lists every problem in German and
    English (row, column, value, rule); ``findings`` holds them as a frame."""

    def __init__(self, path: Path, findings: pl.DataFrame):
        self.path, self.findings = path, findings
        title = _TITLES.get(path.name, ("Projektregister", "project registry"))
        lines = [f"{title[0]} {path} ist ungültig / {title[1]} {path} is invalid:"]
        for row in findings.head(MAX_LISTED).iter_rows(named=True):
            lines.append(f"  - [{row['rule']}] {row['message_de']} / {row['message_en']}")
        if findings.height > MAX_LISTED:
            lines.append(f"  … {findings.height - MAX_LISTED} weitere / more")
        super().__init__("\n".join(lines))


MUNICIPALITIES_FILE = "municipalities.csv"
CHECKLIST_ITEMS_FILE = "checklist_items.csv"
EMPTY_MUNICIPALITIES = pl.DataFrame(
    schema={c: (pl.Date if c == "joined_on" else pl.String) for c in MUNICIPALITY_COLUMNS}
)
EMPTY_CHECKLIST_ITEMS = pl.DataFrame(
    schema={c: (pl.Boolean if c == "asks_responsibility" else pl.String) for c in CHECKLIST_ITEM_COLUMNS}
)


class Registry(pl.DataFrame):
    """The project registry frame plus the process-monitoring registries (module docstring)."""

    municipalities: pl.DataFrame = EMPTY_MUNICIPALITIES
    checklist_items: pl.DataFrame = EMPTY_CHECKLIST_ITEMS


def municipalities_of(registry: pl.DataFrame) -> pl.DataFrame:
    """The municipality registry carried by ``registry`` (empty for a plain frame)."""
    return getattr(registry, "municipalities", EMPTY_MUNICIPALITIES)


def checklist_items_of(registry: pl.DataFrame) -> pl.DataFrame:
    """The checklist catalogue carried by ``registry`` (empty for a plain frame), in file order."""
    return getattr(registry, "checklist_items", EMPTY_CHECKLIST_ITEMS)


def with_process_registries(
    projects: pl.DataFrame,
    municipalities: pl.DataFrame | None = None,
    checklist_items: pl.DataFrame | None = None,
) -> Registry:
    """``projects`` as a :class:`Registry` carrying the given frames (tests, the demo)."""
    out = Registry(projects)
    out.municipalities = EMPTY_MUNICIPALITIES if municipalities is None else municipalities
    out.checklist_items = EMPTY_CHECKLIST_ITEMS if checklist_items is None else checklist_items
    return out


def _read_one(path: Path, schema, columns) -> pl.DataFrame:
    """One registry file, typed, with exactly ``columns``; raises :class:`RegistryError`."""
    specs = column_specs(schema)
    if not path.is_file():
        raise RegistryError(
            path,
            fnd.with_messages(
                fnd.file_finding(
                    "error", "unreadable_file", f"Datei nicht gefunden: {path}", f"file not found: {path}"
                )
            ),
        )
    try:
        raw = read_table(path, specs.keys())
    except Unreadable as exc:
        raise RegistryError(
            path, fnd.with_messages(fnd.file_finding("error", exc.rule, exc.detail_de, exc.detail_en))
        ) from exc
    shaped = shape(raw, specs)
    parsed = parse(shaped.clean, specs, list(shaped.extra_labels))
    parts = [*shaped.findings, *parsed.findings]
    if parsed.clean.height == 0:
        parts.append(fnd.file_finding("error", "no_rows"))
    parts.append(schema_findings(schema, parsed.typed, parsed.clean, parsed.failed, shaped.absent))
    findings = fnd.with_messages(fnd.combine(parts)).filter(pl.col("severity") == "error")
    if findings.height:
        raise RegistryError(path, findings)
    return parsed.typed.sort("_source_row").select(columns)


def read_registry(path: Path | str) -> Registry:
    """The project registry (exactly :data:`schemas.codes.REGISTRY_COLUMNS`) as a
    :class:`Registry`, carrying ``municipalities.csv`` and ``checklist_items.csv`` of the same
    folder when they exist. Raises :class:`RegistryError` for any invalid file and for a
    municipality id that is also a project or jobcenter id."""
    path = Path(path)
    projects = _read_one(path, schemas.registry.schema(), REGISTRY_COLUMNS)
    municipalities = checklist = None
    if (m_path := path.parent / MUNICIPALITIES_FILE).exists():
        municipalities = _read_one(m_path, schemas.municipalities.schema(), MUNICIPALITY_COLUMNS)
        taken = set(projects["project_id"].to_list()) | set(projects["jobcenter_id"].to_list())
        clash = municipalities.with_row_index("_row", offset=2).filter(
            pl.col("municipality_id").is_in(sorted(taken))
        )
        if clash.height:
            raise RegistryError(
                m_path,
                fnd.with_messages(
                    clash.select(
                        pl.lit("error").alias("severity"),
                        pl.col("_row").cast(pl.Int32).alias("row"),
                        pl.lit("municipality_id").alias("column"),
                        pl.col("municipality_id").alias("value"),
                        pl.lit("provider_kind_ambiguous").alias("rule"),
                        pl.lit("").alias("detail_de"),
                        pl.lit("").alias("detail_en"),
                    )
                ),
            )
    if (c_path := path.parent / CHECKLIST_ITEMS_FILE).exists():
        checklist = _read_one(c_path, schemas.checklist_items.schema(), CHECKLIST_ITEM_COLUMNS)
    return with_process_registries(projects, municipalities, checklist)


def registry_files(path: Path | str) -> list[Path]:
    """The registry files that exist: ``projects.csv`` and, if present, the two of the process
    monitoring (what the registry's checksum covers)."""
    path = Path(path)
    return [
        path,
        *(p for p in (path.parent / MUNICIPALITIES_FILE, path.parent / CHECKLIST_ITEMS_FILE) if p.exists()),
    ]


def registry_sha256(path: Path | str, dd=None) -> str:
    """Checksum of the registries: that of ``projects.csv`` alone when it is the only registry
    file (as before process monitoring), else a SHA-256 over the files' names and checksums —
    so a changed municipality registry or catalogue counts as a changed registry (full dbt
    refresh, registry asset re-materialised)."""
    import hashlib

    from esf_monitor import store

    files = registry_files(path)
    if len(files) == 1:
        return store.sha256_of(files[0], dd)
    text = "\n".join(f"{p.name}:{store.sha256_of(p, dd)}" for p in files)
    return hashlib.sha256(text.encode()).hexdigest()
