"""Who the providers are, and what each may send — read from the registries, never hard-coded.

The kind of a provider and its extract types come from the intake itself
(``esf_monitor.intake.paths.provider_kind`` and ``schemas.codes.PROVIDER_KIND_EXTRACTS``), so a
new kind (e.g. municipalities sending ``process_checklist``) reaches the portal with the
pipeline's own rule. Municipalities come from the registry the intake reads
(``municipalities_of``: ``reference/municipalities.csv`` when present).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from esf_monitor.intake import read_registry
from esf_monitor.intake.paths import provider_kind
from esf_monitor.intake.registry import municipalities_of, registry_files
from esf_monitor.paths import DataDir, data_dir
from schemas.codes import PROVIDER_KIND_EXTRACTS

KIND_NAMES = {
    "project": ("Projekt", "project"),
    "jobcenter": ("Jobcenter", "jobcenter"),
    "municipality": ("Kommune", "municipality"),
}
TYPE_NAMES = {
    "participants": ("Teilnehmende", "participants"),
    "followup": ("Verbleib nach 6 Monaten", "follow-up after 6 months"),
    "target_population": ("Zielgruppe (Bestand)", "target population (stock)"),
    "process_checklist": ("Prozess-Checkliste", "process checklist"),
}


@dataclass(frozen=True)
class Provider:
    provider_id: str
    name: str
    kind: str

    @property
    def extract_types(self) -> tuple[str, ...]:
        return tuple(PROVIDER_KIND_EXTRACTS.get(self.kind, ()))

    @property
    def kind_label(self) -> str:
        de, en = KIND_NAMES.get(self.kind, (self.kind, self.kind))
        return f"{de} / {en}"


_CACHE: dict[str, tuple[tuple, pl.DataFrame]] = {}


def registry(dd: DataDir | None = None) -> pl.DataFrame:
    """The validated project registry (the intake's ``read_registry``), re-read when it changes."""
    dd = dd or data_dir()
    path = dd.registry_csv
    key = tuple(
        (str(p), st.st_mtime_ns, st.st_size, st.st_ino) for p in registry_files(path) for st in [os.stat(p)]
    )
    hit = _CACHE.get(str(path))
    if hit is None or hit[0] != key:
        hit = (key, read_registry(path))
        _CACHE[str(path)] = hit
    return hit[1]


def all_providers(dd: DataDir | None = None) -> list[Provider]:
    dd = dd or data_dir()
    reg = registry(dd)
    found: dict[str, Provider] = {}
    for pid, name in reg.select("project_id", "project_name").iter_rows():
        found[pid] = Provider(pid, name, provider_kind(pid, reg) or "project")
    for jid in sorted(set(reg["jobcenter_id"].to_list())):
        found.setdefault(jid, Provider(jid, jid, provider_kind(jid, reg) or "jobcenter"))
    for mid, name in municipalities_of(reg).select("municipality_id", "municipality_name").iter_rows():
        found.setdefault(mid, Provider(mid, name, provider_kind(mid, reg) or "municipality"))
    return sorted(found.values(), key=lambda p: (p.kind, p.provider_id))


def get_provider(provider_id: str, dd: DataDir | None = None) -> Provider | None:
    for p in all_providers(dd):
        if p.provider_id == provider_id:
            return p
    return None


def jobcenter_projects(jobcenter_id: str, dd: DataDir | None = None) -> dict[str, str]:
    """The projects the registry names ``jobcenter_id`` for (id → name): the only projects
    whose follow-up that jobcenter sends (extract contract: "a project of this jobcenter")."""
    reg = registry(dd).filter(pl.col("jobcenter_id") == jobcenter_id)
    return dict(reg.select("project_id", "project_name").iter_rows())


def type_label(extract_type: str) -> str:
    de, en = TYPE_NAMES.get(extract_type, (extract_type, extract_type))
    return f"{de} / {en}"


def portal_dir(dd: DataDir | None = None) -> Path:
    return (dd or data_dir()).root / "portal"
