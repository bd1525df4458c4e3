"""What a file in ``landing/`` is, before anybody reads it: :func:`classify_landing_path`.

The landing scan (``esf-monitor run``, the landing sensor, the planner) calls this for every
file it finds and acts on the verdict only:

============== ============================================================ =====================
kind           meaning                                                      the scan
============== ============================================================ =====================
``ok``         a settled file at a valid path of a known provider           reads it (checksum)
``debris``     what tools leave beside uploads: ``.~lock.*#``, ``~$*``,     ignores it, one log
               ``.DS_Store``, ``*.tmp``, ``*.part``, hidden files/folders   line
``unsettled``  changed less than the settle time ago (still being copied)   leaves it, next scan
``ambiguous``  the slot has two candidate files (``.csv`` + ``.CSV``,       leaves both, reports
               ``.csv`` + ``.xlsx``): which one is meant is not guessed     every run
``unknown_provider`` a valid path, but the provider is not (yet) in the     leaves it, reports
               registry                                                     every run
``rejected``   the path names no upload slot (layout, file name, type,      quarantines it
               malformed provider folder)                                   (``_unroutable``)
============== ============================================================ =====================

Settle time (extract contract v1.1, "Three ways in"): a file is read only once its size and
modification time have stayed the same for :data:`SETTLE_SECONDS` (default 10 s,
``ESF_SETTLE_SECONDS`` overrides). The scan sees one moment, so "stayed the same" is measured by
the file's last change, its ctime: it must lie at least the settle time before ``now``. Not
mtime: copy tools (``cp -p``, rsync) set an OLD mtime while still writing, and a future mtime
would never settle; every write (and every change of mtime or size) moves ctime to the real
time, and nobody can set it back. A file put in place by an atomic rename
(``esf-monitor upload``, the portal) is complete at once and simply waits the settle time too.
``now`` is a parameter so that tests need no sleep.
"""

from __future__ import annotations

import fnmatch
import os
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from esf_monitor.intake.paths import (
    LandingPath,
    PathRejected,
    ProviderUnknown,
    parse_landing_path,
)
from esf_monitor.safe_cells import visible

#: Contract default; ``ESF_SETTLE_SECONDS`` overrides (0 = read at once, for tests and tools
#: that only ever place files by atomic rename).
DEFAULT_SETTLE_SECONDS = 10.0
SETTLE_ENV = "ESF_SETTLE_SECONDS"
#: File names (fnmatch, case-insensitive) that tools leave beside real uploads.
DEBRIS_PATTERNS = (".~lock.*#", "~$*", ".ds_store", "*.tmp", "*.part", "thumbs.db", "desktop.ini")
UPLOAD_SUFFIXES = (".csv", ".xlsx")


def settle_seconds() -> float:
    """The configured settle time (``ESF_SETTLE_SECONDS``, else the contract's 10 s)."""
    raw = os.environ.get(SETTLE_ENV, "").strip()
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_SETTLE_SECONDS
    except ValueError:
        return DEFAULT_SETTLE_SECONDS


@dataclass(frozen=True)
class LandingStatus:
    kind: str  # ok | debris | unsettled | ambiguous | unknown_provider | rejected
    path: Path
    slot: LandingPath | None = None
    reason_de: str = ""
    reason_en: str = ""
    #: the file's last change (ctime, ns)
    changed_ns: int = 0


def is_debris(path: Path, landing_root: Path) -> bool:
    """Tool debris or hidden: any part of the path below ``landing_root`` starting with ``.``,
    or a file name matching :data:`DEBRIS_PATTERNS`."""
    try:
        parts = Path(path).relative_to(landing_root).parts
    except ValueError:
        parts = (Path(path).name,)
    if any(part.startswith(".") for part in parts):
        return True
    name = parts[-1].lower() if parts else ""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in DEBRIS_PATTERNS)


def slot_candidates(folder: Path, month: str) -> list[Path]:
    """Every file in ``folder`` that could be the upload of ``month``: ``<month>.csv`` or
    ``.xlsx`` in any letter case (debris excluded), sorted by name."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted(
        folder / n
        for n in names
        if Path(n).stem == month and Path(n).suffix.lower() in UPLOAD_SUFFIXES and not n.startswith(".")
    )


def classify_landing_path(
    path: Path | str,
    landing_root: Path | str,
    registry: pl.DataFrame,
    now_ns: int | None = None,
    settle_s: float | None = None,
) -> LandingStatus:
    """The verdict on one landing file (see the module docstring); never raises for the file."""
    path, root = Path(path), Path(landing_root)
    now_ns = time.time_ns() if now_ns is None else now_ns
    settle_s = settle_seconds() if settle_s is None else settle_s
    if is_debris(path, root):
        return LandingStatus(
            "debris",
            path,
            reason_de=f"Hilfsdatei eines Programms, ignoriert: {visible(path.name)}",
            reason_en=f"tool debris, ignored: {visible(path.name)}",
        )
    try:
        slot = parse_landing_path(path, root, registry)
    except ProviderUnknown as exc:
        return LandingStatus(
            "unknown_provider",
            path,
            reason_de=f"{exc.reason_de} – die Datei bleibt in landing/, bis das Register den Absender kennt",
            reason_en=f"{exc.reason_en} – the file stays in landing/ until the registry knows the sender",
        )
    except PathRejected as exc:
        return LandingStatus("rejected", path, reason_de=exc.reason_de, reason_en=exc.reason_en)
    try:
        st = path.lstat()
    except OSError:  # gone since the walk: nothing to do
        return LandingStatus("debris", path, reason_de="Datei verschwunden", reason_en="file vanished")
    changed_ns = st.st_ctime_ns  # every write, truncation, rename and touch moves it
    candidates = slot_candidates(path.parent, slot.month)
    if len(candidates) > 1:
        names = ", ".join(visible(c.name) for c in candidates)
        return LandingStatus(
            "ambiguous",
            path,
            slot,
            reason_de=f"mehrdeutig: für {slot.provider_id}|{slot.extract_type}|{slot.month} liegen mehrere "
            f"Dateien vor ({names}); bitte nur eine liefern – bis dahin wird keine gelesen",
            reason_en=f"ambiguous: {slot.provider_id}|{slot.extract_type}|{slot.month} has several files "
            f"({names}); please send only one – until then none is read",
            changed_ns=changed_ns,
        )
    if now_ns - changed_ns < settle_s * 1e9:
        age = max(0.0, (now_ns - changed_ns) / 1e9)
        return LandingStatus(
            "unsettled",
            path,
            slot,
            reason_de=f"wird evtl. noch kopiert (zuletzt vor {age:.1f} s geändert, Wartezeit {settle_s:g} s)",
            reason_en=f"may still be being copied (last changed {age:.1f} s ago, settle time {settle_s:g} s)",
            changed_ns=changed_ns,
        )
    return LandingStatus("ok", path, slot, changed_ns=changed_ns)
