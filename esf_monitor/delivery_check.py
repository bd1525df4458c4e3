"""Monthly delivery check: which provider has not (validly) delivered the previous month?

Run on the 11th of each month (schedule ``delivery_check_on_the_11th``), the day after the
contract's deadline ("by the 10th of the next month", docs/extract-contract.md).

Why it reads the registry and the archive, not the dbt mart ``delivery_status``: the mart only
knows months inside the cut-off range, which ends at the newest month with ANY accepted file —
if nobody has delivered the previous month yet, the mart does not even list it, and a check
built on it would report "nothing missing" exactly when everything is missing. The archive's
``versions.jsonl`` files are the source of truth for what arrived (store.py), and reading them
needs no warehouse lock. The rule for what is expected is the mart's (one rule, two readers):

- a project sends ``participants`` for every month from its start to its end month;
- a jobcenter sends ``followup`` and ``target_population`` for every month from the start
  month of its first project on (``schemas.codes.PROVIDER_KIND_EXTRACTS``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

from esf_monitor import store
from esf_monitor.paths import DataDir
from esf_monitor.safe_cells import write_safe_csv
from schemas.codes import PROVIDER_KIND_EXTRACTS

STATUS_DE = {
    "accepted": "angenommen",
    "corrected": "korrigiert",
    "rejected": "abgelehnt (keine gültige Fassung)",
    "missing": "fehlt",
}
#: statuses that leave the month without usable data from the provider: the check fails
NOT_DELIVERED = ("missing", "rejected")
REPORT_COLUMNS = [
    "provider_id",
    "provider_kind",
    "extract_type",
    "reporting_month",
    "status",
    "status_de",
    "versions",
    "first_arrived_at",
    "is_late",
]


def is_month(text: str) -> bool:
    return bool(re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text))


def previous_month(moment: datetime | date) -> str:
    """``YYYY-MM`` of the month before ``moment`` (the schedule passes its local tick time)."""
    year, month = (moment.year, moment.month - 1) if moment.month > 1 else (moment.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def deadline(month: str) -> str:
    """First moment that is late: the 11th of the next month, 00:00 (UTC, as arrival times)."""
    year, mon = int(month[:4]), int(month[5:])
    year, mon = (year, mon + 1) if mon < 12 else (year + 1, 1)
    return f"{year:04d}-{mon:02d}-11T00:00:00Z"


def expected_slots(registry: pl.DataFrame, month: str) -> list[tuple[str, str, str]]:
    """``(provider_id, provider_kind, extract_type)`` that must be delivered for ``month``."""
    out: list[tuple[str, str, str]] = []
    for row in registry.sort("project_id").iter_rows(named=True):
        if row["start_date"].strftime("%Y-%m") <= month <= row["end_date"].strftime("%Y-%m"):
            out += [(row["project_id"], "project", t) for t in PROVIDER_KIND_EXTRACTS["project"]]
    first = (
        registry.group_by("jobcenter_id").agg(pl.col("start_date").min().alias("first")).sort("jobcenter_id")
    )
    for jobcenter_id, first_start in first.iter_rows():
        if first_start.strftime("%Y-%m") <= month:
            out += [(jobcenter_id, "jobcenter", t) for t in PROVIDER_KIND_EXTRACTS["jobcenter"]]
    return out


@dataclass
class DeliveryCheck:
    month: str
    rows: pl.DataFrame  # REPORT_COLUMNS, one row per expected slot

    @property
    def not_delivered(self) -> pl.DataFrame:
        return self.rows.filter(pl.col("status").is_in(NOT_DELIVERED))

    @property
    def passed(self) -> bool:
        return self.not_delivered.height == 0

    def providers(self, *statuses: str) -> dict[str, list[str]]:
        """provider → its extract types with one of ``statuses`` (sorted, for messages)."""
        out: dict[str, list[str]] = {}
        for p, t in (
            self.rows.filter(pl.col("status").is_in(statuses))
            .select("provider_id", "extract_type")
            .iter_rows()
        ):
            out.setdefault(p, []).append(t)
        return out


def check_month(dd: DataDir, registry: pl.DataFrame, month: str) -> DeliveryCheck:
    late_from = deadline(month)
    rows = []
    for provider_id, kind, extract_type in expected_slots(registry, month):
        versions = store.read_versions(dd, provider_id, extract_type, month)
        accepted = sum(v.status == "accepted" for v in versions)
        status = (
            "corrected"
            if accepted > 1
            else "accepted"
            if accepted == 1
            else "rejected"
            if versions
            else "missing"
        )
        first = min((v.arrived_at for v in versions), default=None)
        rows.append(
            {
                "provider_id": provider_id,
                "provider_kind": kind,
                "extract_type": extract_type,
                "reporting_month": month,
                "status": status,
                "status_de": STATUS_DE[status],
                "versions": len(versions),
                "first_arrived_at": first,
                "is_late": None if first is None else first >= late_from,
            }
        )
    frame = pl.DataFrame(
        rows,
        schema={
            "provider_id": pl.Utf8,
            "provider_kind": pl.Utf8,
            "extract_type": pl.Utf8,
            "reporting_month": pl.Utf8,
            "status": pl.Utf8,
            "status_de": pl.Utf8,
            "versions": pl.Int64,
            "first_arrived_at": pl.Utf8,
            "is_late": pl.Boolean,
        },
    )
    return DeliveryCheck(month, frame)


def _listing(providers: dict[str, list[str]]) -> str:
    return "; ".join(f"{p} ({', '.join(types)})" for p, types in providers.items())


def summary(check: DeliveryCheck) -> tuple[str, str]:
    """The report's text: German, then English."""
    missing, rejected = check.providers("missing"), check.providers("rejected")
    late = check.providers("accepted", "corrected")
    late = {
        p: t
        for p, t in late.items()
        if check.rows.filter((pl.col("provider_id") == p) & pl.col("is_late")).height
    }
    n = check.rows.height
    de = [
        f"Lieferprüfung für den Berichtsmonat {check.month} (Frist: 10. des Folgemonats)",
        f"Erwartete Lieferungen: {n}, davon nicht geliefert: {check.not_delivered.height}.",
    ]
    en = [
        f"Delivery check for reporting month {check.month} (deadline: the 10th of the next month)",
        f"Expected extracts: {n}, not delivered: {check.not_delivered.height}.",
    ]
    if missing:
        de.append(f"Fehlend: {_listing(missing)}")
        en.append(f"Missing: {_listing(missing)}")
    if rejected:
        de.append(f"Nur abgelehnte Fassungen: {_listing(rejected)}")
        en.append(f"Only rejected versions: {_listing(rejected)}")
    if late:
        de.append(f"Verspätet geliefert: {_listing(late)}")
        en.append(f"Delivered late: {_listing(late)}")
    if check.passed:
        de.append("Alle erwarteten Lieferungen liegen vor.")
        en.append("Every expected extract has been delivered.")
    return "\n".join(de), "\n".join(en)


def report_dir(dd: DataDir) -> Path:
    return dd.reports / "_delivery_check"


def write_report(dd: DataDir, check: DeliveryCheck) -> tuple[Path, Path]:
    """``reports/_delivery_check/<YYYY-MM>.csv`` (``;`` + BOM: German Excel) and ``.txt``."""
    folder = report_dir(dd)
    folder.mkdir(parents=True, exist_ok=True)
    csv, txt = folder / f"{check.month}.csv", folder / f"{check.month}.txt"
    tmp = csv.with_name(f".{csv.name}.tmp")
    write_safe_csv(check.rows, tmp, separator=";", include_bom=True)
    os.replace(tmp, csv)
    de, en = summary(check)
    tmp = txt.with_name(f".{txt.name}.tmp")
    tmp.write_text(f"{de}\n\n{'-' * 72}\n\n{en}\n", encoding="utf-8")
    os.replace(tmp, txt)
    return csv, txt
