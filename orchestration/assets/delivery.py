"""The monthly delivery check as an asset whose check fails, by name, for every missing provider.

Started by the schedule ``delivery_check_on_the_11th`` (orchestration/schedules.py) for the
previous month, or by hand in the UI with another ``month`` in the launchpad config. It reads
the registry file and the archive only (no warehouse lock), so it never waits for an ingest.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
from pydantic import Field

from esf_monitor import delivery_check as dc
from esf_monitor.intake import read_registry
from orchestration.assets.intake import raw_assets
from orchestration.assets.sources import REFERENCE_SPECS
from orchestration.resources import DataFolder

TIMEZONE = "Europe/Berlin"


class DeliveryCheckConfig(dg.Config):
    month: str = Field(
        default="",
        description="Berichtsmonat JJJJ-MM / reporting month YYYY-MM; "
        "empty = the month before today (Europe/Berlin)",
    )


@dg.asset(
    group_name="monitoring",
    # reads the registries and archive/**/versions.jsonl, which the raw_* assets write
    deps=[*REFERENCE_SPECS, *raw_assets],
    kinds={"csv"},
    check_specs=[
        dg.AssetCheckSpec(
            "all_providers_delivered",
            asset="delivery_check",
            description="Alle Absender haben den Monat geliefert / every provider delivered the "
            "month. Fails naming each provider whose extract(s) are missing or only rejected.",
        )
    ],
    description="Lieferprüfung / delivery check of one reporting month (default: the previous "
    "month): reports/_delivery_check/<YYYY-MM>.csv and .txt (German, then English). Config "
    "`month` = YYYY-MM to check another month.",
)
def delivery_check(config: DeliveryCheckConfig, data_folder: DataFolder):
    month = config.month or dc.previous_month(datetime.now(ZoneInfo(TIMEZONE)))
    if not dc.is_month(month):
        raise dg.Failure(f"'{month}' ist kein Monat JJJJ-MM / is not a month YYYY-MM")
    dd = data_folder.dd
    check = dc.check_month(dd, read_registry(dd.registry_csv), month)
    csv, txt = dc.write_report(dd, check)
    de, en = dc.summary(check)
    missing, rejected = check.providers("missing"), check.providers("rejected")
    counts = {s: check.rows.filter(check.rows["status"] == s).height for s in dc.STATUS_DE}
    yield dg.MaterializeResult(
        metadata={
            "month": month,
            "expected": check.rows.height,
            **counts,
            "report_csv": dg.MetadataValue.path(str(csv)),
            "report_txt": dg.MetadataValue.path(str(txt)),
            "summary": dg.MetadataValue.md(f"{de}\n\n{en}".replace("\n", "  \n")),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="all_providers_delivered",
                passed=check.passed,
                severity=dg.AssetCheckSeverity.ERROR,
                description=(
                    f"{month}: fehlt / missing: {', '.join(missing) or '-'}; "
                    f"nur abgelehnt / only rejected: {', '.join(rejected) or '-'}"
                ),
                metadata={
                    "month": month,
                    "missing_providers": ", ".join(missing) or "-",
                    "rejected_only_providers": ", ".join(rejected) or "-",
                    "missing": dg.MetadataValue.json(missing),
                    "rejected_only": dg.MetadataValue.json(rejected),
                },
            )
        ],
    )
