"""The roots of the lineage: files the pipeline reads but does not make (external assets).

Nobody materialises these in Dagster: the providers drop their uploads into ``landing/``,
the managing authority maintains the registries in ``reference/``. As ``AssetSpec``s they
stand at the left of the lineage graph, so an asset's upstream ends at a real file, not at
nothing (docs/data-folder.md describes each path).
"""

import dagster as dg

from esf_monitor.intake.registry import CHECKLIST_ITEMS_FILE, MUNICIPALITIES_FILE

SOURCES_GROUP = "sources"

landing = dg.AssetSpec(
    "landing",
    group_name=SOURCES_GROUP,
    kinds={"csv", "xlsx"},
    description="Eingangsordner / landing folder: landing/<provider>/<type>/<YYYY-MM>.<csv|xlsx>, "
    "the current upload of each slot (providers: esf-monitor upload, the portal, SFTP). Read by the "
    "landing scan (esf-monitor run, landing_sensor) and the raw_* assets; never written by them.",
    metadata={"path": "landing/<provider>/<type>/<YYYY-MM>.<csv|xlsx>"},
)


def reference(key: str, file: str, what: str, about: str, read_by: str) -> dg.AssetSpec:
    """One registry file of ``reference/`` (maintained by the managing authority)."""
    return dg.AssetSpec(
        key,
        group_name=SOURCES_GROUP,
        kinds={"csv"},
        description=f"{what} reference/{file} {about}. Read by {read_by}.",
        metadata={"path": f"reference/{file}"},
    )


reference_projects = reference(
    "reference_projects",
    "projects.csv",
    "Projektregister / project registry",
    "(managing authority, extract contract): projects, providers, targets",
    "registry and delivery_check",
)
reference_municipalities = reference(
    "reference_municipalities",
    MUNICIPALITIES_FILE,
    "Kommunenregister / municipality registry",
    "(process monitoring, optional)",
    "registry and delivery_check",
)
reference_checklist_items = reference(
    "reference_checklist_items",
    CHECKLIST_ITEMS_FILE,
    "Checklistenkatalog / checklist catalogue",
    "(process monitoring, optional)",
    "registry",
)

REFERENCE_SPECS = [reference_projects, reference_municipalities, reference_checklist_items]
SOURCE_SPECS = [landing, *REFERENCE_SPECS]
