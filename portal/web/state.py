"""What the portal shows about deliveries, read from the data folder's files only (never DuckDB).

- reporting months per extract type (start page): the delivery log ``archive/**/versions.jsonl``
  (``store.read_versions``) and the pipeline's own rule of what is expected when
  (``delivery_check.expected_slots`` and ``deadline``: by the 10th of the next month);
- every version of a slot (deliveries page) with its report: quarantine (rejected) or
  ``reports/`` (warnings of accepted files);
- the progress of one landed upload: registered (in ``landing/``) → validated (its bytes in the
  archive) → loaded (its line in the delivery log, accepted) → figures updated (dashboards
  written after it was loaded).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from esf_monitor import store
from esf_monitor.delivery_check import deadline, expected_slots
from esf_monitor.paths import DataDir
from portal.web.providers import Provider, registry, type_label
from schemas.codes import INDICATOR_EXTRACT_TYPES

STATES = {
    "due": ("fällig bis zum 10.", "due by the 10th"),
    "processing": ("eingegangen, wird verarbeitet", "received, being processed"),
    "accepted": ("angenommen", "accepted"),
    "warnings": ("angenommen mit Hinweisen", "accepted with warnings"),
    "rejected": ("abgelehnt", "rejected"),
    "missing": ("fehlt (Frist verstrichen)", "missing after the deadline"),
    "wave": (
        "je Erhebungswelle, keine Monatsfrist",
        "per survey wave, no monthly deadline",
    ),
}
NEXT_STEP = {
    "due": (
        "Bitte die Datei bis zum 10. hochladen.",
        "Please upload the file by the 10th.",
    ),
    "processing": (
        "Nichts zu tun – die Kennzahlen werden gerade aktualisiert.",
        "Nothing to do – the figures are being updated.",
    ),
    "accepted": ("Nichts zu tun.", "Nothing to do."),
    "warnings": (
        "Hinweise ansehen; fehlende Kerndaten mit der nächsten Lieferung nachtragen.",
        "Read the warnings; send missing core data with the next delivery.",
    ),
    "rejected": (
        "Fehlerbericht ansehen, Datei korrigieren und erneut hochladen.",
        "Read the error report, correct the file and upload it again.",
    ),
    "missing": ("Bitte die Datei sofort hochladen.", "Please upload the file now."),
    "wave": (
        "Hochladen, sobald die Erhebungswelle beantwortet ist.",
        "Upload once the survey wave is answered.",
    ),
}


def _month_add(month: str, n: int) -> str:
    y, m = int(month[:4]), int(month[5:]) - 1 + n
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


def last_month(today: date | None = None) -> str:
    today = today or date.today()
    return _month_add(f"{today.year:04d}-{today.month:02d}", -1)


@dataclass
class SlotState:
    extract_type: str
    month: str
    state: str
    versions: int = 0
    latest: store.VersionRecord | None = None

    @property
    def label(self) -> str:
        de, en = STATES[self.state]
        return f"{de} / {en}"

    @property
    def type_label(self) -> str:
        return type_label(self.extract_type)

    @property
    def next_step(self) -> str:
        de, en = NEXT_STEP[self.state]
        return f"{de} / {en}"


def landing_file(dd: DataDir, provider_id: str, extract_type: str, month: str) -> Path | None:
    folder = dd.landing / provider_id / extract_type
    if not folder.is_dir():
        return None
    for p in sorted(folder.iterdir()):
        if p.stem == month and p.suffix.lower() in (".csv", ".xlsx") and p.is_file():
            return p
    return None


def slot_state(
    dd: DataDir,
    provider_id: str,
    extract_type: str,
    month: str,
    now: datetime | None = None,
) -> SlotState:
    versions = store.read_versions(dd, provider_id, extract_type, month)
    latest = versions[-1] if versions else None
    waiting = landing_file(dd, provider_id, extract_type, month)
    if waiting is not None and (latest is None or store.utc_iso(waiting.stat().st_mtime) > latest.arrived_at):
        state = "processing"
    elif latest is None and extract_type not in INDICATOR_EXTRACT_TYPES:
        state = "wave"  # e.g. process_checklist: per survey wave, the delivery check does not expect it
    elif latest is None:
        now = now or datetime.now(UTC)
        state = "missing" if now.strftime("%Y-%m-%dT%H:%M:%SZ") >= deadline(month) else "due"
    elif latest.status == "rejected":
        state = "rejected"
    else:
        state = "warnings" if latest.warning_count or latest.incomplete_count else "accepted"
    return SlotState(extract_type, month, state, len(versions), latest)


def reporting_months(
    dd: DataDir, provider: Provider, count: int = 12, today: date | None = None
) -> list[str]:
    """The months this provider is expected to deliver (the pipeline's rule), newest first:
    from the current month back, at most ``count``."""
    reg = registry(dd)
    today = today or date.today()
    month = f"{today.year:04d}-{today.month:02d}"
    out = []
    for _ in range(120):
        month = _month_add(month, -1)
        if any(pid == provider.provider_id for pid, _, _ in expected_slots(reg, month)):
            out.append(month)
        elif out or month < "2000-01":
            break
        if len(out) >= count:
            break
    if not out:  # no monthly deadline (e.g. survey waves): last month, beside every delivered month
        out = [_month_add(f"{today.year:04d}-{today.month:02d}", -1)]
    return out


def delivered_months(dd: DataDir, provider: Provider) -> set[str]:
    months = set()
    for extract_type in provider.extract_types:
        folder = dd.archive / provider.provider_id / extract_type
        if folder.is_dir():
            months |= {p.name for p in folder.iterdir() if (p / store.VERSIONS_FILE).is_file()}
    return months


def start_table(dd: DataDir, provider: Provider, today: date | None = None, limit: int = 24) -> list[dict]:
    """Months expected lately plus every month with a delivery (its correction history), newest first."""
    months = set(reporting_months(dd, provider, today=today)) | delivered_months(dd, provider)
    rows = []
    for month in sorted(months, reverse=True)[:limit]:
        rows.append(
            {
                "month": month,
                "slots": [slot_state(dd, provider.provider_id, t, month) for t in provider.extract_types],
            }
        )
    return rows


@dataclass
class VersionView:
    number: int
    record: store.VersionRecord
    downloads: dict[str, Path] = field(default_factory=dict)

    @property
    def status_label(self) -> str:
        if self.record.status == "rejected":
            return "abgelehnt / rejected"
        if self.record.warning_count or self.record.incomplete_count:
            return "angenommen mit Hinweisen / accepted with warnings"
        return "angenommen / accepted"


def _report_files(dd: DataDir, record: store.VersionRecord) -> dict[str, Path]:
    """Report (and the quarantined file itself) of one version, if the pipeline wrote them.
    Never the restricted quarantine (personal data)."""
    out: dict[str, Path] = {}
    if record.quarantine_path:
        q = Path(record.quarantine_path)
        restricted = store.restricted_dir(dd)
        if not q.resolve().is_relative_to(restricted.resolve()):
            for key, candidate in (
                ("file", q),
                ("errors", q.with_name(q.name + ".errors.csv")),
                ("summary", q.with_name(q.name + ".summary.txt")),
            ):
                if candidate.is_file():
                    out[key] = candidate
            stem = q.with_suffix("")
            for key, candidate in (
                ("errors", stem.with_name(stem.name + ".errors.csv")),
                ("summary", stem.with_name(stem.name + ".summary.txt")),
            ):
                if key not in out and candidate.is_file():
                    out[key] = candidate
    folder = store.partition_dir(dd.reports, record.provider_id, record.extract_type, record.reporting_month)
    if folder.is_dir():
        for p in sorted(folder.iterdir()):
            if record.sha256[:12] in p.name:
                if p.name.endswith(".errors.csv"):
                    out.setdefault("errors", p)
                elif p.name.endswith(".summary.txt"):
                    out.setdefault("summary", p)
    return out


def slot_versions(dd: DataDir, provider_id: str, extract_type: str, month: str) -> list[VersionView]:
    records = store.read_versions(dd, provider_id, extract_type, month)
    return [VersionView(i + 1, r, _report_files(dd, r)) for i, r in enumerate(records)]


def provider_slots(dd: DataDir, provider: Provider) -> list[tuple[str, str, list[VersionView]]]:
    """Every slot of the provider that has a version, newest month first."""
    out = []
    for extract_type in provider.extract_types:
        folder = dd.archive / provider.provider_id / extract_type
        if not folder.is_dir():
            continue
        for month_dir in sorted(folder.iterdir(), reverse=True):
            if (month_dir / store.VERSIONS_FILE).is_file():
                out.append(
                    (
                        extract_type,
                        month_dir.name,
                        slot_versions(dd, provider.provider_id, extract_type, month_dir.name),
                    )
                )
    out.sort(key=lambda s: (s[1], s[0]), reverse=True)
    return out


# --------------------------------------------------------------------------- progress

STAGES = [
    ("registered", "eingegangen (in landing/)", "registered (in landing/)"),
    ("validated", "geprüft und archiviert", "validated and archived"),
    ("loaded", "geladen", "loaded"),
    ("figures", "Kennzahlen aktualisiert", "figures updated"),
]


@dataclass
class Progress:
    done: list[str]
    rejected: bool = False
    record: store.VersionRecord | None = None

    @property
    def finished(self) -> bool:
        return self.rejected or "figures" in self.done

    def stages(self) -> list[dict]:
        return [{"key": k, "label": f"{de} / {en}", "done": k in self.done} for k, de, en in STAGES]


def _iso_ts(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def figures_written_at(dd: DataDir) -> float | None:
    """When the pipeline last wrote the exact dashboards (the end of a refresh)."""
    try:
        return os.stat(dd.dashboards / "internal" / "overview.html").st_mtime
    except OSError:
        return None


def progress(dd: DataDir, provider_id: str, extract_type: str, month: str, sha256: str) -> Progress:
    done = ["registered"]
    folder = store.partition_dir(dd.archive, provider_id, extract_type, month)
    if folder.is_dir() and any(sha256[:12] in p.name for p in folder.iterdir()):
        done.append("validated")
    record = next(
        (
            r
            for r in reversed(store.read_versions(dd, provider_id, extract_type, month))
            if r.sha256 == sha256
        ),
        None,
    )
    if record is None:
        return Progress(done)
    if "validated" not in done:
        done.append("validated")
    if record.status != "accepted":
        return Progress(done, rejected=True, record=record)
    done.append("loaded")
    written = figures_written_at(dd)
    if written is not None and written >= _iso_ts(record.processed_at):
        done.append("figures")
    return Progress(done, record=record)
