"""Which upload slot a landing file belongs to: ``landing/<provider_id>/<extract_type>/<YYYY-MM>.<csv|xlsx>``.

The path is the only place where a provider says who it is and what it sends, so a path that
does not name exactly one allowed slot is rejected (the runner quarantines the file with the
reason) instead of being guessed at.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from esf_monitor.safe_cells import has_invisible_difference, visible
from schemas.codes import EXTRACT_TYPES, PROVIDER_KIND_EXTRACTS
from schemas.registry import PROVIDER_ID_PATTERN

#: fullmatch, never ``$``: ``$`` also matches before a trailing newline, and the file name
#: ``"2025-06.csv\n"`` then named a slot whose file the intake could not find (issue #13).
_FILE_NAME = re.compile(r"(\d{4}-(?:0[1-9]|1[0-2]))\.(csv|xlsx)", re.IGNORECASE)
#: What a provider folder must look like: the registry's id patterns (schemas/registry.py).
_PROVIDER_ID = re.compile(PROVIDER_ID_PATTERN.removeprefix("^").removesuffix("$"))
_EXPECTED = (
    "landing/<Absender>/<Dateityp>/<JJJJ-MM>.csv oder .xlsx",
    "landing/<provider>/<extract type>/<YYYY-MM>.csv or .xlsx",
)


@dataclass(frozen=True)
class LandingPath:
    provider_id: str
    extract_type: str
    month: str  # YYYY-MM
    ext: str  # 'csv' | 'xlsx' (lower case)
    path: Path


class PathRejected(Exception):
    """The path names no allowed upload slot; ``reason_de``/``reason_en`` say why."""

    def __init__(self, reason_de: str, reason_en: str):
        super().__init__(f"{reason_de} / {reason_en}")
        self.reason_de, self.reason_en = reason_de, reason_en


class ProviderUnknown(PathRejected):
    """A valid path whose provider id (well-formed) is not (yet) in the registry.

    Not quarantined: the file waits in landing/ and is reported every run until the registry
    knows the provider (issue #13: a registry that briefly lost a row moved 53 files away).
    """


def _shown(text: str) -> str:
    """A path part as a reason quotes it: code points for what would print invisibly."""
    return visible(text)


def provider_kind(provider_id: str, registry: pl.DataFrame) -> str | None:
    """'project' if a registry project_id, 'jobcenter' if a registry jobcenter_id,
    'municipality' if in the municipality registry the registry carries
    (``esf_monitor.intake.registry.Registry``), else None."""
    from esf_monitor.intake.registry import municipalities_of

    if provider_id in set(registry["project_id"].to_list()):
        return "project"
    if provider_id in set(registry["jobcenter_id"].to_list()):
        return "jobcenter"
    if provider_id in set(municipalities_of(registry)["municipality_id"].to_list()):
        return "municipality"
    return None


def allowed_problem(
    provider_id: str, extract_type: str, registry: pl.DataFrame
) -> tuple[str, str, str] | None:
    """``(rule, reason_de, reason_en)`` if this provider may not send this extract type."""
    kind = provider_kind(provider_id, registry)
    if kind is None:
        return (
            "unknown_provider",
            f"Absender '{provider_id}' steht nicht im Projektregister",
            f"sender '{provider_id}' is not in the project registry",
        )
    if extract_type not in PROVIDER_KIND_EXTRACTS[kind]:
        kind_de = {"project": "Projekt", "jobcenter": "Jobcenter", "municipality": "Kommune"}[kind]
        allowed = ", ".join(PROVIDER_KIND_EXTRACTS[kind])
        return (
            "extract_type_not_allowed",
            f"{kind_de} '{provider_id}' darf keine Dateien vom Typ '{extract_type}' liefern (nur {allowed})",
            f"{kind} '{provider_id}' may not send '{extract_type}' files (only {allowed})",
        )
    return None


def parse_landing_path(path: Path | str, landing_root: Path | str, registry: pl.DataFrame) -> LandingPath:
    """The upload slot of ``path``; raises :class:`PathRejected` with a German/English reason.

    Rejected: paths outside ``landing_root`` (also via ``..`` or a symlink pointing out of
    it), any other layout or file name, an unknown provider, or an extract type the
    provider's kind may not send (projects: participants; jobcenters: followup and
    target_population).
    """
    path, root = Path(path), Path(landing_root)
    lexical = Path(os.path.normpath(os.path.abspath(path)))
    lexical_root = Path(os.path.normpath(os.path.abspath(root)))
    shown = _shown(str(path))
    if ".." in path.parts or not lexical.is_relative_to(lexical_root):
        raise PathRejected(
            f"Pfad liegt außerhalb des Eingangsordners: {shown}",
            f"path lies outside the landing folder: {shown}",
        )
    if not path.resolve().is_relative_to(root.resolve()):
        raise PathRejected(
            f"Verknüpfung (Symlink) zeigt aus dem Eingangsordner heraus: {shown}",
            f"symbolic link points out of the landing folder: {shown}",
        )
    parts = lexical.relative_to(lexical_root).parts
    match = _FILE_NAME.fullmatch(parts[-1]) if len(parts) == 3 else None
    if match is None:
        raise PathRejected(
            f"Pfad passt nicht zum Schema {_EXPECTED[0]}: {shown}",
            f"path does not match {_EXPECTED[1]}: {shown}",
        )
    provider_id, extract_type = parts[0], parts[1]
    if extract_type not in EXTRACT_TYPES:
        raise PathRejected(
            f"unbekannter Dateityp '{_shown(extract_type)}' (erlaubt: {', '.join(EXTRACT_TYPES)})",
            f"unknown extract type '{_shown(extract_type)}' (allowed: {', '.join(EXTRACT_TYPES)})",
        )
    if _PROVIDER_ID.fullmatch(provider_id) is None:
        hint = (
            (
                "; der Name enthält unsichtbare oder ungewöhnliche Zeichen (als <U+…> gezeigt)",
                "; the name holds invisible or unusual characters (shown as <U+…>)",
            )
            if has_invisible_difference(provider_id)
            else ("", "")
        )
        raise PathRejected(
            f"Absenderordner '{_shown(provider_id)}' ist keine gültige Kennung (A–Z, a–z, 0–9, '-', '_'){hint[0]}",
            f"sender folder '{_shown(provider_id)}' is not a valid id (A–Z, a–z, 0–9, '-', '_'){hint[1]}",
        )
    problem = allowed_problem(provider_id, extract_type, registry)
    if problem is not None:
        if problem[0] == "unknown_provider":
            raise ProviderUnknown(problem[1], problem[2])
        raise PathRejected(problem[1], problem[2])
    return LandingPath(
        provider_id=provider_id,
        extract_type=extract_type,
        month=match.group(1),
        ext=match.group(2).lower(),
        path=path,
    )
